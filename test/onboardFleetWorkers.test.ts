/**
 * `onboard --all` (cli/tenant/fleet.ts) with a runner that models the two stacks' outputs: tenants run side by side
 * up to the concurrency asked, the platform update's lines are shown under the platform's name, and a tenant that
 * fails is reported without stopping the others. The runner implements the StackRunner interface the command uses
 * (cli/tenant/runner.ts, checked by tsc); the Automation API and Deployments runners are tested in
 * test/tenantOnboard.test.ts and test/tenantOnboardDeployments.test.ts. Written from StrykerJS's survivors
 * (docs/operations.md#mutation-testing).
 */
import { onboardFleet } from "../cli/tenant/fleet";
import type { StackRunner } from "../cli/tenant/runner";
import type { Outputs } from "../cli/tenant/steps";

const PLATFORM = "my-org/dps-x509/platform";
const target = (tenant: string) => ({ tenant, tenantStack: `my-org/dps-x509/tenant-${tenant}`, platformStack: PLATFORM });

/** Tenants that sent one CSR each; the platform signs every CSR at its up; a tenant's up then holds its certificate. */
function world(failing: string[] = []) {
  const issued: Record<string, Record<string, string>> = {};
  const held = new Set<string>();
  let reading = 0;
  let mostReadsAtOnce = 0;
  const tenantOf = (stack: string) => stack.replace("my-org/dps-x509/tenant-", "");
  const runner: StackRunner = {
    async outputs(stack): Promise<Outputs> {
      reading++;
      mostReadsAtOnce = Math.max(mostReadsAtOnce, reading);
      await new Promise((resolve) => setTimeout(resolve, 5));
      reading--;
      if (stack === PLATFORM) return { tenantCertificates: issued };
      const tenant = tenantOf(stack);
      if (failing.includes(tenant)) throw new Error(`backend refused ${stack}`);
      return { tenant, caCsrs: { [`${tenant}-int`]: "CSR" }, waitingFor: [], caCertificates: held.has(tenant) ? { [`${tenant}-int`]: {} } : {} };
    },
    async preview() {
      return { text: "", changes: {} };
    },
    async up(stack, progress) {
      progress(`updating ${stack}`);
      if (stack === PLATFORM) for (const t of ["a", "b"]) issued[t] = { [`${t}-int`]: "PEM" };
      else held.add(tenantOf(stack));
    },
  };
  return { runner, mostReadsAtOnce: () => mostReadsAtOnce };
}

test("tenants run side by side up to the concurrency, and the platform's lines carry its name", async () => {
  const { runner, mostReadsAtOnce } = world();
  const lines: string[] = [];
  const result = await onboardFleet([target("a"), target("b")], runner, (line) => lines.push(line), 2);
  expect(result).toEqual({ onboarded: expect.arrayContaining(["a", "b"]), failed: [] });
  expect(mostReadsAtOnce()).toBeGreaterThan(1);
  expect(lines).toContain(`  [${PLATFORM}] updating ${PLATFORM}`);
});

test("a tenant that fails is reported with its error; the others are onboarded", async () => {
  const { runner } = world(["b"]);
  const lines: string[] = [];
  const result = await onboardFleet([target("a"), target("b")], runner, (line) => lines.push(line), 1);
  expect(result).toEqual({ onboarded: ["a"], failed: [{ tenant: "b", error: "backend refused my-org/dps-x509/tenant-b" }] });
  expect(lines).toContain("b: failed: backend refused my-org/dps-x509/tenant-b");
});
