/**
 * The plan's tree is in dependency order, over every example stack (each Pulumi.*.yaml in the project, tenants with
 * the platform's outputs in examples/, the platform with its tenants' outputs and without): each resource after its
 * parent and after every resource it depends on (dependsOn and its inputs' sources, as the mocks record them),
 * siblings in the order the program declares them (hubs and groups in the stack file's order), the tree printing the
 * resources in the JSON's order. And the ordering itself, on small made-up graphs.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { runPlan } from "../cli/plan";
import { inDependencyOrder, type Orderable } from "../cli/plan/order";

const ROOT = path.resolve(__dirname, "..");

interface Resource {
  type: string;
  name: string;
  urn: string;
  parentUrn: string | null;
  dependsOnUrns: string[];
  inputs: Record<string, unknown>;
}

async function plan(args: string[]): Promise<string> {
  let out = "";
  let err = "";
  const code = await runPlan(args, { stdout: (t) => (out += t), stderr: (t) => (err += t) });
  if (code !== 0) throw new Error(`plan ${args.join(" ")}: exit ${code}: ${err}`);
  return out;
}

/** Every example stack and the ways its plan is run (a tenant needs its platform's outputs). */
function runs(): Array<[string, string[]]> {
  const all: Array<[string, string[]]> = [];
  for (const file of fs.readdirSync(ROOT).filter((f) => /^Pulumi\..+\.yaml$/.test(f)).sort()) {
    const stack = file.replace(/^Pulumi\.|\.yaml$/g, "");
    const config = (parse(fs.readFileSync(path.join(ROOT, file), "utf8")) as { config: Record<string, unknown> }).config;
    if (config["dps-x509:platform"] !== undefined) {
      for (const outputs of ["platform-outputs.json", "platform-outputs.signed.json"]) all.push([`${stack} (${outputs})`, ["--stack", stack, "--platform-outputs", path.join(ROOT, "examples", outputs)]]);
      continue;
    }
    all.push([stack, ["--stack", stack]]);
    const tenants = (config["dps-x509:tenants"] as Array<{ name: string; stack?: string }> | undefined) ?? [];
    const tenantOutputs = tenants.flatMap((t) => {
      const file = path.join(ROOT, "examples", `tenant-${t.name}-outputs.json`);
      return t.stack && fs.existsSync(file) ? ["--tenant-outputs", `${t.stack}=${file}`] : [];
    });
    if (tenantOutputs.length) all.push([`${stack} (with its tenants' CSRs)`, ["--stack", stack, ...tenantOutputs]]);
  }
  return all;
}

const RUNS = runs();

test("every example stack is covered", () => {
  const stacks = fs.readdirSync(ROOT).filter((f) => /^Pulumi\..+\.yaml$/.test(f)).map((f) => f.replace(/^Pulumi\.|\.yaml$/g, ""));
  expect(stacks.length).toBeGreaterThanOrEqual(6);
  for (const stack of stacks) expect(RUNS.some(([, args]) => args[1] === stack)).toBe(true);
});

describe.each(RUNS)("%s", (_label, args) => {
  let resources: Resource[];
  let tree: string;
  let config: Record<string, unknown>;
  beforeAll(async () => {
    resources = JSON.parse(await plan([...args, "--json"])).resources;
    tree = await plan(args);
    config = (parse(fs.readFileSync(path.join(ROOT, `Pulumi.${args[1]}.yaml`), "utf8")) as { config: Record<string, unknown> }).config;
  }, 120_000);

  test("each resource comes after its parent and after everything it depends on", () => {
    const at = new Map(resources.map((r, i) => [r.urn, i]));
    const late: string[] = [];
    resources.forEach((r, i) => {
      for (const before of [r.parentUrn, ...r.dependsOnUrns]) {
        if (before && at.has(before) && at.get(before)! > i) late.push(`${r.name} is printed before ${resources[at.get(before)!].name}`);
      }
    });
    expect(late).toEqual([]);
    expect(resources.length).toBeGreaterThan(2);
  });

  test("the tree prints the resources in the same order, each once", () => {
    const nodes = tree.split("\n").flatMap((line) => {
      const m = /^[│ ├└─]*(\S+) {2}\(([^,)]+)(?:, read only)?\)/.exec(line);
      return m ? [`${m[1]} ${m[2]}`] : [];
    });
    expect(nodes).toEqual(resources.map((r) => `${r.name} ${r.type}`));
  });

  test("hubs and enrollment groups in the stack file's order (siblings as declared)", () => {
    const hubs = ((config["dps-x509:hubs"] as Array<{ name: string }> | undefined) ?? []).map((h) => h.name);
    expect(resources.filter((r) => r.type.endsWith(":IotHubResource")).map((r) => r.inputs.resourceName)).toEqual(hubs);
    const groups = ((config["dps-x509:enrollmentGroups"] as Array<{ enrollmentId: string }> | undefined) ?? []).map((g) => g.enrollmentId);
    // A tenant's groups are named `<tenant>-<enrollmentId>` on the shared DPS.
    const planned = resources.filter((r) => r.type.endsWith(":EnrollmentGroup")).map((r) => String(r.inputs.enrollmentId));
    const places = planned.map((id) => groups.findIndex((g) => id === g || id.endsWith(`-${g}`)));
    expect(places).not.toContain(-1);
    expect(places).toEqual([...places].sort((a, b) => a - b));
  });
});

test("dev: not alphabetical: the root CA before its intermediate, the DPS before the groups", async () => {
  const names: string[] = JSON.parse(await plan(["--stack", "dev", "--json"])).resources.map((r: Resource) => r.name);
  expect(names.indexOf("dps-x509-ca-my-root-ca")).toBeLessThan(names.indexOf("dps-x509-ca-my-intermediate-ca"));
  expect(names.indexOf("dps-x509-provisioning-dps")).toBeLessThan(names.indexOf("dps-x509-group-my-device-group"));
  expect(names.indexOf("dps-x509-rg")).toBeLessThan(names.indexOf("dps-x509-ca"));
}, 120_000);

describe("inDependencyOrder", () => {
  const r = (urn: string, parentUrn: string | null, dependsOnUrns: string[] = []): Orderable => ({ urn, parentUrn, dependsOnUrns });
  const urns = (list: Orderable[]) => list.map((x) => x.urn);

  test("siblings as declared when nothing orders them; parents before children", () => {
    const list = [r("top", null), r("b", "top"), r("a", "top"), r("a1", "a")];
    expect(urns(inDependencyOrder(list, ["top", "b", "a", "a1"]))).toEqual(["top", "b", "a", "a1"]);
    expect(urns(inDependencyOrder(list, ["top", "a", "a1", "b"]))).toEqual(["top", "a", "a1", "b"]);
  });

  test("a component comes after the sibling whose output one of its children reads", () => {
    const list = [r("top", null), r("groups", "top"), r("group", "groups", ["dps"]), r("provisioning", "top"), r("dps", "provisioning")];
    expect(urns(inDependencyOrder(list, ["top", "groups", "group", "provisioning", "dps"]))).toEqual(["top", "provisioning", "dps", "groups", "group"]);
  });

  test("siblings that depend on each other both ways: the one declared first goes first, nothing is lost", () => {
    const list = [r("top", null), r("x", "top"), r("x1", "x", ["y1"]), r("y", "top"), r("y1", "y", ["x1"])];
    expect(urns(inDependencyOrder(list, ["top", "x", "x1", "y", "y1"]))).toEqual(["top", "x", "x1", "y", "y1"]);
  });
});
