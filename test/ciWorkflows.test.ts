/**
 * The GitHub workflows work for real: every stack in the matrix (from the files), the live preview only where
 * credentials exist (never failing a fork's pull request), stack references in the organisation of a variable, a
 * deploy per stack behind its environment after a preview the reviewer reads, two identities (pull requests can
 * only preview), actions on runtimes GitHub still runs, the policy levels passed alike everywhere, and docs/ci.md
 * naming everything the workflows read.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";

const ROOT = path.resolve(__dirname, "..");
type Step = { uses?: string; run?: string; if?: string; id?: string; name?: string; with?: Record<string, unknown>; env?: Record<string, string> };
type Job = {
  steps: Step[];
  needs?: string | string[];
  if?: string;
  environment?: string;
  permissions?: Record<string, string>;
  env?: Record<string, string>;
  strategy?: { matrix?: { stack?: unknown; node?: unknown }; "max-parallel"?: number };
};
type Workflow = { on: Record<string, unknown>; permissions?: Record<string, string>; jobs: Record<string, Job> };
const workflow = (name: string) => parse(fs.readFileSync(path.join(ROOT, ".github/workflows", name), "utf8")) as Workflow;
const WORKFLOWS = ["pull-request.yml", "deploy.yml"];
const stackFiles = () => fs.readdirSync(ROOT).filter((file) => /^Pulumi\.[^.]+\.yaml$/.test(file)).map((file) => file.slice("Pulumi.".length, -".yaml".length)).sort();
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "dps-x509-ci-"));

test("the matrix is every Pulumi.<stack>.yaml, keyvault included, derived by .ci/stacks.js", () => {
  const listed = JSON.parse(spawnSync(process.execPath, [path.join(ROOT, ".ci/stacks.js")], { encoding: "utf8" }).stdout) as string[];
  expect(listed).toEqual(stackFiles());
  expect(listed).toContain("keyvault");
  for (const name of ["pull-request.yml", "deploy.yml"]) {
    const jobs = workflow(name).jobs;
    expect(jobs.stacks.steps.some((step) => step.run?.includes("node .ci/stacks.js"))).toBe(true);
    const matrixJobs = Object.values(jobs).filter((job) => job.strategy?.matrix?.stack);
    expect(matrixJobs.length).toBe(name === "deploy.yml" ? 2 : 1);
    for (const job of matrixJobs) expect(job.strategy!.matrix!.stack).toBe("${{ fromJSON(needs.stacks.outputs.stacks) }}");
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
  // Only with credentials, and only for a stack that exists (pulumi/actions does not create one).
  for (const step of live) expect(step.if).toBe("steps.credentials.outputs.live == 'true' && steps.exists.outputs.exists == 'true'");
  const exists = steps.find((step) => step.id === "exists")!;
  expect(exists.if).toBe("steps.credentials.outputs.live == 'true'");
  expect(exists.run).toContain("node .ci/stack-exists.js");
  // The plan runs before anything that needs credentials.
  expect(steps.indexOf(plan)).toBeLessThan(steps.indexOf(credentials));
});

describe(".ci/live-preview-credentials.sh", () => {
  const all = { PULUMI_PREVIEW_ACCESS_TOKEN: "pul-x", AZURE_PREVIEW_CLIENT_ID: "c", AZURE_TENANT_ID: "t", AZURE_SUBSCRIPTION_ID: "s", PULUMI_ORG: "acme" };
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
    const { code, output, summary } = decide({ FORK: "false", PULUMI_PREVIEW_ACCESS_TOKEN: "pul-x", AZURE_TENANT_ID: "t" });
    expect(code).toBe(0);
    expect(output).toBe("live=false\n");
    expect(summary).toContain("AZURE_PREVIEW_CLIENT_ID AZURE_SUBSCRIPTION_ID PULUMI_ORG");
    expect(summary).toContain("docs/ci.md");
  });

  test("the deploy's preview must run: missing settings fail it (ON_MISSING=fail)", () => {
    const { code, output, summary } = decide({ FORK: "false", ON_MISSING: "fail", PULUMI_PREVIEW_ACCESS_TOKEN: "pul-x" });
    expect(code).toBe(1);
    expect(output).toBe("live=false\n");
    expect(summary).toMatch(/^### Live preview not possible\n/);
  });

  test("the deploy's token or identity visible at repository level: refused, named, whatever else is set", () => {
    const { code, output, summary, stdout } = decide({ FORK: "false", ...all, REPOSITORY_LEVEL_DEPLOY_SETTINGS: "PULUMI_ACCESS_TOKEN " });
    expect(code).toBe(1);
    expect(output).toBe("live=false\n");
    expect(summary).toContain("Set at repository (or organisation) level: PULUMI_ACCESS_TOKEN.");
    expect(stdout).toContain("::error title=Deploy settings outside the environments::PULUMI_ACCESS_TOKEN");
    // Blank (what the workflow's expression gives when nothing is exposed): live.
    expect(decide({ FORK: "false", ...all, REPOSITORY_LEVEL_DEPLOY_SETTINGS: "  " }).output).toBe("live=true\n");
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
  for (const name of WORKFLOWS) {
    const text = fs.readFileSync(path.join(ROOT, ".github/workflows", name), "utf8");
    expect(text).not.toContain("my-org");
    expect(text).toContain('node .ci/use-org.js "${{ vars.PULUMI_ORG }}"');
    expect(text).toContain("stack-name: ${{ vars.PULUMI_ORG }}/${{ matrix.stack }}");
  }
});

test("deploy: from main only; a preview of the commit (no environment) before the gated up, one stack at a time", () => {
  const { on, jobs } = workflow("deploy.yml");
  expect(on.push).toEqual({ branches: ["main"] });
  for (const job of Object.values(jobs)) expect(job.if).toBe("github.ref == 'refs/heads/main'");
  // The preview: no environment (it runs before approval), as the preview identity, into the job summary.
  expect(jobs.preview.environment).toBeUndefined();
  const preview = jobs.preview.steps.find((step) => step.uses?.startsWith("pulumi/actions"))!;
  expect(preview.with!.command).toBe("preview");
  expect(preview.with!["comment-on-summary"]).toBe(true);
  expect(preview.env!.PULUMI_ACCESS_TOKEN).toBe("${{ secrets.PULUMI_PREVIEW_ACCESS_TOKEN }}");
  expect(jobs.preview.steps.find((step) => step.uses?.startsWith("azure/login"))!.with!["client-id"]).toBe("${{ vars.AZURE_PREVIEW_CLIENT_ID }}");
  // A missing stack stops the run (the step fails unless the stack exists).
  expect(jobs.preview.steps.find((step) => step.id === "exists")!.run).toMatch(/stack-exists\.js[\s\S]*grep -q '\^exists=true\$'/);
  // The up: after every preview, behind the stack's environment, with the environment's own identity and token.
  expect(jobs.up.needs).toEqual(["stacks", "preview"]);
  expect(jobs.up.environment).toBe("${{ matrix.stack }}");
  expect(jobs.up.strategy!["max-parallel"]).toBe(1);
  const up = jobs.up.steps.find((step) => step.uses?.startsWith("pulumi/actions"))!;
  expect(up.with!.command).toBe("up");
  expect(up.env!.PULUMI_ACCESS_TOKEN).toBe("${{ secrets.PULUMI_ACCESS_TOKEN }}");
  expect(jobs.up.steps.find((step) => step.uses?.startsWith("azure/login"))!.with!["client-id"]).toBe("${{ vars.AZURE_CLIENT_ID }}");
});

test("deploy: the gate runs in both jobs, before npm ci, pulumi and any Azure login", () => {
  const { jobs } = workflow("deploy.yml");
  for (const name of ["preview", "up"]) {
    const steps = jobs[name].steps;
    const gate = steps.findIndex((step) => step.run === "node .ci/deploy-gate.js");
    expect(gate).toBeGreaterThan(-1);
    expect(steps[gate].env).toEqual({ STACK: "${{ matrix.stack }}", GITHUB_TOKEN: "${{ github.token }}" });
    const first = (match: (step: Step) => boolean) => steps.findIndex(match);
    for (const later of [first((s) => !!s.uses?.startsWith("actions/setup-node")), first((s) => s.run === "npm ci"), first((s) => !!s.uses?.startsWith("azure/login")), first((s) => !!s.uses?.startsWith("pulumi/actions"))]) expect(gate).toBeLessThan(later);
    // Only the checkout runs before it; the gate needs nothing installed.
    expect(steps.slice(0, gate).map((step) => step.uses)).toEqual(["actions/checkout@v5"]);
    expect(jobs[name].permissions!.actions).toBe("read");
  }
});

test("pull requests: the preview identity and token only; the deploy's are never used there", () => {
  const { jobs } = workflow("pull-request.yml");
  const text = fs.readFileSync(path.join(ROOT, ".github/workflows/pull-request.yml"), "utf8");
  for (const job of Object.values(jobs)) expect(job.environment).toBeUndefined();
  const steps = jobs.preview.steps;
  expect(steps.find((step) => step.uses?.startsWith("azure/login"))!.with!["client-id"]).toBe("${{ vars.AZURE_PREVIEW_CLIENT_ID }}");
  const preview = steps.find((step) => step.uses?.startsWith("pulumi/actions"))!;
  expect(preview.env!.PULUMI_ACCESS_TOKEN).toBe("${{ secrets.PULUMI_PREVIEW_ACCESS_TOKEN }}");
  expect(preview.env!.ARM_CLIENT_ID).toBe("${{ vars.AZURE_PREVIEW_CLIENT_ID }}");
  // The deploy's settings appear only in the check that they are not visible here (a comparison, never a value).
  for (const name of ["secrets.PULUMI_ACCESS_TOKEN", "vars.AZURE_CLIENT_ID"]) {
    for (const m of text.matchAll(new RegExp(`${name.replace(".", "\\.")}\\b[^}]*`, "g"))) expect(m[0]).toMatch(/^\S+ != ''/);
  }
  expect(steps.find((step) => step.id === "credentials")!.env!.REPOSITORY_LEVEL_DEPLOY_SETTINGS).toContain("secrets.PULUMI_ACCESS_TOKEN != ''");
});

test("permissions: contents: read by default; id-token: write only on the jobs that log in to Azure", () => {
  for (const name of WORKFLOWS) {
    const { permissions, jobs } = workflow(name);
    expect(permissions).toEqual({ "contents": "read" });
    for (const [jobName, job] of Object.entries(jobs)) {
      const logsIn = job.steps.some((step) => step.uses?.startsWith("azure/login"));
      expect([jobName, job.permissions?.["id-token"]]).toEqual([jobName, logsIn ? "write" : undefined]);
    }
  }
});

/** The first major of each action that declares the node24 runtime (its action.yml `runs.using`). */
const NODE24_MAJOR: Record<string, number> = { "actions/checkout": 5, "actions/setup-node": 5, "pulumi/actions": 7, "azure/login": 3 };

