/**
 * A simulated device provisions end to end, locally: certificates as `npm run ca -- chain --device` writes them,
 * enrollment groups and a revoked device created through the real dynamic providers on the fake DPS service, and
 * the device registering through Microsoft's device SDK (`npm run device -- register`, in-process) over mutual TLS
 * to the fake device endpoint, routed from global.azure-devices-provisioning.net.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { createIntermediateCa, createRootCa, KeyAndCert } from "../certs";
import { runCa } from "../cli/ca";
import { runDevice } from "../cli/device";
import { issueThrowawayDevice } from "../cli/device/credentials";
import { registerX509Device } from "../cli/device/register";
import { enrollmentGroupProvider, EnrollmentGroupProviderInputs } from "../components/providers/enrollmentGroup";
import { REVOKED_DEVICE_PROVIDER_VERSION, revokedDeviceProvider } from "../components/providers/revokedDevice";
import { ISSUER_CERT_ENV, ISSUER_KEY_ENV } from "../components/resources/smokeTestCommand";
import { DpsCaCertificate, FakeDpsDeviceServer, startRoutedDeviceEndpoint } from "../azure-test-servers/dpsDeviceServer";
import { FakeDpsServiceServer, startRoutedFakeDps } from "../azure-test-servers/dpsServiceServer";

const HUB_A = "hub-a.azure-devices.net";
const HUB_B = "hub-b.azure-devices.net";
const HUB_C = "hub-c.azure-devices.net";
const ID_SCOPE = "0ne00E2E001";

let dir: string;
let service: FakeDpsServiceServer;
let device: FakeDpsDeviceServer;
const stops: Array<() => Promise<void>> = [];
/** The DPS's CA certificates, as the device endpoint sees them; tests change `verified`. */
const dpsCas: Record<string, DpsCaCertificate> = {};

const read = (name: string) => readFileSync(join(dir, name), "utf8");
let intermediate: KeyAndCert;
let staticCa: KeyAndCert;
let disabledCa: KeyAndCert;
let otherIntermediate: KeyAndCert;
let lonelyRoot: KeyAndCert;
let lonelyIntermediate: KeyAndCert;

/** Sets the DPS's CAs in both fakes: the device endpoint's store and the service's notion of verified names. */
function setCa(name: string, certificatePem: string, verified: boolean) {
  dpsCas[name] = { certificatePem, verified };
  service.caCertificates = Object.fromEntries(Object.entries(dpsCas).map(([n, ca]) => [n, { verified: ca.verified }]));
}

async function createGroup(id: string, caName: string, extra: Partial<EnrollmentGroupProviderInputs> = {}) {
  const inputs: EnrollmentGroupProviderInputs = {
    enrollmentId: id,
    primaryCaName: caName,
    provisioningStatus: "enabled",
    allocationPolicy: "hashed",
    iotHubHostNames: [HUB_A, HUB_B],
    reprovisionPolicy: "reprovisionandmigratedata",
    edgeEnabled: false,
    serviceHostName: service.hostName,
    connectionString: service.connectionString(),
    providerVersion: "1",
    ...extra,
  };
  await enrollmentGroupProvider.create!(inputs);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "dps-x509-device-"));
  const sink = { write: () => true };
  expect(await runCa(["chain", "--out", dir, "--key-size", "2048", "--device", "dev-1", "--device", "dev-2", "--device", "dev-3"], { stdout: sink, stderr: sink })).toBe(0);
  intermediate = { certificatePem: read("intermediate.pem"), privateKeyPem: read("intermediate.key.pem") };
  const root = { certificatePem: read("root.pem"), privateKeyPem: read("root.key.pem") };
  staticCa = createIntermediateCa({ issuer: root, commonName: "Static line CA", keySize: 2048, validityDays: 30 });
  disabledCa = createIntermediateCa({ issuer: root, commonName: "Paused line CA", keySize: 2048, validityDays: 30 });
  const otherRoot = createRootCa({ commonName: "Someone else's root", keySize: 2048, validityDays: 30 });
  otherIntermediate = createIntermediateCa({ issuer: otherRoot, commonName: "Someone else's intermediate", keySize: 2048, validityDays: 30 });
  lonelyRoot = createRootCa({ commonName: "Root uploaded alone", keySize: 2048, validityDays: 30 });
  lonelyIntermediate = createIntermediateCa({ issuer: lonelyRoot, commonName: "Intermediate not verified", keySize: 2048, validityDays: 30 });
  // The static line's CA as files too, for the --issuer-cert path.
  writeFileSync(join(dir, "static.pem"), staticCa.certificatePem);
  writeFileSync(join(dir, "static.key.pem"), staticCa.privateKeyPem, { mode: 0o600 });

  const started = await startRoutedFakeDps({ linkedHubs: [HUB_A, HUB_B, HUB_C] });
  service = started.server;
  stops.push(started.stop);
  setCa("my-root-ca", root.certificatePem, true);
  setCa("my-intermediate-ca", intermediate.certificatePem, true);
  setCa("static-ca", staticCa.certificatePem, true);
  setCa("paused-ca", disabledCa.certificatePem, true);
  setCa("lonely-root-ca", lonelyRoot.certificatePem, true);
  // Uploaded, never proved: it must not count.
  setCa("lonely-intermediate-ca", lonelyIntermediate.certificatePem, false);

  const endpoint = await startRoutedDeviceEndpoint({ service, caCertificates: () => dpsCas, idScope: ID_SCOPE });
  device = endpoint.server;
  stops.unshift(endpoint.stop);

  await createGroup("line-hashed", "my-intermediate-ca");
  await createGroup("line-static", "static-ca", { allocationPolicy: "static", iotHubHostNames: [HUB_B] });
  await createGroup("line-paused", "paused-ca", { provisioningStatus: "disabled" });
  await createGroup("line-lonely", "lonely-root-ca", { iotHubHostNames: [HUB_C] });
  // dev-3 is revoked: a disabled individual enrollment with its certificate, through the real provider.
  await revokedDeviceProvider.create!({
    registrationId: "dev-3",
    certificatePem: read("dev-3.pem"),
    serviceHostName: service.hostName,
    connectionString: service.connectionString(),
    providerVersion: REVOKED_DEVICE_PROVIDER_VERSION,
  });
});

