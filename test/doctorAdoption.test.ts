/**
 * Before adopting: `npm run doctor -- --config <stack file>` against what the tutorial made by hand (the strict
 * local ARM and DPS servers) lists what adopting would overwrite, read-only, with the subscription taken from the
 * stack file's `azure-native:subscriptionId`.
 */
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { createIntermediateCa, createRootCa } from "../certs";
import { runDoctor } from "../cli/doctor";
import { startArmServer, type ArmServer } from "../azure-test-servers/armServer";
import { startRoutedFakeDps, type FakeDpsServiceServer } from "../azure-test-servers/dpsServiceServer";
import { setArmClientTestOverrides } from "../components/azure/armClient";
import { enrollmentGroupProvider } from "../components/providers/enrollmentGroup";

const SUB = "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a";
const RG = "iot-x509-demo-rg";
const DPS = "my-dps-x509";
const HUB = "my-iot-hub-x509.azure-devices.net";

const root = createRootCa({ commonName: "My Root CA", keySize: 2048, validityDays: 365 });
const intermediate = createIntermediateCa({ issuer: root, commonName: "My Intermediate CA", keySize: 2048, validityDays: 60 });

let arm: ArmServer;
let service: FakeDpsServiceServer;
let stop: () => Promise<void>;
let dir: string;

beforeAll(async () => {
  arm = await startArmServer();
  const dps = arm.state.dps(SUB, RG, DPS);
  dps.upload("my-root-ca", root.certificatePem, { isVerified: true });
  dps.upload("my-intermediate-ca", intermediate.certificatePem, { isVerified: true });
  dps.linkHubs([HUB]);
  arm.state.hubs.put(SUB, RG, "my-iot-hub-x509"); // as `az iot hub create` left it: SAS on, TLS not enforced
  setArmClientTestOverrides({ credential: { getToken: async () => ({ token: "t", expiresOnTimestamp: Date.now() + 3600_000 }) }, retryDelayInMs: 10 });
  ({ server: service, stop } = await startRoutedFakeDps({ hostName: `${DPS}.azure-devices-provisioning.net`, linkedHubs: [HUB], caCertificates: { "my-root-ca": { verified: true }, "my-intermediate-ca": { verified: true } } }));
  // What `az iot dps enrollment-group create … --provisioning-status disabled` left.
  await enrollmentGroupProvider.create!({
    enrollmentId: "my-device-group", primaryCaName: "my-intermediate-ca", provisioningStatus: "disabled", allocationPolicy: "hashed", iotHubHostNames: [HUB],
    reprovisionPolicy: "reprovisionandmigratedata", edgeEnabled: false, serviceHostName: service.hostName, connectionString: service.connectionString(), providerVersion: "1",
  });
  dir = mkdtempSync(join(tmpdir(), "dps-x509-doctor-adopt-"));
  writeFileSync(join(dir, "Pulumi.tutorial.yaml"), `config:
  azure-native:location: eastus
  azure-native:subscriptionId: ${SUB}
  dps-x509:resourceGroupName: ${RG}
  dps-x509:adoptExisting: true
  dps-x509:dps: { name: ${DPS} }
  dps-x509:hubs: [{ name: my-iot-hub-x509 }]
  dps-x509:ca:
    root: { name: my-root-ca, commonName: My Root CA, certificatePem: ${JSON.stringify(root.certificatePem)}, privateKeyPem: { secure: v1:AAABAMoeUZ7H2eq1 } }
    intermediates:
      - { name: my-intermediate-ca, commonName: My Intermediate CA, certificatePem: ${JSON.stringify(intermediate.certificatePem)}, privateKeyPem: { secure: v1:AAABAMoeUZ7H2eq2 } }
  dps-x509:enrollmentGroups:
    - { enrollmentId: my-device-group, caName: my-intermediate-ca }
  dps-x509:armEndpoint: ${arm.url}
`);
});

afterAll(async () => {
  setArmClientTestOverrides(undefined);
  await arm.close();
  await stop();
  rmSync(dir, { recursive: true, force: true });
});

test("each difference adopting would overwrite, and the CA within its 90-day window, fail; nothing is written", async () => {
  service.resetRequests();
  arm.requests.clear();
  const out: string[] = [];
  const code = await runDoctor(["--config", "Pulumi.tutorial.yaml"], {
    stdout: (t) => out.push(t),
    stderr: (t) => out.push(t),
    env: { DPS_CONNECTION_STRING: service.connectionString() },
    cwd: dir,
    stackOutputs: async () => {
      throw new Error("no stack outputs with --config");
    },
  });
  const text = out.join("");
  expect(code).toBe(1);
  const failures = text.split("\n").filter((l) => l.startsWith("FAIL")).map((l) => l.replace(/^FAIL +/, "").split(/ {2,}/)[0]);
  expect(failures).toEqual(["CA my-intermediate-ca: expiry", "group my-device-group: enabled"]);
  expect(text).toMatch(/disabled in the DPS, enabled in the stack/);
  expect(text).toMatch(/in (59|60) days \(within 90 days, no renewBeforeDays set\)/);
  expect(text).not.toContain("PRIVATE KEY");
  expect(arm.requests.all.length).toBeGreaterThan(0);
  expect(arm.requests.all.every((r) => r.method === "GET")).toBe(true);
  expect(service.requests.every((r) => r.method === "GET" || r.path.endsWith("/query"))).toBe(true);
});
