/**
 * The DPS service API (2021-10-01) JSON of an X.509 enrollment group, both ways: the body that is PUT
 * (and that the offline plan prints), the spec read back from what the service returns, the check of a spec
 * before anything is sent, and which fields differ between two specs. Pure: no I/O, no Pulumi.
 *
 * A group attests by CA reference (`caReferences`, the default) or by signing certificate (`signingCertificates`:
 * the CA's certificate held in the group, no CA slot, no proof of possession); see x509Attestation.ts.
 */
import {
  attestationOfRecord,
  caReferencesAttestation,
  type GroupAttestation,
  signingCertificatesAttestation,
  thumbprintOf,
} from "./x509Attestation";
import {
  allocationPolicies,
  canonicalJson,
  type EnrollmentFields,
  enrollmentFieldsFromRecord,
  enrollmentRequestFields,
  provisioningStatuses,
  reprovisionPolicyNames,
} from "./enrollmentFields";
import { deviceRegistryProblems } from "./deviceRegistryNames";

// The common fields live in enrollmentFields.ts; re-exported for the modules that import them from here.
export { allocationPolicies, canonicalJson, enrollmentFieldsFromRecord, enrollmentRequestFields, provisioningStatuses, reprovisionPolicyNames };
export type { EnrollmentFields };

/** An enrollment group: its id and attestation, and what every enrollment carries (EnrollmentFields). */
export interface EnrollmentGroupSpec extends EnrollmentFields {
  enrollmentId: string;
  /** The CA devices chain to (its DPS certificate name; with a signing certificate, the CA's name in the stack). */
  primaryCaName: string;
  secondaryCaName?: string;
  /** Absent: caReference (groups made before signing certificates existed keep their state). */
  attestation?: GroupAttestation;
  /** signingCertificate: the PEM of the CA named primaryCaName, held in the group. */
  primaryCertificatePem?: string;
  /** signingCertificate: the PEM of the CA named secondaryCaName. */
  secondaryCertificatePem?: string;
  /** Read back from a signing-certificate group: the thumbprints it holds (the service returns no certificate). */
  primaryThumbprint?: string;
  secondaryThumbprint?: string;
}

/**
 * The request body of `PUT /enrollmentGroups/{id}`. Every field the group can carry is written, so that a PUT
 * (which replaces the whole record) also clears what the configuration no longer sets: an absent initial twin
 * is sent as an empty one. `customAllocationDefinition` only for the custom policy, `secondary` only when set.
 */
export function enrollmentGroupRequestBody(spec: EnrollmentGroupSpec): Record<string, unknown> {
  const attestation = spec.attestation === "signingCertificate"
    ? signingCertificatesAttestation(spec.primaryCertificatePem as string, spec.secondaryCertificatePem)
    : caReferencesAttestation(spec.primaryCaName, spec.secondaryCaName);
  return { enrollmentGroupId: spec.enrollmentId, attestation, ...enrollmentRequestFields(spec) };
}

/**
 * The spec a group record returned by the service describes, with the service's documented defaults for
 * absent fields (provisioningStatus enabled, reprovision true/true, iotEdge false). A reprovision policy that
 * is none of the three names (e.g. set by hand to update=false, migrate=true) is kept as a descriptive label
 * so that it shows as a difference instead of being folded into "never". A signing-certificate group is read
 * back as the thumbprints it holds (the service returns no certificate and no CA name).
 */
export function specFromEnrollmentGroupRecord(record: Record<string, any>): EnrollmentGroupSpec {
  const held = attestationOfRecord(record);
  const spec = { enrollmentId: record?.enrollmentGroupId, ...enrollmentFieldsFromRecord(record) } as EnrollmentGroupSpec;
  if (held.kind === "signingCertificates") {
    spec.attestation = "signingCertificate";
    if (held.primary) spec.primaryThumbprint = held.primary;
    if (held.secondary) spec.secondaryThumbprint = held.secondary;
  } else {
    spec.primaryCaName = held.primary as string;
    if (held.secondary) spec.secondaryCaName = held.secondary;
  }
  return spec;
}

/**
 * The body as compared: a held certificate stands as its SHA-256 thumbprint (what the service gives back), so that a
 * spec from config (PEM) and a spec read back (thumbprint) of the same certificate are equal.
 */
export function comparableEnrollmentGroupBody(spec: EnrollmentGroupSpec): Record<string, unknown> {
  if (spec.attestation !== "signingCertificate") return enrollmentGroupRequestBody(spec);
  const thumb = (pem: string | undefined, read: string | undefined) => thumbprintOf(pem) ?? read ?? (pem ? `unparsable:${pem.length}` : undefined);
  const signingCertificates: Record<string, unknown> = { primary: { sha256Thumbprint: thumb(spec.primaryCertificatePem, spec.primaryThumbprint) } };
  const secondary = thumb(spec.secondaryCertificatePem, spec.secondaryThumbprint);
  if (secondary) signingCertificates.secondary = { sha256Thumbprint: secondary };
  return { enrollmentGroupId: spec.enrollmentId, attestation: { type: "x509", x509: { signingCertificates } }, ...enrollmentRequestFields(spec) };
}

