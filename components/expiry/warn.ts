/**
 * `pulumi up` (and preview, where the state already knows the certificates) warns about every CA certificate
 * close to expiry: the stack's own (generated or brought) and the copy on the DPS when it differs.
 */
import * as pulumi from "@pulumi/pulumi";
import type { CertificateAuthority } from "../resources/certificateAuthority";
import type { VerifiedCaCertificate } from "../resources/verifiedCaCertificate";
import type { DeclaredCa } from "../rotation/apply";
import { expiryFinding } from "./expiring";

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const known = (value: unknown): value is string => typeof value === "string" && value !== "" && value !== UNKNOWN;

export function warnExpiringCas(entries: readonly DeclaredCa[], ca: CertificateAuthority, verified: ReadonlyMap<string, VerifiedCaCertificate>): void {
  for (const entry of entries) {
    const issued = ca.certificates[entry.name];
    if (!issued) continue;
    const onDps = verified.get(entry.name)?.certificate.expiry;
    pulumi.all([issued.notAfter, onDps ?? ""]).apply(([notAfter, dpsExpiry]) => {
      const own = known(notAfter)
        ? expiryFinding({ subject: `CA ${entry.name}`, notAfter, renewBeforeDays: entry.renewBeforeDays, configPath: entry.configPath ? entry.configPath.replace(/\.rotation$/, "") : undefined })
        : undefined;
      if (own) pulumi.log.warn(own.message, issued.resource);
      // The DPS's copy, when it is another certificate than the stack's (a different date).
      if (known(dpsExpiry) && (!known(notAfter) || Math.abs(Date.parse(dpsExpiry) - Date.parse(notAfter)) > 1000)) {
        const onDpsFinding = expiryFinding({ subject: `DPS certificate ${entry.name}`, notAfter: dpsExpiry, renewBeforeDays: entry.renewBeforeDays });
        if (onDpsFinding) pulumi.log.warn(onDpsFinding.message, verified.get(entry.name)!.certificate);
      }
    });
  }
}
