/**
 * Runs the updates as Pulumi Deployments, for fleets that outgrow one machine: each `up` is a deployment of the
 * stack in Pulumi Cloud, created with the Deployments REST API and polled until it ends:
 *
 *   GET  {api}/api/stacks/{org}/{project}/{stack}/deployments/settings   (each stack, before the first deployment)
 *   POST {api}/api/stacks/{org}/{project}/{stack}/deployments
 *        {"operation":"update","inheritSettings":true,"sourceContext":{"git":{"commit":"<sha>","branch":null}}}
 *     → {"id", "consoleUrl", "version"}
 *   GET  {api}/api/stacks/{org}/{project}/{stack}/deployments/{id} → {"status": not-started | accepted | running |
 *     succeeded | failed | skipped, …}
 *
 * with `Authorization: token <PULUMI_ACCESS_TOKEN>`, sent only to an https API (plain http only to a loopback test
 * server, and only when DPS_X509_TEST_PULUMI_API_HTTP=1).
 *
 * **What runs is what was planned.** The stack's settings (source repository, Azure OIDC login, environment) are
 * inherited, but the source is pinned to the commit this command runs from (the one `--plan-only` previewed): the
 * settings' branch is removed from the request (`null` removes a property when Pulumi merges the request into the
 * settings) and `commit` is set, so a branch that moved on is not deployed. A work tree with uncommitted changes is
 * refused: they would not be deployed. The commit must be pushed to the settings' repository.
 *
 * **Settings first.** Before the first deployment of a run, every stack the run may deploy is checked for the
 * settings it needs (deploymentSettings.ts): a tenant stack onboarding just created has none, and the run stops
 * there, naming each missing one, with nothing deployed. Outputs and previews are read here, through `reads` (the
 * Automation API): they change nothing.
 */
import { execFileSync } from "child_process";
import type { PreviewResult, StackRunner } from "./runner";
import type { Outputs } from "./steps";
import { importsEscEnvironment, missingSettings, settingsMessage, type SettingsProblem } from "./deploymentSettings";

export interface DeploymentsRunnerOptions {
  /** Pulumi Cloud's API (default https://api.pulumi.com). */
  readonly apiUrl?: string;
  readonly accessToken: string;
  /** Reads outputs and previews (the Automation API runner). */
  readonly reads: Pick<StackRunner, "outputs" | "preview">;
  /** The commit to deploy (default: HEAD of `projectDir`, whose work tree must be clean). */
  readonly commit?: string;
  /** The project's folder: its git HEAD, and its stack files (an ESC environment they import). */
  readonly projectDir?: string;
  /** Every stack this run may deploy (`<org>/<project>/<stack>`): their settings are checked before the first deployment. */
  readonly stacks?: readonly string[];
  /** Default process.env: DPS_X509_TEST_PULUMI_API_HTTP=1 lets a test use a plain-http loopback server. */
  readonly env?: NodeJS.ProcessEnv;
  readonly pollIntervalMs?: number;
  /** Give up waiting for one deployment after this long (default one hour). */
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
}

const FINISHED_OK = new Set(["succeeded"]);
const FINISHED_BAD = new Set(["failed", "skipped"]);
const RETRIED = new Set([429, 500, 502, 503, 504]);
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);
export const TEST_HTTP_FLAG = "DPS_X509_TEST_PULUMI_API_HTTP";

function stackPath(stack: string): string {
  const parts = stack.split("/");
  if (parts.length !== 3 || parts.some((part) => !part)) throw new Error(`Pulumi Deployments need the stack's full name <org>/<project>/<stack>, not "${stack}"`);
  return parts.map(encodeURIComponent).join("/");
}

/** The API's base URL; the access token goes to https only (http: a loopback test server, when allowed). */
export function deploymentsApi(apiUrl: string | undefined, env: NodeJS.ProcessEnv): string {
  const api = (apiUrl ?? "https://api.pulumi.com").replace(/\/+$/, "");
  let url: URL;
  try {
    url = new URL(api);
  } catch {
    throw new Error(`Pulumi Deployments: --api ${api} is not a URL`);
  }
  if (url.protocol === "https:") return api;
  if (url.protocol === "http:" && LOOPBACK.has(url.hostname) && env[TEST_HTTP_FLAG] === "1") return api;
  throw new Error(`Pulumi Deployments: --api ${api} is not https: the Pulumi access token is sent only over https`);
}

