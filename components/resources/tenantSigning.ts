/**
 * Platform side: the listed tenants' intermediates, each signed by the platform's root from the tenant's CSR
 * (a TenantCertificate per CSR). Only certificates come out; the root signs with its key where it lives.
 */
import * as pulumi from "@pulumi/pulumi";
import type { IssuedCa } from "./certificateAuthority";
import { TenantCertificate } from "../providers/tenantCertificate";
import type { TenantCsrs } from "../tenant/tenantCsrs";

/** Validity of a tenant intermediate in days (clamped to the root's notAfter), as a platform intermediate's default. */
export const TENANT_INTERMEDIATE_VALIDITY_DAYS = 1825;

/** Certificates by tenant, then by CA name. */
export type TenantCertificates = Record<string, Record<string, pulumi.Output<string>>>;

export function declareTenantCertificates(parent: pulumi.Resource, name: string, read: TenantCsrs[], root: IssuedCa, rootKeyInVault: boolean): TenantCertificates {
  const certificates: TenantCertificates = {};
  for (const { tenant, csrs } of read) {
    for (const [caName, csrPem] of Object.entries(csrs)) {
      const certificate = new TenantCertificate(
        `${name}-tenant-${caName}`,
        {
          tenant,
          caName,
          csrPem,
          validityDays: TENANT_INTERMEDIATE_VALIDITY_DAYS,
          issuerCertificatePem: root.certificatePem,
          issuerPrivateKeyPem: rootKeyInVault ? undefined : root.privateKeyPem,
          issuerKeyId: rootKeyInVault ? root.keyId : undefined,
        },
        { parent, dependsOn: [root.resource] },
      );
      (certificates[tenant] ??= {})[caName] = certificate.certificatePem;
    }
  }
  return certificates;
}
