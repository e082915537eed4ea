/**
 * `npm run plan -- --stack <name> --against <ref>`, as a reviewer runs it: in a throwaway git repository holding
 * this project (node_modules borrowed through a symlink), a commit, then a working-tree change of the stack file
 * and of the program. The diff must come from the ref's whole tree, not from the ref's stack file under today's code.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { diffText } from "../cli/plan/renderDiff";

const ROOT = path.resolve(__dirname, "..");
let repo: string;

function sh(cwd: string, command: string, args: string[]) {
  const r = spawnSync(command, args, { cwd, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${command} ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}
const git = (...args: string[]) => sh(repo, "git", ["-c", "user.email=t@example.com", "-c", "user.name=t", "-c", "commit.gpgsign=false", ...args]);

function plan(...args: string[]) {
  const r = spawnSync(process.execPath, ["-r", path.join(repo, "cli/tsRegister.js"), path.join(repo, "cli/plan.ts"), ...args], { cwd: repo, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const edit = (file: string, from: string | RegExp, to: string) => {
  const full = path.join(repo, file);
  const text = fs.readFileSync(full, "utf8");
  const next = text.replace(from, to);
  if (next === text) throw new Error(`${file}: ${from} not found`);
  fs.writeFileSync(full, next);
};

// A secure value as Pulumi writes it (the plan never decrypts; only the ciphertext's change is visible).
const SECURE_A = "v1:AAAAAAAAAAAAAAAA:Y2lwaGVydGV4dC1h";
const SECURE_B = "v1:BBBBBBBBBBBBBBBB:Y2lwaGVydGV4dC1i";

beforeAll(() => {
  repo = fs.mkdtempSync(path.join(os.tmpdir(), "dps-x509-against-"));
  const files = sh(ROOT, "git", ["ls-files", "-co", "--exclude-standard"]).split("\n").filter((f) => f && fs.existsSync(path.join(ROOT, f)));
  for (const file of files) {
    fs.mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
    fs.copyFileSync(path.join(ROOT, file), path.join(repo, file));
  }
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(repo, "node_modules"), "dir");
  fs.writeFileSync(path.join(repo, ".gitignore"), "node_modules\n");
  // The base: a stack of its own (the example stacks may change), with a custom-allocation group whose webhook URL
  // is a secret.
  fs.writeFileSync(path.join(repo, "Pulumi.review.yaml"), `config:
  azure-native:location: eastus
  dps-x509:resourceGroupName: review-rg
  dps-x509:dps:
    name: review-dps-x509
  dps-x509:hubs:
    - name: my-iot-hub-x509
  dps-x509:ca:
    root: { name: my-root-ca, commonName: My Root CA }
    intermediates:
      - { name: my-intermediate-ca, commonName: My Intermediate CA }
  dps-x509:enrollmentGroups:
    - enrollmentId: my-device-group
      caName: my-intermediate-ca
      initialTwin:
        properties:
          desired: { telemetryInterval: 60 }
    - enrollmentId: webhook-group
      caName: my-intermediate-ca
      allocationPolicy: custom
      apiVersion: "2021-10-01"
      webhookUrl:
        secure: ${SECURE_A}
`);
  git("init", "-q");
  git("add", "-A");
  git("commit", "-qm", "base");
}, 120_000);
afterAll(() => fs.rmSync(repo, { recursive: true, force: true }));

test("no change: says so", () => {
  const r = plan("--stack", "review", "--against", "HEAD");
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^Changes to stack "review" against HEAD:\n\nno change/);
}, 120_000);

describe("a change to config and code", () => {
  let diff: any;
  let text: string;
  beforeAll(() => {
    edit("Pulumi.review.yaml", "commonName: My Intermediate CA", "commonName: My Intermediate CA v2");
    edit("Pulumi.review.yaml", "telemetryInterval: 60", "telemetryInterval: 30");
    edit("Pulumi.review.yaml", "    - name: my-iot-hub-x509\n", "    - name: my-iot-hub-x509\n    - name: my-second-hub-x509\n      location: westeurope\n");
    edit("Pulumi.review.yaml", SECURE_A, SECURE_B);
    // A code change: the offline ID scope the mocks hand out. Only evaluating the ref's own tree sees it differ.
    edit("cli/plan/mocks.ts", /PLACEHOLDER_ID_SCOPE = "0ne00000000"/, 'PLACEHOLDER_ID_SCOPE = "0ne00000001"');
    const json = plan("--stack", "review", "--against", "HEAD", "--json");
    expect(json.stderr).toBe("");
    expect(json.code).toBe(0);
    diff = JSON.parse(json.stdout);
    // The text is the same diff rendered (one run fewer: each run plans both sides).
    text = diffText(diff);
  }, 240_000);

  test("a CA whose common name changes is replaced, because of commonName, old → new", () => {
    const ca = diff.replaced.find((r: any) => r.name === "dps-x509-ca-my-intermediate-ca");
    expect(ca.replaces).toEqual(["commonName"]);
    expect(ca.fields).toEqual([{ field: "commonName", old: "My Intermediate CA", new: "My Intermediate CA v2" }]);
    expect(text).toContain('~ commonName: "My Intermediate CA" → "My Intermediate CA v2"');
    // What reads the new CA's certificate changes too, though its inputs are unknown offline.
    expect(diff.affected.map((r: any) => r.name)).toEqual(expect.arrayContaining(["dps-x509-cert-my-intermediate-ca-cert", "dps-x509-cert-my-intermediate-ca-verification"]));
  });

  test("a twin value is an in-place update of the group, decided by the group provider's own diff", () => {
    const group = diff.updated.find((r: any) => r.name === "dps-x509-group-my-device-group");
    expect(group.decidedBy).toBe("provider diff");
    expect(group.fields).toContainEqual({ field: "initialTwin.properties.desired.telemetryInterval", old: 60, new: 30 });
  });

  test("a new hub is added, and the existing groups' hub lists change", () => {
    expect(diff.added.map((r: any) => r.name)).toContain("dps-x509-provisioning-hub-my-second-hub-x509");
    const group = diff.updated.find((r: any) => r.name === "dps-x509-group-my-device-group");
    expect(group.fields).toContainEqual({ field: "iotHubHostNames[1]", new: "my-second-hub-x509.azure-devices.net" });
  });

  test("a changed secret is reported by its key, never by value", () => {
    expect(diff.secretConfig.changed).toEqual(["dps-x509:enrollmentGroups[1].webhookUrl"]);
    expect(text).toContain("~ dps-x509:enrollmentGroups[1].webhookUrl: a secret changed");
    for (const out of [JSON.stringify(diff), text]) {
      expect(out).not.toContain(SECURE_A);
      expect(out).not.toContain(SECURE_B);
    }
  });

  test("the changed secret also shows on the group it feeds, still as [secret]", () => {
    const group = diff.updated.find((r: any) => r.name === "dps-x509-group-webhook-group");
    expect(group.fields).toContainEqual({ field: "customAllocation.webhookUrl", old: "[secret]", new: "[secret]", secretChanged: true, configKey: "dps-x509:enrollmentGroups[1].webhookUrl" });
    expect(text).toContain('~ customAllocation.webhookUrl: "[secret]" → "[secret]"  (a secret changed, or was encrypted again: dps-x509:enrollmentGroups[1].webhookUrl)');
  });

  test("the ref's own program was evaluated: the code change shows in the outputs", () => {
    expect(diff.outputs).toContainEqual({ field: "idScope", old: "0ne00000000", new: "0ne00000001" });
  });

  test("nothing removed, and the text has each section", () => {
    expect(diff.removed).toEqual([]);
    expect(text).toMatch(/^Changes to stack "review" against HEAD:\n1 to add, 0 to remove, 1 to replace, \d+ to update/);
    for (const title of ["Added:", "Replaced (created anew, then the old one deleted):", "Updated in place:", "Stack outputs:", "Notes:"]) expect(text).toContain(title);
  });
});

test("an unknown ref is a usage error (exit 2), said once, with a fetch that fits the ref", () => {
  const r = plan("--stack", "review", "--against", "no-such-branch");
  expect(r.code).toBe(2);
  const first = r.stderr.split("\n")[0];
  expect(first).toBe("plan --against no-such-branch: not in this clone: a branch? `git fetch origin no-such-branch:refs/remotes/origin/no-such-branch` and use --against origin/no-such-branch; a tag? `git fetch origin tag no-such-branch`");
  expect(r.stderr.match(/not in this clone/g)).toHaveLength(1);
  // A full commit id is fetched by its id, shallow, from the one remote there is (none here: origin).
  const sha = "0123456789abcdef0123456789abcdef01234567";
  expect(plan("--stack", "review", "--against", sha).stderr.split("\n")[0]).toBe(`plan --against ${sha}: not in this clone: fetch the commit with \`git fetch --depth=1 origin ${sha}\``);
}, 120_000);

test("a stack that does not exist at the ref: everything is added", () => {
  fs.copyFileSync(path.join(repo, "Pulumi.multiregion.yaml"), path.join(repo, "Pulumi.fresh.yaml"));
  const r = plan("--stack", "fresh", "--against", "HEAD", "--json");
  expect(r.code).toBe(0);
  const diff = JSON.parse(r.stdout);
  expect(diff.ref).toMatch(/where the stack file does not exist/);
  expect(diff.removed).toEqual([]);
  const full = JSON.parse(plan("--stack", "fresh", "--json").stdout);
  expect(diff.added).toHaveLength(full.resources.length);
}, 120_000);
