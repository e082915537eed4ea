/**
 * `npm run ca`: each command and each error, in-process through runCa; one run as a real process.
 */
import { spawnSync } from "child_process";
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "fs";
import { join, resolve } from "path";
import { runCa, USAGE } from "../cli/ca";
import { opensslOk, opensslRsaKeyId, scratch, verifyChain, x509Dates, x509Field, x509SubjectCn } from "./support/openssl";

function io() {
  let stdout = "";
  let stderr = "";
  return {
    io: { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } },
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
  };
}

async function ca(...argv: string[]) {
  const out = io();
  const code = await runCa(argv, out.io);
  return { code, stdout: out.stdout, stderr: out.stderr };
}

/** An error is one line, no stack trace. */
function expectOneLineError(stderr: string, pattern: RegExp) {
  expect(stderr).toMatch(pattern);
  expect(stderr.endsWith("\n")).toBe(true);
  expect(stderr.trimEnd().split("\n")).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at |Error:/);
}

const s = scratch();
const out = join(s.dir, "chain");
let chainResult: { code: number; stdout: string; stderr: string };

beforeAll(async () => {
  chainResult = await ca("chain", "--out", out, "--root-cn", "CLI Root", "--intermediate-cn", "CLI Intermediate", "--device", "dev-1", "--device", "dev_2");
});
afterAll(() => s.cleanup());

const file = (name: string) => join(out, name);
const read = (name: string) => readFileSync(file(name), "utf8");

