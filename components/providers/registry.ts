/**
 * Where each dynamic provider lives, by a stable key. The key is what the provider shim (shim.ts) writes into the
 * state of every dynamic resource, so keys are never renamed or reused; moving or splitting a provider file only
 * changes its line here, and existing stacks keep working.
 *
 * Loaded at run time by the shim, in Pulumi's dynamic-provider host; each provider module is required only when
 * a resource of its kind is operated on.
 */
import type * as pulumi from "@pulumi/pulumi";

export const providers: Record<string, () => pulumi.dynamic.ResourceProvider> = {
  enrollmentGroup: () => require("./enrollmentGroup").enrollmentGroupProvider,
  revokedDevice: () => require("./revokedDevice").revokedDeviceProvider,
  individualEnrollment: () => require("./individualEnrollment").individualEnrollmentProvider,
  caCertificate: () => require("./caCertificate").caCertificateProvider,
  dpsCertificate: () => require("./dpsCertificate").dpsCertificateProvider,
  caVerification: () => require("./caVerification").caVerificationProvider,
  caKeyRequest: () => require("./caKeyRequest").caKeyRequestProvider,
  tenantCertificate: () => require("./tenantCertificate").tenantCertificateProvider,
  tenantIssuer: () => require("./tenantIssuer").tenantIssuerProvider,
  adrNamespace: () => require("./adrNamespace").adrNamespaceProvider,
  adrCertificateAuthority: () => require("./adrCertificateAuthority").adrCertificateAuthorityProvider,
  adrCertificatePolicy: () => require("./adrCertificatePolicy").adrCertificatePolicyProvider,
};