test("every action runs on node24: each at or above the first major that declares it, and no action unchecked", () => {
  for (const name of WORKFLOWS) {
    for (const job of Object.values(workflow(name).jobs)) {
      for (const step of job.steps.filter((s) => s.uses)) {
        const [action, ref] = step.uses!.split("@");
        expect([step.uses, action in NODE24_MAJOR]).toEqual([step.uses, true]);
        const major = Number(/^v(\d+)$/.exec(ref)?.[1]);
        expect([step.uses, major >= NODE24_MAJOR[action]]).toEqual([step.uses, true]);
      }
    }
  }
});

test("policy levels: policy-config/<stack>.json, when present, goes to the offline plan, the live preview and the up", () => {
  for (const name of WORKFLOWS) {
    for (const job of Object.values(workflow(name).jobs)) {
      const pulumi = job.steps.filter((step) => step.uses?.startsWith("pulumi/actions"));
      const plans = job.steps.filter((step) => step.run?.includes("npm run --silent plan"));
      if (!pulumi.length && !plans.length) continue;
      const policy = job.steps.find((step) => step.id === "policy")!;
      expect(policy.run).toBe('.ci/policy-config.sh "${{ matrix.stack }}"');
      const install = job.steps.findIndex((step) => step.run === "if [ -f policy/package-lock.json ]; then npm ci --prefix policy; fi");
      for (const step of pulumi) {
        // The pack's own dependencies are installed before Pulumi runs it.
        expect(install).toBeGreaterThan(-1);
        expect(install).toBeLessThan(job.steps.indexOf(step));
        expect(step.with!.policyPacks).toBe("policy");
        expect(step.with!.policyPackConfigs).toBe("${{ steps.policy.outputs.config }}");
      }
      for (const step of plans) {
        expect(step.env!.POLICY_CONFIG).toBe("${{ steps.policy.outputs.config }}");
        expect(step.run).toContain('if [ -n "$POLICY_CONFIG" ]; then extra+=(--policy-pack-config "$POLICY_CONFIG"); fi');
      }
    }
  }
});