describe("ca chain", () => {
  test("writes root, intermediate and each device (cert, key, full chain); keys mode 0600", () => {
    expect(chainResult.stderr).toBe("");
    expect(chainResult.code).toBe(0);
    const names = ["root", "intermediate", "dev-1", "dev_2"];
    for (const n of names) {
      expect(statSync(file(`${n}.pem`)).mode & 0o777).toBe(0o644);
      expect(statSync(file(`${n}.key.pem`)).mode & 0o777).toBe(0o600);
      expect(read(`${n}.key.pem`)).toMatch(/^-----BEGIN PRIVATE KEY-----/);
      expect(opensslOk(["rsa", "-noout", "-modulus"], { input: read(`${n}.key.pem`) })).toBe(opensslOk(["x509", "-noout", "-modulus"], { input: read(`${n}.pem`) }));
    }
    for (const n of ["dev-1", "dev_2"]) expect(existsSync(file(`${n}.fullchain.pem`))).toBe(true);
    // Every file written is listed, and only those.
    const listed = chainResult.stdout.split("\n").filter(Boolean).map((line) => /^wrote (\S+)/.exec(line)![1]);
    expect(listed.sort()).toEqual(readdirSync(out).map((name) => join(out, name)).sort());
    expect(listed).toHaveLength(4 + 2 * 3);
  });

  test("the CAs' key size defaults to the stacks' (4096); devices stay RSA-2048", () => {
    expect(opensslOk(["x509", "-noout", "-text"], { input: read("root.pem") })).toContain("Public-Key: (4096 bit)");
    expect(opensslOk(["x509", "-noout", "-text"], { input: read("intermediate.pem") })).toContain("Public-Key: (4096 bit)");
    expect(opensslOk(["x509", "-noout", "-text"], { input: read("dev-1.pem") })).toContain("Public-Key: (2048 bit)");
  });

  test("the chain verifies strictly, with the names asked for", () => {
    for (const n of ["dev-1", "dev_2"]) {
      const r = verifyChain({ root: read("root.pem"), intermediates: [read(`${n}.fullchain.pem`)], leaf: read(`${n}.pem`) });
      expect(r.code).toBe(0);
      expect(x509SubjectCn(read(`${n}.pem`))).toBe(n);
    }
    expect(x509SubjectCn(read("root.pem"))).toBe("CLI Root");
    expect(x509SubjectCn(read("intermediate.pem"))).toBe("CLI Intermediate");
  });

  test("--key-size sets the CA key size", async () => {
    const dir = join(s.dir, "big");
    const r = await ca("chain", "--out", dir, "--key-size", "3072");
    expect(r.code).toBe(0);
    expect(opensslOk(["x509", "-noout", "-text"], { input: readFileSync(join(dir, "root.pem")) })).toContain("Public-Key: (3072 bit)");
  });

  test("an existing file is never overwritten without --force, and nothing is written then", async () => {
    const dir = join(s.dir, "existing");
    mkdirSync(dir);
    writeFileSync(join(dir, "intermediate.key.pem"), "someone's key", { mode: 0o600 });
    const r = await ca("chain", "--out", dir, "--key-size", "2048", "--device", "d1");
    expect(r.code).toBe(1);
    expectOneLineError(r.stderr, /intermediate\.key\.pem exists; pass --force to replace it \(nothing was written\)/);
    expect(readdirSync(dir)).toEqual(["intermediate.key.pem"]);
    expect(readFileSync(join(dir, "intermediate.key.pem"), "utf8")).toBe("someone's key");
    const forced = await ca("chain", "--out", dir, "--key-size", "2048", "--force");
    expect(forced.code).toBe(0);
    expect(readFileSync(join(dir, "intermediate.key.pem"), "utf8")).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(statSync(join(dir, "intermediate.key.pem")).mode & 0o777).toBe(0o600);
  });

  test("a symlink at a target is refused, and with --force replaced, never written through", async () => {
    const dir = join(s.dir, "symlinked");
    mkdirSync(dir);
    const victim = join(s.dir, "victim.txt");
    writeFileSync(victim, "untouched");
    symlinkSync(victim, join(dir, "root.key.pem"));
    symlinkSync(join(s.dir, "dangling-target"), join(dir, "root.pem"));
    const refused = await ca("chain", "--out", dir, "--key-size", "2048");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/root\.pem exists/);
    const forced = await ca("chain", "--out", dir, "--key-size", "2048", "--force");
    expect(forced.code).toBe(0);
    expect(readFileSync(victim, "utf8")).toBe("untouched");
    expect(existsSync(join(s.dir, "dangling-target"))).toBe(false);
    expect(lstatSync(join(dir, "root.key.pem")).isSymbolicLink()).toBe(false);
    expect(lstatSync(join(dir, "root.key.pem")).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir).filter((name) => name.endsWith(".tmp"))).toEqual([]);
  });

  test("keys are 0600 even under umask 000 (created with that mode, never widened)", () => {
    const dir = join(s.dir, "umask");
    const repo = resolve(__dirname, "..");
    const r = spawnSync("sh", ["-c", `umask 000 && exec "${process.execPath}" -r ./cli/tsRegister.js cli/ca.ts chain --out "${dir}" --key-size 2048 --device d1`], { cwd: repo, encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    for (const name of ["root.key.pem", "intermediate.key.pem", "d1.key.pem"]) expect(statSync(join(dir, name)).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, "root.pem")).mode & 0o777).toBe(0o644);
  });

  test("errors: missing --out, bad key size, bad device id, clashing id, unknown option", async () => {
    const cases: [string[], RegExp][] = [
      [["chain"], /^ca chain: --out is required/],
      [["chain", "--out", out, "--key-size", "1024"], /^ca chain: --key-size must be one of 2048, 3072, 4096; got 1024/],
      [["chain", "--out", out, "--device", "has space"], /^ca chain: --device "has space" may use only/],
      [["chain", "--out", out, "--device", "x".repeat(65)], /^ca chain: --device must be 1 to 64 characters/],
      [["chain", "--out", out, "--device", "root"], /--device root would write root\.pem, which is the CA file root\.pem/],
      [["chain", "--out", out, "--device", "root.key"], /--device root\.key would write root\.key\.pem, which is the CA file root\.key\.pem/],
      [["chain", "--out", out, "--device", "Intermediate"], /would write Intermediate\.pem, which is the CA file intermediate\.pem/],
      [["chain", "--out", out, "--device", "a", "--device", "a.key"], /--device a\.key would write a\.key\.pem, which is device a/],
      [["chain", "--out", out, "--device", "a", "--device", "A"], /--device A is given twice/],
      [["chain", "--out", out, "--device", "a", "--device", "a"], /--device a is given twice/],
      [["chain", "--out", out, "--bogus"], /^ca chain: Unknown option '--bogus'/],
    ];
    for (const [argv, pattern] of cases) {
      const r = await ca(...argv);
      expect(r.code).not.toBe(0);
      expectOneLineError(r.stderr, pattern);
    }
  });
});

