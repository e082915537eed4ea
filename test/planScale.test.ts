/**
 * The plan is linear in tenants (issue #26.1), shown by counts, not timings: `npm run plan` of a platform with
 * realistic tenants (cli/bench/realisticTenants.ts) parses the stack's whole config once, whatever the number of
 * tenants (it used to re-parse it for every resource: quadratic in tenants), and verifies each CSR's self-signature
 * once (it used to parse each CSR twice: the program's check and the provider's). Counted in the plan process by a
 * preload (test/support/countParses.js).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { planCommand } from "../cli/bench/planProcess";
import { realisticPlatformFile } from "../cli/bench/realisticTenants";

const ROOT = path.resolve(__dirname, "..");
let dir: string;
beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "dps-x509-plan-scale-"))));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function countedPlan(tenants: number): Promise<{ configParses: number; signatureVerifies: number; csrs: number; resources: number }> {
  const text = await realisticPlatformFile({ tenants, shards: 1 });
  const file = path.join(dir, `Pulumi.scale-${tenants}.yaml`);
  fs.writeFileSync(file, text);
  const countsFile = path.join(dir, `counts-${tenants}.json`);
  const [flag, ...rest] = planCommand();
  const r = spawnSync(process.execPath, [flag, "-r", path.join(__dirname, "support/countParses.js"), ...rest, "--config", file, "--json"], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, COUNT_PARSES_FILE: countsFile },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(r.stderr || r.stdout);
  const csrs = (parse(text).config["dps-x509:tenants"] as { csrs?: object }[]).reduce((sum, t) => sum + Object.keys(t.csrs ?? {}).length, 0);
  return { ...JSON.parse(fs.readFileSync(countsFile, "utf8")), csrs, resources: JSON.parse(r.stdout).resources.length };
}

test("the plan parses the config once and each CSR once, at 10 tenants as at 40", async () => {
  const small = await countedPlan(10);
  const large = await countedPlan(40);
  // More tenants, more resources (each signed tenant has its certificate): the counts below must not follow them.
  expect(large.resources).toBeGreaterThan(small.resources + 25);
  expect(large.csrs).toBeGreaterThan(small.csrs + 25);
  expect(small.configParses).toBe(1);
  expect(large.configParses).toBe(1);
  // One self-signature check per CSR, and nothing else in the plan verifies a signature.
  expect(small.signatureVerifies).toBe(small.csrs);
  expect(large.signatureVerifies).toBe(large.csrs);
}, 120_000);
