/**
 * The deploy's two checks before pulumi/actions runs, each run as the workflow runs it (a process, with the
 * environment GitHub sets) against a local server answering as GitHub's and Pulumi Cloud's REST APIs do:
 * - .ci/deploy-gate.js: refuses `up` off main, for an environment that does not exist, that has no required
 *   reviewers (unless the stack file says `ci:requiredReviewers: false`), or that any branch may deploy to;
 * - .ci/stack-exists.js: a stack not created yet is named, with the command that creates it.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import type { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const TOKEN = "ghs_test-token";

interface Recorded {
  path: string;
  authorization?: string;
  apiVersion?: string;
}

/** Answers GET /repos/{owner}/{repo}/environments/{name} as GitHub does: 401 without the token, 404 for none. */
async function startGitHub(environments: Record<string, unknown>) {
  const requests: Recorded[] = [];
  const server = http.createServer((req, res) => {
    requests.push({ path: req.url ?? "", authorization: req.headers.authorization, apiVersion: req.headers["x-github-api-version"] as string | undefined });
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return send(401, { message: "Bad credentials", documentation_url: "https://docs.github.com/rest", status: "401" });
    const m = /^\/repos\/contoso\/dps-x509\/environments\/([^/?]+)$/.exec(req.url ?? "");
    const environment = m ? environments[decodeURIComponent(m[1])] : undefined;
    if (req.method !== "GET" || !environment) return send(404, { message: "Not Found", documentation_url: "https://docs.github.com/rest/deployments/environments#get-an-environment", status: "404" });
    send(200, environment);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, requests, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** An environment as GitHub's API returns it (docs.github.com, "Get an environment"). */
function environment(name: string, options: { reviewers?: number; branchPolicy?: boolean; waitTimer?: boolean }) {
  const rules: unknown[] = [];
  if (options.waitTimer) rules.push({ id: 3515, node_id: "MDQ6R2F0ZTM1MTU=", type: "wait_timer", wait_timer: 30 });
  if (options.reviewers !== undefined) {
    rules.push({
      id: 3755,
      node_id: "MDQ6R2F0ZTM3NTU=",
      prevent_self_review: false,
      type: "required_reviewers",
      reviewers: Array.from({ length: options.reviewers }, (_, i) => ({ type: "User", reviewer: { login: `reviewer${i}`, id: 100 + i, type: "User" } })),
    });
  }
  return {
    id: 161088068,
    node_id: "MDExOkVudmlyb25tZW50MTYxMDg4MDY4",
    name,
    url: `https://api.github.com/repos/contoso/dps-x509/environments/${name}`,
    html_url: `https://github.com/contoso/dps-x509/deployments/activity_log?environments_filter=${name}`,
    created_at: "2020-11-23T22:00:40Z",
    updated_at: "2020-11-23T22:00:40Z",
    protection_rules: rules,
    deployment_branch_policy: options.branchPolicy === false ? null : { protected_branches: false, custom_branch_policies: true },
  };
}

function runScript(script: string, args: string[], env: Record<string, string>, cwd = ROOT) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dps-x509-gate-"));
  const files = { GITHUB_OUTPUT: path.join(dir, "output"), GITHUB_STEP_SUMMARY: path.join(dir, "summary") };
  return new Promise<{ code: number | null; stdout: string; stderr: string; output: string; summary: string }>((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, script), ...args], { cwd, env: { PATH: process.env.PATH, ...files, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => {
      const read = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "");
      resolve({ code, stdout, stderr, output: read(files.GITHUB_OUTPUT), summary: read(files.GITHUB_STEP_SUMMARY) });
      fs.rmSync(dir, { recursive: true, force: true });
    });
  });
}