describe("ca verification-cert", () => {
  test("an existing --out is kept unless --force; a missing folder is named", async () => {
    const target = join(s.dir, "verification-existing.pem");
    writeFileSync(target, "old");
    const args = ["verification-cert", "--ca-cert", file("root.pem"), "--ca-key", file("root.key.pem"), "--code", "ABCDEF", "--out", target];
    const refused = await ca(...args);
    expect(refused.code).toBe(1);
    expectOneLineError(refused.stderr, /verification-existing\.pem exists; pass --force/);
    expect(readFileSync(target, "utf8")).toBe("old");
    expect((await ca(...args, "--force")).code).toBe(0);
    expect(x509SubjectCn(readFileSync(target, "utf8"))).toBe("ABCDEF");
    const noFolder = await ca("verification-cert", "--ca-cert", file("root.pem"), "--ca-key", file("root.key.pem"), "--code", "ABCDEF", "--out", join(s.dir, "absent-dir", "v.pem"));
    expect(noFolder.code).toBe(1);
    expectOneLineError(noFolder.stderr, /no folder .*absent-dir/);
  });


  test("writes CN=<code> signed by the CA; it verifies against that CA only", async () => {
    const target = join(s.dir, "verification.pem");
    const r = await ca("verification-cert", "--ca-cert", file("root.pem"), "--ca-key", file("root.key.pem"), "--code", "ABCDEF0123456789", "--out", target);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const pem = readFileSync(target, "utf8");
    expect(x509SubjectCn(pem)).toBe("ABCDEF0123456789");
    expect(x509Field(pem, ["-issuer", "-nameopt", "RFC2253"])).toBe("CN=CLI Root");
    expect(verifyChain({ root: read("root.pem"), leaf: pem }).code).toBe(0);
    expect(verifyChain({ root: read("intermediate.pem"), leaf: pem }).code).not.toBe(0);
    const { notBefore, notAfter } = x509Dates(pem);
    expect(notAfter.getTime() - notBefore.getTime()).toBeLessThanOrEqual(24 * 3600 * 1000 + 5 * 60 * 1000);
  });

  test("errors: key not matching, missing file, bad code, missing flag — one line, no key material", async () => {
    const target = join(s.dir, "v2.pem");
    const mismatch = await ca("verification-cert", "--ca-cert", file("root.pem"), "--ca-key", file("intermediate.key.pem"), "--code", "ABC", "--out", target);
    expect(mismatch.code).toBe(1);
    expectOneLineError(mismatch.stderr, /^ca verification-cert: --ca-key .*intermediate\.key\.pem does not match --ca-cert .*root\.pem$/m);
    expect(mismatch.stderr).not.toMatch(/PRIVATE KEY|MII/);

    const missing = await ca("verification-cert", "--ca-cert", join(s.dir, "nope.pem"), "--ca-key", file("root.key.pem"), "--code", "ABC", "--out", target);
    expect(missing.code).toBe(1);
    expectOneLineError(missing.stderr, /--ca-cert .*nope\.pem: no such file/);

    const missingKey = await ca("verification-cert", "--ca-cert", file("root.pem"), "--ca-key", join(s.dir, "nokey.pem"), "--code", "ABC", "--out", target);
    expectOneLineError(missingKey.stderr, /--ca-key .*nokey\.pem: no such file/);

    for (const code of ["", "has space", "x".repeat(65), "semi;colon"]) {
      const bad = await ca("verification-cert", "--ca-cert", file("root.pem"), "--ca-key", file("root.key.pem"), "--code", code, "--out", target);
      expect(bad.code).not.toBe(0);
      expectOneLineError(bad.stderr, /--code/);
    }
    const notCa = await ca("verification-cert", "--ca-cert", file("dev-1.pem"), "--ca-key", file("dev-1.key.pem"), "--code", "ABC", "--out", target);
    expectOneLineError(notCa.stderr, /not a CA certificate/);

    const noOut = await ca("verification-cert", "--ca-cert", file("root.pem"), "--ca-key", file("root.key.pem"), "--code", "ABC");
    expect(noOut.code).toBe(2);
    expectOneLineError(noOut.stderr, /--out is required/);
    expect(existsSync(target)).toBe(false);
  });
});

