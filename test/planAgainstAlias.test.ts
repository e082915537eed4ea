/**
 * `npm run plan -- --stack dev --against <ref>` where the ref is the project before the CA upload changed type
 * (commit 372f94c: azure-native's DpsCertificate), as a reviewer of that change would run it: a throwaway git
 * repository whose first commit is that commit's tree and whose working tree is today's. The ref's own plan runs
 * (the way --against always does). With the alias DpsCertificateUpload declares, no certificate is removed or
 * added; with the alias taken out of the working tree, the removal and the addition of each certificate are flagged
 * as a hazard.
 *
 * CI's clone is shallow and does not reach that commit: there the throwaway repository's first commit is today's tree
 * whose `cli/plan.ts` prints what 372f94c's own plan printed (test/fixtures/plan-dev-at-372f94c.json, recorded from
 * it), so the same `--against` path runs in every clone, and no part of this suite skips itself.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const BEFORE_THE_CHANGE = "372f94c";
const OLD_TYPE = "azure-native:deviceprovisioningservices:DpsCertificate";
const UPLOAD_TYPE = "pulumi-nodejs:dynamic/dps-x509:DpsCertificateUpload";

function sh(cwd: string, command: string, args: string[], input?: Buffer) {
  const r = spawnSync(command, args, { cwd, input, maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${command} ${args.join(" ")}: ${r.stderr.toString()}`);
  return r.stdout;
}

const historyHasIt = spawnSync("git", ["cat-file", "-e", `${BEFORE_THE_CHANGE}^{commit}`], { cwd: ROOT }).status === 0;
let repo: string;

function plan(...args: string[]) {
  const r = spawnSync(process.execPath, ["-r", path.join(repo, "cli/tsRegister.js"), path.join(repo, "cli/plan.ts"), ...args], { cwd: repo, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Today's files (tracked and new), as paths from the root. */
function todaysFiles(): string[] {
  return sh(ROOT, "git", ["ls-files", "-co", "--exclude-standard"]).toString().split("\n").filter((f) => f && fs.existsSync(path.join(ROOT, f)));
}

function copyTodaysTree(to: string) {
  for (const file of todaysFiles()) {
    fs.mkdirSync(path.dirname(path.join(to, file)), { recursive: true });
    fs.copyFileSync(path.join(ROOT, file), path.join(to, file));
  }
}

/** The before-commit's tree where history lacks the commit: today's, with a plan command that prints the recording. */
function recordedTree(to: string) {
  copyTodaysTree(to);
  const recording = fs.readFileSync(path.join(ROOT, "test/fixtures/plan-dev-at-372f94c.json"), "utf8");
  fs.writeFileSync(path.join(to, "cli/plan.ts"), `// What ${BEFORE_THE_CHANGE}'s own \`npm run plan -- --stack dev --json\` printed (recorded).\nprocess.stdout.write(${JSON.stringify(recording)});\n`);
}

describe(`--against ${BEFORE_THE_CHANGE} (before the upload changed type)`, () => {
  beforeAll(() => {
    repo = fs.mkdtempSync(path.join(os.tmpdir(), "dps-x509-against-alias-"));
    if (historyHasIt) sh(repo, "tar", ["-x"], sh(ROOT, "git", ["archive", "--format=tar", BEFORE_THE_CHANGE]));
    else recordedTree(repo);
    const git = (...args: string[]) => sh(repo, "git", ["-c", "user.email=t@example.com", "-c", "user.name=t", "-c", "commit.gpgsign=false", ...args]);
    git("init", "-q");
    git("add", "-A");
    git("commit", "-qm", "before");
    // Today's tree in its place, as a working-tree change (files that moved since are gone, as in a checkout).
    for (const entry of fs.readdirSync(repo)) if (entry !== ".git") fs.rmSync(path.join(repo, entry), { recursive: true, force: true });
    copyTodaysTree(repo);
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(repo, "node_modules"), "dir");
  }, 120_000);
  afterAll(() => fs.rmSync(repo, { recursive: true, force: true }));

  test("with the alias: the certificates are matched, nothing to flag", () => {
    const r = plan("--stack", "dev", "--against", "HEAD", "--json");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const diff = JSON.parse(r.stdout);
    expect(diff.removed.filter((x: { type: string }) => x.type === OLD_TYPE)).toEqual([]);
    expect(diff.added.filter((x: { type: string }) => x.type === UPLOAD_TYPE)).toEqual([]);
    expect(diff.hazards).toEqual([]);
    expect(diff.aliased.map((x: { name: string }) => x.name).sort()).toEqual(["dps-x509-cert-my-intermediate-ca-cert", "dps-x509-cert-my-root-ca-cert"]);
  }, 240_000);

  test("without the alias: each certificate removed and added, flagged with what up would do", () => {
    const file = path.join(repo, "components/resources/dpsCertificateUpload.ts");
    const text = fs.readFileSync(file, "utf8");
    const without = text.replace("aliases: [...(opts?.aliases ?? []), { type: LEGACY_DPS_CERTIFICATE_TYPE }]", "aliases: opts?.aliases");
    expect(without).not.toBe(text);
    fs.writeFileSync(file, without);
    const r = plan("--stack", "dev", "--against", "HEAD");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/2 HAZARDS: the same Azure object removed and added/);
    expect(r.stdout).toContain(`! dps-x509-cert-my-root-ca-cert (${OLD_TYPE}) → dps-x509-cert-my-root-ca-cert (${UPLOAD_TYPE})`);
    expect(r.stdout).toMatch(/`up` creates dps-x509-cert-my-root-ca-cert before it deletes dps-x509-cert-my-root-ca-cert/);
    expect(r.stdout).toContain(`Avoid it: declare \`aliases: [{ type: "${OLD_TYPE}" }]\``);
  }, 240_000);
});
