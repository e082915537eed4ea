/**
 * `npm run tenant -- onboard`: the Automation API drives a stand-in `pulumi` (pulumi-test-servers/standin-pulumi)
 * that records its calls and models a platform and its tenant stacks. Checked: the order of the three updates, that
 * a second run does nothing, that a run after a failure injected at each step resumes at that step (and re-runs
 * none before it), that --plan-only updates nothing and creates no stack, that no run changes the user's selected
 * stack, and that --all onboards every listed tenant. The stand-in is checked against the Automation API itself:
 * its selectStack and createOrSelectStack change the selection there as they do with the real CLI.
 */
import { LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runTenantCli } from "../cli/tenant";

const STANDIN_ROOT = path.resolve(__dirname, "../pulumi-test-servers/standin-pulumi");
const PLATFORM = "my-org/dps-x509/platform";

interface World {
  platform: string;
  tenants: Record<string, { tenant: string; cas: string[] }>;
  failUps?: number[];
  calls?: string[];
  stacks?: Record<string, { outputs: Record<string, unknown> }>;
  /** The user's selected stack. */
  selected?: string;
}

function makeProject(tenants: string[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "onboard-"));
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: dps-x509\nruntime: nodejs\n");
  const listed = tenants.map((t) => `    - name: ${t}\n      caCertificates: 1\n      enrollmentGroups: 2\n      stack: my-org/dps-x509/tenant-${t}\n`).join("");
  fs.writeFileSync(path.join(dir, "Pulumi.platform.yaml"), `config:\n  dps-x509:dps:\n    name: shared-dps\n  dps-x509:tenants:\n${listed}`);
  for (const t of tenants) fs.writeFileSync(path.join(dir, `Pulumi.tenant-${t}.yaml`), `config:\n  dps-x509:platform: ${PLATFORM}\n  dps-x509:tenant: ${t}\n`);
  return dir;
}

/** The platform stack exists (and is the user's selected stack); the tenant stacks do not, unless `existing`. */
function makeWorld(dir: string, tenants: string[], failUps: number[] = [], existing: string[] = []): string {
  const stacks = Object.fromEntries(["platform", ...existing.map((t) => `tenant-${t}`)].map((s) => [s, { outputs: {} }]));
  const world: World = { platform: PLATFORM, tenants: Object.fromEntries(tenants.map((t) => [`tenant-${t}`, { tenant: t, cas: [`${t}-intermediate-ca`] }])), failUps, stacks, selected: PLATFORM };
  const file = path.join(dir, "world.json");
  fs.writeFileSync(file, JSON.stringify(world));
  return file;
}

const readWorld = (file: string): World => JSON.parse(fs.readFileSync(file, "utf8"));
/** The stacks `up` ran on, in order. */
const ups = (file: string) => (readWorld(file).calls ?? []).filter((call) => call.startsWith("up ")).map((call) => /--stack (\S+)/.exec(call)![1]);

async function run(dir: string, world: string, ...argv: string[]) {
  process.env.STANDIN_PULUMI_WORLD = world;
  let stdout = "";
  let stderr = "";
  const code = await runTenantCli([...argv, "--pulumi-root", STANDIN_ROOT], { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd: dir });
  return { code, stdout, stderr };
}

const A = "my-org/dps-x509/tenant-customer-a";

jest.setTimeout(60_000);

test("onboard runs tenant up, platform up, tenant up, and a second run updates nothing", async () => {
  const dir = makeProject(["customer-a"]);
  const world = makeWorld(dir, ["customer-a"]);
  const first = await run(dir, world, "onboard", "customer-a");
  expect(first.stderr).toBe("");
  expect(first.code).toBe(0);
  expect(ups(world)).toEqual([A, PLATFORM, A]);
  expect(first.stdout).toMatch(/step 1\/3 tenant-csr .*running[\s\S]*step 2\/3 platform-sign .*running[\s\S]*step 3\/3 tenant-finish .*running[\s\S]*customer-a: onboarded/);
  // The missing tenant stack was created without selecting it; nothing ran `stack select`.
  const calls = readWorld(world).calls!;
  expect(calls).toContain(`stack init ${A} --no-select --non-interactive`);
  expect(calls.filter((c) => c.startsWith("stack select"))).toEqual([]);
  expect(readWorld(world).selected).toBe(PLATFORM);
  // The tenant holds the certificate the platform signed from its CSR.
  expect(readWorld(world).stacks!["tenant-customer-a"].outputs.caCertificates).toEqual({ "customer-a-intermediate-ca": expect.stringContaining("signed customer-a-intermediate-ca") });

  const second = await run(dir, world, "onboard", "customer-a");
  expect(second.code).toBe(0);
  expect(ups(world)).toHaveLength(3);
  expect(second.stdout).toContain("customer-a: onboarded");
});

