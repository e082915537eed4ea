/**
 * `npm run tenant -- onboard` on a platform with shards (cli/tenant/placementPin.ts): a new tenant is pinned to a
 * shard with room in the platform's stack file before the platform's `up`, the file keeping its comments and layout;
 * `--plan-only` writes nothing; a tenant that already lives on a DPS is pinned there; and the pinned file plans with
 * the tenant on that shard. Driven through the Automation API and the stand-in `pulumi`, as tenantOnboard.test.ts.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runTenantCli } from "../cli/tenant";
import { pinOnboardingTarget } from "../cli/tenant/placementPin";
import { evaluatePlan } from "../cli/plan/evaluate";
import { readStackFile } from "../cli/plan/stackFile";
import { defaultShard, rankShards } from "../components/shards/placement";

const ROOT = path.resolve(__dirname, "..");
const STANDIN_ROOT = path.resolve(ROOT, "pulumi-test-servers/standin-pulumi");
const PLATFORM = "my-org/dps-x509/platform";
const SHARDS = ["shared-dps-x509", "shared-dps-b", "shared-dps-c"];
const FULL = defaultShard("customer-a", SHARDS);
const NEXT = rankShards("customer-a", SHARDS).find((shard) => shard !== FULL)!;

/** The example platform, with shards and an anchor tenant that leaves customer-a's hashed shard 4 groups of room. */
function platformText(): string {
  const base = fs.readFileSync(path.join(ROOT, "Pulumi.platform.yaml"), "utf8");
  return base.replace(
    "  dps-x509:tenants:\n",
    `  # Three DPS: the primary and two shards, all linking the same hubs.
  dps-x509:shards:
    - name: shared-dps-b # the first shard
    - { name: shared-dps-c }
  dps-x509:tenants:
    # pinned by hand long ago
    - { name: anchor, caCertificates: 0, enrollmentGroups: 96, shard: ${FULL} }
`,
  );
}

function makeProject(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "onboard-pin-"));
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: dps-x509\nruntime: nodejs\n");
  fs.writeFileSync(path.join(dir, "Pulumi.platform.yaml"), platformText());
  fs.writeFileSync(path.join(dir, "Pulumi.tenant-customer-a.yaml"), `config:\n  dps-x509:platform: ${PLATFORM}\n  dps-x509:tenant: customer-a\n`);
  // The stand-in models which stacks exist: the platform and the tenant's stack are there, the platform selected.
  const stacks = { platform: { outputs: {} }, "tenant-customer-a": { outputs: {} } };
  const world = { platform: PLATFORM, tenants: { "tenant-customer-a": { tenant: "customer-a", cas: ["customer-a-intermediate-ca"] } }, stacks, selected: PLATFORM };
  fs.writeFileSync(path.join(dir, "world.json"), JSON.stringify(world));
  return dir;
}

async function run(dir: string, ...argv: string[]) {
  process.env.STANDIN_PULUMI_WORLD = path.join(dir, "world.json");
  let stdout = "";
  let stderr = "";
  const code = await runTenantCli([...argv, "--pulumi-root", STANDIN_ROOT], { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd: dir });
  return { code, stdout, stderr };
}

jest.setTimeout(60_000);

