/** `npm run plan` with the day-two keys, run as a reviewer runs it: the tree and `--json` say where each rotation stands and what adopting imports. */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const STACK = `config:
  azure-native:location: eastus
  azure-native:subscriptionId: 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0
  dps-x509:resourceGroupName: iot-x509-demo-rg
  dps-x509:dps: { name: my-dps-x509, adopt: true }
  dps-x509:hubs: [{ name: my-iot-hub-x509 }]
  dps-x509:ca:
    root: { name: my-root-ca, commonName: My Root CA }
    intermediates:
      - name: my-intermediate-ca
        commonName: My Intermediate CA
        rotation: { step: promote, name: my-intermediate-ca-2027 }
  dps-x509:enrollmentGroups:
    - { enrollmentId: my-device-group, caName: my-intermediate-ca, adopt: true }
`;

function plan(file: string, ...args: string[]) {
  const result = spawnSync(process.execPath, ["-r", path.join(ROOT, "cli/tsRegister.js"), path.join(ROOT, "cli/plan.ts"), "--config", file, ...args], { cwd: ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

let dir: string;
let file: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "dps-x509-plan-day-two-"));
  file = path.join(dir, "Pulumi.daytwo.yaml");
  fs.writeFileSync(file, STACK);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test("the tree: the import id on adopted resources, the rotation's step and next up, expiry and adoption sections", () => {
  const { code, stdout, stderr } = plan(file);
  expect(stderr).toBe("");
  expect(code).toBe(0);
  expect(stdout).toMatch(/dps-x509-provisioning-dps {2}\(azure-native:deviceprovisioningservices:IotDpsResource\) {2}adopt: import \/subscriptions\/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0\/resourceGroups\/iot-x509-demo-rg\/providers\/Microsoft\.Devices\/provisioningServices\/my-dps-x509\n/);
  expect(stdout).toContain("CA rotation:\n  ca.intermediates[0]: my-intermediate-ca → my-intermediate-ca-2027, step promote\n    next up: makes \"my-intermediate-ca-2027\" the primary CA of group my-device-group");
  // A generated CA's date is set by `up`: the plan says it does not know it, never "ok".
  expect(stdout).toMatch(/CA expiry \(renewBeforeDays, or 90 days when unset\):\n {2}unknown {2}my-root-ca: notAfter \(known after up\) \(the date is set by `up`/);
  expect(stdout).not.toMatch(/ok +my-root-ca/);
  expect(stdout).toMatch(/Adoption:\n {2}resource group iot-x509-demo-rg: imported from/);
});

test("--json: dayTwo, importId, and the group's request naming the new CA primary", () => {
  const { code, stdout } = plan(file, "--json");
  expect(code).toBe(0);
  const parsed = JSON.parse(stdout);
  expect(parsed.dayTwo.rotations).toEqual([expect.objectContaining({ configPath: "ca.intermediates[0]", step: "promote", oldName: "my-intermediate-ca", newName: "my-intermediate-ca-2027", groups: ["my-device-group"] })]);
  const byName = (name: string) => parsed.resources.find((r: { name: string }) => r.name === name);
  expect(byName("dps-x509-rg").importId).toBe("/subscriptions/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0/resourceGroups/iot-x509-demo-rg");
  expect(byName("dps-x509-provisioning-hub-my-iot-hub-x509").importId).toBeUndefined();
  expect(byName("dps-x509-group-my-device-group").request.attestation).toEqual({ type: "x509", x509: { caReferences: { primary: "my-intermediate-ca-2027", secondary: "my-intermediate-ca" } } });
});

test("day-two mistakes are found by the plan, naming the key: exit 1, no stack trace", () => {
  const badStep = path.join(dir, "Pulumi.bad-step.yaml");
  fs.writeFileSync(badStep, STACK.replace("step: promote", "step: later"));
  const step = plan(badStep);
  expect(step.code).toBe(1);
  expect(step.stdout).toBe("");
  expect(step.stderr).toContain('dps-x509:ca.intermediates[0].rotation.step = "later": allowed: "stage", "promote", "retire"');
  const noSubscription = path.join(dir, "Pulumi.no-sub.yaml");
  fs.writeFileSync(noSubscription, STACK.replace("  azure-native:subscriptionId: 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0\n", ""));
  const sub = plan(noSubscription);
  expect(sub.code).toBe(1);
  expect(sub.stderr).toMatch(/azure-native:subscriptionId = \(missing\): is needed to adopt/);
  for (const text of [step.stderr, sub.stderr]) expect(text).not.toMatch(/\n\s+at /);
});