afterAll(async () => {
  for (const stop of stops) await stop();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  device.resetRequests();
  device.untrustedChain = "http401";
});

/** Runs `npm run device -- …` in-process; collects what it prints. */
async function cli(argv: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runDevice(argv, { stdout: (t) => out.push(t), stderr: (t) => err.push(t), env });
  const stdout = out.join("");
  const stderr = err.join("");
  // Never key material, whatever happened.
  for (const text of [stdout, stderr]) {
    expect(text).not.toMatch(/PRIVATE KEY/);
    expect(text).not.toContain(read("dev-1.key.pem").split("\n")[1]);
    expect(text).not.toContain(intermediate.privateKeyPem.split("\n")[1]);
  }
  return { code, stdout, stderr };
}

const files = (id: string, cert = `${id}.fullchain.pem`) => ["--cert", join(dir, cert), "--key", join(dir, `${id}.key.pem`)];
const register = (id: string, issuer: KeyAndCert) =>
  registerX509Device({ provisioningHost: "global.azure-devices-provisioning.net", idScope: ID_SCOPE, ...credentialsOf(id, issuer) });
function credentialsOf(registrationId: string, issuer: KeyAndCert) {
  const c = issueThrowawayDevice({ issuerCertificatePem: issuer.certificatePem, issuerPrivateKeyPem: issuer.privateKeyPem, registrationId });
  return { registrationId, chainPem: c.chainPem, privateKeyPem: c.privateKeyPem };
}

test("a device from the verified intermediate provisions: hub, device id, status, over mutual TLS", async () => {
  const { code, stdout, stderr } = await cli(["register", "--id-scope", ID_SCOPE, ...files("dev-1")]);
  expect(stderr).toBe("");
  expect(code).toBe(0);
  const decided = device.registration("dev-1")!;
  expect([HUB_A, HUB_B]).toContain(decided.assignedHub);
  expect(stdout).toContain(`Device "dev-1" registered through DPS ${ID_SCOPE} (global.azure-devices-provisioning.net):`);
  expect(stdout).toMatch(new RegExp(`assigned hub +${decided.assignedHub!.replace(/\./g, "\\.")}\n`));
  expect(stdout).toMatch(/device id +dev-1\n/);
  expect(stdout).toMatch(/status +assigned \(initialAssignment\)\n/);
  expect(stdout).toMatch(/enrollment +group "line-hashed"\n/);
  // What went over the wire: the SDK's PUT then its poll, the full chain, trusted by TLS against the verified CAs.
  expect(device.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
    `PUT /${ID_SCOPE}/registrations/dev-1/register 202`,
    `GET /${ID_SCOPE}/registrations/dev-1/operations/${decided.operationId} 200`,
  ]);
  expect(device.requests.every((r) => r.query["api-version"] === "2019-03-31" && r.chainLength >= 2 && r.tlsAuthorized)).toBe(true);
  expect(device.requests[0].body).toEqual({ registrationId: "dev-1" });
});

