/**
 * Onboarding through Pulumi Deployments against a local server of the REST calls it makes
 * (pulumi-test-servers/deploymentsServer.ts), resumed after a deployment failed at each step; and --all's platform
 * batcher, which never runs two platform updates at once.
 */
import { deploymentsRunner } from "../cli/tenant/deploymentsRunner";
import { onboardFleet, serialBatcher } from "../cli/tenant/fleet";
import { onboardTenant } from "../cli/tenant/onboard";
import type { StackRunner } from "../cli/tenant/runner";
import type { Outputs } from "../cli/tenant/steps";
import { startDeploymentsServer, type DeploymentsServer } from "../pulumi-test-servers/deploymentsServer";

const PLATFORM = "my-org/dps-x509/platform";
const TENANT = "my-org/dps-x509/tenant-customer-a";
const TOKEN = "pul-test-token";
const CA = "customer-a-intermediate-ca";
const COMMIT = "0123456789abcdef0123456789abcdef01234567";
/** The local server speaks plain http on loopback: allowed for tests only. */
const TEST_ENV = { DPS_X509_TEST_PULUMI_API_HTTP: "1" };

/** The stacks' outputs as the real program would leave them after each update (see steps.ts). */
function model() {
  const outputs: Record<string, Outputs> = { [PLATFORM]: {}, [TENANT]: {} };
  const update = (stack: string) => {
    if (stack === PLATFORM) {
      const csrs = (outputs[TENANT].caCsrs ?? {}) as Record<string, string>;
      outputs[PLATFORM] = { tenantCertificates: { "customer-a": Object.fromEntries(Object.keys(csrs).map((ca) => [ca, `cert of ${ca}`])) }, waitingFor: [] };
    } else {
      const issued = ((outputs[PLATFORM].tenantCertificates ?? {}) as Record<string, Record<string, string>>)["customer-a"] ?? {};
      outputs[TENANT] = { tenant: "customer-a", caCsrs: { [CA]: "csr" }, caCertificates: issued[CA] ? { [CA]: issued[CA] } : {}, waitingFor: issued[CA] ? [] : ["the platform"] };
    }
  };
  return { outputs, update };
}

const reads = (outputs: Record<string, Outputs>): Pick<StackRunner, "outputs" | "preview"> => ({
  outputs: async (stack) => structuredClone(outputs[stack]),
  preview: async () => ({ text: "", changes: {} }),
});

let server: DeploymentsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

test.each([1, 2, 3])("a deployment failing at step %i: the next run resumes there; each update is one POST with the token", async (failAt) => {
  const world = model();
  let deploymentsRun = 0;
  server = await startDeploymentsServer({
    token: TOKEN,
    stacks: [PLATFORM, TENANT],
    run: (stack) => {
      deploymentsRun += 1;
      if (deploymentsRun === failAt) throw new Error("injected");
      world.update(stack);
    },
  });
  const runner = deploymentsRunner({ apiUrl: server.url, accessToken: TOKEN, reads: reads(world.outputs), pollIntervalMs: 1, commit: COMMIT, env: TEST_ENV });
  const target = { tenant: "customer-a", tenantStack: TENANT, platformStack: PLATFORM };
  const lines: string[] = [];
  await expect(onboardTenant(target, { runner, progress: (l) => lines.push(l) })).rejects.toThrow(/deployment .* failed/);
  await onboardTenant(target, { runner, progress: (l) => lines.push(l) });

  const posts = server.requests.filter((r) => r.method === "POST");
  const order = [TENANT, PLATFORM, TENANT];
  expect(posts.map((r) => r.path)).toEqual([...order.slice(0, failAt), ...order.slice(failAt - 1)].map((s) => `/api/stacks/${s}/deployments`));
  for (const post of posts) expect(post.body).toEqual({ operation: "update", inheritSettings: true, sourceContext: { git: { commit: COMMIT, branch: null } } });
  expect(server.requests.every((r) => r.authorization === `token ${TOKEN}`)).toBe(true);
  expect(world.outputs[TENANT].waitingFor).toEqual([]);
  expect(lines).toContain("customer-a: onboarded (all 3 steps done)");
});

test("a wrong token: the error says the token is not valid", async () => {
  server = await startDeploymentsServer({ token: TOKEN, stacks: [TENANT], run: () => undefined });
  const runner = deploymentsRunner({ apiUrl: server.url, accessToken: "wrong", reads: reads({}), pollIntervalMs: 1, commit: COMMIT, env: TEST_ENV });
  await expect(runner.up(TENANT, () => undefined)).rejects.toThrow(/401: the access token is missing or not valid/);
  await expect(runner.up("tenant-customer-a", () => undefined)).rejects.toThrow(/full name <org>\/<project>\/<stack>/);
});

test("the batcher runs one call at a time, and callers arriving during a run share the next", async () => {
  let running = 0;
  let most = 0;
  let calls = 0;
  const run = serialBatcher(async () => {
    calls += 1;
    running += 1;
    most = Math.max(most, running);
    await new Promise((resolve) => setTimeout(resolve, 20));
    running -= 1;
  });
  const first = run();
  await new Promise((resolve) => setTimeout(resolve, 5));
  expect(calls).toBe(1);
  // Three callers arrive while the first run is under way: it may have read the state before they asked, so they
  // get a run of their own, one for the three.
  await Promise.all([first, run(), run(), run()]);
  expect(most).toBe(1);
  expect(calls).toBe(2);
});

test("--all: ten tenants, four at a time, never two platform updates at once", async () => {
  const tenants = Array.from({ length: 10 }, (_, i) => `t${i}`);
  const outputs: Record<string, Outputs> = { [PLATFORM]: {} };
  let platformRunning = 0;
  let platformMost = 0;
  let tenantRunning = 0;
  let tenantMost = 0;
  const runner: StackRunner = {
    outputs: async (stack) => structuredClone(outputs[stack] ?? {}),
    preview: async () => ({ text: "", changes: {} }),
    up: async (stack) => {
      const isPlatform = stack === PLATFORM;
      if (isPlatform) platformMost = Math.max(platformMost, ++platformRunning);
      else tenantMost = Math.max(tenantMost, ++tenantRunning);
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (isPlatform) {
        const certs = Object.fromEntries(tenants.filter((t) => outputs[`my-org/dps-x509/${t}`]).map((t) => [t, { [`${t}-ca`]: "cert" }]));
        outputs[PLATFORM] = { tenantCertificates: certs };
        platformRunning--;
      } else {
        const t = stack.split("/").pop()!;
        const cert = ((outputs[PLATFORM].tenantCertificates ?? {}) as Record<string, Record<string, string>>)[t]?.[`${t}-ca`];
        outputs[stack] = { tenant: t, caCsrs: { [`${t}-ca`]: "csr" }, caCertificates: cert ? { [`${t}-ca`]: cert } : {}, waitingFor: cert ? [] : ["platform"] };
        tenantRunning--;
      }
    },
  };
  const targets = tenants.map((t) => ({ tenant: t, tenantStack: `my-org/dps-x509/${t}`, platformStack: PLATFORM }));
  const result = await onboardFleet(targets, runner, () => undefined, 4);
  expect(result.failed).toEqual([]);
  expect(result.onboarded.sort()).toEqual([...tenants].sort());
  expect(platformMost).toBe(1);
  expect(tenantMost).toBeLessThanOrEqual(4);
});
