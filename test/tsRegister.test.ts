/**
 * cli/tsRegister.js: the commands' TypeScript loader. A file is transpiled once per content and read back from the
 * cache after; a changed file must never run its old code; the output is TypeScript's own transpile.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const REGISTER = path.join(ROOT, "cli/tsRegister.js");

function runTs(file: string, env: Record<string, string>) {
  const r = spawnSync(process.execPath, ["-r", REGISTER, file], { encoding: "utf8", env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout.trim(), stderr: r.stderr };
}

let dir: string;
let cacheDir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "ts-register-"));
  cacheDir = path.join(dir, "cache");
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const cachedFiles = () =>
  fs.existsSync(path.join(cacheDir, "dps-x509-ts")) ? fs.readdirSync(path.join(cacheDir, "dps-x509-ts"), { recursive: true }).filter((f) => String(f).endsWith(".js")) : [];

test("runs TypeScript (types, enums, imports between .ts files) and keeps one transpiled file per source", () => {
  fs.writeFileSync(path.join(dir, "shape.ts"), `export enum Kind { Root = "root", Leaf = "leaf" }\nexport interface Shape { kind: Kind; n: number }\n`);
  fs.writeFileSync(path.join(dir, "main.ts"), `import { Kind, type Shape } from "./shape";\nconst s: Shape = { kind: Kind.Leaf, n: 41 };\nconsole.log(s.kind, s.n + 1);\n`);
  const first = runTs(path.join(dir, "main.ts"), { DPS_X509_CACHE_DIR: cacheDir });
  expect(first).toMatchObject({ code: 0, stdout: "leaf 42" });
  expect(cachedFiles()).toHaveLength(2);
  const again = runTs(path.join(dir, "main.ts"), { DPS_X509_CACHE_DIR: cacheDir });
  expect(again).toMatchObject({ code: 0, stdout: "leaf 42" });
  expect(cachedFiles()).toHaveLength(2);
});

test("a changed file runs its new code, never the cached old one", () => {
  const file = path.join(dir, "main.ts");
  fs.writeFileSync(file, `const answer: number = 1;\nconsole.log(answer);\n`);
  expect(runTs(file, { DPS_X509_CACHE_DIR: cacheDir }).stdout).toBe("1");
  fs.writeFileSync(file, `const answer: number = 2;\nconsole.log(answer);\n`);
  expect(runTs(file, { DPS_X509_CACHE_DIR: cacheDir }).stdout).toBe("2");
});

test("the cached JavaScript is TypeScript's transpileModule output for the project's options", () => {
  const source = `export const f = async (x?: { a: number }) => x?.a ?? 0;\n`;
  const file = path.join(dir, "f.ts");
  fs.writeFileSync(file, source);
  expect(runTs(file, { DPS_X509_CACHE_DIR: cacheDir }).code).toBe(0);
  const [cached] = cachedFiles();
  const typescript = require("typescript") as typeof import("typescript");
  const tsconfig = JSON.parse(fs.readFileSync(path.join(ROOT, "tsconfig.json"), "utf8"));
  const options = typescript.convertCompilerOptionsFromJson(tsconfig.compilerOptions, ROOT).options;
  const expected = typescript.transpileModule(source, { compilerOptions: { ...options, sourceMap: false, inlineSourceMap: false }, fileName: file }).outputText;
  expect(fs.readFileSync(path.join(cacheDir, "dps-x509-ts", String(cached)), "utf8")).toBe(expected);
});

test("DPS_X509_NO_CACHE=1 writes nothing", () => {
  const file = path.join(dir, "main.ts");
  fs.writeFileSync(file, `console.log("ok" as string);\n`);
  expect(runTs(file, { DPS_X509_CACHE_DIR: cacheDir, DPS_X509_NO_CACHE: "1" })).toMatchObject({ code: 0, stdout: "ok" });
  expect(fs.existsSync(cacheDir)).toBe(false);
});

describe("the cache is the user's alone (#25.9): it runs unchecked in processes that hold CA keys", () => {
  const mode = (p: string) => fs.statSync(p).mode & 0o777;
  const hello = () => {
    const file = path.join(dir, "hello.ts");
    fs.writeFileSync(file, `const who: string = "real";\nconsole.log(who);\n`);
    return file;
  };
  /** Runs once to fill the cache, then replaces the cached JavaScript with other code. */
  const poisoned = () => {
    const file = hello();
    expect(runTs(file, { DPS_X509_CACHE_DIR: cacheDir })).toMatchObject({ code: 0, stdout: "real" });
    const [entry] = cachedFiles();
    const cached = path.join(cacheDir, "dps-x509-ts", String(entry));
    fs.writeFileSync(cached, `console.log("planted");\n`);
    return { file, cached };
  };

  test("folders are made 0700 and files 0600", () => {
    fs.mkdirSync(cacheDir, { mode: 0o755 });
    const { code } = runTs(hello(), { DPS_X509_CACHE_DIR: cacheDir });
    expect(code).toBe(0);
    const [entry] = cachedFiles();
    expect(mode(path.join(cacheDir, "dps-x509-ts"))).toBe(0o700);
    expect(mode(path.dirname(path.join(cacheDir, "dps-x509-ts", String(entry))))).toBe(0o700);
    expect(mode(path.join(cacheDir, "dps-x509-ts", String(entry)))).toBe(0o600);
    expect(mode(path.join(cacheDir, "dps-x509-v8"))).toBe(0o700);
  });

  test("the user's own cached file is what runs (the cache works), so the refusals below are what keep planted code out", () => {
    const { file } = poisoned();
    expect(runTs(file, { DPS_X509_CACHE_DIR: cacheDir }).stdout).toBe("planted");
  });

  test("a cached file that group or others may write is ignored, with one line saying why", () => {
    for (const bits of [0o666, 0o620]) {
      const { file, cached } = poisoned();
      fs.chmodSync(cached, bits);
      const run = runTs(file, { DPS_X509_CACHE_DIR: cacheDir });
      expect(run).toMatchObject({ code: 0, stdout: "real" });
      expect(run.stderr).toMatch(new RegExp(`^dps-x509: ignoring the transpile cache ${cached.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: it may be written by (others|its group) \\(mode ${bits.toString(8)}\\)`));
      fs.rmSync(cacheDir, { recursive: true, force: true });
    }
  });

  test("a cache folder that others may write is neither read nor written", () => {
    const { file, cached } = poisoned();
    fs.chmodSync(path.join(cacheDir, "dps-x509-ts"), 0o777);
    const run = runTs(file, { DPS_X509_CACHE_DIR: cacheDir });
    expect(run).toMatchObject({ code: 0, stdout: "real" });
    expect(run.stderr).toMatch(/ignoring the transpile cache .*dps-x509-ts: it may be written by others \(mode 777\)/);
    expect(fs.readFileSync(cached, "utf8")).toBe(`console.log("planted");\n`);
    // The shard folder counts too.
    fs.chmodSync(path.join(cacheDir, "dps-x509-ts"), 0o700);
    fs.chmodSync(path.dirname(cached), 0o757);
    expect(runTs(file, { DPS_X509_CACHE_DIR: cacheDir }).stdout).toBe("real");
  });

  test("a cache folder that is a symbolic link is ignored", () => {
    const { file } = poisoned();
    fs.renameSync(path.join(cacheDir, "dps-x509-ts"), path.join(dir, "elsewhere"));
    fs.symlinkSync(path.join(dir, "elsewhere"), path.join(cacheDir, "dps-x509-ts"));
    const run = runTs(file, { DPS_X509_CACHE_DIR: cacheDir });
    expect(run.stdout).toBe("real");
    expect(run.stderr).toMatch(/dps-x509-ts: it is a symbolic link/);
  });

  // Giving a file to another user takes root: CI and the project's machines run the suite as root. Run as another
  // user, chown throws and the test fails, rather than being skipped unseen.
  test("a cached file or folder another user owns is ignored", () => {
    const { file, cached } = poisoned();
    fs.chownSync(cached, 65534, 65534);
    expect(runTs(file, { DPS_X509_CACHE_DIR: cacheDir })).toMatchObject({ stdout: "real", stderr: expect.stringMatching(/it is owned by uid 65534, not by this user/) });
    fs.chownSync(cached, 0, 0);
    fs.chownSync(path.join(cacheDir, "dps-x509-ts"), 65534, 65534);
    expect(runTs(file, { DPS_X509_CACHE_DIR: cacheDir })).toMatchObject({ stdout: "real", stderr: expect.stringMatching(/dps-x509-ts: it is owned by uid 65534/) });
  });
});

