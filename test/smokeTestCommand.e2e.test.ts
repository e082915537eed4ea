/**
 * The exact command line a SmokeTest declares, run as `@pulumi/command` runs it (`/bin/sh -c`, from the project
 * directory, the issuer in the environment) against the local DPS device endpoint: exit 0 and the hub on stdout when
 * the group works; exit 1 and DPS's reason on stderr when it does not, which is what fails the `pulumi up`.
 */
import { spawn } from "child_process";
import { join } from "path";
import { createIntermediateCa, createRootCa } from "../certs";
import { enrollmentGroupProvider, EnrollmentGroupProviderInputs } from "../components/providers/enrollmentGroup";
import { deviceRegisterCommand, ISSUER_CERT_ENV, ISSUER_KEY_ENV } from "../components/resources/smokeTestCommand";
import { FakeDpsDeviceServer, startRoutedDeviceEndpoint } from "../azure-test-servers/dpsDeviceServer";
import { FakeDpsServiceServer, startRoutedFakeDps } from "../azure-test-servers/dpsServiceServer";

const ROOT_DIR = join(__dirname, "..");
const HUB = "smoke-hub.azure-devices.net";
const root = createRootCa({ commonName: "Smoke Root", keySize: 2048, validityDays: 30 });
const lineCa = createIntermediateCa({ issuer: root, commonName: "Smoke Line CA", keySize: 2048, validityDays: 30 });
const pausedCa = createIntermediateCa({ issuer: root, commonName: "Smoke Paused CA", keySize: 2048, validityDays: 30 });

let service: FakeDpsServiceServer;
let device: FakeDpsDeviceServer;
const stops: Array<() => Promise<void>> = [];

beforeAll(async () => {
  const cas = { "smoke-line-ca": lineCa, "smoke-paused-ca": pausedCa };
  const started = await startRoutedFakeDps({ linkedHubs: [HUB], caCertificates: { "smoke-line-ca": { verified: true }, "smoke-paused-ca": { verified: true } } });
  service = started.server;
  stops.push(started.stop);
  const endpoint = await startRoutedDeviceEndpoint({
    service,
    idScope: "0ne00SM0KE1",
    caCertificates: Object.fromEntries(Object.entries(cas).map(([name, ca]) => [name, { certificatePem: ca.certificatePem, verified: true }])),
  });
  device = endpoint.server;
  stops.unshift(endpoint.stop);
  const group = (id: string, caName: string, provisioningStatus: "enabled" | "disabled"): EnrollmentGroupProviderInputs => ({
    enrollmentId: id, primaryCaName: caName, provisioningStatus, allocationPolicy: "static", iotHubHostNames: [HUB], reprovisionPolicy: "reprovisionandmigratedata",
    edgeEnabled: false, serviceHostName: service.hostName, connectionString: service.connectionString(), providerVersion: "1",
  });
  await enrollmentGroupProvider.create!(group("smoke-line", "smoke-line-ca", "enabled"));
  await enrollmentGroupProvider.create!(group("smoke-paused", "smoke-paused-ca", "disabled"));
});
afterAll(async () => {
  for (const stop of stops) await stop();
});

/** Runs the command as the command provider does: sh -c, in the project directory, with the given environment. */
function runAsCommandProvider(command: string, issuer: { certificatePem: string; privateKeyPem: string }): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("/bin/sh", ["-c", command], {
      cwd: ROOT_DIR,
      env: {
        ...process.env,
        [ISSUER_CERT_ENV]: issuer.certificatePem,
        [ISSUER_KEY_ENV]: issuer.privateKeyPem,
        NODE_OPTIONS: `--require ${join(__dirname, "..", "azure-test-servers", "loopback-preload.js")}`,
        DPS_X509_TEST_LOOPBACK_ROUTES: JSON.stringify([{ host: device.hostName, port: device.port }]),
      },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

test("the group works: exit 0, the hub and device on stdout, the key nowhere", async () => {
  const command = deviceRegisterCommand({ registrationId: "smoke-line-device", idScope: device.idScope, globalEndpoint: device.hostName, expectedHubHostNames: [HUB] });
  expect(command).not.toContain("PRIVATE KEY");
  const { code, stdout, stderr } = await runAsCommandProvider(command, lineCa);
  expect(stderr).toBe("");
  expect(code).toBe(0);
  expect(stdout).toContain('Device "smoke-line-device" registered through DPS 0ne00SM0KE1');
  expect(stdout).toMatch(/assigned hub +smoke-hub\.azure-devices\.net\n/);
  expect(stdout).not.toContain(lineCa.privateKeyPem.split("\n")[1]);
  expect(device.registration("smoke-line-device")).toMatchObject({ status: "assigned", enrollmentGroupId: "smoke-line" });
});

test("the group is disabled: exit 1 after its attempts, and the reason, in plain words, on stderr", async () => {
  // Two attempts without a pause here; the stack's command waits between its attempts.
  const command = deviceRegisterCommand({ registrationId: "smoke-paused-device", idScope: device.idScope, globalEndpoint: device.hostName, attempts: 2, retryDelaySeconds: 0 });
  const { code, stdout, stderr } = await runAsCommandProvider(command, pausedCa);
  expect(code).toBe(1);
  expect(stderr).toMatch(/^attempt 1 of 2: Enrollment group "smoke-paused" is disabled/m);
  expect(stderr).toContain('DPS refused device "smoke-paused-device": Enrollment group "smoke-paused" is disabled');
  expect(stdout + stderr).not.toContain(pausedCa.privateKeyPem.split("\n")[1]);
});