/** HEAD of the project's repository; refuses uncommitted changes to tracked files (a deployment would not see them). */
export function pinnedCommit(projectDir: string): string {
  const git = (...args: string[]) => execFileSync("git", args, { cwd: projectDir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trimEnd();
  let commit: string;
  try {
    commit = git("rev-parse", "--verify", "HEAD");
  } catch {
    throw new Error(`Pulumi Deployments deploy a commit of the repository, but ${projectDir} is not in a git repository with a commit`);
  }
  const changed = git("status", "--porcelain", "--untracked-files=no");
  if (changed) {
    throw new Error(`Pulumi Deployments deploy commit ${commit.slice(0, 12)} from the repository, not this work tree, which has uncommitted changes:\n${changed}\ncommit and push them (or stash them), then run again`);
  }
  return commit;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function deploymentsRunner(options: DeploymentsRunnerOptions): StackRunner {
  const env = options.env ?? process.env;
  const api = deploymentsApi(options.apiUrl, env);
  const doFetch = options.fetch ?? fetch;
  const pollMs = options.pollIntervalMs ?? 5000;
  const timeoutMs = options.timeoutMs ?? 60 * 60 * 1000;
  let ready: Promise<string> | undefined;

  async function call(method: string, path: string, body?: unknown, allowNotFound = false): Promise<Record<string, unknown> | undefined> {
    for (let attempt = 1; ; attempt++) {
      const response = await doFetch(`${api}${path}`, {
        method,
        headers: { Authorization: `token ${options.accessToken}`, Accept: "application/vnd.pulumi+8", "Content-Type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      if (response.ok) return text ? (JSON.parse(text) as Record<string, unknown>) : {};
      if (allowNotFound && response.status === 404) return undefined;
      if (RETRIED.has(response.status) && attempt < 4) {
        const retryAfter = Number(response.headers.get("retry-after"));
        await sleep(Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter, 60) * 1000 : 1000 * attempt);
        continue;
      }
      const reason = response.status === 401 ? "the access token is missing or not valid (PULUMI_ACCESS_TOKEN)" : text.slice(0, 300);
      throw new Error(`Pulumi Deployments: ${method} ${path} answered ${response.status}: ${reason}`);
    }
  }

  async function settingsProblem(stack: string): Promise<SettingsProblem | undefined> {
    const settings = await call("GET", `/api/stacks/${stackPath(stack)}/deployments/settings`, undefined, true);
    const missing = missingSettings(settings, importsEscEnvironment(options.projectDir, stack));
    return missing.length ? { stack, missing } : undefined;
  }

  function commitToDeploy(): string {
    if (options.commit) return options.commit;
    if (!options.projectDir) throw new Error("Pulumi Deployments: which commit to deploy? (no project folder)");
    return pinnedCommit(options.projectDir);
  }

  /** Once a run: every stack's settings, then the commit to pin. */
  async function prepare(first: string): Promise<string> {
    const problems: SettingsProblem[] = [];
    for (const stack of new Set([...(options.stacks ?? []), first])) {
      const problem = await settingsProblem(stack);
      if (problem) problems.push(problem);
    }
    if (problems.length) throw new Error(settingsMessage(problems));
    return commitToDeploy();
  }

  return {
    outputs: (stack: string): Promise<Outputs> => options.reads.outputs(stack),
    // The local preview, and what a deployment of it would run: the commit, or why none would (settings, work tree).
    async preview(stack: string): Promise<PreviewResult> {
      const result = await options.reads.preview(stack);
      const notes: string[] = [];
      const problem = await settingsProblem(stack);
      if (problem) notes.push(`Pulumi Deployments would refuse ${stack}: its deployment settings lack ${problem.missing.join("; ")}`);
      try {
        notes.push(`Pulumi Deployments would deploy commit ${commitToDeploy()}`);
      } catch (err) {
        notes.push((err as Error).message);
      }
      return { ...result, text: [...notes, result.text].filter((line) => line).join("\n") };
    },
    async up(stack: string, progress: (line: string) => void): Promise<void> {
      const base = `/api/stacks/${stackPath(stack)}/deployments`;
      ready ??= prepare(stack);
      ready.catch(() => (ready = undefined));
      const commit = await ready;
      const created = (await call("POST", base, { operation: "update", inheritSettings: true, sourceContext: { git: { commit, branch: null } } }))!;
      const id = String(created.id ?? "");
      if (!id) throw new Error(`Pulumi Deployments: POST ${base} answered no deployment id`);
      progress(`deployment ${id} of commit ${commit.slice(0, 12)} created${created.consoleUrl ? `: ${created.consoleUrl}` : ""}`);
      const started = Date.now();
      let last = "";
      for (;;) {
        const deployment = (await call("GET", `${base}/${encodeURIComponent(id)}`))!;
        const status = String(deployment.status ?? "");
        if (status !== last) progress(`deployment ${id}: ${status}`);
        last = status;
        if (FINISHED_OK.has(status)) return;
        if (FINISHED_BAD.has(status)) throw new Error(`Pulumi Deployments: deployment ${id} of ${stack} ${status}${created.consoleUrl ? ` (${created.consoleUrl})` : ""}`);
        if (Date.now() - started > timeoutMs) throw new Error(`Pulumi Deployments: deployment ${id} of ${stack} still ${status} after ${Math.round(timeoutMs / 60000)} min`);
        await sleep(pollMs);
      }
    },
  };
}
