/**
 * `npm run ca`'s work-tree guard (cli/ca/workTreeGuard.ts) with a real git repository: a key file git tracks, even
 * inside an ignored folder (force-added), is refused and left as it was; an ignored, untracked one is written.
 */
import { spawnSync } from "child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { runCa } from "../cli/ca";

function io(callerDir: string) {
  const err: string[] = [];
  return { io: { stdout: { write: () => true }, stderr: { write: (t: string) => err.push(t) }, callerDir }, err };
}

const git = (repo: string, ...args: string[]) => {
  const r = spawnSync("git", ["-C", repo, "-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
};

let repo: string;
beforeEach(async () => {
  repo = mkdtempSync(join(tmpdir(), "dps-x509-guard-"));
  git(repo, "init", "-q");
  writeFileSync(join(repo, ".gitignore"), "keys/\n");
  // A first chain in the ignored folder: written, nothing tracked.
  expect(await runCa(["chain", "--out", "keys", "--key-size", "2048"], io(repo).io)).toBe(0);
  expect(git(repo, "status", "--porcelain", "--ignored", "keys")).toBe("!! keys/\n");
});
afterEach(() => rmSync(repo, { recursive: true, force: true }));

test("a force-added key file in the ignored folder is refused, and not overwritten", async () => {
  git(repo, "add", "-f", "keys/intermediate.key.pem");
  const before = readFileSync(join(repo, "keys/intermediate.key.pem"), "utf8");
  const run = io(repo);
  // --force: the user asks to replace the chain; the guard still refuses the tracked file.
  expect(await runCa(["chain", "--out", "keys", "--key-size", "2048", "--force"], run.io)).toBe(1);
  expect(run.err.join("")).toMatch(/keys\/intermediate\.key\.pem is tracked by git in .*added with `git add -f`.*`git rm --cached keys\/intermediate\.key\.pem`.*Nothing was written\./);
  expect(readFileSync(join(repo, "keys/intermediate.key.pem"), "utf8")).toBe(before);
});

test("a committed key file is refused as well; once untracked, the folder's ignore rule applies again", async () => {
  git(repo, "add", "-f", "keys/root.key.pem");
  git(repo, "commit", "-q", "-m", "oops");
  const run = io(repo);
  expect(await runCa(["chain", "--out", "keys", "--key-size", "2048", "--force"], run.io)).toBe(1);
  expect(run.err.join("")).toMatch(/keys\/root\.key\.pem is tracked by git/);
  git(repo, "rm", "-q", "--cached", "keys/root.key.pem");
  expect(await runCa(["chain", "--out", "keys", "--key-size", "2048", "--force"], io(repo).io)).toBe(0);
});
