/**
 * Every feature beside every other (issue #24.10): each fragment of test/combined/fragments.ts alone, and every pair
 * of them, laid over one minimal base stack and planned through the `npm run plan` command (in process). Each must
 * plan green and show what its fragments ask for; a pair Azure forbids must be refused with its message
 * (FORBIDDEN_PAIRS); a combination that meets a defect being fixed elsewhere fails as knownFailing.ts says, and only so.
 */
import { BASE, FORBIDDEN_PAIRS, FRAGMENTS, type Fragment } from "./fragments";
import { KNOWN_FAILING_FRAGMENTS, unexplainedFaults } from "./knownFailing";
import { stackWith } from "./merge";
import { faultsOf, plan, planJsonOf, writeStackFile } from "./planCommand";

const combinations: Fragment[][] = [
  ...FRAGMENTS.map((fragment) => [fragment]),
  ...FRAGMENTS.flatMap((first, i) => FRAGMENTS.slice(i + 1).map((second) => [first, second])),
];

async function planOf(fragments: readonly Fragment[]) {
  const label = fragments.map((f) => f.name).join(" + ") || "base";
  const file = writeStackFile("combo", stackWith(BASE, ...fragments.map((f) => f.values)), `# ${label}\n`);
  return plan(["--config", file, "--json", ...fragments.flatMap((f) => f.argv ?? [])]);
}

test("the fragments' names are unique, and every listed pair names fragments of the table", () => {
  const names = FRAGMENTS.map((f) => f.name);
  expect(new Set(names).size).toBe(names.length);
  for (const listed of [...FORBIDDEN_PAIRS.map((p) => p.fragments), ...KNOWN_FAILING_FRAGMENTS.map((k) => k.fragments)]) {
    for (const name of listed) expect(names).toContain(name);
  }
});

/** What a plan declares: its resources and its stack outputs (a tenant's reservation shows in `capacity` only). */
const declared = (json: NonNullable<ReturnType<typeof planJsonOf>>) => JSON.stringify({ resources: json.resources, outputs: json.outputs });

let basePlan = "";
test("the base stack plans green", async () => {
  const run = await planOf([]);
  expect(faultsOf(run)).toEqual([]);
  expect(run.code).toBe(0);
  basePlan = declared(planJsonOf(run)!);
});

test.each(combinations.map((fragments) => [fragments.map((f) => f.name).join(" + "), fragments] as const))("%s", async (_label, fragments) => {
  const names = fragments.map((f) => f.name);
  const run = await planOf(fragments);
  const json = planJsonOf(run);
  const missing = json ? fragments.flatMap((f) => (f.expect?.(json) ? [`expect ${f.name}: ${f.expect(json)}`] : [])) : [];
  const faults = [...faultsOf(run), ...missing];
  const forbidden = FORBIDDEN_PAIRS.filter((pair) => pair.fragments.every((name) => names.includes(name))).map((pair) => pair.refusal);
  const known = KNOWN_FAILING_FRAGMENTS.filter((entry) => entry.fragments.every((name) => names.includes(name))).map((entry) => entry.defect);
  expect(unexplainedFaults(faults, known, forbidden)).toBeUndefined();
  if (forbidden.length) expect(run.code).toBe(1);
  // A fragment that changes nothing tests nothing.
  if (fragments.length === 1 && json) expect(declared(json)).not.toBe(basePlan);
});
