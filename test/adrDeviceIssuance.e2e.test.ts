/**
 * A device gets its certificate from DPS (Azure Device Registry issuance, device API 2026-11-01), end to end on the
 * local servers: an enrollment group with ADR names created through the real provider, an ICA whose key sits in the
 * shared issuer store (as the ARM Device Registry server leaves it, activated with a chain under an EC root), and
 * `npm run device -- register --issue` in-process: P-384 key and CSR, the register call with the onboarding
 * certificate over mutual TLS, the issued chain checked by OpenSSL (here, independently of the CLI, too), and an
 * MQTT connection to the assigned hub with the issued certificate.
 */
import { generateKeyPairSync, X509Certificate } from "crypto";
import * as https from "https";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { createIntermediateCa, createRootCa } from "../certs";
import { runDevice } from "../cli/device";
import { issueThrowawayDevice } from "../cli/device/credentials";
import { newDeviceKeyAndCsr } from "../cli/device/issuedCertificate";
import { registerWithCsr } from "../cli/device/registerWithCsr";
import { enrollmentGroupProvider } from "../components/providers/enrollmentGroup";
import { individualEnrollmentProvider } from "../components/providers/individualEnrollment";
import { adrIssuers } from "../azure-test-servers/adrIssuers";
import { certificatePem, issueCertificate, nameDer } from "../azure-test-servers/ecCertificates";
import { FakeDpsDeviceServer, startRoutedDeviceEndpoint } from "../azure-test-servers/dpsDeviceServer";
import { FakeDpsServiceServer, startRoutedFakeDps } from "../azure-test-servers/dpsServiceServer";
import { FakeIotHubMqttEndpoint } from "../azure-test-servers/iotHubMqttEndpoint";
import { routeToFake } from "../azure-test-servers/loopbackRouting";
import { openssl } from "./support/openssl";
import { spawn } from "child_process";
import { deviceRegisterCommand, ISSUED_ROOTS_ENV, ISSUER_CERT_ENV, ISSUER_KEY_ENV } from "../components/resources/smokeTestCommand";

const HUB = "hub-adr.azure-devices.net";
const ID_SCOPE = "0ne00ADR001";
const DAY = 86_400_000;
const issuerKey = { subscriptionId: "00000000-0000-0000-0000-000000000001", resourceGroup: "rg-adr", namespace: "plant-ns", caName: "devices-ica" };

let dir: string;
let service: FakeDpsServiceServer;
let device: FakeDpsDeviceServer;
let hub: FakeIotHubMqttEndpoint;
const stops: Array<() => Promise<void>> = [];
let rootPem: string;
let onboardingPath: { cert: string; key: string };

