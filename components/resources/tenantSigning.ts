/**
 * Platform side: the listed tenants' intermediates, each signed by the platform's root from the tenant's CSR
 * (a TenantCertificate per CSR). Only certificates come out; the root signs with its key where it lives.
 *
 * The root's certificate and key (or key id) go to one signing resource, the TenantIssuer; every tenant certificate
 * names it by thumbprint (issue #26.2). Resource names and parents are those of before, so an existing platform's
 * tenant certificates keep their URNs (no alias is needed) and move to the compact shape by an in-place update.
 */
import * as pulumi from "@pulumi/pulumi";
import type { IssuedCa } from "./certificateAuthority";
import { TenantCertificate, subjectPublicKeyOf } from "../providers/tenantCertificate";
import { TenantIssuer } from "../providers/tenantIssuer";
import type { HeldBackTenants, TenantCsrs } from "../tenant/tenantCsrs";
import { tenantCaSubject } from "../tenant/tenantCsrs";

/** Validity of a tenant intermediate in days (clamped to the root's notAfter), as a platform intermediate's default. */
export const TENANT_INTERMEDIATE_VALIDITY_DAYS = 1825;

/** Certificates by tenant, then by CA name (empty: a tenant held back before its first certificate). */
export type TenantCertificates = Record<string, Record<string, pulumi.Output<string>>>;

export function declareTenantCertificates(
  parent: pulumi.Resource,
  name: string,
  read: TenantCsrs[],
  root: IssuedCa,
  rootKeyInVault: boolean,
  heldBack: HeldBackTenants = new Map(),
): TenantCertificates {
  const certificates: TenantCertificates = {};
  const withCsrs = read.filter(({ csrs }) => Object.keys(csrs).length > 0);
  if (!withCsrs.length) return certificates;
  const issuer = new TenantIssuer(
    `${name}-tenant-issuer`,
    {
      issuerName: root.name,
      certificatePem: root.certificatePem,
      privateKeyPem: rootKeyInVault ? undefined : root.privateKey,
      keyId: rootKeyInVault ? root.keyId : undefined,
    },
    { parent, dependsOn: [root.resource] },
  );
  for (const { tenant, csrs } of withCsrs) {
    const held = heldBack.get(tenant);
    for (const [caName, csrPem] of Object.entries(csrs)) {
      // A name without the tenant's prefix is not the tenant's to ask for: nothing was ever signed under it.
      if (!caName.toLowerCase().startsWith(`${tenant}-`)) continue;
      const certificate = new TenantCertificate(
        `${name}-tenant-${caName}`,
        {
          tenant,
          caName,
          subject: tenantCaSubject(caName),
          // A held-back tenant's CSR may not parse: its key is not needed (nothing is signed for it).
          subjectPublicKey: held ? "" : subjectPublicKeyOf(csrPem, `the CSR of ${caName}`),
          validityDays: TENANT_INTERMEDIATE_VALIDITY_DAYS,
          issuerThumbprint: issuer.thumbprint,
          ...(held ? { heldBack: held } : {}),
        },
        { parent, dependsOn: [issuer] },
      );
      (certificates[tenant] ??= {})[caName] = certificate.certificatePem;
    }
  }
  return certificates;
}