test("the cache key covers every compiler option of tsconfig.json, not a chosen few", () => {
  // A copy of the loader in a project of its own, so the test can change that project's tsconfig.json.
  const project = path.join(dir, "project");
  fs.mkdirSync(path.join(project, "cli"), { recursive: true });
  fs.copyFileSync(REGISTER, path.join(project, "cli/tsRegister.js"));
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(project, "node_modules"));
  const tsconfig = (useDefineForClassFields: boolean) =>
    fs.writeFileSync(path.join(project, "tsconfig.json"), JSON.stringify({ compilerOptions: { target: "es2020", module: "commonjs", useDefineForClassFields } }));
  // Assignment semantics call the base class's setter; define semantics do not.
  const file = path.join(project, "fields.ts");
  fs.writeFileSync(file, `class Base { set x(_v: number) { console.log("setter"); } }\nclass Derived extends Base { x = 1; }\nnew Derived();\nconsole.log("done");\n`);
  const run = () => spawnSync(process.execPath, ["-r", path.join(project, "cli/tsRegister.js"), file], { encoding: "utf8", env: { ...process.env, DPS_X509_CACHE_DIR: cacheDir } }).stdout.trim();
  tsconfig(false);
  expect(run()).toBe("setter\ndone");
  tsconfig(true);
  expect(run()).toBe("done");
  expect(cachedFiles()).toHaveLength(2);
});