test("--json prints the outcome; a certificate issued now from the intermediate (files or environment) provisions", async () => {
  const fromFiles = await cli(["register", "--id-scope", ID_SCOPE, "--issuer-cert", join(dir, "intermediate.pem"), "--issuer-key", join(dir, "intermediate.key.pem"), "--registration-id", "fresh-1", "--json"]);
  expect(fromFiles.code).toBe(0);
  expect(JSON.parse(fromFiles.stdout)).toEqual({
    registrationId: "fresh-1",
    assignedHub: device.registration("fresh-1")!.assignedHub,
    deviceId: "fresh-1",
    status: "assigned",
    substatus: "initialAssignment",
    enrollmentGroupId: "line-hashed",
  });
  const fromEnv = await cli(["register", "--id-scope", ID_SCOPE, "--issuer-from-env", "--registration-id", "fresh-2"], {
    [ISSUER_CERT_ENV]: intermediate.certificatePem,
    [ISSUER_KEY_ENV]: intermediate.privateKeyPem,
  });
  expect(fromEnv.code).toBe(0);
  expect(fromEnv.stdout).toMatch(/device id +fresh-2\n/);
});

test("hashed allocation: stable for a registration id, spread across the group's hubs", async () => {
  const ids = Array.from({ length: 12 }, (_, i) => `sensor-${i}`);
  const first = new Map<string, string>();
  for (const id of ids) first.set(id, (await register(id, intermediate)).assignedHub);
  // Again, with a new certificate for the same id: the same hub.
  for (const id of ids.slice(0, 4)) expect((await register(id, intermediate)).assignedHub).toBe(first.get(id));
  expect(new Set(first.values())).toEqual(new Set([HUB_A, HUB_B]));
});

test("static allocation: the group's one hub, every time", async () => {
  for (const id of ["static-1", "static-2", "static-3"]) {
    const state = await register(id, staticCa);
    expect(state).toMatchObject({ assignedHub: HUB_B, deviceId: id, status: "assigned" });
    expect(state.x509).toMatchObject({ enrollmentGroupId: "line-static" });
  }
});

test("a device from an unrelated CA is refused with 401002, and the CLI says why and what to do", async () => {
  const stranger = credentialsOf("stranger-1", otherIntermediate);
  await expect(register("stranger-2", otherIntermediate)).rejects.toMatchObject({ response: { statusCode: 401 } });
  expect(device.requests.map((r) => [r.status, r.errorCode, r.tlsAuthorized])).toEqual([[401, 401002, false]]);

  const files = writeDevice("stranger-1", stranger);
  const { code, stderr } = await cli(["register", "--id-scope", ID_SCOPE, "--cert", files.cert, "--key", files.key]);
  expect(code).toBe(1);
  expect(stderr).toContain('DPS refused device "stranger-1": DPS did not accept the device certificate (unauthorized).');
  expect(stderr).toContain("does not lead to a CA certificate that is uploaded to this DPS and verified");
  expect(stderr).toContain("fix: Run `npm run doctor -- --stack <stack>`");
  expect(stderr).toMatch(/\(Azure said: HTTP 401, error 401002: .*\(tracking id [0-9a-f-]{36}\)\)/);
});

test("a strict endpoint refuses the same device in the TLS handshake, and the CLI says so", async () => {
  device.untrustedChain = "handshake";
  const stranger = writeDevice("stranger-3", credentialsOf("stranger-3", otherIntermediate));
  const { code, stderr } = await cli(["register", "--id-scope", ID_SCOPE, "--cert", stranger.cert, "--key", stranger.key]);
  expect(code).toBe(1);
  expect(stderr).toContain("The DPS endpoint closed the TLS handshake: it did not accept the device's certificate chain.");
  expect(device.requests.map((r) => r.method)).toEqual(["TLS"]);
  // A trusted chain still gets through the strict endpoint.
  expect((await cli(["register", "--id-scope", ID_SCOPE, ...files("dev-2")])).code).toBe(0);
});

test("a device of a disabled group is refused: status disabled, named group, the config fix", async () => {
  await expect(register("paused-1", disabledCa)).rejects.toMatchObject({ result: { status: "disabled" } });
  const paused = writeDevice("paused-2", credentialsOf("paused-2", disabledCa));
  const { code, stderr } = await cli(["register", "--id-scope", ID_SCOPE, "--cert", paused.cert, "--key", paused.key]);
  expect(code).toBe(1);
  expect(stderr).toContain('DPS refused device "paused-2": Enrollment group "line-paused" is disabled');
  expect(stderr).toContain('fix: Set provisioningStatus: enabled on enrollmentGroups[] "line-paused"');
  expect(device.registration("paused-2")).toMatchObject({ status: "disabled", enrollmentGroupId: "line-paused" });
});

