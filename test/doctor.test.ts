/**
 * `npm run doctor`, in-process, against the fake ARM server (certificates, the DPS resource with its linked hubs,
 * through Microsoft's ARM SDK) and the fake DPS service (groups created through the real provider): a healthy
 * set-up passes; one broken by hand, in every way the checklist covers, fails with a fix per failure.
 */
import { X509Certificate } from "crypto";
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { createIntermediateCa, createRootCa } from "../certs";
import { runDoctor } from "../cli/doctor";
import { setArmClientTestOverrides } from "../components/azure/armClient";
import { enrollmentGroupProvider, EnrollmentGroupProviderInputs } from "../components/providers/enrollmentGroup";
import { ArmServer, startArmServer } from "../azure-test-servers/armServer";
import { FakeDpsServiceServer, startRoutedFakeDps } from "../azure-test-servers/dpsServiceServer";

const SUB = "00000000-0000-0000-0000-00000000d0c7";
const RG = "doctor-rg";
const DPS = "dps-x509-test";
const HUB_A = "hub-a.azure-devices.net";
const HUB_B = "hub-b.azure-devices.net";

const root = createRootCa({ commonName: "Doctor Root", keySize: 2048, validityDays: 365 });
const intermediate = createIntermediateCa({ issuer: root, commonName: "Doctor Intermediate", keySize: 2048, validityDays: 200 });
const thumbprint = (pem: string) => new X509Certificate(pem).fingerprint.replace(/:/g, "");

let arm: ArmServer;
let service: FakeDpsServiceServer;
let stopService: () => Promise<void>;
let dir: string;
let outputs: Record<string, unknown>;

beforeAll(async () => {
  arm = await startArmServer();
  const dps = arm.state.dps(SUB, RG, DPS);
  dps.upload("my-root-ca", root.certificatePem, { isVerified: true });
  dps.upload("my-intermediate-ca", intermediate.certificatePem, { isVerified: true });
  dps.linkHubs([HUB_A, HUB_B]);
  // The hubs as the stack creates them: X.509-only defaults (components/resources/networkSettings.ts).
  for (const hub of ["hub-a", "hub-b"]) arm.state.hubs.put(SUB, RG, hub, { disableDeviceSAS: true, disableModuleSAS: true, disableLocalAuth: false, minTlsVersion: "1.2", publicNetworkAccess: "Enabled" });
  setArmClientTestOverrides({ credential: { getToken: async () => ({ token: "doctor-token", expiresOnTimestamp: Date.now() + 3600_000 }) }, retryDelayInMs: 10 });

  ({ server: service, stop: stopService } = await startRoutedFakeDps({
    hostName: `${DPS}.azure-devices-provisioning.net`,
    linkedHubs: [HUB_A, HUB_B],
    caCertificates: { "my-root-ca": { verified: true }, "my-intermediate-ca": { verified: true } },
  }));
  const group = (id: string, extra: Partial<EnrollmentGroupProviderInputs>): EnrollmentGroupProviderInputs => ({
    enrollmentId: id, primaryCaName: "my-intermediate-ca", provisioningStatus: "enabled", allocationPolicy: "hashed", iotHubHostNames: [HUB_A, HUB_B],
    reprovisionPolicy: "reprovisionandmigratedata", edgeEnabled: false, serviceHostName: service.hostName, connectionString: service.connectionString(), providerVersion: "1", ...extra,
  });
  await enrollmentGroupProvider.create!(group("line-1", {}));
  await enrollmentGroupProvider.create!(group("line-2", { allocationPolicy: "static", iotHubHostNames: [HUB_B] }));

  dir = mkdtempSync(join(tmpdir(), "dps-x509-doctor-"));
  writeFileSync(
    join(dir, "Pulumi.doctor.yaml"),
    `config:
  azure-native:location: eastus
  dps-x509:resourceGroupName: ${RG}
  dps-x509:dps:
    name: ${DPS}
  dps-x509:hubs:
    - name: hub-a
    - name: hub-b
  dps-x509:ca:
    root: { name: my-root-ca, commonName: Doctor Root }
    intermediates:
      - { name: my-intermediate-ca, commonName: Doctor Intermediate }
  dps-x509:enrollmentGroups:
    - enrollmentId: line-1
      caName: my-intermediate-ca
      allocationPolicy: hashed
    - enrollmentId: line-2
      caName: my-intermediate-ca
      allocationPolicy: static
      iotHubs: [hub-b]
  dps-x509:armEndpoint: ${arm.url}
`,
  );
  outputs = {
    dpsName: DPS,
    resourceGroupName: RG,
    subscriptionId: SUB,
    idScope: "0ne00000D0C",
    serviceHostName: service.hostName,
    hubHostNames: { "hub-a": HUB_A, "hub-b": HUB_B },
    caThumbprints: { "my-root-ca": thumbprint(root.certificatePem), "my-intermediate-ca": thumbprint(intermediate.certificatePem) },
  };
});

