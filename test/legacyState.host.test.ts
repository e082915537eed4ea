/**
 * Existing stacks keep working: state recorded from the code before the shim (test/fixtures/legacy-state.json and
 * legacy-certificate-state.json, made by test/support/recordLegacyState.ts and recordLegacyCertificateState.ts: each
 * resource's inputs and outputs carry the whole serialized provider)
 * is replayed through Pulumi's real dynamic-provider host the way the engine uses it after the upgrade:
 *   - refresh (Read) and delete of a resource not yet updated send the stored outputs, so the host runs the
 *     provider serialized in them: the old code, which must still work;
 *   - `up` checks and diffs with the new program's inputs (the shim, providerVersion 2): an in-place update,
 *     which makes no Azure call and writes the shim into the outputs;
 *   - from then on read and delete run today's code (here: Entra ID instead of the stored SAS key).
 */
import { X509Certificate } from "crypto";
import { readFileSync } from "fs";
import * as path from "path";
import { compactKeyToPem, createRootCa, describeCertificate } from "../certs";
import { startArmServer, ArmServer } from "../azure-test-servers/armServer";
import { FakeDpsServiceServer, DPS_DATA_CONTRIBUTOR } from "../azure-test-servers/dpsServiceServer";
import { FakeEntraTokenServer } from "../azure-test-servers/entraTokenServer";
import { CA_PROVIDER_VERSION } from "../components/providers/caCertificate";
import { CA_VERIFICATION_PROVIDER_VERSION } from "../components/providers/caVerification";
import { DPS_CERTIFICATE_PROVIDER_VERSION } from "../components/providers/dpsCertificate";
import { REVOKED_DEVICE_PROVIDER_VERSION } from "../components/providers/revokedDevice";
import { ENROLLMENT_GROUP_PROVIDER_VERSION } from "../components/providers/enrollmentGroup";
import { DynamicProviderHost, Props } from "../azure-test-servers/dynamicProviderHost";
import { hostEnv, registeredProviders, REPO } from "./support/hostEnvironment";
import { CA_KEY_PLACEHOLDER, DPS_KEY_PLACEHOLDER, LEGACY_DPS_HOST } from "./support/recordLegacyState";
import { ARM_ENDPOINT_PLACEHOLDER, CA_KEY_INPUT_PLACEHOLDER, LEGACY_TARGET } from "./support/recordLegacyCertificateState";
import { RESOURCE_TYPES } from "./support/serializedProviders";
import { opensslOk } from "./support/openssl";

interface Recorded {
  type: string;
  urn: string;
  id: string;
  inputs: Props;
  outputs: Props;
  serverRecord?: Props;
}

const fixture = JSON.parse(readFileSync(path.join(__dirname, "fixtures/legacy-state.json"), "utf8"));
const certificateFixture = JSON.parse(readFileSync(path.join(__dirname, "fixtures/legacy-certificate-state.json"), "utf8"));
let providers: Record<string, string>;
let entra: FakeEntraTokenServer;
let dps: FakeDpsServiceServer;
let arm: ArmServer;
let host: DynamicProviderHost;
/** The uploaded CA of the certificate fixture, made again here (its key was not committed): same fields, new values. */
const ca = createRootCa({ commonName: "Legacy Uploaded Root", keySize: 2048, validityDays: 3650 });
const sha1 = (pem: string) => new X509Certificate(pem).fingerprint.replace(/:/g, "");

/** A resource of the certificate fixture as the engine holds it, with the test's DPS key, ARM server and CA. */
function legacyCertificate(type: string): Recorded {
  const text = JSON.stringify(certificateFixture.resources.find((x: Recorded) => x.type === type))
    .split(DPS_KEY_PLACEHOLDER).join(dps.key)
    .split(ARM_ENDPOINT_PLACEHOLDER).join(arm.url)
    .split(JSON.stringify(certificateFixture.caCertificatePem).slice(1, -1)).join(JSON.stringify(ca.certificatePem).slice(1, -1))
    .split(sha1(certificateFixture.caCertificatePem)).join(sha1(ca.certificatePem))
    .split(CA_KEY_INPUT_PLACEHOLDER).join(JSON.stringify(ca.privateKeyPem).slice(1, -1));
  const r: Recorded = JSON.parse(text);
  r.inputs.__provider = certificateFixture.providers[type];
  r.outputs.__provider = certificateFixture.providers[type];
  return r;
}

