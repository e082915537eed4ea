/**
 * The `__provider` text of each dynamic resource class exactly as the SDK produces it: the classes are constructed
 * under Pulumi runtime mocks (pulumi.dynamic.Resource serializes its provider into the `__provider` input), and the
 * mock records what it is given. Run in a fresh process (`node -r ts-node/register/transpile-only`): the mocks must
 * be set before the resources are imported.
 *
 *   node -r ts-node/register/transpile-only test/support/serializedProviders.ts <out.json>
 */
import { writeFileSync } from "fs";
import * as pulumi from "@pulumi/pulumi";

export const RESOURCE_TYPES = {
  enrollmentGroup: "pulumi-nodejs:dynamic/dps-x509:EnrollmentGroup",
  revokedDevice: "pulumi-nodejs:dynamic/dps-x509:RevokedDevice",
  individualEnrollment: "pulumi-nodejs:dynamic/dps-x509:IndividualEnrollment",
  caCertificate: "pulumi-nodejs:dynamic/dps-x509:CaCertificate",
  dpsCertificateUpload: "pulumi-nodejs:dynamic/dps-x509:DpsCertificateUpload",
  caVerification: "pulumi-nodejs:dynamic/dps-x509:CaVerification",
  tenantCertificate: "pulumi-nodejs:dynamic/dps-x509:TenantCertificate",
  tenantIssuer: "pulumi-nodejs:dynamic/dps-x509:TenantIssuer",
  adrNamespace: "pulumi-nodejs:dynamic/dps-x509:AdrNamespace",
  adrCertificateAuthority: "pulumi-nodejs:dynamic/dps-x509:AdrCertificateAuthority",
  adrCertificatePolicy: "pulumi-nodejs:dynamic/dps-x509:AdrCertificatePolicy",
} as const;

async function main(out: string): Promise<void> {
  const providers: Record<string, string> = {};
  pulumi.runtime.setMocks(
    {
      newResource(args) {
        if (typeof args.inputs.__provider === "string") providers[args.type] = args.inputs.__provider;
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call(args) {
        throw new Error(`unexpected invoke ${args.token}`);
      },
    },
    "dps-x509",
    "test",
    false,
  );
  const { EnrollmentGroup } = await import("../../components/resources/enrollmentGroup");
  const { RevokedDevice } = await import("../../components/resources/revokedDevice");
  const { IndividualEnrollment } = await import("../../components/resources/individualEnrollment");
  const { CaCertificate } = await import("../../components/resources/caCertificate");
  const { DpsCertificateUpload } = await import("../../components/resources/dpsCertificateUpload");
  const { CaVerification } = await import("../../components/resources/caVerification");
  const { TenantCertificate } = await import("../../components/providers/tenantCertificate");
  const { TenantIssuer } = await import("../../components/providers/tenantIssuer");
  const adr = await import("../../components/deviceRegistry/resources");
  const host = "dps.azure-devices-provisioning.net";
  const target = { subscriptionId: "s", resourceGroupName: "rg", dpsName: "dps", certificateName: "c", certificatePem: "pem" };
  const made: pulumi.Resource[] = [
    new EnrollmentGroup("g", {
      enrollmentId: "g", primaryCaName: "c", provisioningStatus: "enabled", allocationPolicy: "hashed", iotHubHostNames: ["h.azure-devices.net"],
      reprovisionPolicy: "reprovisionandmigratedata", edgeEnabled: false, serviceHostName: host,
    }),
    new RevokedDevice("r", { registrationId: "r", certificatePem: "pem", serviceHostName: host }),
    new IndividualEnrollment("i", {
      registrationId: "i", certificatePem: "pem", provisioningStatus: "enabled", allocationPolicy: "hashed", iotHubHostNames: ["h.azure-devices.net"],
      reprovisionPolicy: "reprovisionandmigratedata", edgeEnabled: false, serviceHostName: host,
    }),
    new CaCertificate("ca", { role: "root", commonName: "c", keySize: 2048, validityDays: 1, providerVersion: "1" } as never),
    new DpsCertificateUpload("u", { ...target, isVerified: false }),
    new CaVerification("v", { ...target, caPrivateKeyPem: "key" }),
    new TenantIssuer("ti", { issuerName: "r", certificatePem: "pem", keyId: "https://v.vault.azure.net/keys/k/1" }),
    new TenantCertificate("t", { tenant: "t", caName: "t-ca", subject: "t-ca", subjectPublicKey: "spki", validityDays: 1, issuerThumbprint: "AB" }),
    new adr.AdrNamespace("n", { subscriptionId: "s", resourceGroupName: "rg", namespaceName: "ns", location: "eastus", identityType: "SystemAssigned", provisioningEndpoints: {} }),
    new adr.AdrCertificateAuthority("a", { subscriptionId: "s", resourceGroupName: "rg", namespaceName: "ns", location: "eastus", certificateAuthorityName: "ica", kind: "Root" }),
    new adr.AdrCertificatePolicy("p", { subscriptionId: "s", resourceGroupName: "rg", namespaceName: "ns", location: "eastus", certificateAuthorityName: "ica", certificatePolicyName: "pol", validityPeriodInDays: 7 }),
  ];
  await Promise.all(made.map((r) => new Promise((resolve) => (r as pulumi.CustomResource).id.apply(resolve))));
  // Let the last registrations reach the mock.
  await new Promise((resolve) => setTimeout(resolve, 200));
  writeFileSync(out, JSON.stringify(providers));
}

if (require.main === module) {
  main(process.argv[2]).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
