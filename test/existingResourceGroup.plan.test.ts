/**
 * `dps-x509:resourceGroupExisting: true` (a resource group someone else made, with rights on it only): the offline
 * plan, run as a reviewer runs it, reads the group instead of declaring it; the hubs, DPS and certificates go into
 * it; `adoptExisting` adopts what is in it without importing the group; a group the stack creates stays declared.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rg-existing-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

interface Planned {
  resources: Array<{ type: string; name: string; parent: string | null; read?: true; importId?: string; inputs: Record<string, unknown> }>;
}

/** The dev stack's file with extra lines after `dps-x509:resourceGroupName`, planned through the command. */
function planDevWith(name: string, extra: string[], json = true, edit = (text: string) => text) {
  const dev = edit(fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8"));
  const text = dev.replace(/^(\s*dps-x509:resourceGroupName: .*)$/m, (line) => [line, ...extra.map((e) => `  ${e}`)].join("\n"));
  expect(text).not.toBe(dev);
  const file = path.join(dir, `Pulumi.${name}.yaml`);
  fs.writeFileSync(file, text);
  const result = spawnSync(process.execPath, ["-r", path.join(ROOT, "cli/tsRegister.js"), path.join(ROOT, "cli/plan.ts"), "--config", file, ...(json ? ["--json"] : [])], { cwd: ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const groups = (planned: Planned) => planned.resources.filter((r) => r.type === "azure-native:resources:ResourceGroup");

test("an existing group is read, never declared, and everything is placed in it", () => {
  const { code, stdout, stderr } = planDevWith("existing", ["dps-x509:resourceGroupExisting: true"]);
  expect(stderr).toBe("");
  expect(code).toBe(0);
  const planned = JSON.parse(stdout) as Planned;
  expect(groups(planned)).toEqual([expect.objectContaining({ name: "dps-x509-rg-existing", parent: "dps-x509", read: true, inputs: {} })]);
  const hub = planned.resources.find((r) => r.type === "azure-native:iothub:IotHubResource")!;
  const dps = planned.resources.find((r) => r.type === "azure-native:deviceprovisioningservices:IotDpsResource")!;
  expect(hub.inputs.resourceGroupName).toBe("iot-x509-demo-rg");
  expect(dps.inputs.resourceGroupName).toBe("iot-x509-demo-rg");
});

test("the tree says which: read only for an existing group, a declared group otherwise", () => {
  expect(planDevWith("existing-tree", ["dps-x509:resourceGroupExisting: true"], false).stdout).toMatch(/dps-x509-rg-existing {2}\(azure-native:resources:ResourceGroup, read only\)/);
  const created = planDevWith("created", ["dps-x509:resourceGroupExisting: false"]);
  expect(created.code).toBe(0);
  expect(groups(JSON.parse(created.stdout))).toEqual([expect.objectContaining({ name: "dps-x509-rg", inputs: expect.objectContaining({ resourceGroupName: "iot-x509-demo-rg" }) })]);
  expect(groups(JSON.parse(created.stdout))[0].read).toBeUndefined();
});

test("adopting the DPS in an existing group imports the DPS, and no group (it is only read)", () => {
  // dps.adopt imports the resource group too when the stack creates it (importIds.ts).
  const { code, stdout, stderr } = planDevWith("adopt", ["dps-x509:resourceGroupExisting: true", "azure-native:subscriptionId: 11111111-2222-3333-4444-555555555555"], true, (text) => text.replace("    name: my-dps-x509\n", "    name: my-dps-x509\n    adopt: true\n"));
  expect(stderr).toBe("");
  expect(code).toBe(0);
  const planned = JSON.parse(stdout) as Planned;
  expect(groups(planned)).toHaveLength(1);
  expect(groups(planned)[0].importId).toBeUndefined();
  const dps = planned.resources.find((r) => r.type === "azure-native:deviceprovisioningservices:IotDpsResource")!;
  expect(dps.importId).toBe("/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/iot-x509-demo-rg/providers/Microsoft.Devices/provisioningServices/my-dps-x509");
});

test("environment tags a group the stack creates: with an existing group the plan refuses it and says where production is declared", () => {
  const { code, stderr } = planDevWith("env", ["dps-x509:resourceGroupExisting: true", "dps-x509:environment: production"]);
  expect(code).toBe(1);
  expect(stderr).toMatch(/environment.*resourceGroupExisting: true only reads iot-x509-demo-rg.*policy-config\/<stack>\.json/s);
});
