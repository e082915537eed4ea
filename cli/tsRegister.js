/**
 * Makes the project's TypeScript loadable in a plain `node` process, with a transpile cache on disk:
 *   node -r ./cli/tsRegister.js cli/plan.ts …
 * It is what every command (`npm run plan`, `ca`, …), the bench and the tests that spawn a command use instead of
 * ts-node. Why: ts-node transpiles every file on every run (about 1.5 s of TypeScript for the plan) and installs
 * source-map-support, which makes each `new Error().stack` cost a source-map lookup — and Pulumi takes a stack for
 * every promise and resource it makes (about 2 s more at DPS's limits). Here a file is transpiled once per content
 * (TypeScript's `transpileModule`, the same transpile-only output ts-node gives, with the options of tsconfig.json)
 * and the JavaScript is kept in node_modules/.cache/dps-x509-ts/ under the hash of the source, the compiler version
 * and every compiler option of tsconfig.json: a changed file, option or TypeScript is transpiled again, an unchanged
 * one is read back. TypeScript itself is loaded only on a miss. Type-checking stays where it was: `tsc --noEmit` in
 * `npm test`.
 *
 * Cached JavaScript runs unchecked, in processes that hold CA keys (the dynamic-provider host among them), so the
 * cache is the user's alone: its folders are made 0700 and its files 0600, and a folder or file that another user
 * owns, that group or others may write, or that is a symbolic link, is ignored (never read, never written to); the
 * file is then transpiled afresh, and one line on stderr says why. (POSIX only: Windows has no modes to check.)
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

const CHECKS_OWNER = typeof process.getuid === "function";
const warned = new Set();

/** Why a cache folder or file (its lstat, or an open file's fstat) is not the user's alone; undefined when it is. */
function untrusted(stats, isDirectory) {
  if (!CHECKS_OWNER) return undefined;
  if (stats.isSymbolicLink()) return "is a symbolic link";
  if (isDirectory ? !stats.isDirectory() : !stats.isFile()) return isDirectory ? "is not a folder" : "is not a file";
  if (stats.uid !== process.getuid()) return `is owned by uid ${stats.uid}, not by this user (uid ${process.getuid()})`;
  if (stats.mode & 0o022) return `may be written by ${stats.mode & 0o002 ? "others" : "its group"} (mode ${(stats.mode & 0o777).toString(8)})`;
  return undefined;
}

function warnOnce(what, reason) {
  if (warned.has(what)) return;
  warned.add(what);
  process.stderr.write(`dps-x509: ignoring the transpile cache ${what}: it ${reason}; transpiling instead (remove it, or fix its owner and mode: chmod 700 folders, 600 files)\n`);
}

/** A cache folder, made 0700 if missing; false (after one warning) when it exists and is not the user's alone. */
function privateFolder(dir) {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const reason = untrusted(fs.lstatSync(dir), true);
    if (reason) {
      warnOnce(dir, reason);
      return false;
    }
    // A folder an older version made 0755: the user's own, so make it private now.
    if (CHECKS_OWNER && fs.lstatSync(dir).mode & 0o077) fs.chmodSync(dir, 0o700);
    return true;
  } catch {
    return false;
  }
}

/** The cache folders already vetted by this process. */
const vetted = new Set();
function usableFolder(dir) {
  if (vetted.has(dir)) return true;
  // The shard folder and the cache folder above it: someone who could write to either could swap the files.
  const ok = privateFolder(CACHE_DIR) && (dir === CACHE_DIR || privateFolder(dir));
  if (ok) vetted.add(dir);
  return ok;
}

/** A cached file's text when it is the user's alone: checked on the open descriptor, so it cannot be swapped between. */
function readTrusted(file) {
  let fd;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0));
  } catch {
    return undefined;
  }
  try {
    const reason = untrusted(fs.fstatSync(fd), false);
    if (reason) {
      warnOnce(file, reason);
      return undefined;
    }
    return fs.readFileSync(fd, "utf8");
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

/** V8's code cache for every module this process loads; a stale or foreign entry is rejected by V8 and recompiled. */
function keepCompiledCode() {
  const dir = path.join(CACHE_ROOT, "dps-x509-v8", process.versions.v8);
  // V8 deserializes these entries: the same rules as the transpile cache, or no code cache at all.
  if (!privateFolder(path.join(CACHE_ROOT, "dps-x509-v8")) || !privateFolder(dir)) return;
  const nodeModule = require("module");
  if (typeof nodeModule.enableCompileCache === "function") nodeModule.enableCompileCache(dir);
  else require("v8-compile-cache-lib").install({ cacheDir: dir, prefix: "dps-x509" });
}

/**
 * tsconfig.json's compiler options, all of them, as transpileModule takes them (the enum names resolved by TypeScript
 * on a miss). All, not a chosen few: many change the emitted JavaScript (target, module, strict's "use strict",
 * useDefineForClassFields, decorators, importHelpers, jsx, …), and an option that does not only costs a re-transpile
 * when it changes. Source maps stay off: the JavaScript runs without them.
 */
function readCompilerOptionsJson() {
  const tsconfig = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "tsconfig.json"), "utf8"));
  return { ...tsconfig.compilerOptions, sourceMap: false, inlineSourceMap: false, declaration: false, declarationMap: false };
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
// The cache key's fixed part: a new TypeScript, any changed option or a new version of this file invalidate every entry.
const KEY_PREFIX = `${typescriptVersion}\0${JSON.stringify(COMPILER_OPTIONS_JSON)}\0tsRegister-2\0`;

/** The JavaScript of one TypeScript file: from the cache when its source is unchanged, else transpiled and stored. */
function javascriptOf(filename, source) {
  // The file's extension, not its path: the same source transpiles the same anywhere (a `plan --against` tree too).
  const key = crypto.createHash("sha256").update(KEY_PREFIX).update(path.extname(filename)).update("\0").update(source).digest("hex");
  const cached = path.join(CACHE_DIR, key.slice(0, 2), `${key}.js`);
  const usable = CACHES_ON && usableFolder(path.dirname(cached));
  if (usable) {
    const hit = readTrusted(cached);
    if (hit !== undefined) return hit;
  }
  const { typescript, compilerOptions } = transpiler();
  const output = typescript.transpileModule(source, { compilerOptions, fileName: filename, reportDiagnostics: false }).outputText;
  if (!usable) return output;
  try {
    // Written under a unique name (0600, never an existing file), then renamed: a concurrent reader sees the whole
    // file or none.
    const partial = `${cached}.${process.pid}.${crypto.randomBytes(4).toString("hex")}`;
    fs.writeFileSync(partial, output, { mode: 0o600, flag: "wx" });
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