describe(".ci/deploy-gate.js", () => {
  // A checkout of its own: the repository's dev stack file, and one that waives reviewers.
  const checkout = fs.mkdtempSync(path.join(os.tmpdir(), "dps-x509-checkout-"));
  const waivedStack = "ci-gate-waived";
  const waivedFile = path.join(checkout, `Pulumi.${waivedStack}.yaml`);
  beforeAll(() => {
    fs.copyFileSync(path.join(ROOT, "Pulumi.dev.yaml"), path.join(checkout, "Pulumi.dev.yaml"));
    fs.writeFileSync(waivedFile, "config:\n  ci:requiredReviewers: false\n");
  });
  afterAll(() => fs.rmSync(checkout, { recursive: true, force: true }));

  async function gate(stack: string, environments: Record<string, unknown>, ref = "refs/heads/main") {
    const github = await startGitHub(environments);
    try {
      const result = await runScript(".ci/deploy-gate.js", [], { STACK: stack, GITHUB_REPOSITORY: "contoso/dps-x509", GITHUB_REF: ref, GITHUB_TOKEN: TOKEN, GITHUB_API_URL: github.url }, checkout);
      return { ...result, requests: github.requests };
    } finally {
      await github.close();
    }
  }

  test("an environment with required reviewers and restricted branches, on main: the deploy goes on", async () => {
    const { code, summary, requests } = await gate("dev", { dev: environment("dev", { reviewers: 1, waitTimer: true }) });
    expect(code).toBe(0);
    expect(summary).toContain("requires reviewers");
    expect(requests).toEqual([{ path: "/repos/contoso/dps-x509/environments/dev", authorization: `Bearer ${TOKEN}`, apiVersion: "2022-11-28" }]);
  });

  test("an environment that does not exist (GitHub would create it unprotected): refused", async () => {
    const { code, summary, stdout } = await gate("dev", {});
    expect(code).toBe(1);
    expect(summary).toContain("### Deploy gate: dev refused");
    expect(summary).toContain("the GitHub environment `dev` does not exist");
    expect(stdout).toContain("::error title=Deploy of dev refused::");
  });

  test.each([
    ["no protection rules at all", {}],
    ["a wait timer only", { waitTimer: true }],
    ["a required-reviewers rule with nobody in it", { reviewers: 0 }],
  ])("an environment with %s: refused", async (_label, options) => {
    const { code, summary } = await gate("dev", { dev: environment("dev", options) });
    expect(code).toBe(1);
    expect(summary).toContain("has no required reviewers");
    expect(summary).toContain("ci:requiredReviewers: false");
  });

  test("a stack file that says it needs no reviewers: no reviewers is accepted, and the summary says why", async () => {
    const { code, summary } = await gate(waivedStack, { [waivedStack]: environment(waivedStack, {}) });
    expect(code).toBe(0);
    expect(summary).toContain(`deploys without reviewers, as Pulumi.${waivedStack}.yaml says`);
  });

  test("the waiver is the boolean false only: the string \"false\" does not waive", async () => {
    fs.writeFileSync(waivedFile, 'config:\n  ci:requiredReviewers: "false"\n');
    try {
      expect((await gate(waivedStack, { [waivedStack]: environment(waivedStack, {}) })).code).toBe(1);
    } finally {
      fs.writeFileSync(waivedFile, "config:\n  ci:requiredReviewers: false\n");
    }
  });

  test("any branch may deploy to the environment: refused, even with reviewers", async () => {
    const { code, summary } = await gate("dev", { dev: environment("dev", { reviewers: 2, branchPolicy: false }) });
    expect(code).toBe(1);
    expect(summary).toContain("lets every branch deploy");
  });

  test("a run off main: refused, even when the environment is right", async () => {
    const { code, summary } = await gate("dev", { dev: environment("dev", { reviewers: 1 }) }, "refs/heads/feature");
    expect(code).toBe(1);
    expect(summary).toContain("this run is on refs/heads/feature: stacks deploy from main only");
  });

  test("GitHub refusing the token: exit 1 with the status, not a pass", async () => {
    const github = await startGitHub({ dev: environment("dev", { reviewers: 1 }) });
    try {
      const { code, stderr } = await runScript(".ci/deploy-gate.js", [], { STACK: "dev", GITHUB_REPOSITORY: "contoso/dps-x509", GITHUB_REF: "refs/heads/main", GITHUB_TOKEN: "wrong", GITHUB_API_URL: github.url }, checkout);
      expect(code).toBe(1);
      expect(stderr).toContain("answered 401");
    } finally {
      await github.close();
    }
  });
});

