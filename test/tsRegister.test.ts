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