test.each([
  [1, [A, A, PLATFORM, A]],
  [2, [A, PLATFORM, PLATFORM, A]],
  [3, [A, PLATFORM, A, A]],
])("a failure injected at step %i: the next run resumes at that step and re-runs none before it", async (failAt, expected) => {
  const dir = makeProject(["customer-a"]);
  const world = makeWorld(dir, ["customer-a"], [failAt]);
  const failed = await run(dir, world, "onboard", "customer-a");
  expect(failed.code).toBe(1);
  expect(failed.stderr).toContain("injected failure");
  expect(failed.stderr).toContain("run the same command again");
  expect(ups(world)).toHaveLength(failAt);

  const resumed = await run(dir, world, "onboard", "customer-a");
  expect(resumed.stderr).toBe("");
  expect(resumed.code).toBe(0);
  expect(ups(world)).toEqual(expected);
  for (let step = 1; step < failAt; step++) expect(resumed.stdout).toMatch(new RegExp(`step ${step}/3 \\S+ .*: done already`));
});

test("--plan-only on an existing tenant stack prints the three steps and their previews, and runs no update", async () => {
  const dir = makeProject(["customer-a"]);
  const world = makeWorld(dir, ["customer-a"], [], ["customer-a"]);
  const { code, stdout } = await run(dir, world, "onboard", "customer-a", "--plan-only");
  expect(code).toBe(0);
  expect(ups(world)).toEqual([]);
  expect((readWorld(world).calls ?? []).filter((c) => c.startsWith("preview")).map((c) => /--stack (\S+)/.exec(c)![1])).toEqual([A, PLATFORM]);
  expect(stdout).toMatch(/step 1\/3 tenant-csr[\s\S]*\| Previewing update \(tenant-customer-a\)[\s\S]*output caCsrs[\s\S]*step 2\/3 platform-sign[\s\S]*\| Previewing update \(platform\)[\s\S]*step 3\/3 tenant-finish[\s\S]*same stack as an earlier step/);
  expect(readWorld(world).selected).toBe(PLATFORM);
});

test("--plan-only with the tenant stack still to be created: creates no stack, selects none, and says what onboarding would do", async () => {
  const dir = makeProject(["customer-a"]);
  const world = makeWorld(dir, ["customer-a"]);
  const before = readWorld(world);
  const { code, stdout, stderr } = await run(dir, world, "onboard", "customer-a", "--plan-only");
  expect(stderr).toBe("");
  expect(code).toBe(0);
  const after = readWorld(world);
  expect(Object.keys(after.stacks!)).toEqual(Object.keys(before.stacks!));
  expect(after.selected).toBe(PLATFORM);
  expect(after.calls!.filter((c) => /^stack (init|select)/.test(c))).toEqual([]);
  expect(ups(world)).toEqual([]);
  // Only the platform can be previewed; the tenant's first update is shown by the offline plan.
  expect(after.calls!.filter((c) => c.startsWith("preview")).map((c) => /--stack (\S+)/.exec(c)![1])).toEqual([PLATFORM]);
  expect(stdout).toContain(`the tenant stack ${A} does not exist yet: onboarding creates it first (\`pulumi stack init ${A} --no-select\`)`);
  expect(stdout).toMatch(/step 1\/3 tenant-csr[^\n]*\n  no preview: the stack does not exist yet[^\n]*\n.*pulumi stack output --json --stack my-org\/dps-x509\/platform > platform-outputs.json\n.*npm run plan -- --stack tenant-customer-a --platform-outputs platform-outputs.json/);
  expect(stdout).toMatch(/step 2\/3 platform-sign[\s\S]*\| Previewing update \(platform\)/);
});