test(".ci/policy-config.sh: no file, an empty config (the pack's defaults); a file, its path", () => {
  const checkout = tmp();
  const run = () => {
    const out = path.join(tmp(), "out");
    const r = spawnSync("bash", [path.join(ROOT, ".ci/policy-config.sh"), "dev"], { cwd: checkout, env: { PATH: process.env.PATH, GITHUB_OUTPUT: out }, encoding: "utf8" });
    return { code: r.status, output: fs.readFileSync(out, "utf8") };
  };
  expect(run()).toEqual({ code: 0, output: "config=\n" });
  fs.mkdirSync(path.join(checkout, "policy-config"));
  fs.writeFileSync(path.join(checkout, "policy-config/dev.json"), "{}");
  expect(run()).toEqual({ code: 0, output: "config=policy-config/dev.json\n" });
});

test("Node: the tests on 22 and 24 (engines: >=22); the other jobs on 24", () => {
  const { jobs } = workflow("pull-request.yml");
  expect(jobs.test.strategy!.matrix!.node).toEqual([22, 24]);
  expect(jobs.test.steps.find((s) => s.uses?.startsWith("actions/setup-node"))!.with!["node-version"]).toBe("${{ matrix.node }}");
  for (const name of WORKFLOWS) {
    for (const [jobName, job] of Object.entries(workflow(name).jobs)) {
      if (name === "pull-request.yml" && jobName === "test") continue;
      for (const step of job.steps.filter((s) => s.uses?.startsWith("actions/setup-node"))) expect(step.with!["node-version"]).toBe(24);
    }
  }
  expect(JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).engines.node).toBe(">=22");
});