/**
 * The CA certificate of the fixture with a CA made here in place of the recorded one (whose key was not committed):
 * the same fields, new values, and a real key where the fixture has its placeholder, so that the update that moves
 * the key into its compact form has a key to move.
 */
const legacyRoot = createRootCa({ commonName: "Legacy Root", keySize: 2048, validityDays: 3650 });
function legacyCa(): Recorded {
  const recorded = fixture.resources.find((x: Recorded) => x.type === RESOURCE_TYPES.caCertificate);
  const was = recorded.outputs;
  const now = describeCertificate(legacyRoot.certificatePem);
  const inner = (text: string) => JSON.stringify(text).slice(1, -1);
  const text = JSON.stringify(recorded)
    .split(inner(was.certificatePem)).join(inner(legacyRoot.certificatePem))
    .split(was.thumbprint).join(now.sha1Thumbprint)
    .split(was.sha256Thumbprint).join(now.sha256Thumbprint)
    .split(was.subjectKeyId).join(now.subjectKeyId!)
    .split(was.notAfter).join(now.notAfter)
    .split(CA_KEY_PLACEHOLDER).join(inner(legacyRoot.privateKeyPem));
  const r: Recorded = JSON.parse(text);
  r.inputs.__provider = fixture.providers[r.type];
  r.outputs.__provider = fixture.providers[r.type];
  return r;
}

/** A recorded resource as the engine holds it: the old provider text in inputs and outputs, the test's DPS key. */
function legacy(type: string): Recorded {
  const r: Recorded = JSON.parse(JSON.stringify(fixture.resources.find((x: Recorded) => x.type === type)).split(DPS_KEY_PLACEHOLDER).join(dps.key));
  r.inputs.__provider = fixture.providers[type];
  r.outputs.__provider = fixture.providers[type];
  return r;
}

beforeAll(async () => {
  providers = registeredProviders();
  entra = await FakeEntraTokenServer.start();
  dps = await FakeDpsServiceServer.start({
    hostName: LEGACY_DPS_HOST,
    linkedHubs: ["hub-a.azure-devices.net"],
    caCertificates: { "legacy-ca": { verified: true } },
    entra: { issuer: entra.issuer, publicKeyPem: entra.publicKeyPem, roles: { [entra.principalId]: DPS_DATA_CONTRIBUTOR } },
  });
  arm = await startArmServer();
  host = await DynamicProviderHost.start({ cwd: REPO, env: hostEnv([{ host: dps.hostName, port: dps.port }], entra.env()) });
  await host.configure();
}, 60_000);

afterAll(async () => {
  await host?.stop();
  await arm?.close();
  await dps?.close();
  await entra?.close();
});

test("the fixture is what the old code stored: the whole provider, 25 KB and more, in inputs and outputs", () => {
  for (const type of [RESOURCE_TYPES.enrollmentGroup, RESOURCE_TYPES.caCertificate]) {
    expect(fixture.providers[type].length).toBeGreaterThan(25_000);
    expect(fixture.providers[type]).not.toContain("components/providers/shimLoader.js");
  }
  for (const type of [RESOURCE_TYPES.revokedDevice, RESOURCE_TYPES.dpsCertificateUpload, RESOURCE_TYPES.caVerification]) {
    expect(certificateFixture.providers[type].length).toBeGreaterThan(20_000);
    expect(certificateFixture.providers[type]).not.toContain("components/providers/shimLoader.js");
  }
});