afterAll(async () => {
  setArmClientTestOverrides(undefined);
  await arm.close();
  await stopService();
  rmSync(dir, { recursive: true, force: true });
});

async function doctor(argv: string[], extra: { env?: Record<string, string>; noPulumi?: boolean } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const stacks: string[] = [];
  const code = await runDoctor(argv, {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    // Stacks do not export the DPS key: the doctor takes it from the environment (or signs in with Azure AD).
    env: { DPS_CONNECTION_STRING: service.connectionString(), ...(extra.env ?? {}) },
    cwd: dir,
    stackOutputs: async (stack) => {
      stacks.push(stack);
      if (extra.noPulumi) throw new Error(`pulumi stack output --stack ${stack} failed: the pulumi CLI is not on PATH`);
      return JSON.stringify(outputs);
    },
  });
  const printed = out.join("") + err.join("");
  expect(printed).not.toContain(service.key); // the DPS key never shows
  return { code, stdout: out.join(""), stderr: err.join(""), stacks };
}

const row = (text: string, status: string, check: string) => text.split("\n").find((l) => new RegExp(`^${status} +${check.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} `).test(l));

test("a healthy set-up: every check passes, read-only, from ARM and the DPS service", async () => {
  arm.requests.clear();
  service.resetRequests();
  const { code, stdout, stderr, stacks } = await doctor(["--stack", "doctor"]);
  expect(stderr).toBe("");
  expect(code).toBe(0);
  expect(stacks).toEqual(["doctor"]);
  expect(stdout).toContain(`Doctor for DPS ${DPS} (resource group ${RG}) against stack doctor`);
  for (const check of [
    "CA my-root-ca: uploaded", "CA my-root-ca: verified", "CA my-root-ca: thumbprint", "CA my-intermediate-ca: thumbprint", "CA my-intermediate-ca: expiry",
    `hub ${HUB_A}: linked`, `hub ${HUB_B}: linked`, "group line-1: enabled", "group line-1: CA references", "group line-2: allocation", "group line-2: hubs",
  ]) {
    expect(row(stdout, "PASS", check)).toBeDefined();
  }
  expect(stdout).toMatch(/All 31 checks passed\./);
  expect(new Set(arm.requests.all.map((r) => `${r.method} ${r.route}`))).toEqual(new Set(["GET certificate.list", "GET provisioningService.get", "GET iotHub.get"]));
  expect(service.requests.map((r) => `${r.method} ${r.path}`).sort()).toEqual(["GET /enrollmentGroups/line-1", "GET /enrollmentGroups/line-2"]);
});

test("--config without --stack: thumbprints are skipped; --json prints every row", async () => {
  const { code, stdout } = await doctor(["--config", join(dir, "Pulumi.doctor.yaml"), "--subscription", SUB, "--json"], { env: { DPS_CONNECTION_STRING: service.connectionString() } });
  expect(code).toBe(0);
  const report = JSON.parse(stdout) as { results: Array<{ check: string; status: string; detail: string }> };
  expect(report.results.filter((r) => r.status === "skip").map((r) => r.check)).toEqual(["CA my-root-ca: thumbprint", "CA my-intermediate-ca: thumbprint"]);
  expect(report.results.filter((r) => r.status === "fail")).toEqual([]);
});

test("no --subscription: ARM_SUBSCRIPTION_ID is used before AZURE_SUBSCRIPTION_ID", async () => {
  const { code, stdout } = await doctor(["--config", join(dir, "Pulumi.doctor.yaml"), "--json"], {
    env: { DPS_CONNECTION_STRING: service.connectionString(), ARM_SUBSCRIPTION_ID: SUB, AZURE_SUBSCRIPTION_ID: "00000000-0000-0000-0000-0000000000ff", AZURE_CONFIG_DIR: dir },
  });
  expect(code).toBe(0);
  expect((JSON.parse(stdout) as { results: Array<{ status: string }> }).results.filter((r) => r.status === "fail")).toEqual([]);
  const wrong = await doctor(["--config", join(dir, "Pulumi.doctor.yaml"), "--json"], {
    env: { DPS_CONNECTION_STRING: service.connectionString(), ARM_SUBSCRIPTION_ID: "00000000-0000-0000-0000-0000000000ff", AZURE_SUBSCRIPTION_ID: SUB, AZURE_CONFIG_DIR: dir },
  });
  expect(wrong.code).toBe(1);
});

