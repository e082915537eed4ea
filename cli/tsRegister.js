/**
 * Makes the project's TypeScript loadable in a plain `node` process, with a transpile cache on disk:
 *   node -r ./cli/tsRegister.js cli/plan.ts …
 * It is what every command (`npm run plan`, `ca`, …), the bench and the tests that spawn a command use instead of
 * ts-node. Why: ts-node transpiles every file on every run (about 1.5 s of TypeScript for the plan) and installs
 * source-map-support, which makes each `new Error().stack` cost a source-map lookup — and Pulumi takes a stack for
 * every promise and resource it makes (about 2 s more at DPS's limits). Here a file is transpiled once per content
 * (TypeScript's `transpileModule`, the same transpile-only output ts-node gives, with the options of tsconfig.json)
 * and the JavaScript is kept in node_modules/.cache/dps-x509-ts/ under the hash of the source, the compiler version
 * and the options: a changed file is transpiled again, an unchanged one is read back. TypeScript itself is loaded
 * only on a miss. Type-checking stays where it was: `tsc --noEmit` in `npm test`.
 *
 * It also keeps V8's compiled code of every module (the SDK's too) next to it: Node's own compile cache where Node
 * has one (22.1 and later), else v8-compile-cache-lib. Compiling JavaScript was a fifth of the plan's time.
 * DPS_X509_NO_CACHE=1 turns both caches off (to measure without them).
 *
 * Plain JavaScript on purpose: it is what makes `.ts` loadable, so it cannot be TypeScript itself.
 */
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const PROJECT_ROOT = path.resolve(__dirname, "..");
const CACHE_ROOT = process.env.DPS_X509_CACHE_DIR || path.join(PROJECT_ROOT, "node_modules", ".cache");
const CACHE_DIR = path.join(CACHE_ROOT, "dps-x509-ts");
const CACHES_ON = process.env.DPS_X509_NO_CACHE !== "1";

/** V8's code cache for every module this process loads; a stale or foreign entry is rejected by V8 and recompiled. */
function keepCompiledCode() {
  const dir = path.join(CACHE_ROOT, "dps-x509-v8", process.versions.v8);
  const nodeModule = require("module");
  if (typeof nodeModule.enableCompileCache === "function") nodeModule.enableCompileCache(dir);
  else require("v8-compile-cache-lib").install({ cacheDir: dir, prefix: "dps-x509" });
}

/** tsconfig.json's compiler options, as transpileModule takes them (the enum names resolved by TypeScript on a miss). */
function readCompilerOptionsJson() {
  const tsconfig = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "tsconfig.json"), "utf8"));
  // Only what changes the emitted JavaScript of one file; outDir, types and strictness do not.
  const { target, module, esModuleInterop, resolveJsonModule } = tsconfig.compilerOptions;
  return { target, module, esModuleInterop, resolveJsonModule, sourceMap: false, inlineSourceMap: false };
}

/** Read once: the cache key and the transpiler both use it. */
const COMPILER_OPTIONS_JSON = readCompilerOptionsJson();

let typescript;
let compilerOptions;
/** TypeScript and the parsed options, loaded on the first cache miss only. */
function transpiler() {
  if (!typescript) {
    typescript = require("typescript");
    compilerOptions = typescript.convertCompilerOptionsFromJson(COMPILER_OPTIONS_JSON, PROJECT_ROOT).options;
  }
  return { typescript, compilerOptions };
}

const typescriptVersion = (() => {
  try {
    return JSON.parse(fs.readFileSync(require.resolve("typescript/package.json", { paths: [PROJECT_ROOT] }), "utf8")).version;
  } catch {
    return "none";
  }
})();
// The cache key's fixed part: a new TypeScript, new options or a new version of this file invalidate every entry.
const KEY_PREFIX = `${typescriptVersion}\0${JSON.stringify(COMPILER_OPTIONS_JSON)}\0tsRegister-1\0`;

/** The JavaScript of one TypeScript file: from the cache when its source is unchanged, else transpiled and stored. */
function javascriptOf(filename, source) {
  // The file's extension, not its path: the same source transpiles the same anywhere (a `plan --against` tree too).
  const key = crypto.createHash("sha256").update(KEY_PREFIX).update(path.extname(filename)).update("\0").update(source).digest("hex");
  const cached = path.join(CACHE_DIR, key.slice(0, 2), `${key}.js`);
  if (CACHES_ON) {
    try {
      return fs.readFileSync(cached, "utf8");
    } catch {
      // A miss: transpile below.
    }
  }
  const { typescript, compilerOptions } = transpiler();
  const output = typescript.transpileModule(source, { compilerOptions, fileName: filename, reportDiagnostics: false }).outputText;
  if (!CACHES_ON) return output;
  try {
    fs.mkdirSync(path.dirname(cached), { recursive: true });
    // Written under a unique name, then renamed: a concurrent reader sees the whole file or none.
    const partial = `${cached}.${process.pid}.${crypto.randomBytes(4).toString("hex")}`;
    fs.writeFileSync(partial, output);
    fs.renameSync(partial, cached);
  } catch {
    // A read-only cache folder only costs speed.
  }
  return output;
}

if (!require.extensions[".ts"]) {
  if (CACHES_ON) keepCompiledCode();
  require.extensions[".ts"] = function loadTypeScript(module, filename) {
    module._compile(javascriptOf(filename, fs.readFileSync(filename, "utf8")), filename);
  };
}

module.exports = { javascriptOf, CACHE_DIR };