test("a platform stack that does not exist: one message, no stack created", async () => {
  const dir = makeProject(["customer-a"]);
  const world = makeWorld(dir, ["customer-a"]);
  const state = readWorld(world);
  delete state.stacks!.platform;
  fs.writeFileSync(world, JSON.stringify(state));
  for (const extra of [["--plan-only"], []]) {
    const { code, stderr } = await run(dir, world, "onboard", "customer-a", ...extra);
    expect(code).toBe(1);
    expect(stderr).toContain(`the platform stack ${PLATFORM} does not exist: onboarding updates a platform but does not create one`);
  }
  // Neither the platform nor the tenant stack was created, and nothing but the platform was asked about.
  expect(readWorld(world).stacks).toEqual({});
  expect(readWorld(world).calls!.every((call) => call.includes(`--stack ${PLATFORM}`))).toBe(true);
});

describe("the stand-in answers as the real CLI does to the Automation API's own calls", () => {
  async function workspace(world: string) {
    process.env.STANDIN_PULUMI_WORLD = world;
    const pulumiCommand = await PulumiCommand.get({ root: STANDIN_ROOT, skipVersionCheck: true });
    return LocalWorkspace.create({ workDir: path.dirname(world), pulumiCommand });
  }

  test("selectStack runs `stack select`, which changes the selected stack; a missing stack is StackNotFoundError", async () => {
    const dir = makeProject(["customer-a"]);
    const world = makeWorld(dir, ["customer-a"], [], ["customer-a"]);
    const ws = await workspace(world);
    await ws.selectStack(A);
    expect(readWorld(world).selected).toBe(A);
    await expect(ws.selectStack("my-org/dps-x509/tenant-nobody")).rejects.toMatchObject({ name: "StackNotFoundError" });
  });

  test("createOrSelectStack creates a missing stack and selects it; createStack of an existing one fails", async () => {
    const dir = makeProject(["customer-a"]);
    const world = makeWorld(dir, ["customer-a"]);
    const ws = await workspace(world);
    await LocalWorkspace.createOrSelectStack({ stackName: A, workDir: dir }, { pulumiCommand: ws.pulumiCommand });
    expect(readWorld(world).calls).toEqual([`stack select --stack ${A} --non-interactive`, `stack init ${A} --non-interactive`]);
    expect(Object.keys(readWorld(world).stacks!)).toContain("tenant-customer-a");
    expect(readWorld(world).selected).toBe(A);
    await expect(ws.createStack(A)).rejects.toThrow(/already exists/);
  });
});

test("--all onboards every listed tenant; the platform is updated one at a time", async () => {
  const tenants = ["customer-a", "customer-b"];
  const dir = makeProject(tenants);
  const world = makeWorld(dir, tenants);
  const { code, stdout } = await run(dir, world, "onboard", "--all", "--concurrency", "2");
  expect(code).toBe(0);
  expect(stdout).toContain("onboarded 2 of 2");
  const final = readWorld(world).stacks!;
  for (const t of tenants) expect(final[`tenant-${t}`].outputs.waitingFor).toEqual([]);
  // Each tenant ran its two own updates; the platform ran at most one per tenant (batched when they overlap).
  const all = ups(world);
  for (const t of tenants) expect(all.filter((s) => s === `my-org/dps-x509/tenant-${t}`)).toHaveLength(2);
  expect(all.filter((s) => s === PLATFORM).length).toBeGreaterThanOrEqual(1);
  expect(all.filter((s) => s === PLATFORM).length).toBeLessThanOrEqual(2);
});

test("usage: a tenant the platform does not list, no tenant, an unknown runner", async () => {
  const dir = makeProject(["customer-a"]);
  const world = makeWorld(dir, ["customer-a"]);
  fs.writeFileSync(path.join(dir, "Pulumi.tenant-customer-z.yaml"), `config:\n  dps-x509:platform: ${PLATFORM}\n  dps-x509:tenant: customer-z\n`);
  const unlisted = await run(dir, world, "onboard", "customer-z");
  expect(unlisted.code).toBe(1);
  expect(unlisted.stderr).toContain("does not list tenant customer-z");
  // Nothing began: there is nothing to resume.
  expect(unlisted.stderr).not.toContain("run the same command again");
  expect((await run(dir, world, "onboard")).code).toBe(2);
  expect((await run(dir, world, "onboard", "customer-a", "--runner", "ssh")).stderr).toContain("--runner ssh");
  expect((await run(dir, world, "onboard", "customer-a", "--runner", "deployments")).stderr).toContain("PULUMI_ACCESS_TOKEN");
  expect(ups(world)).toEqual([]);
});
