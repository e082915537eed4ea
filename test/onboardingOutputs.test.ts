/**
 * Onboarding reads a stack's outputs without decrypting its secrets: the Automation API's `Stack.outputs()` runs
 * `pulumi stack output --show-secrets` (a dev stack's intermediate keys in clear), so the runner asks the CLI for
 * the plain outputs only (secrets print as "[secret]"). Checked on the calls the stand-in `pulumi` records.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { automationRunner } from "../cli/tenant/automationRunner";

const STANDIN_ROOT = path.resolve(__dirname, "../pulumi-test-servers/standin-pulumi");
const PLATFORM = "my-org/dps-x509/platform";

test("outputs are read with `stack output --json`, never --show-secrets", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "outputs-"));
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: dps-x509\nruntime: nodejs\n");
  fs.writeFileSync(path.join(dir, "Pulumi.platform.yaml"), "config: {}\n");
  const world = path.join(dir, "world.json");
  fs.writeFileSync(world, JSON.stringify({ platform: PLATFORM, tenants: {}, stacks: { platform: { outputs: { idScope: "0ne00000001", intermediateKeys: "[secret]" } } } }));
  process.env.STANDIN_PULUMI_WORLD = world;
  const runner = automationRunner({ projectDir: dir, pulumiRoot: STANDIN_ROOT });
  expect(await runner.outputs(PLATFORM)).toEqual({ idScope: "0ne00000001", intermediateKeys: "[secret]" });
  const calls: string[] = JSON.parse(fs.readFileSync(world, "utf8")).calls;
  const outputCalls = calls.filter((call) => call.startsWith("stack output"));
  expect(outputCalls).toEqual([`stack output --json --stack ${PLATFORM}`]);
  expect(calls.join("\n")).not.toContain("--show-secrets");
  fs.rmSync(dir, { recursive: true, force: true });
}, 60_000);