test("a revoked device (disabled individual enrollment) is refused although its group is enabled", async () => {
  const { code, stderr } = await cli(["register", "--id-scope", ID_SCOPE, ...files("dev-3")]);
  expect(code).toBe(1);
  expect(stderr).toContain('DPS refused device "dev-3": Device "dev-3" is disabled: it is revoked');
  expect(stderr).toContain("remove it from enrollmentGroups[].revokedDevices");
  expect(device.registration("dev-3")).toMatchObject({ status: "disabled", enrollmentGroupId: undefined });
});

test("a leaf-only chain whose intermediate is not verified is refused, and the full chain is the fix", async () => {
  const lonely = credentialsOf("lonely-1", lonelyIntermediate);
  const leafOnly = writeDevice("lonely-1", { ...lonely, chainPem: lonely.chainPem.slice(0, lonely.chainPem.indexOf("-----END CERTIFICATE-----") + 26) });
  const refused = await cli(["register", "--id-scope", ID_SCOPE, "--cert", leafOnly.cert, "--key", leafOnly.key]);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain("The device sent only its own certificate (CN=lonely-1), not the chain");
  expect(refused.stderr).toContain("CN=Intermediate not verified");
  expect(refused.stderr).toContain("fix: Send the full chain, leaf then intermediate");
  expect(device.requests.map((r) => [r.chainLength, r.status, r.errorCode])).toEqual([[1, 401, 401002]]);

  const full = writeDevice("lonely-1-full", lonely);
  const accepted = await cli(["register", "--id-scope", ID_SCOPE, "--cert", full.cert, "--key", full.key]);
  expect(accepted.stderr).toBe("");
  expect(accepted.stdout).toMatch(/assigned hub +hub-c\.azure-devices\.net\n/);
  expect(accepted.stdout).toMatch(/enrollment +group "line-lonely"\n/);
});

test("the registration id must be the CN: the CLI stops before sending; the endpoint refuses it too", async () => {
  const { code, stderr } = await cli(["register", "--id-scope", ID_SCOPE, ...files("dev-1"), "--registration-id", "dev-9"]);
  expect(code).toBe(1);
  expect(stderr).toContain("--registration-id dev-9 is not the certificate's CN (dev-1)");
  expect(device.requests).toEqual([]);
  const c = credentialsOf("dev-1", intermediate);
  await expect(registerX509Device({ provisioningHost: "global.azure-devices-provisioning.net", idScope: ID_SCOPE, ...c, registrationId: "dev-9" })).rejects.toMatchObject({
    response: { statusCode: 401 },
  });
});

test("a wrong ID scope, and a group whose hubs were unlinked, each get their own plain reason", async () => {
  const wrongScope = await cli(["register", "--id-scope", "0ne00NOPE00", ...files("dev-1")]);
  expect(wrongScope.code).toBe(1);
  expect(wrongScope.stderr).toContain("No DPS with ID scope 0ne00NOPE00 answered at global.azure-devices-provisioning.net.");

  const linked = service.linkedHubs;
  service.linkedHubs = [HUB_A, HUB_B]; // hub-c unlinked in the portal
  try {
    const orphan = writeDevice("lonely-2", credentialsOf("lonely-2", lonelyIntermediate));
    const { code, stderr } = await cli(["register", "--id-scope", ID_SCOPE, "--cert", orphan.cert, "--key", orphan.key]);
    expect(code).toBe(1);
    expect(stderr).toContain("DPS found no IoT hub to assign the device to");
    expect(stderr).toContain("(Azure said: status failed, error 400208");
  } finally {
    service.linkedHubs = linked;
  }
});

test("--expect-hub fails a registration that lands elsewhere", async () => {
  const { code, stderr } = await cli(["register", "--id-scope", ID_SCOPE, "--issuer-cert", join(dir, "static.pem"), "--issuer-key", join(dir, "static.key.pem"), "--registration-id", "static-9", "--expect-hub", HUB_A]);
  expect(code).toBe(1);
  expect(stderr).toContain(`device "static-9" was assigned to ${HUB_B}, not to ${HUB_A}`);
});

/** Writes a device's chain and key like `npm run ca` does; returns the paths. */
function writeDevice(name: string, c: { chainPem: string; privateKeyPem: string }) {
  const cert = join(dir, `${name}.chain.pem`);
  const key = join(dir, `${name}.key.pem`);
  writeFileSync(cert, c.chainPem);
  writeFileSync(key, c.privateKeyPem, { mode: 0o600 });
  return { cert, key };
}