test("docs/ci.md names every variable and secret the workflows read, both identities' federated subjects, and Entra's failure codes", () => {
  const doc = fs.readFileSync(path.join(ROOT, "docs/ci.md"), "utf8");
  const used = new Set<string>();
  for (const name of WORKFLOWS) {
    const text = fs.readFileSync(path.join(ROOT, ".github/workflows", name), "utf8");
    for (const m of text.matchAll(/\b(vars|secrets)\.([A-Z_]+)/g)) if (m[2] !== "GITHUB_TOKEN") used.add(m[2]);
  }
  expect([...used].sort()).toEqual(["AZURE_CLIENT_ID", "AZURE_PREVIEW_CLIENT_ID", "AZURE_SUBSCRIPTION_ID", "AZURE_TENANT_ID", "PULUMI_ACCESS_TOKEN", "PULUMI_ORG", "PULUMI_PREVIEW_ACCESS_TOKEN"]);
  for (const name of used) expect(doc).toContain(`\`${name}\``);
  for (const subject of ["repo:<owner>/<repo>:pull_request", "repo:<owner>/<repo>:ref:refs/heads/main", "repo:<owner>/<repo>:environment:<stack>", "repo:<owner>@<owner-id>/<repo>@<repo-id>:environment:<stack>"]) expect(doc).toContain(subject);
  for (const code of ["AADSTS700213", "AADSTS7002138"]) expect(doc).toContain(code);
  expect(doc).toContain("ci:requiredReviewers: false");
  expect(doc).toMatch(/Deployment branches and tags/);
  // CI runs on Pulumi Cloud only: the docs do not offer a self-managed backend for it.
  expect(doc).not.toMatch(/self-managed backend use|literal word `organization`/);
});
