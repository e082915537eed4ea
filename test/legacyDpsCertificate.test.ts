/**
 * State that azure-native's DpsCertificate left (the CA upload until commit 686a1f2), handed by Pulumi to the
 * upload provider through the alias DpsCertificateUpload declares: the same certificate is the same resource (an
 * update, never a replacement, which would create before delete one ARM certificate), and a certificate Azure holds
 * verified with the wanted PEM is left alone (a PUT would make it unverified again).
 */
import { X509Certificate } from "crypto";
import { createRootCa } from "../certs";
import { setArmClientTestOverrides } from "../components/azure/armClient";
import { toDpsCertificateContent } from "../components/azure/dpsCertificates";
import { dpsCertificateProvider as provider, DPS_CERTIFICATE_PROVIDER_VERSION, type DpsCertificateUploadInputs, type DpsCertificateUploadOutputs } from "../components/providers/dpsCertificate";
import { fromAzureNativeState } from "../components/providers/legacyDpsCertificate";
import { startArmServer, type ArmServer } from "../azure-test-servers/armServer";

const SUB = "00000000-0000-0000-0000-000000000003";
const RG = "my-rg";
const DPS = "my-dps";
const NAME = "my-root";
const ARM_ID = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Devices/provisioningServices/${DPS}/certificates/${NAME}`;
const thumbprintOf = (pem: string) => new X509Certificate(pem).fingerprint.replace(/:/g, "");
const root = createRootCa({ commonName: "legacy upload root", keySize: 2048, validityDays: 30 });
const renewed = createRootCa({ commonName: "legacy upload root", keySize: 2048, validityDays: 60 });

let server: ArmServer;
beforeEach(async () => {
  server = await startArmServer();
  setArmClientTestOverrides({ credential: { getToken: async () => ({ token: "test-token", expiresOnTimestamp: Date.now() + 3600_000 }) }, retryDelayInMs: 20 });
});
afterEach(async () => {
  setArmClientTestOverrides(undefined);
  await server.close();
});

const news = (pem: string): DpsCertificateUploadInputs => ({
  subscriptionId: SUB,
  resourceGroupName: RG,
  dpsName: DPS,
  certificateName: NAME,
  certificatePem: pem,
  isVerified: false,
  armEndpoint: server.url,
  providerVersion: DPS_CERTIFICATE_PROVIDER_VERSION,
});

/** What azure-native kept: ARM's certificate response (name, etag, properties with base64 content). */
const azureNativeState = (etag: string, thumbprint: string) =>
  ({ name: NAME, etag, properties: { certificate: toDpsCertificateContent(root.certificatePem), thumbprint, isVerified: true, expiry: "2030-01-01T00:00:00Z" } }) as unknown as DpsCertificateUploadOutputs;

test("the old state reads as this provider's: identity from the ARM id, the PEM from its base64 content", () => {
  const read = fromAzureNativeState(ARM_ID, azureNativeState("e1", "AB"));
  expect(read).toMatchObject({ subscriptionId: SUB, resourceGroupName: RG, dpsName: DPS, certificateName: NAME, etag: "e1", thumbprint: "AB", isVerified: true });
  expect(read.certificatePem.trim()).toBe(root.certificatePem.trim());
  // This provider's own state is left as it is.
  const own = { ...news(root.certificatePem), name: NAME, thumbprint: "AB", etag: "e1", isVerified: true, expiry: "", requestedIsVerified: false } as DpsCertificateUploadOutputs;
  expect(fromAzureNativeState(ARM_ID, own)).toBe(own);
});

test("the same certificate: no replacement; the update makes no call", async () => {
  const held = server.state.dps(SUB, RG, DPS).upload(NAME, root.certificatePem, { isVerified: true });
  const olds = azureNativeState(held.etag, thumbprintOf(root.certificatePem));
  const diff = await provider.diff!(ARM_ID, olds, news(root.certificatePem));
  expect(diff.replaces).toEqual([]);
  server.requests.clear();
  const { outs } = await provider.update!(ARM_ID, olds, news(root.certificatePem));
  expect(server.requests.all).toEqual([]);
  expect(outs).toMatchObject({ dpsName: DPS, certificateName: NAME, isVerified: true });
  expect(server.state.dps(SUB, RG, DPS).get(NAME)!.isVerified).toBe(true);
});

test("a renewed certificate under the same name: an update with the etag, not a replacement", async () => {
  const held = server.state.dps(SUB, RG, DPS).upload(NAME, root.certificatePem, { isVerified: true });
  const olds = azureNativeState(held.etag, thumbprintOf(root.certificatePem));
  const diff = await provider.diff!(ARM_ID, olds, news(renewed.certificatePem));
  expect(diff.replaces).toEqual([]);
  expect(diff.changes).toBe(true);
});