/** The spec fields by which two specs' request bodies differ, in a fixed order (values are never included). */
export function changedEnrollmentGroupFields(a: EnrollmentGroupSpec, b: EnrollmentGroupSpec): string[] {
  const x = comparableEnrollmentGroupBody(a) as Record<string, any>;
  const y = comparableEnrollmentGroupBody(b) as Record<string, any>;
  const held = (g: Record<string, any>, which: "primary" | "secondary") => {
    const x509 = g.attestation.x509;
    return x509.caReferences ? x509.caReferences[which] : x509.signingCertificates?.[which]?.sha256Thumbprint;
  };
  const fields: Array<[string, (body: Record<string, any>) => unknown]> = [
    ["enrollmentId", (g) => String(g.enrollmentGroupId ?? "").toLowerCase()],
    ["attestation", (g) => Object.keys(g.attestation.x509)[0]],
    ["primaryCaName", (g) => held(g, "primary")],
    ["secondaryCaName", (g) => held(g, "secondary")],
    ["provisioningStatus", (g) => g.provisioningStatus],
    ["allocationPolicy", (g) => g.allocationPolicy],
    ["iotHubHostNames", (g) => (g.iotHubs as string[]).map((h) => String(h).toLowerCase())],
    ["customAllocation", (g) => g.customAllocationDefinition],
    ["initialTwin.tags", (g) => g.initialTwin.tags],
    ["initialTwin.properties.desired", (g) => g.initialTwin.properties.desired],
    ["reprovisionPolicy", (g) => g.reprovisionPolicy],
    ["edgeEnabled", (g) => g.capabilities.iotEdge],
    ["deviceRegistry", (g) => [g.namespaceName, g.certificateAuthorityName, g.certificatePolicyName]],
  ];
  return fields.filter(([, get]) => canonicalJson(get(x)) !== canonicalJson(get(y))).map(([name]) => name);
}

/**
 * The DPS rule for enrollment and registration ids: 1 to 128 characters, letters, digits and `- . _ :`,
 * no special character first or last.
 */
export function isValidEnrollmentId(id: unknown): id is string {
  return typeof id === "string" && id.length >= 1 && id.length <= 128
    && /^[A-Za-z0-9](?:[A-Za-z0-9\-._:]*[A-Za-z0-9])?$/.test(id);
}

export const enrollmentIdRule = "1 to 128 characters: letters, digits and - . _ : with no special character first or last";

export interface SpecProblem {
  /** The field at fault, as named in EnrollmentGroupSpec. */
  readonly property: string;
  /** What is wrong: the value (never a secret) and what is allowed. */
  readonly reason: string;
}

/**
 * What is wrong with a spec, before anything is sent: required fields, enum values, the id rule, static ⇒
 * exactly one hub, custom ⇒ webhook URL and API version, a hub list needs a policy. `isUnknown` lets
 * callers skip values not known yet (a Pulumi preview). The webhook URL is never echoed (it carries a key).
 */
