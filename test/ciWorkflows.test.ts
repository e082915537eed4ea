/**
 * The GitHub workflows work for real: every stack in the matrix (from the files), the live preview only where
 * credentials exist (never failing a fork's pull request), stack references in the organisation of a variable, a
 * deploy per stack behind its environment, and docs/ci.md naming everything the workflows read.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";

const ROOT = path.resolve(__dirname, "..");
type Step = { uses?: string; run?: string; if?: string; id?: string; with?: Record<string, unknown>; env?: Record<string, string> };
type Job = { steps: Step[]; needs?: string | string[]; environment?: string; strategy?: { matrix?: { stack?: unknown }; "max-parallel"?: number } };
const workflow = (name: string) => parse(fs.readFileSync(path.join(ROOT, ".github/workflows", name), "utf8")) as { on: Record<string, unknown>; jobs: Record<string, Job> };
const stackFiles = () => fs.readdirSync(ROOT).filter((file) => /^Pulumi\.[^.]+\.yaml$/.test(file)).map((file) => file.slice("Pulumi.".length, -".yaml".length)).sort();
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "dps-x509-ci-"));

test("the matrix is every Pulumi.<stack>.yaml, keyvault included, derived by .ci/stacks.js", () => {
  const listed = JSON.parse(spawnSync(process.execPath, [path.join(ROOT, ".ci/stacks.js")], { encoding: "utf8" }).stdout) as string[];
  expect(listed).toEqual(stackFiles());
  expect(listed).toContain("keyvault");
  for (const name of ["pull-request.yml", "deploy.yml"]) {
    const jobs = workflow(name).jobs;
    expect(jobs.stacks.steps.some((step) => step.run?.includes("node .ci/stacks.js"))).toBe(true);
    const matrixJob = Object.values(jobs).find((job) => job.strategy?.matrix)!;
    expect(matrixJob.strategy!.matrix!.stack).toBe("${{ fromJSON(needs.stacks.outputs.stacks) }}");
  }
});

test("pull requests: tests and offline plan always; azure/login and pulumi preview only with credentials", () => {
  const { on, jobs } = workflow("pull-request.yml");
  expect(Object.keys(on)).toEqual(["pull_request"]);
  expect(jobs.test.steps.some((step) => step.run === "npm test")).toBe(true);
  const steps = jobs.preview.steps;
  const plan = steps.find((step) => step.run?.includes("--against"))!;
  expect(plan.if).toBeUndefined();
  const credentials = steps.find((step) => step.id === "credentials")!;
  expect(credentials.run).toBe(".ci/live-preview-credentials.sh");
  expect(credentials.env!.FORK).toBe("${{ github.event.pull_request.head.repo.full_name != github.repository }}");
  const live = steps.filter((step) => step.uses?.startsWith("azure/login") || step.uses?.startsWith("pulumi/actions") || step.run?.includes("use-org"));
  expect(live).toHaveLength(3);
  for (const step of live) expect(step.if).toBe("steps.credentials.outputs.live == 'true'");
  // The plan runs before anything that needs credentials.
  expect(steps.indexOf(plan)).toBeLessThan(steps.indexOf(credentials));
});

describe(".ci/live-preview-credentials.sh", () => {
  const all = { PULUMI_ACCESS_TOKEN: "pul-x", AZURE_CLIENT_ID: "c", AZURE_TENANT_ID: "t", AZURE_SUBSCRIPTION_ID: "s", PULUMI_ORG: "acme" };
  function decide(env: Record<string, string>) {
    const dir = tmp();
    const files = { GITHUB_OUTPUT: path.join(dir, "out"), GITHUB_STEP_SUMMARY: path.join(dir, "summary") };
    const r = spawnSync("bash", [path.join(ROOT, ".ci/live-preview-credentials.sh")], { env: { PATH: process.env.PATH, ...files, ...env }, encoding: "utf8" });
    const read = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "");
    return { code: r.status, output: read(files.GITHUB_OUTPUT), summary: read(files.GITHUB_STEP_SUMMARY), stdout: r.stdout };
  }

  test("everything set, not a fork: live", () => {
    const { code, output, summary } = decide({ FORK: "false", ...all });
    expect(code).toBe(0);
    expect(output).toBe("live=true\n");
    expect(summary).toBe("");
  });

  test("a fork: skipped with a clear note, and the job does not fail", () => {
    const { code, output, summary, stdout } = decide({ FORK: "true", ...all });
    expect(code).toBe(0);
    expect(output).toBe("live=false\n");
    expect(summary).toMatch(/^### Live preview skipped\n/);
    expect(summary).toContain("comes from a fork");
    expect(stdout).toContain("::notice title=Live preview skipped::");
  });

  test("a repository without the settings: the missing ones are named", () => {
    const { output, summary } = decide({ FORK: "false", PULUMI_ACCESS_TOKEN: "pul-x", AZURE_TENANT_ID: "t" });
    expect(output).toBe("live=false\n");
    expect(summary).toContain("AZURE_CLIENT_ID AZURE_SUBSCRIPTION_ID PULUMI_ORG");
    expect(summary).toContain("docs/ci.md");
  });
});

test(".ci/use-org.js points the platform and tenant references at the organisation, and refuses no organisation", () => {
  const dir = tmp();
  for (const file of ["Pulumi.platform.yaml", "Pulumi.tenant-customer-a.yaml", "Pulumi.dev.yaml"]) fs.copyFileSync(path.join(ROOT, file), path.join(dir, file));
  const files = ["Pulumi.platform.yaml", "Pulumi.tenant-customer-a.yaml", "Pulumi.dev.yaml"].map((file) => path.join(dir, file));
  const r = spawnSync(process.execPath, [path.join(ROOT, ".ci/use-org.js"), "acme-iot", ...files], { encoding: "utf8" });
  expect(r.status).toBe(0);
  const config = (file: string) => parse(fs.readFileSync(path.join(dir, file), "utf8")).config;
  expect(config("Pulumi.tenant-customer-a.yaml")["dps-x509:platform"]).toBe("acme-iot/dps-x509/platform");
  expect(config("Pulumi.platform.yaml")["dps-x509:tenants"].map((t: { stack: string }) => t.stack)).toEqual(["acme-iot/dps-x509/tenant-customer-a", "acme-iot/dps-x509/tenant-customer-b"]);
  expect(fs.readFileSync(path.join(dir, "Pulumi.dev.yaml"), "utf8")).toBe(fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8"));
  expect(spawnSync(process.execPath, [path.join(ROOT, ".ci/use-org.js"), ""], { encoding: "utf8" }).status).toBe(2);
});

test("no workflow names an organisation: the stack name and references come from vars.PULUMI_ORG", () => {
  for (const name of ["pull-request.yml", "deploy.yml"]) {
    const text = fs.readFileSync(path.join(ROOT, ".github/workflows", name), "utf8");
    expect(text).not.toContain("my-org");
    expect(text).toContain('node .ci/use-org.js "${{ vars.PULUMI_ORG }}"');
    expect(text).toContain("stack-name: ${{ vars.PULUMI_ORG }}/${{ matrix.stack }}");
  }
});

test("deploy: on main, pulumi up per stack, one at a time, each behind its GitHub environment", () => {
  const { on, jobs } = workflow("deploy.yml");
  expect(on.push).toEqual({ branches: ["main"] });
  expect(jobs.up.environment).toBe("${{ matrix.stack }}");
  expect(jobs.up.strategy!["max-parallel"]).toBe(1);
  const up = jobs.up.steps.find((step) => step.uses?.startsWith("pulumi/actions"))!;
  expect(up.with!.command).toBe("up");
});

test("Node: the current LTS in every workflow, and in engines", () => {
  for (const name of ["pull-request.yml", "deploy.yml"]) {
    for (const job of Object.values(workflow(name).jobs)) {
      for (const step of job.steps.filter((s) => s.uses?.startsWith("actions/setup-node"))) expect(step.with!["node-version"]).toBe(24);
    }
  }
  expect(JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).engines.node).toBe(">=22");
});

test("docs/ci.md names every variable and secret the workflows read, and the federated credential subjects", () => {
  const doc = fs.readFileSync(path.join(ROOT, "docs/ci.md"), "utf8");
  const used = new Set<string>();
  for (const name of ["pull-request.yml", "deploy.yml"]) {
    const text = fs.readFileSync(path.join(ROOT, ".github/workflows", name), "utf8");
    for (const m of text.matchAll(/\b(vars|secrets)\.([A-Z_]+)/g)) if (m[2] !== "GITHUB_TOKEN") used.add(m[2]);
  }
  expect([...used].sort()).toEqual(["AZURE_CLIENT_ID", "AZURE_SUBSCRIPTION_ID", "AZURE_TENANT_ID", "PULUMI_ACCESS_TOKEN", "PULUMI_ORG"]);
  for (const name of used) expect(doc).toContain(`\`${name}\``);
  expect(doc).toContain("repo:<owner>/<repo>:pull_request");
  expect(doc).toContain("repo:<owner>/<repo>:environment:<stack>");
});