test("onboard pins the new tenant to the next shard of its ranking when its hashed one is full, changing only that line", async () => {
  const dir = makeProject();
  const before = fs.readFileSync(path.join(dir, "Pulumi.platform.yaml"), "utf8");
  const { code, stdout, stderr } = await run(dir, "onboard", "customer-a");
  expect(stderr).toBe("");
  expect(code).toBe(0);
  expect(stdout).toContain(`customer-a: pinned to shard ${NEXT} (tenants[].shard in Pulumi.platform.yaml`);
  const after = fs.readFileSync(path.join(dir, "Pulumi.platform.yaml"), "utf8");
  // One line added under customer-a; every comment and every other line as it was.
  const added = after.split("\n").filter((line, i, lines) => lines.indexOf(line) === i && !before.split("\n").includes(line));
  expect(added).toEqual([`      shard: ${NEXT}`]);
  expect(after.replace(`      shard: ${NEXT}\n`, "")).toBe(before);
  expect(after).toMatch(/- name: customer-a\n(?: {6}\S.*\n)*? {6}shard: /);

  // The pinned file plans, with customer-a on that shard and every shard within its limits.
  const plan = await evaluatePlan(readStackFile(path.join(dir, "Pulumi.platform.yaml")), "platform");
  if (!plan.ok) throw new Error(JSON.stringify(plan.problems));
  expect((plan.outputs.tenantShards as Record<string, string>)["customer-a"]).toBe(NEXT);

  // A second run: pinned already, nothing written.
  const again = await run(dir, "onboard", "customer-a");
  expect(again.stdout).not.toContain("pinned to shard");
  expect(fs.readFileSync(path.join(dir, "Pulumi.platform.yaml"), "utf8")).toBe(after);
});

test("--plan-only says where it would pin and writes nothing", async () => {
  const dir = makeProject();
  const before = fs.readFileSync(path.join(dir, "Pulumi.platform.yaml"), "utf8");
  const { code, stdout } = await run(dir, "onboard", "customer-a", "--plan-only");
  expect(code).toBe(0);
  expect(stdout).toContain(`customer-a: would pin to shard ${NEXT}`);
  expect(fs.readFileSync(path.join(dir, "Pulumi.platform.yaml"), "utf8")).toBe(before);
});

test("a tenant that already lives on a DPS is pinned where it lives, even on a full shard: never moved", async () => {
  const dir = makeProject();
  const lines: string[] = [];
  const target = { tenant: "customer-a", tenantStack: "my-org/dps-x509/tenant-customer-a", platformStack: PLATFORM };
  await pinOnboardingTarget(dir, target, { outputs: async () => ({ dpsName: FULL }) }, (line) => lines.push(line), { write: true });
  expect(lines).toEqual([expect.stringContaining(`customer-a: pinned to shard ${FULL}`)]);
  expect(fs.readFileSync(path.join(dir, "Pulumi.platform.yaml"), "utf8")).toContain(`      shard: ${FULL}\n`);
});

test("a platform without shards is left alone", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "onboard-pin-"));
  fs.copyFileSync(path.join(ROOT, "Pulumi.platform.yaml"), path.join(dir, "Pulumi.platform.yaml"));
  const lines: string[] = [];
  await pinOnboardingTarget(dir, { tenant: "customer-a", tenantStack: "t", platformStack: PLATFORM }, { outputs: async () => ({}) }, (line) => lines.push(line), { write: true });
  expect(lines).toEqual([]);
  expect(fs.readFileSync(path.join(dir, "Pulumi.platform.yaml"), "utf8")).toBe(fs.readFileSync(path.join(ROOT, "Pulumi.platform.yaml"), "utf8"));
});

test("with the platform's update run from the repository (Deployments), the run stops after pinning, asking to push", async () => {
  const dir = makeProject();
  const target = { tenant: "customer-a", tenantStack: "my-org/dps-x509/tenant-customer-a", platformStack: PLATFORM };
  const pinning = pinOnboardingTarget(dir, target, { outputs: async () => ({}) }, () => {}, { write: true, fromRepository: true });
  await expect(pinning).rejects.toThrow(`customer-a is pinned to shard ${NEXT} in Pulumi.platform.yaml: commit and push it`);
  expect(fs.readFileSync(path.join(dir, "Pulumi.platform.yaml"), "utf8")).toContain(`      shard: ${NEXT}\n`);
  // Pinned now: the same run again goes on.
  await expect(pinOnboardingTarget(dir, target, { outputs: async () => ({}) }, () => {}, { write: true, fromRepository: true })).resolves.toBeUndefined();
});
