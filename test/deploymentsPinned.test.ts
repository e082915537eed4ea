/**
 * `--runner deployments` deploys what `--plan-only` showed, as the identity the stack's settings name, and sends the
 * Pulumi token only over https: against the local Deployments API (pulumi-test-servers/deploymentsServer.ts), which
 * merges the request into the stack's settings as Pulumi Cloud does and refuses a source with both a branch and a
 * commit.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { deploymentsApi, deploymentsRunner, pinnedCommit } from "../cli/tenant/deploymentsRunner";
import { COMPLETE_SETTINGS, startDeploymentsServer, type DeploymentsServer } from "../pulumi-test-servers/deploymentsServer";

const PLATFORM = "my-org/dps-x509/platform";
const TENANT = "my-org/dps-x509/tenant-customer-a";
const TOKEN = "pul-test-token";
const COMMIT = "0123456789abcdef0123456789abcdef01234567";
const TEST_ENV = { DPS_X509_TEST_PULUMI_API_HTTP: "1" };
const reads = { outputs: async () => ({}), preview: async () => ({ text: "", changes: {} }) };

let server: DeploymentsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

test("the deployment runs the pinned commit, not the branch in the stack's settings", async () => {
  const sources: unknown[] = [];
  server = await startDeploymentsServer({ token: TOKEN, stacks: [TENANT], run: (_stack, _op, source) => void sources.push(source) });
  const runner = deploymentsRunner({ apiUrl: server.url, accessToken: TOKEN, reads, pollIntervalMs: 1, commit: COMMIT, env: TEST_ENV });
  const lines: string[] = [];
  await runner.up(TENANT, (line) => lines.push(line));
  expect(COMPLETE_SETTINGS.sourceContext.git.branch).toBe("main");
  expect(sources).toEqual([{ commit: COMMIT }]);
  expect(lines[0]).toMatch(/^deployment \S+ of commit 0123456789ab created/);
});

test("the server refuses a commit beside the inherited branch, as Pulumi Cloud does: the runner must remove the branch", async () => {
  server = await startDeploymentsServer({ token: TOKEN, stacks: [TENANT], run: () => undefined });
  const post = (body: unknown) => fetch(`${server!.url}/api/stacks/${TENANT}/deployments`, { method: "POST", headers: { Authorization: `token ${TOKEN}` }, body: JSON.stringify(body) });
  const both = await post({ operation: "update", inheritSettings: true, sourceContext: { git: { commit: COMMIT } } });
  expect(both.status).toBe(400);
  expect(await both.text()).toContain("mutually exclusive");
  expect((await post({ operation: "update", inheritSettings: true })).status).toBe(202);
});

test("a stack without the settings onboarding needs: every missing one is named, for every stack, and nothing is deployed", async () => {
  server = await startDeploymentsServer({
    token: TOKEN,
    stacks: [PLATFORM, TENANT],
    settings: { [TENANT]: null, [PLATFORM]: { sourceContext: COMPLETE_SETTINGS.sourceContext } },
    run: () => undefined,
  });
  const runner = deploymentsRunner({ apiUrl: server.url, accessToken: TOKEN, reads, pollIntervalMs: 1, commit: COMMIT, env: TEST_ENV, stacks: [TENANT, PLATFORM] });
  const err = await runner.up(TENANT, () => undefined).catch((e: Error) => e);
  expect(String(err)).toMatch(/2 stack\(s\) lack deployment settings onboarding needs; nothing was deployed/);
  expect(String(err)).toMatch(new RegExp(`${TENANT}:\\n    - sourceContext\\.git\\.repoUrl.*\\n    - operationContext\\.oidc\\.azure\\.clientId`));
  expect(String(err)).toMatch(new RegExp(`${PLATFORM}:\\n    - operationContext\\.oidc\\.azure`));
  expect(server.requests.filter((r) => r.method === "POST")).toEqual([]);
  expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual([`GET /api/stacks/${TENANT}/deployments/settings`, `GET /api/stacks/${PLATFORM}/deployments/settings`]);
});

test("an ESC environment imported by the stack file may carry the Azure login: only the source is then required", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "esc-"));
  fs.writeFileSync(path.join(dir, "Pulumi.tenant-customer-a.yaml"), "environment:\n  - my-org/azure-login\nconfig: {}\n");
  server = await startDeploymentsServer({ token: TOKEN, stacks: [TENANT], settings: { [TENANT]: { sourceContext: COMPLETE_SETTINGS.sourceContext } }, run: () => undefined });
  const runner = deploymentsRunner({ apiUrl: server.url, accessToken: TOKEN, reads, pollIntervalMs: 1, commit: COMMIT, env: TEST_ENV, projectDir: dir });
  await runner.up(TENANT, () => undefined);
  expect(server.requests.filter((r) => r.method === "POST")).toHaveLength(1);
  fs.rmSync(dir, { recursive: true, force: true });
});

test("the token goes to https only: plain http is refused, except a loopback test server with the test flag", () => {
  expect(deploymentsApi(undefined, {})).toBe("https://api.pulumi.com");
  expect(deploymentsApi("https://pulumi.example.com/", {})).toBe("https://pulumi.example.com");
  expect(() => deploymentsApi("http://pulumi.example.com", TEST_ENV)).toThrow(/not https: the Pulumi access token is sent only over https/);
  expect(() => deploymentsApi("http://127.0.0.1:8080", {})).toThrow(/not https/);
  expect(deploymentsApi("http://127.0.0.1:8080", TEST_ENV)).toBe("http://127.0.0.1:8080");
  let fetched = 0;
  expect(() => deploymentsRunner({ apiUrl: "http://pulumi.example.com", accessToken: TOKEN, reads, fetch: (async () => void fetched++) as never })).toThrow(/not https/);
  expect(fetched).toBe(0);
});

test("the commit is this work tree's HEAD; uncommitted changes are refused, since a deployment would not see them", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pinned-"));
  const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, encoding: "utf8", env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.com", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.com" } }).trim();
  git("init", "-q");
  fs.writeFileSync(path.join(dir, "Pulumi.platform.yaml"), "config: {}\n");
  git("add", ".");
  git("commit", "-qm", "first");
  expect(pinnedCommit(dir)).toBe(git("rev-parse", "HEAD"));
  fs.writeFileSync(path.join(dir, "Pulumi.platform.yaml"), "config: { changed: true }\n");
  expect(() => pinnedCommit(dir)).toThrow(/not this work tree, which has uncommitted changes:\n M Pulumi\.platform\.yaml/);
  fs.rmSync(dir, { recursive: true, force: true });
});

test("--plan-only's preview says which commit a deployment would run, and which settings a stack lacks", async () => {
  server = await startDeploymentsServer({ token: TOKEN, stacks: [TENANT, PLATFORM], settings: { [TENANT]: null }, run: () => undefined });
  const local = { outputs: async () => ({}), preview: async () => ({ text: "Previewing update (tenant-customer-a):", changes: { create: 2 } }) };
  const runner = deploymentsRunner({ apiUrl: server.url, accessToken: TOKEN, reads: local, commit: COMMIT, env: TEST_ENV });
  const tenant = await runner.preview(TENANT);
  expect(tenant.changes).toEqual({ create: 2 });
  expect(tenant.text.split("\n")).toEqual([
    expect.stringMatching(new RegExp(`^Pulumi Deployments would refuse ${TENANT}: its deployment settings lack sourceContext\\.git\\.repoUrl`)),
    `Pulumi Deployments would deploy commit ${COMMIT}`,
    "Previewing update (tenant-customer-a):",
  ]);
  expect((await runner.preview(PLATFORM)).text.split("\n")[0]).toBe(`Pulumi Deployments would deploy commit ${COMMIT}`);
  expect(server.requests.filter((r) => r.method === "POST")).toEqual([]);
});