test("enrollment group from old state: refresh and delete run the stored code (SAS); an up moves it to the shim and Entra ID", async () => {
  const old = legacy(RESOURCE_TYPES.enrollmentGroup);
  dps.seedGroup(old.serverRecord!);

  // pulumi refresh before any up: the host runs the provider stored in the outputs, with the stored SAS key.
  dps.editGroup(old.id, (g) => (g.provisioningStatus = "disabled"));
  const refreshed = await host.read(old.urn, old.id, old.outputs, old.inputs);
  expect(refreshed.properties).toMatchObject({ provisioningStatus: "disabled", __provider: fixture.providers[old.type] });
  expect(dps.requests.map((r) => `${r.method} ${r.headers.authorization}`)).toEqual(["GET SharedAccessSignature"]);

  // The resource removed from the program before any up: delete from old state still works.
  await host.delete(old.urn, old.id, refreshed.properties);
  expect(dps.group(old.id)).toBeUndefined();
  dps.seedGroup(old.serverRecord!);
  dps.resetRequests();

  // pulumi up with today's program: no connection string (Entra ID), providerVersion 2, the shim.
  const { connectionString: _cs, ...declared } = old.inputs;
  const news = { ...declared, providerVersion: ENROLLMENT_GROUP_PROVIDER_VERSION, __provider: providers[old.type] };
  const checked = await host.check(old.urn, old.inputs, news);
  expect(checked.failures).toEqual([]);
  expect(await host.diff(old.urn, old.id, old.outputs, checked.inputs)).toMatchObject({ changes: "some", replaces: [] });
  const updated = await host.update(old.urn, old.id, old.outputs, checked.inputs);
  expect(dps.requests).toEqual([]); // only the provider and the credentials changed: nothing to send
  expect(updated.properties.__provider).toBe(providers[old.type]);
  expect(updated.properties).not.toHaveProperty("connectionString");
  expect(updated.properties).toMatchObject({ etag: old.outputs.etag, enrollmentId: old.id, initialTwin: { tags: { fleet: "legacy" } } });
  expect(JSON.stringify(updated.properties)).not.toContain(dps.key);

  // From now on today's code runs it, with Entra ID.
  expect(await host.diff(old.urn, old.id, updated.properties, checked.inputs)).toMatchObject({ changes: "none" });
  const read = await host.read(old.urn, old.id, updated.properties, checked.inputs);
  expect(read.properties).toMatchObject({ provisioningStatus: "enabled", etag: old.outputs.etag });
  await host.delete(old.urn, old.id, read.properties);
  expect(dps.group(old.id)).toBeUndefined();
  expect(dps.requests.map((r) => `${r.method} ${r.status} ${r.headers.authorization}`)).toEqual(["GET 200 Bearer", "DELETE 204 Bearer"]);
}, 60_000);

test("CA certificate from old state: read with the stored code, then an in-place update to the shim keeps certificate and key", async () => {
  expect(legacy(RESOURCE_TYPES.caCertificate).outputs.privateKeyPem).toBe(CA_KEY_PLACEHOLDER); // what legacyCa replaces
  const old = legacyCa();
  expect(old.outputs.privateKeyPem).toBe(legacyRoot.privateKeyPem);
  const refreshed = await host.read(old.urn, old.id, old.outputs, old.inputs);
  expect(refreshed.properties).toMatchObject({ certificatePem: old.outputs.certificatePem, thumbprint: old.outputs.thumbprint });

  const news = { ...old.inputs, providerVersion: CA_PROVIDER_VERSION, __provider: providers[old.type] };
  const checked = await host.check(old.urn, old.inputs, news);
  expect(checked.failures).toEqual([]);
  const diff = await host.diff(old.urn, old.id, refreshed.properties, checked.inputs);
  expect(diff).toMatchObject({ changes: "some", replaces: [] }); // never a new CA
  const updated = await host.update(old.urn, old.id, refreshed.properties, checked.inputs);
  expect(updated.properties).toMatchObject({
    certificatePem: old.outputs.certificatePem,
    thumbprint: old.outputs.thumbprint,
    providerVersion: CA_PROVIDER_VERSION,
    __provider: providers[old.type],
  });
  // The same key, now in compact form (provider version 3): no PEM left in the outputs, no new key or certificate.
  expect(updated.properties).not.toHaveProperty("privateKeyPem");
  const compact = String(updated.properties.privateKey);
  expect(compact).toMatch(/^rsa1\./);
  expect(opensslOk(["rsa", "-noout", "-modulus"], { input: compactKeyToPem(compact) })).toBe(opensslOk(["rsa", "-noout", "-modulus"], { input: legacyRoot.privateKeyPem }));
  expect(JSON.stringify(updated.properties)).not.toContain(legacyRoot.privateKeyPem.split("\n")[1]);
  expect(await host.diff(old.urn, old.id, updated.properties, checked.inputs)).toMatchObject({ changes: "none" });
  const read = await host.read(old.urn, old.id, updated.properties, checked.inputs);
  expect(read.properties.notAfter).toBe(old.outputs.notAfter);
  await host.delete(old.urn, old.id, read.properties);
}, 60_000);

