/**
 * Checks of `dps-x509:deviceRegistry` against the limits Azure documents, before anything is declared: name patterns
 * (spec), one Root and at most three ICAs per namespace, one policy per ICA, device certificate validity 1–90 days,
 * an External ICA's issuer being an EC CA of this stack, and enrollments naming a namespace, CA and policy declared here.
 */
import { X509Certificate } from "crypto";
import { parseCertificatePem } from "../../certs/parse";
import type { Problem } from "../config/problems";
import type { CaEntryAt } from "../config/schema";
import { issuerOf, type DeviceRegistryConfig, type EnrollmentDeviceRegistry } from "./schema";
import { REVOKE_AND_ROTATE_KINDS } from "../providers/adrCertificateAuthority";

export const ADR_NAMES = {
  namespace: { pattern: /^[a-z0-9][a-z0-9-]*[a-z0-9]$/, min: 3, max: 64, rule: "3–64 lower-case letters, digits and hyphens, starting and ending with a letter or digit" },
  child: { pattern: /^[0-9a-zA-Z][a-zA-Z0-9-]*$/, min: 3, max: 63, rule: "3–63 letters, digits and hyphens, starting with a letter or digit" },
} as const;
export const ADR_LIMITS = { roots: 1, icas: 3, minValidityDays: 1, maxValidityDays: 90 } as const;

function nameProblem(path: string, value: string, rule: (typeof ADR_NAMES)[keyof typeof ADR_NAMES]): Problem[] {
  return value.length < rule.min || value.length > rule.max || !rule.pattern.test(value) ? [{ path, value, message: `allowed: ${rule.rule}` }] : [];
}

/** Whether a CA of the stack has an EC key: a brought CA by its certificate's key, a generated one by `keyType`. */
export function caIsEc(entry: CaEntryAt["entry"]): boolean {
  if (entry.certificatePem) {
    try {
      return new X509Certificate(entry.certificatePem).publicKey.asymmetricKeyType === "ec";
    } catch {
      return false; // the CA checks report the certificate itself
    }
  }
  return entry.keyType === "EC";
}

/**
 * Whether a CA of the stack may sign another CA (the ICA): a brought CA by its basicConstraints path length (unset or
 * at least 1); a generated root has path length 1, a generated intermediate 0 (certs/profiles.ts).
 */
export function caMaySignCa(at: CaEntryAt): boolean {
  if (at.entry.certificatePem) {
    try {
      const pathLength = parseCertificatePem(at.entry.certificatePem).extensions.basicConstraints?.pathLength;
      return pathLength === undefined || pathLength >= 1;
    } catch {
      return true; // reported by the CA checks
    }
  }
  return at.path === "ca.root";
}

export function checkDeviceRegistry(adr: DeviceRegistryConfig | undefined, stackCas: CaEntryAt[]): Problem[] {
  if (!adr) return [];
  const at = "deviceRegistry";
  const problems: Problem[] = [...nameProblem(`${at}.namespace.name`, adr.namespace.name, ADR_NAMES.namespace)];
  const seen = new Map<string, number>();
  const microsoft = adr.certificateAuthorities.some((ca) => issuerOf(ca).kind === "microsoft");
  if (microsoft) problems.push(...nameProblem(`${at}.rootName`, adr.rootName, ADR_NAMES.child));
  if (adr.certificateAuthorities.length > ADR_LIMITS.icas) {
    problems.push({ path: `${at}.certificateAuthorities`, value: `${adr.certificateAuthorities.length} entries`, message: `a namespace holds at most ${ADR_LIMITS.icas} intermediate CAs (and ${ADR_LIMITS.roots} root)` });
  }
  adr.certificateAuthorities.forEach((ca, i) => {
    const path = `${at}.certificateAuthorities[${i}]`;
    problems.push(...nameProblem(`${path}.name`, ca.name, ADR_NAMES.child));
    problems.push(...nameProblem(`${path}.policy.name`, ca.policy.name, ADR_NAMES.child));
    const lower = ca.name.toLowerCase();
    if (seen.has(lower) || (microsoft && lower === adr.rootName.toLowerCase())) {
      problems.push({ path: `${path}.name`, value: ca.name, message: `is already the name of ${seen.has(lower) ? `certificateAuthorities[${seen.get(lower)}]` : "the namespace's root (rootName)"}; CA names are unique in a namespace (case-insensitive)` });
    }
    seen.set(lower, i);
    const days = ca.policy.validityDays;
    if (days < ADR_LIMITS.minValidityDays || days > ADR_LIMITS.maxValidityDays) {
      problems.push({ path: `${path}.policy.validityDays`, value: days, message: `allowed: ${ADR_LIMITS.minValidityDays}–${ADR_LIMITS.maxValidityDays} days (device certificates ADR issues)` });
    }
    const issuer = issuerOf(ca);
    if (issuer.kind === "external") {
      const stackCa = stackCas.find(({ entry }) => entry.name === issuer.caName);
      if (!stackCa) {
        problems.push({ path: `${path}.issuer.external.caName`, value: issuer.caName, message: `names no CA of this stack; allowed: ${stackCas.map(({ entry }) => entry.name).join(", ")}` });
      } else if (!caIsEc(stackCa.entry)) {
        problems.push({ path: `${path}.issuer.external.caName`, value: issuer.caName, message: `${stackCa.path} has an RSA key; ADR accepts an ICA signed with ECDSA only: give it keyType: EC (P-256, P-384 or P-521)` });
      } else if (!caMaySignCa(stackCa)) {
        problems.push({ path: `${path}.issuer.external.caName`, value: issuer.caName, message: `${stackCa.path} may not sign a CA (path length 0: a generated intermediate signs devices only); name the root, or bring an intermediate with path length 1 or more` });
      }
      if (ca.rotation !== undefined && !REVOKE_AND_ROTATE_KINDS.has("ExternalIca")) problems.push({ path: `${path}.rotation`, value: ca.rotation, message: "revokeAndRotate is not supported for an External ICA (docs/device-registry.md#revoke-and-rotate); re-sign it by changing its issuer" });
    } else if (ca.renewBeforeDays !== undefined) {
      problems.push({ path: `${path}.renewBeforeDays`, value: ca.renewBeforeDays, message: "applies to an External ICA only (ADR renews a Microsoft ICA itself)" });
    }
  });
  return problems;
}

/** An enrollment's `deviceRegistry` names the namespace, one of its CAs and that CA's policy. */
export function checkEnrollmentDeviceRegistry(path: string, ref: EnrollmentDeviceRegistry | undefined, adr: DeviceRegistryConfig | undefined): Problem[] {
  if (!ref) return [];
  const at = `${path}.deviceRegistry`;
  if (!adr) return [{ path: at, value: ref.namespaceName, message: "names a Device Registry namespace, but the stack declares none (dps-x509:deviceRegistry)" }];
  if (ref.namespaceName !== adr.namespace.name) return [{ path: `${at}.namespaceName`, value: ref.namespaceName, message: `allowed: ${adr.namespace.name} (the stack's namespace)` }];
  const ca = adr.certificateAuthorities.find((c) => c.name === ref.certificateAuthorityName);
  if (!ca) return [{ path: `${at}.certificateAuthorityName`, value: ref.certificateAuthorityName, message: `allowed: ${adr.certificateAuthorities.map((c) => c.name).join(", ")}` }];
  if (ca.policy.name !== ref.certificatePolicyName) return [{ path: `${at}.certificatePolicyName`, value: ref.certificatePolicyName, message: `allowed: ${ca.policy.name} (the policy of ${ca.name})` }];
  return [];
}
