/**
 * The CLIs as a user meets them: `npm run ca` resolves paths from the folder it was called from (INIT_CWD), never
 * leaves a private key in a git work tree unignored, and Azure's messages reach the user whole (Key Vault's RBAC
 * 403 runs over several lines, the refused action on the fourth), with the project's hint after them.
 */
import { spawnSync } from "child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { runCa } from "../cli/ca";
import { wholeErrorMessage } from "../cli/cliArgs";
import { createRootCa } from "../certs";
import { startRoutedKeyVault, type RoutedKeyVault } from "./support/keyVault";

const ROOT = join(__dirname, "..");

function io(callerDir?: string) {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => err.push(t) }, callerDir }, out, err };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "dps-x509-cli-paths-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("npm run ca: paths from the caller's folder", () => {
  test("a relative --out goes under the caller's folder, not the repository", async () => {
    const caller = join(dir, "caller");
    mkdirSync(caller);
    const run = io(caller);
    expect(await runCa(["chain", "--out", "./my-pki", "--key-size", "2048"], run.io)).toBe(0);
    expect(readdirSync(join(caller, "my-pki")).sort()).toEqual(["intermediate.key.pem", "intermediate.pem", "root.key.pem", "root.pem"]);
    expect(existsSync(join(ROOT, "my-pki"))).toBe(false);
  });

  test("run as npm runs it (in the repository, INIT_CWD the caller's folder): a relative file is found", () => {
    const caller = mkdtempSync(join(tmpdir(), "dps-x509-init-cwd-"));
    writeFileSync(join(caller, "root.pem"), createRootCa({ commonName: "Init Cwd Root", keySize: 2048, validityDays: 5 }).certificatePem);
    const r = spawnSync(process.execPath, ["-r", "./cli/tsRegister.js", "cli/ca.ts", "inspect", "root.pem"], { cwd: ROOT, env: { ...process.env, INIT_CWD: caller }, encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("CN=Init Cwd Root");
    rmSync(caller, { recursive: true, force: true });
  });
});

describe("npm run ca: no private key left in a work tree unignored", () => {
  const gitRepo = () => {
    const repo = mkdtempSync(join(tmpdir(), "dps-x509-worktree-"));
    expect(spawnSync("git", ["init", "-q", repo]).status).toBe(0);
    return repo;
  };

  test("inside a git work tree, a folder git does not ignore: refused, nothing written", async () => {
    const repo = gitRepo();
    const run = io(repo);
    expect(await runCa(["chain", "--out", "keys", "--key-size", "2048"], run.io)).toBe(1);
    expect(run.err.join("")).toMatch(/keys\/root\.key\.pem is inside the git work tree .*git does not ignore it.*Nothing was written\./);
    expect(existsSync(join(repo, "keys"))).toBe(false);
    rmSync(repo, { recursive: true, force: true });
  });

  test("the same folder once .gitignore names it: written", async () => {
    const repo = gitRepo();
    writeFileSync(join(repo, ".gitignore"), "keys/\n");
    const run = io(repo);
    expect(await runCa(["chain", "--out", "keys", "--key-size", "2048"], run.io)).toBe(0);
    expect(existsSync(join(repo, "keys", "root.key.pem"))).toBe(true);
    rmSync(repo, { recursive: true, force: true });
  });

  test("this repository ignores the guide's default folder, pki/, at any depth", () => {
    for (const file of ["pki/root.key.pem", "docs/pki/intermediate.key.pem"]) {
      expect(spawnSync("git", ["-C", ROOT, "check-ignore", "-q", "--no-index", file]).status).toBe(0);
    }
    expect(spawnSync("git", ["-C", ROOT, "check-ignore", "-q", "--no-index", "certs/root.key.pem"]).status).toBe(1);
  });
});

describe("Azure's messages whole", () => {
  test("wholeErrorMessage keeps every line and drops carriage returns", () => {
    expect(wholeErrorMessage(new Error("Forbidden: first line.\r\nAction: 'x/y'\r\nDecisionReason: null \r\n"))).toBe("Forbidden: first line.\nAction: 'x/y'\nDecisionReason: null");
  });

  describe("against the local Key Vault", () => {
    let kv: RoutedKeyVault;
    beforeAll(async () => {
      kv = await startRoutedKeyVault({ vaults: { "msg-vault": "premium" } });
    });
    afterAll(async () => kv.stop());

    test("import-key without a role: every line of the 403, the action included, then the hint", async () => {
      const keyFile = join(dir, "import.key.pem");
      writeFileSync(keyFile, createRootCa({ commonName: "Msg Root", keySize: 2048, validityDays: 5 }).privateKeyPem);
      kv.signInAs("no-role-oid");
      const run = io();
      expect(await runCa(["import-key", "--vault", "msg-vault", "--ca-name", "msg-ca", "--key", keyFile], run.io)).toBe(1);
      const stderr = run.err.join("");
      expect(stderr).not.toContain("\r");
      expect(stderr).toContain("Caller is not authorized to perform action on resource.\nIf role assignments");
      expect(stderr).toContain("Action: 'Microsoft.KeyVault/vaults/keys/import/action'");
      expect(stderr).toMatch(/Vault: msg-vault;location=westeurope[^\n]*Crypto Officer to create or import keys/);
    }, 120_000);
  });
});
