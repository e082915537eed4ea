/**
 * The three Azure Device Registry names an enrollment (group or individual) carries at DPS service API 2026-11-01:
 * `namespaceName`, `certificateAuthorityName`, `certificatePolicyName` (top-level fields of EnrollmentGroup and
 * IndividualEnrollment in azure-rest-api-specs …/DeviceProvisioningServices/stable/2026-11-01/service.json). With them,
 * DPS forwards the CSR a device sends at registration to that CA, which issues the device its certificate under that
 * policy. The enrollment's attestation stays what it was: the device's onboarding credential (X.509 in this project).
 *
 * The swagger makes each name optional; this project sends the three together or none (open question 6 of
 * docs/device-registry-devices.md: a CA without its policy, or a policy without its CA, issues nothing). Pure.
 */

/** The names as the stack declares them (config key `deviceRegistry` of an enrollment). */
export interface DeviceRegistryNames {
  readonly namespaceName: string;
  readonly certificateAuthorityName: string;
  readonly certificatePolicyName: string;
}

/** The DPS service API version of classic enrollments, and the one that knows the ADR names. */
export const CLASSIC_SERVICE_API_VERSION = "2021-10-01";
export const ADR_SERVICE_API_VERSION = "2026-11-01";

/** The swagger's patterns and lengths (service.json 2026-11-01). */
export const NAMESPACE_NAME_RULE = { pattern: /^[a-z0-9][a-z0-9-]*[a-z0-9]$/, min: 3, max: 64, text: "3 to 64 lower-case letters, digits and -, starting and ending with a letter or digit" };
export const CA_OR_POLICY_NAME_RULE = { pattern: /^[0-9a-zA-Z][a-zA-Z0-9-]*$/, min: 3, max: 63, text: "3 to 63 letters, digits and -, starting with a letter or digit" };

const FIELDS = [
  ["namespaceName", NAMESPACE_NAME_RULE],
  ["certificateAuthorityName", CA_OR_POLICY_NAME_RULE],
  ["certificatePolicyName", CA_OR_POLICY_NAME_RULE],
] as const;

/** The record's fields the names are sent as (an enrollment provider's managed fields). */
export const DEVICE_REGISTRY_FIELDS = ["namespaceName", "certificateAuthorityName", "certificatePolicyName"] as const;

/** The API version an enrollment's requests use: 2026-11-01 when it carries (or carried) ADR names, else 2021-10-01. */
export function serviceApiVersionFor(...specs: Array<{ deviceRegistry?: unknown } | undefined>): string {
  return specs.some((s) => s?.deviceRegistry !== undefined && s?.deviceRegistry !== null) ? ADR_SERVICE_API_VERSION : CLASSIC_SERVICE_API_VERSION;
}

/** The body fields of the names (none for a classic enrollment). */
export function deviceRegistryRequestFields(names: DeviceRegistryNames | undefined): Record<string, string> {
  if (!names) return {};
  return { namespaceName: names.namespaceName, certificateAuthorityName: names.certificateAuthorityName, certificatePolicyName: names.certificatePolicyName };
}

/** The names a record carries, when it carries any (a partial set read back shows as such: drift to put back). */
export function deviceRegistryFieldsOf(record: Record<string, unknown> | undefined): DeviceRegistryNames | undefined {
  const present = FIELDS.filter(([key]) => typeof record?.[key] === "string" && record[key] !== "");
  if (!present.length) return undefined;
  return Object.fromEntries(present.map(([key]) => [key, record![key]])) as unknown as DeviceRegistryNames;
}

/** What is wrong with declared names: the three together, each by its swagger rule. Names are not secrets: shown. */
export function deviceRegistryProblems(value: unknown, isUnknown: (v: unknown) => boolean = () => false): Array<{ property: string; reason: string }> {
  if (value === undefined || value === null || isUnknown(value)) return [];
  if (typeof value !== "object" || Array.isArray(value)) {
    return [{ property: "deviceRegistry", reason: "must be { namespaceName, certificateAuthorityName, certificatePolicyName }" }];
  }
  const names = value as Record<string, unknown>;
  const problems: Array<{ property: string; reason: string }> = [];
  const extra = Object.keys(names).filter((k) => !FIELDS.some(([key]) => key === k));
  if (extra.length) problems.push({ property: "deviceRegistry", reason: `unknown field(s) ${extra.join(", ")}: allowed are ${FIELDS.map(([k]) => k).join(", ")}` });
  for (const [key, rule] of FIELDS) {
    const v = names[key];
    if (isUnknown(v)) continue;
    if (v === undefined || v === null || v === "") {
      problems.push({ property: `deviceRegistry.${key}`, reason: "is required: the namespace, its certificate authority and that CA's policy go together" });
    } else if (typeof v !== "string" || v.length < rule.min || v.length > rule.max || !rule.pattern.test(v)) {
      problems.push({ property: `deviceRegistry.${key}`, reason: `${JSON.stringify(v)} is not allowed: ${rule.text}` });
    }
  }
  return problems;
}