test("revoked device from old state: refresh with the stored code (SAS); an up moves it to the shim and Entra ID", async () => {
  const old = legacyCertificate(RESOURCE_TYPES.revokedDevice);
  dps.seedEnrollment(certificateFixture.deviceEnrollmentRecord, certificateFixture.deviceCertificatePem);
  dps.resetRequests();
  const refreshed = await host.read(old.urn, old.id, old.outputs, old.inputs);
  expect(refreshed.properties).toMatchObject({ provisioningStatus: "disabled", sha256Thumbprint: old.outputs.sha256Thumbprint });
  expect(dps.requests.map((r) => `${r.method} ${r.headers.authorization}`)).toEqual(["GET SharedAccessSignature"]);

  const { connectionString: _cs, ...declared } = old.inputs;
  const checked = await host.check(old.urn, old.inputs, { ...declared, providerVersion: REVOKED_DEVICE_PROVIDER_VERSION, __provider: providers[old.type] });
  expect(checked.failures).toEqual([]);
  expect(await host.diff(old.urn, old.id, refreshed.properties, checked.inputs)).toMatchObject({ changes: "some", replaces: [] });
  const updated = await host.update(old.urn, old.id, refreshed.properties, checked.inputs);
  expect(updated.properties).not.toHaveProperty("connectionString");
  expect(updated.properties.__provider).toBe(providers[old.type]);
  await host.delete(old.urn, old.id, updated.properties);
  expect(dps.enrollment("legacy-device")).toBeUndefined();
  expect(dps.requests.map((r) => `${r.method} ${r.status} ${r.headers.authorization}`)).toEqual(["GET 200 SharedAccessSignature", "DELETE 204 Bearer"]);
}, 60_000);

test("DPS certificate upload and proof of possession from old state: refresh with the stored code, then the shim", async () => {
  const upload = legacyCertificate(RESOURCE_TYPES.dpsCertificateUpload);
  const proof = legacyCertificate(RESOURCE_TYPES.caVerification);
  const handle = arm.state.dps(LEGACY_TARGET.subscriptionId, LEGACY_TARGET.resourceGroupName, LEGACY_TARGET.dpsName);
  handle.upload(LEGACY_TARGET.certificateName, ca.certificatePem, { isVerified: true });

  const refreshedUpload = await host.read(upload.urn, upload.id, upload.outputs, upload.inputs);
  expect(refreshedUpload.properties).toMatchObject({ isVerified: true, thumbprint: sha1(ca.certificatePem) });
  const refreshedProof = await host.read(proof.urn, proof.id, proof.outputs, proof.inputs);
  expect(refreshedProof.properties).toMatchObject({ isVerified: true });
  const writes = () => arm.requests.all.filter((r) => r.method !== "GET").length;
  const before = writes();

  const uploadNews = (await host.check(upload.urn, upload.inputs, { ...upload.inputs, providerVersion: DPS_CERTIFICATE_PROVIDER_VERSION, __provider: providers[upload.type] })).inputs;
  expect(await host.diff(upload.urn, upload.id, refreshedUpload.properties, uploadNews)).toMatchObject({ changes: "some", replaces: [] });
  const updatedUpload = await host.update(upload.urn, upload.id, refreshedUpload.properties, uploadNews);
  const proofChecked = await host.check(proof.urn, proof.inputs, { ...proof.inputs, providerVersion: CA_VERIFICATION_PROVIDER_VERSION, __provider: providers[proof.type] });
  expect(proofChecked.failures).toEqual([]);
  expect(await host.diff(proof.urn, proof.id, refreshedProof.properties, proofChecked.inputs)).toMatchObject({ changes: "some", replaces: [] });
  const updatedProof = await host.update(proof.urn, proof.id, refreshedProof.properties, proofChecked.inputs);
  expect(writes()).toBe(before); // no upload, no new proof: only the provider changed
  expect(updatedProof.properties).toMatchObject({ isVerified: true, __provider: providers[proof.type] });
  expect(updatedProof.properties).not.toHaveProperty("caPrivateKeyPem");
  expect(updatedUpload.properties.__provider).toBe(providers[upload.type]);

  await host.delete(proof.urn, proof.id, updatedProof.properties);
  await host.delete(upload.urn, upload.id, updatedUpload.properties);
  expect(handle.get(LEGACY_TARGET.certificateName)).toBeUndefined();
}, 60_000);
