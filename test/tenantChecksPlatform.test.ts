/**
 * A tenant stack checks the platform outputs it relies on before declaring anything (issue #26.5): it sends its
 * Azure token to the DPS host they name, and its devices use their ID scope. Through `npm run plan` of the example
 * tenant stack against altered platform outputs.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { planCommand } from "../cli/bench/planProcess";

const ROOT = path.resolve(__dirname, "..");
let dir: string;
beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "dps-x509-tenant-checks-"))));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function planTenant(label: string, change: (outputs: Record<string, any>) => void, environment?: string) {
  const outputs = JSON.parse(fs.readFileSync(path.join(ROOT, "examples/platform-outputs.json"), "utf8"));
  change(outputs);
  const stack = parse(fs.readFileSync(path.join(ROOT, "Pulumi.tenant-customer-a.yaml"), "utf8"));
  if (environment) Object.assign(stack.config, { "azure-native:environment": environment, "dps-x509:armEndpoint": "https://management.chinacloudapi.cn" });
  const stackFile = path.join(dir, `Pulumi.tenant-${label}.yaml`);
  const outputsFile = path.join(dir, `outputs-${label}.json`);
  fs.writeFileSync(stackFile, stringify(stack));
  fs.writeFileSync(outputsFile, JSON.stringify(outputs));
  const r = spawnSync(process.execPath, [...planCommand(), "--config", stackFile, "--platform-outputs", outputsFile], { cwd: ROOT, encoding: "utf8" });
  return { code: r.status, text: `${r.stdout}${r.stderr}` };
}

test("a DPS host outside Azure's DPS domain is refused: the tenant would send its token there", () => {
  const r = planTenant("host", (o) => (o.serviceHostName = "shared-dps-x509.azure-devices-provisioning.net.attacker.example"));
  expect(r.code).toBe(1);
  expect(r.text).toMatch(/output serviceHostName of the platform stack is "shared-dps-x509\.azure-devices-provisioning\.net\.attacker\.example", not a DPS host <name>\.azure-devices-provisioning\.net of the public cloud; this stack sends its Azure token there/);
});

test("an ID scope not of Azure's shape is refused", () => {
  const r = planTenant("scope", (o) => (o.idScope = "0ne00A1B2C3; rm"));
  expect(r.code).toBe(1);
  expect(r.text).toMatch(/output idScope of the platform stack is "0ne00A1B2C3; rm", not a DPS ID scope/);
});

test("the host must be of the tenant's cloud: a public host for a stack in Azure China is refused", () => {
  const r = planTenant("china", () => undefined, "china");
  expect(r.text).toMatch(/not a DPS host <name>\.azure-devices-provisioning\.cn of the china cloud/);
  expect(r.text).toMatch(/output globalDeviceEndpoint of the platform stack is "global\.azure-devices-provisioning\.net", not global\.azure-devices-provisioning\.cn/);
});

test("the example outputs pass", () => {
  const r = planTenant("fine", () => undefined);
  expect(r.text).not.toMatch(/of the platform stack is/);
  expect(r.code).toBe(0);
});