test("no Pulumi CLI: a warning, and the checks run on the config alone", async () => {
  const { code, stdout, stderr } = await doctor(["--stack", "doctor", "--subscription", SUB], { noPulumi: true, env: { DPS_CONNECTION_STRING: service.connectionString() } });
  expect(stderr).toBe("warning: pulumi stack output --stack doctor failed: the pulumi CLI is not on PATH; checking without the stack's outputs (thumbprints are skipped)\n");
  expect(code).toBe(0);
  expect(row(stdout, "SKIP", "CA my-root-ca: thumbprint")).toContain("no stack outputs read");
  expect(row(stdout, "PASS", `hub ${HUB_A}: linked`)).toBeDefined();
});

test("no ARM access: the ARM rows fail with how to sign in, the groups are still checked", async () => {
  setArmClientTestOverrides({ credential: { getToken: async () => { throw new Error("DefaultAzureCredential failed to retrieve a token"); } }, retryDelayInMs: 10 });
  try {
    const { code, stdout } = await doctor(["--stack", "doctor"]);
    expect(code).toBe(1);
    expect(row(stdout, "FAIL", "DPS certificates (ARM)")).toContain("DefaultAzureCredential failed to retrieve a token");
    expect(stdout).toContain("fix: Sign in with an identity that can read the DPS (`az login`");
    expect(row(stdout, "PASS", "group line-1: CA references")).toBeDefined();
  } finally {
    setArmClientTestOverrides({ credential: { getToken: async () => ({ token: "doctor-token", expiresOnTimestamp: Date.now() + 3600_000 }) }, retryDelayInMs: 10 });
  }
});

test("usage and config problems: exit 2 without a request; a bad stack file lists its problems", async () => {
  arm.requests.clear();
  expect((await doctor([])).code).toBe(2);
  expect((await doctor(["--stack", "doctor", "--bogus"])).code).toBe(2);
  writeFileSync(join(dir, "Pulumi.bad.yaml"), "config:\n  dps-x509:resourceGroupName: rg\n  dps-x509:hubs: []\n");
  const bad = await doctor(["--stack", "bad"]);
  expect(bad.code).toBe(1);
  expect(bad.stderr).toMatch(/Pulumi\.bad\.yaml: the stack config has \d+ problem\(s\):/);
  expect(bad.stderr).toContain("azure-native:location");
  expect(arm.requests.count()).toBe(0);
});

test("a set-up broken by hand: each failure named, with its fix, and exit 1", async () => {
  const dps = arm.state.dps(SUB, RG, DPS);
  dps.markUnverified("my-intermediate-ca");
  const impostor = createRootCa({ commonName: "Impostor Root", keySize: 2048, validityDays: 10 });
  dps.replace("my-root-ca", impostor.certificatePem);
  dps.upload("old-by-hand", createRootCa({ commonName: "Old", keySize: 2048, validityDays: 12 }).certificatePem, { isVerified: true });
  dps.linkHubs([HUB_A]);
  service.editGroup("line-1", (g) => (g.provisioningStatus = "disabled"));
  service.removeGroup("line-2");

  const { code, stdout } = await doctor(["--stack", "doctor"]);
  expect(code).toBe(1);
  const failures = stdout.split("\n").filter((l) => l.startsWith("FAIL")).map((l) => l.replace(/^FAIL +/, "").split(/ {2,}/)[0]);
  expect(failures).toEqual([
    "CA my-root-ca: verified",
    "CA my-root-ca: thumbprint",
    "CA my-intermediate-ca: verified",
    "CA my-root-ca: expiry",
    "CA old-by-hand: expiry",
    `hub ${HUB_B}: linked`,
    "group line-1: enabled",
    "group line-1: CA references",
    "group line-2: present",
  ]);
  expect(stdout).toContain(`DPS holds ${thumbprint(impostor.certificatePem)}, the stack has ${thumbprint(root.certificatePem)}`);
  expect(row(stdout, "FAIL", "group line-1: enabled")).toContain("disabled in the DPS, enabled in the stack");
  expect(row(stdout, "FAIL", "CA old-by-hand: expiry")).toMatch(/expires on \d{4}-\d\d-\d\d, in 1[12] days \(within 90 days, no renewBeforeDays set\)/);
  expect(stdout).toContain("9 of");
  // One fix per failure, after the table.
  expect(stdout.slice(stdout.indexOf("To fix:")).match(/\n {4}fix: /g)).toHaveLength(9);
});
