/**
 * Like recordLegacyState.ts, for the other three dynamic resources: a revoked device (DPS service, SAS key), a DPS
 * certificate upload and its proof of possession (ARM), recorded through Pulumi's real dynamic-provider host with the
 * `__provider` texts that commit b4d9e8a's SDK serialization produced (the whole provider closures), given as a JSON
 * file `{ <resource type>: <text> }` serialized from that commit by test/support/serializedProviders.ts.
 * Written to test/fixtures/legacy-certificate-state.json; replayed by test/legacyState.host.test.ts.
 *
 * Not committed: the DPS key (placeholder), the CA's and the device issuer's private keys (the CA key in the
 * verification's inputs becomes a placeholder; the test gives the matching key), the local ARM server's address.
 *
 *   node azure-test-servers/with-test-tls.js node -r ts-node/register/transpile-only \
 *     test/support/recordLegacyCertificateState.ts <providers-from-b4d9e8a.json>
 */
import { readFileSync, writeFileSync } from "fs";
import * as path from "path";
import { createRootCa, createVerificationCertificate } from "../../certs";
import { startArmServer } from "../../azure-test-servers/armServer";
import { DynamicProviderHost, urnOf } from "../../azure-test-servers/dynamicProviderHost";
import { FakeDpsServiceServer } from "../../azure-test-servers/dpsServiceServer";
import { FakeEntraTokenServer } from "../../azure-test-servers/entraTokenServer";
import { DPS_KEY_PLACEHOLDER, LEGACY_DPS_HOST } from "./recordLegacyState";
import { hostEnv, REPO } from "./hostEnvironment";
import { RESOURCE_TYPES } from "./serializedProviders";

export const ARM_ENDPOINT_PLACEHOLDER = "<arm-endpoint: filled in by the test>";
export const CA_KEY_INPUT_PLACEHOLDER = "<ca-private-key: given by the test>";
export const LEGACY_TARGET = { subscriptionId: "00000000-0000-0000-0000-0000000000b4", resourceGroupName: "legacy-rg", dpsName: "legacy-dps", certificateName: "legacy-upload" };

async function main(providersFile: string): Promise<void> {
  const providers: Record<string, string> = JSON.parse(readFileSync(providersFile, "utf8"));
  for (const text of Object.values(providers)) if (text.includes("shimLoader")) throw new Error("these are today's providers, not b4d9e8a's");
  const entra = await FakeEntraTokenServer.start();
  const dps = await FakeDpsServiceServer.start({ hostName: LEGACY_DPS_HOST, linkedHubs: ["hub-a.azure-devices.net"] });
  const arm = await startArmServer();
  arm.state.dps(LEGACY_TARGET.subscriptionId, LEGACY_TARGET.resourceGroupName, LEGACY_TARGET.dpsName);
  const host = await DynamicProviderHost.start({ cwd: REPO, env: hostEnv([{ host: dps.hostName, port: dps.port }], entra.env()) });
  try {
    await host.configure();
    const issuer = createRootCa({ commonName: "Legacy Device Issuer", keySize: 2048, validityDays: 3650 });
    const device = createVerificationCertificate({ issuer, code: "legacy-device" }).certificatePem;
    const revokedUrn = urnOf(RESOURCE_TYPES.revokedDevice, "dps-x509-revoked-legacy-device");
    const revokedIn = (await host.check(revokedUrn, {}, {
      registrationId: "legacy-device", certificatePem: device, serviceHostName: dps.hostName, connectionString: dps.connectionString(),
      providerVersion: "1", __provider: providers[RESOURCE_TYPES.revokedDevice],
    })).inputs;
    const revoked = await host.create(revokedUrn, revokedIn);

    const ca = createRootCa({ commonName: "Legacy Uploaded Root", keySize: 2048, validityDays: 3650 });
    const target = { ...LEGACY_TARGET, certificatePem: ca.certificatePem, armEndpoint: arm.url };
    const uploadUrn = urnOf(RESOURCE_TYPES.dpsCertificateUpload, "dps-x509-cert-legacy-upload-cert");
    const uploadIn = (await host.check(uploadUrn, {}, { ...target, isVerified: false, providerVersion: "1", __provider: providers[RESOURCE_TYPES.dpsCertificateUpload] })).inputs;
    const upload = await host.create(uploadUrn, uploadIn);
    const proofUrn = urnOf(RESOURCE_TYPES.caVerification, "dps-x509-cert-legacy-upload-verification");
    const proofIn = (await host.check(proofUrn, {}, { ...target, caPrivateKeyPem: ca.privateKeyPem, providerVersion: "1", __provider: providers[RESOURCE_TYPES.caVerification] })).inputs;
    const proof = await host.create(proofUrn, proofIn);

    const strip = (props: Record<string, unknown>) => {
      const { __provider: _p, ...rest } = props;
      return JSON.parse(
        JSON.stringify(rest).split(dps.key).join(DPS_KEY_PLACEHOLDER).split(arm.url).join(ARM_ENDPOINT_PLACEHOLDER)
          .replace(/-----BEGIN PRIVATE KEY-----[^"]*-----END PRIVATE KEY-----\\n/g, CA_KEY_INPUT_PLACEHOLDER),
      );
    };
    const fixture = {
      recordedWith: "commit b4d9e8a (before the provider shim), Pulumi's dynamic-provider host, @pulumi/pulumi 3.248.0",
      note: "each resource's inputs and outputs both carry `__provider`: the text under providers[type]; the upload's and the verification's certificate is `caCertificatePem`, whose key the test does not have: the replay re-uploads it",
      providers: { [RESOURCE_TYPES.revokedDevice]: providers[RESOURCE_TYPES.revokedDevice], [RESOURCE_TYPES.dpsCertificateUpload]: providers[RESOURCE_TYPES.dpsCertificateUpload], [RESOURCE_TYPES.caVerification]: providers[RESOURCE_TYPES.caVerification] },
      caCertificatePem: ca.certificatePem,
      deviceEnrollmentRecord: dps.enrollment("legacy-device"),
      deviceCertificatePem: device,
      resources: [
        { type: RESOURCE_TYPES.revokedDevice, urn: revokedUrn, id: revoked.id, inputs: strip(revokedIn), outputs: strip(revoked.properties) },
        { type: RESOURCE_TYPES.dpsCertificateUpload, urn: uploadUrn, id: upload.id, inputs: strip(uploadIn), outputs: strip(upload.properties) },
        { type: RESOURCE_TYPES.caVerification, urn: proofUrn, id: proof.id, inputs: strip(proofIn), outputs: strip(proof.properties) },
      ],
    };
    writeFileSync(path.join(REPO, "test/fixtures/legacy-certificate-state.json"), `${JSON.stringify(fixture, null, 1)}\n`);
  } finally {
    await host.stop();
    await arm.close();
    await dps.close();
    await entra.close();
  }
}

if (require.main === module) {
  main(process.argv[2]).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
