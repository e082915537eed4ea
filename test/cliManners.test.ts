/**
 * What every command-line tool shares, each run as a real process the way `npm run <cli>` runs it: `--help` on
 * stdout with exit 0, usage errors exit 2 with the usage, config problems exit 1 without a stack trace, a JSON file
 * that does not parse is named, and `--config x.yaml` labels the plan by its file.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const CLIS: Record<string, string> = {
  plan: "cli/plan.ts",
  bench: "cli/bench/index.ts",
  ca: "cli/ca.ts",
  device: "cli/device.ts",
  doctor: "cli/doctor.ts",
  registrations: "cli/registrations.ts",
  preflight: "cli/preflight.ts",
  tenant: "cli/tenant.ts",
};

function run(cli: string, args: string[], options: { cwd?: string; input?: string; env?: Record<string, string> } = {}) {
  const result = spawnSync(process.execPath, ["-r", path.join(ROOT, "cli/tsRegister.js"), path.join(ROOT, CLIS[cli]), ...args], {
    cwd: options.cwd ?? ROOT,
    input: options.input,
    encoding: "utf8",
    env: { ...process.env, DPS_CONNECTION_STRING: "", ...options.env },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "dps-x509-cli-"));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

describe.each(Object.keys(CLIS))("%s", (cli) => {
  test("--help prints the usage on stdout and exits 0", () => {
    const args = cli === "device" ? ["register", "--help"] : ["--help"];
    const { code, stdout, stderr } = run(cli, args);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toMatch(/usage:/);
    // The usage names the command's own flags, not a generic text.
    const ownFlag: Record<string, string> = { plan: "--against", bench: "--only", ca: "--force", device: "--id-scope", doctor: "--connection-string-file", registrations: "--connection-string-file", preflight: "--subscription", tenant: "--plan-only" };
    expect(stdout).toContain(ownFlag[cli]);
  });

  test("an unknown option is a usage error: exit 2, no stack trace", () => {
    const args = cli === "ca" ? ["chain", "--no-such-option"] : cli === "device" ? ["register", "--no-such-option"] : ["--no-such-option"];
    const { code, stdout, stderr } = run(cli, args);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/no-such-option/);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});

test.each([
  ["device", ["register", "--help"]],
  ["tenant", ["--help"]],
  ["tenant", ["help"]],
  ["tenant", ["onboard", "--help"]],
])("%s %j lists its exit codes, on stdout with exit 0", (cli, args) => {
  const { code, stdout, stderr } = run(cli, args);
  expect(stderr).toBe("");
  expect(code).toBe(0);
  expect(stdout).toMatch(/Exit codes: 0 [^\n]*, 1 [\s\S]*, 2 usage\./);
});

test.each(["plan", "preflight", "doctor"])("%s with a stack file that does not exist: exit 1, one line naming it, no usage", (cli) => {
  const args = ["--stack", "no-such-stack", ...(cli === "plan" ? [] : ["--subscription", "00000000-0000-0000-0000-000000000000"])];
  const { code, stdout, stderr } = run(cli, args);
  expect(code).toBe(1);
  expect(stdout).toBe("");
  expect(stderr).toBe(`${cli}: no stack file at ${path.join(ROOT, "Pulumi.no-such-stack.yaml")}\n`);
});

describe("tenant without a Pulumi CLI: one line, exit 1, like device", () => {
  test("not on PATH", () => {
    const { code, stderr } = run("tenant", ["onboard", "customer-a", "--plan-only"], { env: { PATH: path.dirname(process.execPath) } });
    expect(code).toBe(1);
    expect(stderr).toBe("error: the pulumi CLI is not on PATH: install it (https://www.pulumi.com/docs/iac/download-install/) or give --pulumi-root <dir>\n");
  });

  test("--pulumi-root without bin/pulumi", () => {
    const { code, stderr } = run("tenant", ["onboard", "customer-a", "--plan-only", "--pulumi-root", path.join(scratch, "no-pulumi")]);
    expect(code).toBe(1);
    expect(stderr).toBe(`error: the pulumi CLI ${path.join(scratch, "no-pulumi")}/bin/pulumi cannot be run: check --pulumi-root\n`);
  });
});

describe("config problems exit 1", () => {
  const bad = path.join(scratch, "Pulumi.bad.yaml");
  beforeAll(() => fs.writeFileSync(bad, "config:\n  dps-x509:resourceGroupName: rg\n  dps-x509:hubs: []\n"));

  test.each([["plan", ["--config", bad]], ["doctor", ["--config", bad, "--subscription", "00000000-0000-0000-0000-000000000000"]], ["preflight", ["--config", bad, "--subscription", "00000000-0000-0000-0000-000000000000"]]])("%s with a bad stack file", (cli, args) => {
    const { code, stderr } = run(cli, args as string[]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/Pulumi\.bad\.yaml: the stack config has \d+ problem\(s\):/);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  test("a platform-outputs file that is not JSON is named in the error", () => {
    const broken = path.join(scratch, "platform.json");
    fs.writeFileSync(broken, '{ "dpsName": "x", ');
    const { code, stderr } = run("plan", ["--stack", "tenant-customer-a", "--platform-outputs", broken]);
    expect(code).toBe(1);
    expect(stderr).toContain(`--platform-outputs ${broken} is not valid JSON`);
    expect(stderr.trimEnd().split("\n")).toHaveLength(1);
  });
});

describe("plan --config labels the plan by its file", () => {
  test("a file not named Pulumi.<stack>.yaml", () => {
    const file = path.join(scratch, "staging.yaml");
    fs.copyFileSync(path.join(ROOT, "Pulumi.dev.yaml"), file);
    const tree = run("plan", ["--config", file]);
    expect(tree.code).toBe(0);
    expect(tree.stdout.split("\n")[0]).toMatch(new RegExp(`^Plan for ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} \\(as stack "staging"\\): \\d+ resources`));
    const json = JSON.parse(run("plan", ["--config", file, "--json"]).stdout);
    expect(json.file).toBe(file);
    expect(json.stack).toBe("staging");
  });
});