test.each([
  ["the key under config", "config:\n  ci:requiredReviewers: false\n", true],
  ["among other keys, with a comment", "config:\n  azure-native:location: x\n  ci:requiredReviewers: false # a test stack\n", true],
  ["at another indentation", "config:\n    a: 1\n    ci:requiredReviewers: false\n", true],
  ["a quoted string", 'config:\n  ci:requiredReviewers: "false"\n', false],
  ["true", "config:\n  ci:requiredReviewers: true\n", false],
  ["nested inside another value", "config:\n  dps-x509:tags:\n    ci:requiredReviewers: false\n", false],
  ["under another top-level key", "config:\n  a: 1\nother:\n  ci:requiredReviewers: false\n", false],
])("the waiver: %s", (_label, text, waived) => {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { reviewersWaived } = require("../.ci/deploy-gate.js") as { reviewersWaived: (text: string) => boolean };
  expect(reviewersWaived(text)).toBe(waived);
});

describe(".ci/stack-exists.js", () => {
  /** Answers GET /api/stacks/{org}/{project}/{stack} as Pulumi Cloud does. */
  async function startPulumiCloud(stacks: string[]) {
    const server = http.createServer((req, res): void => {
      res.setHeader("content-type", "application/json");
      if (req.headers.authorization !== "token pul-test") {
        res.writeHead(401).end(JSON.stringify({ code: 401, message: "Unauthorized: No credentials provided or are invalid." }));
        return;
      }
      const m = /^\/api\/stacks\/([^/]+\/[^/]+\/[^/]+)$/.exec(req.url ?? "");
      if (!m || !stacks.includes(m[1])) {
        res.writeHead(404).end(JSON.stringify({ code: 404, message: `Not Found: Stack '${m?.[1]}' not found` }));
        return;
      }
      const [orgName, projectName, stackName] = m[1].split("/");
      res.writeHead(200).end(JSON.stringify({ orgName, projectName, stackName, activeUpdate: "", tags: {}, version: 3 }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  }

  test("an existing stack: exists=true; a missing one: exists=false, named with the command that creates it", async () => {
    const cloud = await startPulumiCloud(["acme/dps-x509/dev"]);
    try {
      const env = { PULUMI_ACCESS_TOKEN: "pul-test", PULUMI_API: cloud.url };
      const present = await runScript(".ci/stack-exists.js", ["acme", "dev"], env);
      expect([present.code, present.output, present.summary]).toEqual([0, "exists=true\n", ""]);
      const missing = await runScript(".ci/stack-exists.js", ["acme", "platform"], env);
      expect(missing.code).toBe(0);
      expect(missing.output).toBe("exists=false\n");
      expect(missing.summary).toContain("### Stack acme/dps-x509/platform does not exist yet");
      expect(missing.summary).toContain("pulumi stack init acme/dps-x509/platform --no-select");
      expect(missing.stdout).toContain("::notice title=Stack acme/dps-x509/platform does not exist yet::");
      const refused = await runScript(".ci/stack-exists.js", ["acme", "dev"], { ...env, PULUMI_ACCESS_TOKEN: "wrong" });
      expect(refused.code).toBe(1);
      expect(refused.output).toBe("");
    } finally {
      await cloud.close();
    }
  });

  test("the token goes only to an https API (or this machine)", async () => {
    const { code, stderr } = await runScript(".ci/stack-exists.js", ["acme", "dev"], { PULUMI_ACCESS_TOKEN: "pul-test", PULUMI_API: "http://api.example.com" });
    expect(code).toBe(2);
    expect(stderr).toContain("only to an https API");
  });
});