function ecRootAndIca() {
  const root = generateKeyPairSync("ec", { namedCurve: "P-384" });
  const ica = generateKeyPairSync("ec", { namedCurve: "P-384" });
  const now = Date.now();
  const rootDer = issueCertificate({ subjectName: nameDer("Plant EC Root"), subjectPublicKey: root.publicKey, issuerKey: root.privateKey, notBefore: new Date(now - DAY), notAfter: new Date(now + 3650 * DAY), profile: { ca: true, pathLength: 1 } });
  const icaDer = issueCertificate({ subjectName: nameDer("devices-ica"), subjectPublicKey: ica.publicKey, issuerName: nameDer("Plant EC Root"), issuerKey: root.privateKey, issuerPublicKey: root.publicKey, notBefore: new Date(now - DAY), notAfter: new Date(now + 400 * DAY), profile: { ca: true, pathLength: 0 } });
  return { ica, rootPem: certificatePem(rootDer), icaPem: certificatePem(icaDer) };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "dps-x509-adr-device-"));
  const { ica, rootPem: root, icaPem } = ecRootAndIca();
  rootPem = root;
  writeFileSync(join(dir, "root.pem"), rootPem);
  adrIssuers.putKey(issuerKey, ica.privateKey);
  adrIssuers.activate(issuerKey, [icaPem, rootPem]);
  adrIssuers.setPolicy(issuerKey, "devices-30d", 30);

  // The onboarding credential: an RSA intermediate verified in the DPS, as classic groups use.
  const onboardingRoot = createRootCa({ commonName: "Onboarding Root", keySize: 2048, validityDays: 30 });
  const onboarding = createIntermediateCa({ issuer: onboardingRoot, commonName: "Onboarding CA", keySize: 2048, validityDays: 30 });
  onboardingPath = { cert: join(dir, "onboarding.pem"), key: join(dir, "onboarding.key.pem") };
  writeFileSync(onboardingPath.cert, onboarding.certificatePem);
  writeFileSync(onboardingPath.key, onboarding.privateKeyPem, { mode: 0o600 });

  const started = await startRoutedFakeDps({ linkedHubs: [HUB], caCertificates: { "onboarding-ca": { verified: true } } });
  service = started.server;
  stops.push(started.stop);
  const endpoint = await startRoutedDeviceEndpoint({ service, idScope: ID_SCOPE, caCertificates: { "onboarding-ca": { certificatePem: onboarding.certificatePem, verified: true } } });
  device = endpoint.server;
  stops.unshift(endpoint.stop);
  // Device Registry syncs its CA to linked hubs: the hub trusts the root the ICA chains to.
  hub = await FakeIotHubMqttEndpoint.start({ hostName: HUB, trustedCaPems: () => [rootPem], isRegistered: (id) => device.registration(id)?.assignedHub === HUB });
  stops.unshift(routeToFake(hub));

  await enrollmentGroupProvider.create!({
    enrollmentId: "line-adr", primaryCaName: "onboarding-ca", provisioningStatus: "enabled", allocationPolicy: "hashed", iotHubHostNames: [HUB],
    reprovisionPolicy: "reprovisionandmigratedata", edgeEnabled: false,
    deviceRegistry: { namespaceName: "plant-ns", certificateAuthorityName: "devices-ica", certificatePolicyName: "devices-30d" },
    serviceHostName: service.hostName, connectionString: service.connectionString(), providerVersion: "2",
  });
}, 60_000);

afterAll(async () => {
  for (const stop of stops) await stop();
  adrIssuers.remove(issuerKey);
  rmSync(dir, { recursive: true, force: true });
});

async function cli(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runDevice(argv, { stdout: (t) => out.push(t), stderr: (t) => err.push(t), sleep: async () => undefined });
  const text = out.join("") + err.join("");
  expect(text).not.toMatch(/PRIVATE KEY/);
  return { code, stdout: out.join(""), stderr: err.join("") };
}

const onboardingArgs = (id: string) => ["register", "--id-scope", ID_SCOPE, "--issuer-cert", onboardingPath.cert, "--issuer-key", onboardingPath.key, "--registration-id", id];

test("register --issue: P-384 CSR at 2026-11-01, the issued chain verified by OpenSSL up to the root, connected to the hub", async () => {
  const { code, stdout, stderr } = await cli([...onboardingArgs("adr-dev-1"), "--issue", "--root-cert", join(dir, "root.pem"), "--out", dir, "--json"]);
  expect(stderr).toBe("");
  expect(code).toBe(0);
  const put = device.requests.find((r) => r.method === "PUT")!;
  expect(put.query["api-version"]).toBe("2026-11-01");
  expect(typeof (put.body as { csr?: unknown }).csr).toBe("string");
  expect((put.body as { csr: string }).csr).not.toContain("BEGIN");
  const outcome = JSON.parse(stdout);
  expect(outcome).toMatchObject({ assignedHub: HUB, issuance: { verified: true, hub: { connected: true } } });

  // Independently of the CLI: the files it wrote, checked by OpenSSL and Node.
  const chainText = readFileSync(join(dir, "adr-dev-1.issued.fullchain.pem"), "utf8");
  const certs = chainText.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g)!;
  expect(certs).toHaveLength(3); // leaf, ICA, root
  writeFileSync(join(dir, "leaf.pem"), certs[0]);
  writeFileSync(join(dir, "untrusted.pem"), certs.slice(1).join(""));
  const verified = openssl(["verify", "-x509_strict", "-CAfile", "root.pem", "-untrusted", "untrusted.pem", "leaf.pem"], { cwd: dir });
  expect(verified.stdout).toContain("leaf.pem: OK");
  const leaf = new X509Certificate(certs[0]);
  expect(leaf.subject).toBe("CN=adr-dev-1");
  expect(leaf.publicKey.asymmetricKeyDetails?.namedCurve).toBe("secp384r1");
  expect(openssl(["x509", "-noout", "-text", "-in", "leaf.pem"], { cwd: dir }).stdout).toContain("ecdsa-with-SHA384");
  expect(Math.round((Date.parse(leaf.validTo) - Date.parse(leaf.validFrom)) / DAY)).toBe(30);
  expect(statSync(join(dir, "adr-dev-1.issued.key.pem")).mode & 0o077).toBe(0);
  // The hub saw the issued certificate, trusted through the ADR root, with CN = device id.
  expect(hub.attempts.pop()).toMatchObject({ clientId: "adr-dev-1", commonName: "adr-dev-1", tlsAuthorized: true, returnCode: 0 });
}, 60_000);