export function enrollmentGroupSpecProblems(spec: Partial<Record<keyof EnrollmentGroupSpec, unknown>>, isUnknown: (v: unknown) => boolean = () => false): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const known = (v: unknown) => v !== undefined && v !== null && !isUnknown(v);
  const show = (v: unknown) => JSON.stringify(v);
  const add = (property: string, reason: string) => problems.push({ property, reason });

  if (!isUnknown(spec.enrollmentId)) {
    if (!known(spec.enrollmentId) || spec.enrollmentId === "") add("enrollmentId", "is required");
    else if (!isValidEnrollmentId(spec.enrollmentId)) add("enrollmentId", `${show(spec.enrollmentId)} is not a valid enrollment id: ${enrollmentIdRule}`);
  }
  for (const key of ["primaryCaName", "secondaryCaName"] as const) {
    const v = spec[key];
    if (isUnknown(v)) continue;
    if (key === "primaryCaName" && (!known(v) || v === "")) add(key, "is required: the name of a verified CA certificate in the DPS");
    else if (known(v) && (typeof v !== "string" || v.trim() === "")) add(key, `${show(v)} must be a non-empty certificate name`);
  }
  problems.push(...signingCertificateProblems(spec, isUnknown));
  const enumCheck = (key: keyof EnrollmentGroupSpec, allowed: readonly string[]) => {
    const v = spec[key];
    if (isUnknown(v)) return;
    if (!known(v)) add(key, `is required: one of ${allowed.join(" | ")}`);
    else if (!allowed.includes(v as string)) add(key, `${show(v)} is not allowed: one of ${allowed.join(" | ")} (exact casing)`);
  };
  enumCheck("provisioningStatus", provisioningStatuses);
  enumCheck("allocationPolicy", allocationPolicies);
  enumCheck("reprovisionPolicy", reprovisionPolicyNames);
  if (!isUnknown(spec.edgeEnabled) && typeof spec.edgeEnabled !== "boolean") add("edgeEnabled", `${show(spec.edgeEnabled)} must be true or false`);
  problems.push(...deviceRegistryProblems(spec.deviceRegistry, isUnknown));

  const hubs = spec.iotHubHostNames;
  if (!isUnknown(hubs)) {
    if (!Array.isArray(hubs)) add("iotHubHostNames", "is required: a list of linked IoT hub host names");
    else {
      hubs.forEach((h, i) => {
        if (isUnknown(h)) return;
        if (typeof h !== "string" || !/^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/.test(h)) {
          add(`iotHubHostNames[${i}]`, `${show(h)} is not a host name (e.g. myhub.azure-devices.net)`);
        }
      });
      const lower = hubs.filter((h) => typeof h === "string").map((h) => (h as string).toLowerCase());
      const dup = lower.find((h, i) => lower.indexOf(h) !== i);
      if (dup) add("iotHubHostNames", `${show(dup)} is listed twice`);
      if (spec.allocationPolicy === "static" && hubs.length !== 1 && !hubs.some(isUnknown)) {
        add("iotHubHostNames", `the static allocation policy needs exactly one IoT hub; ${hubs.length} given`);
      }
    }
  }

  const ca = spec.customAllocation as { webhookUrl?: unknown; apiVersion?: unknown } | undefined;
  if (spec.allocationPolicy === "custom" && !isUnknown(ca)) {
    if (!known(ca)) add("customAllocation", "the custom allocation policy needs customAllocation { webhookUrl, apiVersion }");
    else {
      if (!isUnknown(ca!.webhookUrl)) {
        if (typeof ca!.webhookUrl !== "string" || ca!.webhookUrl === "") add("customAllocation.webhookUrl", "is required for the custom allocation policy");
        else if (!/^https:\/\/[^\s/]+/i.test(ca!.webhookUrl)) add("customAllocation.webhookUrl", "must be an https:// URL (value not shown: it may carry a function key)");
      }
      if (!isUnknown(ca!.apiVersion) && (typeof ca!.apiVersion !== "string" || !/^\d{4}-\d{2}-\d{2}(-preview)?$/.test(ca!.apiVersion))) {
        add("customAllocation.apiVersion", `${show(ca!.apiVersion)} must be an API version such as "2021-10-01"`);
      }
    }
  } else if (known(spec.allocationPolicy) && spec.allocationPolicy !== "custom" && known(ca)) {
    add("customAllocation", `is only used with the custom allocation policy, not ${show(spec.allocationPolicy)}`);
  }

  const twin = spec.initialTwin as { tags?: unknown; properties?: { desired?: unknown } } | undefined;
  if (known(twin)) {
    const isObj = (v: unknown) => v !== null && typeof v === "object" && !Array.isArray(v);
    if (!isObj(twin)) add("initialTwin", "must be an object { tags?, properties?: { desired? } }");
    else {
      if (known(twin!.tags) && !isObj(twin!.tags)) add("initialTwin.tags", "must be an object");
      if (known(twin!.properties) && !isObj(twin!.properties)) add("initialTwin.properties", "must be an object { desired? }");
      else if (known(twin!.properties?.desired) && !isObj(twin!.properties!.desired)) add("initialTwin.properties.desired", "must be an object");
      const extra = Object.keys(twin!).filter((k) => k !== "tags" && k !== "properties");
      if (extra.length) add("initialTwin", `unknown field(s) ${extra.join(", ")}: allowed are tags and properties.desired`);
    }
  }
  return problems;
}

/** A signing-certificate group holds the PEM of each CA it names; a CA-reference group holds none. Values are not echoed. */
function signingCertificateProblems(spec: Partial<Record<keyof EnrollmentGroupSpec, unknown>>, isUnknown: (v: unknown) => boolean): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const kind = spec.attestation;
  if (isUnknown(kind)) return problems;
  if (kind !== undefined && kind !== null && kind !== "caReference" && kind !== "signingCertificate") {
    return [{ property: "attestation", reason: `${JSON.stringify(kind)} is not allowed: one of caReference | signingCertificate` }];
  }
  const pairs = [["primaryCertificatePem", "primaryCaName"], ["secondaryCertificatePem", "secondaryCaName"]] as const;
  for (const [pemKey, nameKey] of pairs) {
    const pem = spec[pemKey];
    if (isUnknown(pem)) continue;
    const given = pem !== undefined && pem !== null && pem !== "";
    if (kind === "signingCertificate") {
      const named = spec[nameKey] !== undefined && spec[nameKey] !== null;
      if (named && !given) problems.push({ property: pemKey, reason: `is required with the signingCertificate attestation: the certificate (PEM) of CA ${JSON.stringify(spec[nameKey])}` });
      else if (given && thumbprintOf(pem) === undefined) problems.push({ property: pemKey, reason: "is not an X.509 certificate in PEM (value not shown)" });
    } else if (given) {
      problems.push({ property: pemKey, reason: "is only used with the signingCertificate attestation; a caReference group names its CA only" });
    }
  }
  return problems;
}
