/**
 * The dynamic resources inside Pulumi's real dynamic-provider host (`@pulumi/pulumi/cmd/dynamic-provider`), driven
 * over its gRPC protocol as the engine drives it, with `__provider` exactly as the resource classes register it (the
 * shim): the enrollment group against the local strict DPS service (Entra ID by default: the real
 * DefaultAzureCredential signs in at the local Entra stand-in, and the DPS verifies the token's audience and the
 * caller's data role), a revoked device on the same DPS, the CA certificate provider (OpenSSL checks what it makes),
 * and the DPS certificate upload and proof of possession against the local strict ARM server.
 */
import { FakeDpsServiceServer, DPS_DATA_CONTRIBUTOR, DPS_DATA_READER } from "../azure-test-servers/dpsServiceServer";
import { FakeEntraTokenServer } from "../azure-test-servers/entraTokenServer";
import { createRootCa, createVerificationCertificate } from "../certs";
import { startArmServer, ArmServer } from "../azure-test-servers/armServer";
import { CA_PROVIDER_VERSION } from "../components/providers/caCertificate";
import { CA_VERIFICATION_PROVIDER_VERSION } from "../components/providers/caVerification";
import { DPS_CERTIFICATE_PROVIDER_VERSION } from "../components/providers/dpsCertificate";
import { REVOKED_DEVICE_PROVIDER_VERSION } from "../components/providers/revokedDevice";
import { ENROLLMENT_GROUP_PROVIDER_VERSION } from "../components/providers/enrollmentGroup";
import { INDIVIDUAL_ENROLLMENT_PROVIDER_VERSION } from "../components/providers/individualEnrollment";
import { DynamicProviderHost, urnOf, Props } from "../azure-test-servers/dynamicProviderHost";
import { hostEnv, registeredProviders, REPO } from "./support/hostEnvironment";
import { RESOURCE_TYPES } from "./support/serializedProviders";
import { EARLIER_SHIM_TEXTS } from "./support/earlierShims";
import { verifyChain } from "./support/openssl";
import * as path from "path";
import { X509Certificate } from "crypto";

let providers: Record<string, string>;
let entra: FakeEntraTokenServer;
let dps: FakeDpsServiceServer;
let host: DynamicProviderHost;
let arm: ArmServer;

beforeAll(async () => {
  providers = registeredProviders();
  entra = await FakeEntraTokenServer.start();
  dps = await FakeDpsServiceServer.start({
    hostName: "dps-x509-host.azure-devices-provisioning.net",
    linkedHubs: ["hub-a.azure-devices.net", "hub-b.azure-devices.net"],
    caCertificates: { "host-ca": { verified: true } },
    entra: { issuer: entra.issuer, publicKeyPem: entra.publicKeyPem, roles: { [entra.principalId]: DPS_DATA_CONTRIBUTOR } },
  });
  arm = await startArmServer();
  host = await DynamicProviderHost.start({ cwd: REPO, env: hostEnv([{ host: dps.hostName, port: dps.port }], entra.env()) });
  expect(await host.configure()).toEqual({ acceptSecrets: false });
}, 60_000);

afterAll(async () => {
  await host?.stop();
  await arm?.close();
  await dps?.close();
  await entra?.close();
});

test("every dynamic resource class registers the same small shim, which names no path of this machine", () => {
  expect(Object.keys(providers).sort()).toEqual(Object.values(RESOURCE_TYPES).sort());
  for (const text of Object.values(providers)) {
    expect(Buffer.byteLength(JSON.stringify(text))).toBeLessThanOrEqual(350);
    expect(text).toMatch(/^exports\.handler\s*=/);
    expect(text).not.toContain(REPO);
    expect(text).toContain("'components/providers/shimLoader.js'");
  }
});

