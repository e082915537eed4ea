/**
 * The plan command's registrations answered without protobuf (cli/plan/directRegistration.ts), in process: the same
 * plan, under the SDK's own mock monitor and then under the plan command's lighter runtime, prints the same, and the
 * lighter one builds no protobuf Struct for the answers (only the SDK's requests still are).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runPlan } from "../cli/plan";
import { lightenRuntimeForPlanCommand } from "../cli/plan/lightRuntime";
import { realisticPlatformFile } from "../cli/bench/realisticTenants";

const structs: { Struct: { fromJavaScript(value: unknown): unknown } } = require("google-protobuf/google/protobuf/struct_pb");

async function planned(args: string[]): Promise<{ text: string; structsBuilt: number }> {
  const built = jest.spyOn(structs.Struct, "fromJavaScript");
  let text = "";
  try {
    const code = await runPlan([...args, "--json"], { stdout: (out) => (text += out), stderr: (out) => process.stderr.write(out) });
    expect(code).toBe(0);
    return { text, structsBuilt: built.mock.calls.length };
  } finally {
    built.mockRestore();
  }
}

test("the SDK's mock monitor and the direct registration plan the same, the direct one building half the Structs", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dps-x509-direct-"));
  const file = path.join(dir, "Pulumi.direct.yaml");
  fs.writeFileSync(file, await realisticPlatformFile({ tenants: 6, shards: 2 }));
  const stacks = [["--stack", "multiregion"], ["--config", file]];
  const full = [];
  for (const args of stacks) full.push(await planned(args));
  lightenRuntimeForPlanCommand();
  for (const [i, args] of stacks.entries()) {
    const light = await planned(args);
    expect(light.text).toBe(full[i].text);
    const resources = (JSON.parse(light.text) as { resources: unknown[] }).resources.length;
    expect(resources).toBeGreaterThan(10);
    // Per resource the SDK builds its request's Struct; the mock monitor built the answer's too.
    expect(full[i].structsBuilt).toBeGreaterThanOrEqual(2 * resources);
    expect(light.structsBuilt).toBeLessThan(full[i].structsBuilt - resources + 5);
  }
  fs.rmSync(dir, { recursive: true, force: true });
}, 60_000);