test("the issued chain is refused against another root, and the CLI says so (exit 1)", async () => {
  const other = ecRootAndIca();
  writeFileSync(join(dir, "other-root.pem"), other.rootPem);
  const { code, stdout } = await cli([...onboardingArgs("adr-dev-2"), "--issue", "--root-cert", join(dir, "other-root.pem"), "--skip-connect"]);
  expect(code).toBe(1);
  expect(stdout).toMatch(/issued cert\s+NOT accepted: openssl verify: .*self-signed certificate in certificate chain/);
}, 60_000);

test("the device endpoint: no CSR for an ADR enrollment, a CSR whose CN is not the registration id, a CSR at the status lookup: bad requests", async () => {
  // Without --issue the device SDK registers at 2019-03-31 with no csr.
  const noCsr = await cli(onboardingArgs("adr-dev-3"));
  expect(noCsr.code).toBe(1);
  expect(device.requests.pop()).toMatchObject({ status: 400, errorCode: 400004 });
  const onboarding = issueThrowawayDevice({ issuerCertificatePem: readFileSync(onboardingPath.cert, "utf8"), issuerPrivateKeyPem: readFileSync(onboardingPath.key, "utf8"), registrationId: "adr-dev-4" });
  const wrongCn = await newDeviceKeyAndCsr("someone-else");
  const request = { provisioningHost: device.hostName, idScope: ID_SCOPE, registrationId: "adr-dev-4", chainPem: onboarding.chainPem, privateKeyPem: onboarding.privateKeyPem };
  await expect(registerWithCsr({ ...request, csrDer: wrongCn.csrDer })).rejects.toMatchObject({ response: { statusCode: 400 }, responseBody: expect.stringContaining("must match the registration id") });
  const good = await newDeviceKeyAndCsr("adr-dev-4");
  const state = await registerWithCsr({ ...request, csrDer: good.csrDer, sleep: async () => undefined });
  expect(state.issuedCertificateChain).toHaveLength(3);
  const lookup = (body: object) => new Promise<{ status: number; body: any }>((resolve, reject) => {
    const req = https.request({ host: device.hostName, port: 443, method: "POST", path: `/${ID_SCOPE}/registrations/adr-dev-4?api-version=2026-11-01`, cert: onboarding.chainPem, key: onboarding.privateKeyPem, headers: { "Content-Type": "application/json" } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString() || "{}") }));
    });
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
  expect((await lookup({ registrationId: "adr-dev-4", csr: good.csrDer.toString("base64") })).status).toBe(400);
  const looked = await lookup({ registrationId: "adr-dev-4" });
  expect(looked.status).toBe(200);
  expect(looked.body).toMatchObject({ registrationId: "adr-dev-4", status: "assigned", assignedHub: HUB });
  expect(looked.body).not.toHaveProperty("issuedCertificateChain");
}, 60_000);

test("an issuance the CA cannot make (no such policy) fails the registration, and the hub never sees the device", async () => {
  service.editGroup("line-adr", (g) => (g.certificatePolicyName = "absent-policy"));
  try {
    const { code, stderr } = await cli([...onboardingArgs("adr-dev-5"), "--issue", "--root-cert", join(dir, "root.pem")]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/adr-dev-5/);
    expect(device.registration("adr-dev-5")).toMatchObject({ status: "failed", errorCode: 400303 });
    expect(hub.attempts.some((a) => a.clientId === "adr-dev-5")).toBe(false);
  } finally {
    service.editGroup("line-adr", (g) => (g.certificatePolicyName = "devices-30d"));
  }
}, 60_000);