const group = (extra: Props = {}): Props => ({
  enrollmentId: "host-group", primaryCaName: "host-ca", provisioningStatus: "enabled", allocationPolicy: "hashed",
  iotHubHostNames: ["hub-a.azure-devices.net"], initialTwin: { tags: { site: "a" } }, reprovisionPolicy: "reprovisionandmigratedata",
  edgeEnabled: false, serviceHostName: dps.hostName, providerVersion: ENROLLMENT_GROUP_PROVIDER_VERSION,
  __provider: providers[RESOURCE_TYPES.enrollmentGroup], ...extra,
});

test("enrollment group: Check, Diff, Create, Read, Update, Delete through the host, with Entra ID", async () => {
  const urn = urnOf(RESOURCE_TYPES.enrollmentGroup, "dps-x509-group-host-group");
  const bad = await host.check(urn, {}, group({ allocationPolicy: "static", iotHubHostNames: ["hub-a.azure-devices.net", "hub-b.azure-devices.net"] }));
  expect(bad.failures.length).toBeGreaterThan(0);
  expect(bad.failures.map((f) => f.property)).toContain("iotHubHostNames");

  const checked = await host.check(urn, {}, group());
  expect(checked.failures).toEqual([]);
  expect(checked.inputs.__provider).toBe(providers[RESOURCE_TYPES.enrollmentGroup]);
  const created = await host.create(urn, checked.inputs);
  expect(created.id).toBe("host-group");
  expect(created.properties.__provider).toBe(providers[RESOURCE_TYPES.enrollmentGroup]);
  expect(created.properties).not.toHaveProperty("connectionString");
  expect(dps.group("host-group")).toMatchObject({ allocationPolicy: "hashed", iotHubs: ["hub-a.azure-devices.net"] });
  // Entra ID: one token for the DPS audience, a Bearer header, and the DPS verified it.
  expect(entra.requests).toEqual(["https://azure-devices-provisioning.net"]);
  expect(dps.requests.map((r) => `${r.method} ${r.status} ${r.headers.authorization}`)).toEqual(["PUT 200 Bearer"]);

  expect(await host.diff(urn, created.id, created.properties, checked.inputs)).toMatchObject({ changes: "none", replaces: [] });
  const renamed = await host.diff(urn, created.id, created.properties, (await host.check(urn, checked.inputs, group({ enrollmentId: "host-group-2" }))).inputs);
  expect(renamed).toMatchObject({ changes: "some", replaces: ["enrollmentId"] });

  // Drift made in the portal shows on refresh.
  dps.editGroup("host-group", (g) => (g.provisioningStatus = "disabled"));
  const read = await host.read(urn, created.id, created.properties, checked.inputs);
  expect(read.properties).toMatchObject({ provisioningStatus: "disabled", __provider: providers[RESOURCE_TYPES.enrollmentGroup] });

  const news = (await host.check(urn, checked.inputs, group({ iotHubHostNames: ["hub-a.azure-devices.net", "hub-b.azure-devices.net"] }))).inputs;
  const diff = await host.diff(urn, created.id, read.properties, news);
  expect(diff).toMatchObject({ changes: "some", replaces: [] });
  const updated = await host.update(urn, created.id, read.properties, news);
  expect(dps.group("host-group")).toMatchObject({ provisioningStatus: "enabled", iotHubs: ["hub-a.azure-devices.net", "hub-b.azure-devices.net"] });
  const put = dps.requests.filter((r) => r.method === "PUT").pop()!;
  expect(put.headers["if-match"]?.replace(/"/g, "")).toBe(read.properties.etag);
  expect(updated.properties.etag).toBe(dps.group("host-group")!.etag);

  await host.delete(urn, created.id, updated.properties);
  expect(dps.group("host-group")).toBeUndefined();
  expect(dps.requests.every((r) => r.headers.authorization === "Bearer")).toBe(true);
}, 60_000);

test("enrollment group: a reader role is refused writes, with the role to assign in the message", async () => {
  const urn = urnOf(RESOURCE_TYPES.enrollmentGroup, "dps-x509-group-reader-only");
  dps.assignDataRole(entra.principalId, DPS_DATA_READER);
  try {
    const checked = await host.check(urn, {}, group({ enrollmentId: "reader-only" }));
    await expect(host.create(urn, checked.inputs)).rejects.toThrow(/HTTP 403.*Device Provisioning Service Data Contributor/s);
    expect(dps.group("reader-only")).toBeUndefined();
  } finally {
    dps.assignDataRole(entra.principalId, DPS_DATA_CONTRIBUTOR);
  }
}, 60_000);

test("CA certificate: Check, Create, Diff, Read, Update, Delete through the host; OpenSSL accepts the chain", async () => {
  const rootUrn = urnOf(RESOURCE_TYPES.caCertificate, "dps-x509-ca-host-root");
  const interUrn = urnOf(RESOURCE_TYPES.caCertificate, "dps-x509-ca-host-intermediate");
  const __provider = providers[RESOURCE_TYPES.caCertificate];
  const rootIn = { role: "root", commonName: "Host Root", keySize: 2048, validityDays: 30, pathLength: 1, providerVersion: CA_PROVIDER_VERSION, __provider };
  expect((await host.check(rootUrn, {}, { ...rootIn, keySize: 1024 })).failures.map((f) => f.property)).toEqual(["keySize"]);
  const root = await host.create(rootUrn, (await host.check(rootUrn, {}, rootIn)).inputs);
  const interIn = {
    role: "intermediate", commonName: "Host Intermediate", keySize: 2048, validityDays: 20, providerVersion: CA_PROVIDER_VERSION, __provider,
    issuerCertificatePem: root.properties.certificatePem, issuerPrivateKey: root.properties.privateKey,
  };
  const interChecked = (await host.check(interUrn, {}, interIn)).inputs;
  const inter = await host.create(interUrn, interChecked);
  expect(verifyChain({ root: String(root.properties.certificatePem), leaf: String(inter.properties.certificatePem) }).code).toBe(0);
  expect(inter.properties.__provider).toBe(__provider);

  expect(await host.diff(interUrn, inter.id, inter.properties, interChecked)).toMatchObject({ changes: "none", replaces: [] });
  expect((await host.diff(interUrn, inter.id, inter.properties, { ...interChecked, keySize: 3072 })).replaces).toEqual(["keySize"]);
  const read = await host.read(interUrn, inter.id, inter.properties, interChecked);
  expect(read.properties).toMatchObject({ certificatePem: inter.properties.certificatePem, thumbprint: inter.properties.thumbprint });
  const renew = { ...interChecked, renewBeforeDays: 5 };
  expect(await host.diff(interUrn, inter.id, read.properties, renew)).toMatchObject({ changes: "some", replaces: [] });
  const updated = await host.update(interUrn, inter.id, read.properties, renew);
  expect(updated.properties).toMatchObject({ renewBeforeDays: 5, certificatePem: inter.properties.certificatePem, privateKey: inter.properties.privateKey });
  await host.delete(interUrn, inter.id, updated.properties);
  await host.delete(rootUrn, root.id, root.properties);
}, 60_000);

test("the shim finds the project from a folder below it, and from anywhere with DPS_X509_PROJECT_DIR", async () => {
  const __provider = providers[RESOURCE_TYPES.caCertificate];
  const urn = urnOf(RESOURCE_TYPES.caCertificate, "dps-x509-ca-elsewhere");
  const props = { role: "root", commonName: "Elsewhere", keySize: 2048, validityDays: 2, providerVersion: CA_PROVIDER_VERSION, __provider };
  for (const [cwd, extra] of [[path.join(REPO, "components/providers"), {}], ["/", { DPS_X509_PROJECT_DIR: REPO }]] as const) {
    const other = await DynamicProviderHost.start({ cwd, env: hostEnv([], extra) });
    try {
      expect((await other.check(urn, {}, props)).failures).toEqual([]);
    } finally {
      await other.stop();
    }
  }
  const lost = await DynamicProviderHost.start({ cwd: "/", env: hostEnv([]) });
  try {
    await expect(lost.check(urn, {}, props)).rejects.toThrow(/components\/providers\/shimLoader\.js not found: run pulumi in the dps-x509 project directory/);
  } finally {
    await lost.stop();
  }
}, 60_000);

test("a resource whose state holds an earlier shim text: today's shim sees no change, and the earlier text still reads and deletes it", async () => {
  const urn = urnOf(RESOURCE_TYPES.caCertificate, "dps-x509-ca-earlier-shim");
  for (const earlier of EARLIER_SHIM_TEXTS) {
    const created = await host.create(urn, { role: "root", commonName: "Earlier Shim", keySize: 2048, validityDays: 2, providerVersion: CA_PROVIDER_VERSION, __provider: earlier.text("caCertificate") });
    expect(created.properties.__provider).toBe(earlier.text("caCertificate"));
    // The next up: today's program sends today's shim; nothing else changed, so nothing changes.
    const news = { role: "root", commonName: "Earlier Shim", keySize: 2048, validityDays: 2, providerVersion: CA_PROVIDER_VERSION, __provider: providers[RESOURCE_TYPES.caCertificate] };
    const checked = (await host.check(urn, created.properties, news)).inputs;
    expect(await host.diff(urn, created.id, created.properties, checked)).toMatchObject({ changes: "none", replaces: [] });
    // Refresh and destroy load the provider through the text the outputs hold.
    const read = await host.read(urn, created.id, created.properties, checked);
    expect(read.properties).toMatchObject({ certificatePem: created.properties.certificatePem, __provider: earlier.text("caCertificate") });
    await host.delete(urn, created.id, read.properties);
  }
}, 60_000);

test("revoked device: Create, Diff, Read, Delete through the host, with Entra ID", async () => {
  const urn = urnOf(RESOURCE_TYPES.revokedDevice, "dps-x509-revoked-host-device-1");
  const issuer = createRootCa({ commonName: "Host Device Issuer", keySize: 2048, validityDays: 5 });
  const certificatePem = createVerificationCertificate({ issuer, code: "host-device-1" }).certificatePem; // CN=host-device-1
  const news = { registrationId: "host-device-1", certificatePem, serviceHostName: dps.hostName, providerVersion: REVOKED_DEVICE_PROVIDER_VERSION, __provider: providers[RESOURCE_TYPES.revokedDevice] };
  expect((await host.check(urn, {}, { ...news, registrationId: "someone-else" })).failures.map((f) => f.property)).toEqual(["registrationId"]);
  const checked = (await host.check(urn, {}, news)).inputs;
  const created = await host.create(urn, checked);
  expect(dps.enrollment("host-device-1")).toMatchObject({ provisioningStatus: "disabled" });
  expect(await host.diff(urn, created.id, created.properties, checked)).toMatchObject({ changes: "none" });
  dps.editEnrollment("host-device-1", (e) => (e.provisioningStatus = "enabled")); // un-revoked by hand
  const read = await host.read(urn, created.id, created.properties, checked);
  expect(read.properties.provisioningStatus).toBe("enabled");
  expect(await host.diff(urn, created.id, read.properties, checked)).toMatchObject({ changes: "some" });
  await host.delete(urn, created.id, read.properties);
  expect(dps.enrollment("host-device-1")).toBeUndefined();
}, 60_000);

test("signing-certificate group: Check, Create, Read, Update (stage a secondary) and Delete through the host", async () => {
  const urn = urnOf(RESOURCE_TYPES.enrollmentGroup, "dps-x509-group-host-signing");
  const held = createRootCa({ commonName: "Host Signing CA", keySize: 2048, validityDays: 5 });
  const staged = createRootCa({ commonName: "Host Signing CA 2", keySize: 2048, validityDays: 5 });
  const props = (extra: Props = {}) => group({ enrollmentId: "host-signing", primaryCaName: "signing-ca", attestation: "signingCertificate", primaryCertificatePem: held.certificatePem, ...extra });
  expect((await host.check(urn, {}, props({ primaryCertificatePem: "not a certificate" }))).failures.map((f) => f.property)).toEqual(["primaryCertificatePem"]);
  const checked = (await host.check(urn, {}, props())).inputs;
  const created = await host.create(urn, checked);
  expect(dps.group("host-signing")!.attestation.x509.signingCertificates.primary.info).toHaveProperty("sha256Thumbprint");
  const read = await host.read(urn, created.id, created.properties, checked);
  expect(read.properties).toMatchObject({ primaryCaName: "signing-ca", primaryCertificatePem: held.certificatePem });
  expect(await host.diff(urn, created.id, read.properties, checked)).toMatchObject({ changes: "none" });
  const news = (await host.check(urn, checked, props({ secondaryCaName: "signing-ca-2", secondaryCertificatePem: staged.certificatePem }))).inputs;
  expect(await host.diff(urn, created.id, read.properties, news)).toMatchObject({ changes: "some", replaces: [] });
  const updated = await host.update(urn, created.id, read.properties, news);
  expect(dps.group("host-signing")!.attestation.x509.signingCertificates).toHaveProperty("secondary");
  await host.delete(urn, created.id, updated.properties);
  expect(dps.group("host-signing")).toBeUndefined();
}, 60_000);

test("individual enrollment: Check, Create, Diff, Read (drift), Update with the etag, Delete through the host", async () => {
  const urn = urnOf(RESOURCE_TYPES.individualEnrollment, "dps-x509-enrollment-host-press-1");
  const issuer = createRootCa({ commonName: "Host Press Issuer", keySize: 2048, validityDays: 5 });
  const certificatePem = createVerificationCertificate({ issuer, code: "host-press-1" }).certificatePem; // CN=host-press-1
  const props = (extra: Props = {}): Props => ({
    registrationId: "host-press-1", certificatePem, deviceId: "press-one", provisioningStatus: "enabled", allocationPolicy: "static",
    iotHubHostNames: ["hub-b.azure-devices.net"], reprovisionPolicy: "never", edgeEnabled: false, serviceHostName: dps.hostName,
    providerVersion: INDIVIDUAL_ENROLLMENT_PROVIDER_VERSION, __provider: providers[RESOURCE_TYPES.individualEnrollment], ...extra,
  });
  expect((await host.check(urn, {}, props({ registrationId: "someone-else" }))).failures.map((f) => f.property)).toEqual(["registrationId"]);
  const checked = (await host.check(urn, {}, props())).inputs;
  const created = await host.create(urn, checked);
  expect(created.id).toBe("host-press-1");
  expect(dps.enrollment("host-press-1")).toMatchObject({ deviceId: "press-one", allocationPolicy: "static", reprovisionPolicy: { updateHubAssignment: false, migrateDeviceData: false } });
  expect(await host.diff(urn, created.id, created.properties, checked)).toMatchObject({ changes: "none" });
  dps.editEnrollment("host-press-1", (e) => (e.iotHubs = ["hub-a.azure-devices.net"]));
  const read = await host.read(urn, created.id, created.properties, checked);
  expect(read.properties.iotHubHostNames).toEqual(["hub-a.azure-devices.net"]);
  expect(await host.diff(urn, created.id, read.properties, checked)).toMatchObject({ changes: "some", replaces: [] });
  const updated = await host.update(urn, created.id, read.properties, checked);
  const put = dps.requests.filter((r) => r.method === "PUT").pop()!;
  expect(put.headers["if-match"]?.replace(/"/g, "")).toBe(read.properties.etag);
  expect(dps.enrollment("host-press-1")!.iotHubs).toEqual(["hub-b.azure-devices.net"]);
  await host.delete(urn, created.id, updated.properties);
  expect(dps.enrollment("host-press-1")).toBeUndefined();
}, 60_000);

test("revoked device: the 409 names adopt, and adopt takes over the enrollment through the host, keeping its twin", async () => {
  const urn = urnOf(RESOURCE_TYPES.revokedDevice, "dps-x509-revoked-host-adopted");
  const issuer = createRootCa({ commonName: "Host Adopt Issuer", keySize: 2048, validityDays: 5 });
  const certificatePem = createVerificationCertificate({ issuer, code: "host-adopted" }).certificatePem; // CN=host-adopted
  const byHand = createVerificationCertificate({ issuer, code: "host-adopted" }).certificatePem;
  const thumb = (pem: string) => new X509Certificate(pem).fingerprint256.replace(/:/g, "");
  dps.seedEnrollment({
    registrationId: "host-adopted", attestation: { type: "x509", x509: { clientCertificates: { primary: { info: { sha256Thumbprint: thumb(byHand) } } } } },
    provisioningStatus: "enabled", initialTwin: { tags: { ticket: "INC-7" } }, etag: "AAAAAAAAAgE=",
  }, byHand);
  const news = { registrationId: "host-adopted", certificatePem, serviceHostName: dps.hostName, providerVersion: REVOKED_DEVICE_PROVIDER_VERSION, __provider: providers[RESOURCE_TYPES.revokedDevice] };
  const plain = (await host.check(urn, {}, news)).inputs;
  await expect(host.create(urn, plain)).rejects.toThrow(/already exists .*set adopt: true on this revoked device/s);
  const checked = (await host.check(urn, {}, { ...news, adopt: true })).inputs;
  const created = await host.create(urn, checked);
  expect(created.properties).toMatchObject({ adoptedChanges: ["provisioningStatus", "certificate"], provisioningStatus: "disabled" });
  expect(dps.enrollment("host-adopted")).toMatchObject({ provisioningStatus: "disabled", initialTwin: { tags: { ticket: "INC-7" } } });
  expect(await host.diff(urn, created.id, created.properties, checked)).toMatchObject({ changes: "none" });
  await host.delete(urn, created.id, created.properties);
  expect(dps.enrollment("host-adopted")).toBeUndefined();
}, 60_000);

test("individual enrollment: a secondary certificate staged and promoted through the host; optionalDeviceInformation kept on a stale etag", async () => {
  const urn = urnOf(RESOURCE_TYPES.individualEnrollment, "dps-x509-enrollment-host-roll-1");
  const issuer = createRootCa({ commonName: "Host Roll Issuer", keySize: 2048, validityDays: 5 });
  const [old, next] = [1, 2].map(() => createVerificationCertificate({ issuer, code: "host-roll-1" }).certificatePem);
  const props = (extra: Props = {}): Props => ({
    registrationId: "host-roll-1", certificatePem: old, provisioningStatus: "enabled", allocationPolicy: "hashed", iotHubHostNames: ["hub-a.azure-devices.net"],
    reprovisionPolicy: "reprovisionandmigratedata", edgeEnabled: false, serviceHostName: dps.hostName,
    providerVersion: INDIVIDUAL_ENROLLMENT_PROVIDER_VERSION, __provider: providers[RESOURCE_TYPES.individualEnrollment], ...extra,
  });
  expect((await host.check(urn, {}, props({ caName: "host-ca" }))).failures.map((f) => f.property)).toEqual(["caName"]);
  const checked = (await host.check(urn, {}, props())).inputs;
  const created = await host.create(urn, checked);
  dps.editEnrollment("host-roll-1", (e) => (e.optionalDeviceInformation = { serial: "HOST-1" }));
  const staged = (await host.check(urn, checked, props({ secondaryCertificatePem: next }))).inputs;
  expect(await host.diff(urn, created.id, created.properties, staged)).toMatchObject({ changes: "some", replaces: [] });
  const updated = await host.update(urn, created.id, created.properties, staged);
  const thumb = (pem: string) => new X509Certificate(pem).fingerprint256.replace(/:/g, "");
  expect(dps.enrollment("host-roll-1")).toMatchObject({
    optionalDeviceInformation: { serial: "HOST-1" },
    attestation: { x509: { clientCertificates: { primary: { info: { sha256Thumbprint: thumb(old) } }, secondary: { info: { sha256Thumbprint: thumb(next) } } } } },
  });
  const read = await host.read(urn, created.id, updated.properties, staged);
  expect(read.properties).toMatchObject({ certificatePem: old, secondaryCertificatePem: next });
  expect(await host.diff(urn, created.id, read.properties, staged)).toMatchObject({ changes: "none" });
  const promoted = (await host.check(urn, staged, props({ certificatePem: next }))).inputs;
  const done = await host.update(urn, created.id, read.properties, promoted);
  expect(dps.enrollment("host-roll-1")!.attestation.x509.clientCertificates).not.toHaveProperty("secondary");
  await host.delete(urn, created.id, done.properties);
}, 60_000);

test("DPS certificate upload and proof of possession through the host, against the strict ARM server", async () => {
  const [sub, rg, dpsName] = ["00000000-0000-0000-0000-00000000000a", "host-rg", "host-dps"];
  arm.state.dps(sub, rg, dpsName);
  const ca = createRootCa({ commonName: "Host Uploaded Root", keySize: 2048, validityDays: 5 });
  const target = { subscriptionId: sub, resourceGroupName: rg, dpsName, certificateName: "host-root", certificatePem: ca.certificatePem, armEndpoint: arm.url };
  const uploadUrn = urnOf(RESOURCE_TYPES.dpsCertificateUpload, "dps-x509-cert-host-root-cert");
  const uploadIn = (await host.check(uploadUrn, {}, { ...target, isVerified: false, providerVersion: DPS_CERTIFICATE_PROVIDER_VERSION, __provider: providers[RESOURCE_TYPES.dpsCertificateUpload] })).inputs;
  const upload = await host.create(uploadUrn, uploadIn);
  expect(arm.state.dps(sub, rg, dpsName).get("host-root")).toMatchObject({ isVerified: false });
  expect(await host.diff(uploadUrn, upload.id, upload.properties, uploadIn)).toMatchObject({ changes: "none" });

  const proofUrn = urnOf(RESOURCE_TYPES.caVerification, "dps-x509-cert-host-root-verification");
  const proofIn = (await host.check(proofUrn, {}, { ...target, caPrivateKeyPem: ca.privateKeyPem, providerVersion: CA_VERIFICATION_PROVIDER_VERSION, __provider: providers[RESOURCE_TYPES.caVerification] })).inputs;
  const proof = await host.create(proofUrn, proofIn);
  expect(proof.properties).toMatchObject({ isVerified: true });
  expect(proof.properties).not.toHaveProperty("caPrivateKeyPem");
  expect(arm.state.dps(sub, rg, dpsName).get("host-root")).toMatchObject({ isVerified: true });
  const readProof = await host.read(proofUrn, proof.id, proof.properties, proofIn);
  expect(readProof.properties.isVerified).toBe(true);
  const readUpload = await host.read(uploadUrn, upload.id, upload.properties, uploadIn);
  expect(readUpload.properties.isVerified).toBe(true);
  const moved = { ...uploadIn, providerVersion: "next" };
  expect(await host.diff(uploadUrn, upload.id, readUpload.properties, moved)).toMatchObject({ changes: "some", replaces: [] });
  const updated = await host.update(uploadUrn, upload.id, readUpload.properties, moved);
  expect(updated.properties.providerVersion).toBe("next");
  await host.delete(proofUrn, proof.id, readProof.properties);
  await host.delete(uploadUrn, upload.id, updated.properties);
  expect(arm.state.dps(sub, rg, dpsName).get("host-root")).toBeUndefined();
}, 60_000);