describe("ca inspect", () => {
  test("prints subject, issuer, validity, key size, SKI/AKI and thumbprints as OpenSSL sees them", async () => {
    const pem = read("intermediate.pem");
    const r = await ca("inspect", file("intermediate.pem"));
    expect(r.code).toBe(0);
    const field = (label: string) => r.stdout.split("\n").find((l) => l.startsWith(`${label}:`))!.slice(20);
    expect(field("subject")).toBe(x509Field(pem, ["-subject", "-nameopt", "RFC2253"]));
    expect(field("issuer")).toBe("CN=CLI Root");
    expect(field("not before")).toBe(x509Dates(pem).notBefore.toISOString());
    expect(field("not after")).toBe(x509Dates(pem).notAfter.toISOString());
    expect(field("key size")).toBe(/Public-Key: \((\d+) bit\)/.exec(opensslOk(["x509", "-noout", "-text"], { input: pem }))![1]);
    expect(field("CA")).toBe("yes, path length 0");
    expect(field("subject key id")).toBe(opensslRsaKeyId(pem));
    expect(field("authority key id")).toBe(opensslRsaKeyId(read("root.pem")));
    expect(field("SHA-1 thumbprint")).toBe(x509Field(pem, ["-fingerprint", "-sha1"]).replace(/:/g, ""));
    expect(field("SHA-256 thumbprint")).toBe(x509Field(pem, ["-fingerprint", "-sha256"]).replace(/:/g, ""));
  });

  test("a full-chain file shows each certificate", async () => {
    const r = await ca("inspect", file("dev-1.fullchain.pem"));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/# certificate 1 of 2\nsubject: +CN=dev-1\n/);
    expect(r.stdout).toMatch(/# certificate 2 of 2\nsubject: +CN=CLI Intermediate\n/);
  });

  test("errors: missing file, not a certificate, no file given", async () => {
    const missing = await ca("inspect", join(s.dir, "absent.pem"));
    expect(missing.code).toBe(1);
    expectOneLineError(missing.stderr, /absent\.pem: no such file/);
    const key = await ca("inspect", file("root.key.pem"));
    expect(key.code).toBe(1);
    expectOneLineError(key.stderr, /no PEM certificate in it/);
    expect(key.stderr).not.toMatch(/PRIVATE KEY|MII/);
    const none = await ca("inspect");
    expect(none.code).toBe(2);
    expectOneLineError(none.stderr, /inspect needs one file/);
  });
});

describe("commands", () => {
  test("unknown command and no command: exit 2, one line", async () => {
    const unknown = await ca("bogus");
    expect(unknown.code).toBe(2);
    expectOneLineError(unknown.stderr, /^ca: unknown command "bogus" \(commands: chain, verification-cert, inspect/);
    const none = await ca();
    expect(none.code).toBe(2);
    expectOneLineError(none.stderr, /^ca: no command given/);
  });

  test("help prints the usage", async () => {
    const r = await ca("help");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(USAGE);
  });

  test("as a process (npm run ca's command): exit code and a one-line message", () => {
    const repo = resolve(__dirname, "..");
    const r = spawnSync(process.execPath, ["-r", "./cli/tsRegister.js", "cli/ca.ts", "inspect", join(s.dir, "absent.pem")], { cwd: repo });
    expect(r.status).toBe(1);
    expectOneLineError(r.stderr.toString(), /^ca inspect: file .*absent\.pem: no such file$/m);
  });
});