test("the smoke test's command for an ADR group (--issue, roots from the environment) runs as @pulumi/command runs it: exit 0, connected", async () => {
  const command = deviceRegisterCommand({ registrationId: "adr-smoke-device", idScope: ID_SCOPE, globalEndpoint: device.hostName, expectedHubHostNames: [HUB], issue: true, attempts: 1 });
  expect(command).toContain("'--issue'");
  const run = (roots: string) => new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn("/bin/sh", ["-c", command], {
      cwd: join(__dirname, ".."),
      env: {
        ...process.env,
        [ISSUER_CERT_ENV]: readFileSync(onboardingPath.cert, "utf8"),
        [ISSUER_KEY_ENV]: readFileSync(onboardingPath.key, "utf8"),
        [ISSUED_ROOTS_ENV]: roots,
        NODE_OPTIONS: `--require ${join(__dirname, "..", "azure-test-servers", "loopback-preload.js")}`,
        DPS_X509_TEST_LOOPBACK_ROUTES: JSON.stringify([{ host: device.hostName, port: device.port }, { host: HUB, port: hub.port }]),
      },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
  // The stack's CA certificates: the onboarding intermediate (not a root: left out) and the EC root.
  const ok = await run(readFileSync(onboardingPath.cert, "utf8") + rootPem);
  expect(ok.stderr).toBe("");
  expect(ok.code).toBe(0);
  expect(ok.stdout).toMatch(/issued cert +CN=adr-smoke-device by CN=devices-ica, valid to .*; verified by OpenSSL up to the stack's root/);
  expect(ok.stdout).toContain(`hub           connected to ${HUB} with the issued certificate`);
  expect(ok.stdout).not.toMatch(/PRIVATE KEY/);
  // Without the root the chain leads to, the smoke test fails the up.
  const refused = await run(readFileSync(onboardingPath.cert, "utf8"));
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain(`${ISSUED_ROOTS_ENV} holds no self-signed root certificate`);
}, 90_000);

test("an individual enrollment with ADR names: the device's own onboarding certificate, then an issued one", async () => {
  // A device certificate from a CA the DPS does not know: only the individual enrollment that holds it makes it trusted.
  const maker = createRootCa({ commonName: "Factory CA", keySize: 2048, validityDays: 30 });
  const onboard = issueThrowawayDevice({ issuerCertificatePem: maker.certificatePem, issuerPrivateKeyPem: maker.privateKeyPem, registrationId: "adr-press-1" });
  writeFileSync(join(dir, "press.pem"), onboard.chainPem);
  writeFileSync(join(dir, "press.key.pem"), onboard.privateKeyPem, { mode: 0o600 });
  await individualEnrollmentProvider.create!({
    registrationId: "adr-press-1", certificatePem: onboard.chainPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/)![0],
    provisioningStatus: "enabled", allocationPolicy: "static", iotHubHostNames: [HUB], reprovisionPolicy: "never", edgeEnabled: false,
    deviceRegistry: { namespaceName: "plant-ns", certificateAuthorityName: "devices-ica", certificatePolicyName: "devices-30d" },
    serviceHostName: service.hostName, connectionString: service.connectionString(), providerVersion: "1",
  });
  const { code, stdout, stderr } = await cli(["register", "--id-scope", ID_SCOPE, "--cert", join(dir, "press.pem"), "--key", join(dir, "press.key.pem"), "--issue", "--root-cert", join(dir, "root.pem")]);
  expect(stderr).toBe("");
  expect(code).toBe(0);
  expect(stdout).toContain("enrollment    individual enrollment");
  expect(stdout).toMatch(/issued cert +CN=adr-press-1 by CN=devices-ica/);
  expect(hub.attempts.pop()).toMatchObject({ clientId: "adr-press-1", returnCode: 0 });
}, 60_000);
