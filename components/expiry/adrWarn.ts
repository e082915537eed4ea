/**
 * `pulumi up` (and preview, where the state knows them) warns about each External ICA of the Device Registry that is
 * close to expiry or that Azure reports ActiveButPendingRenewal: the same window the provider re-signs in, so the
 * warning says what this `up` (or the next) does about it.
 */
import * as pulumi from "@pulumi/pulumi";
import type { AdrCertificateAuthority } from "../deviceRegistry/resources";
import { DEFAULT_RENEW_BEFORE_DAYS } from "../providers/adrCertificateAuthority";
import { expiryFinding } from "./expiring";

export function warnExpiringAdrCas(cas: ReadonlyMap<string, { resource: AdrCertificateAuthority; renewBeforeDays?: number; external: boolean }>): void {
  for (const [name, ca] of cas) {
    if (!ca.external) continue;
    pulumi.all([ca.resource.validityNotAfter, ca.resource.status]).apply(([notAfter, status]) => {
      if (status === "ActiveButPendingRenewal") {
        pulumi.log.warn(`Device Registry ICA ${name}: Azure reports ActiveButPendingRenewal; \`up\` re-signs and re-activates it`, ca.resource);
        return;
      }
      if (typeof notAfter !== "string" || notAfter === "") return;
      const finding = expiryFinding({ subject: `Device Registry ICA ${name}`, notAfter, renewBeforeDays: ca.renewBeforeDays ?? DEFAULT_RENEW_BEFORE_DAYS });
      if (finding) pulumi.log.warn(`${finding.message}; \`up\` re-signs and re-activates it`, ca.resource);
    });
  }
}
