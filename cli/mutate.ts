/**
 * `npm run mutate [-- <stryker options>]`: StrykerJS (stryker.config.json) over the folders the suite must guard,
 * or a part of them (`npm run mutate -- --mutate 'components/config/**\/*.ts'`). Run under
 * azure-test-servers/with-test-tls.js, so Stryker's jest workers get the test TLS set-up `npm test` has.
 *
 * `--tests <glob>[,<glob>]` (this wrapper's own option) runs only those test files for each mutant: with many test
 * files importing the mutated one, jest otherwise loads them all for every mutant. A mutant no chosen test covers
 * is then reported as not covered.
 *
 * Stryker writes reports/mutation/mutation.json for the files it mutated in this run only; a copy is kept under
 * reports/mutation/runs/<what was mutated>.json, so that runs folder by folder add up: `npm run bench -- --only
 * mutation` reads them all (cli/bench/mutation.ts), the newest report of each file winning.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const REPORT = path.join(ROOT, "reports/mutation/mutation.json");

/** A file name for the run's scope: the --mutate patterns (globs reduced to their folders), or "all". */
export function runName(args: readonly string[]): string {
  const patterns: string[] = [];
  args.forEach((arg, i) => {
    if ((arg === "--mutate" || arg === "-m") && args[i + 1]) patterns.push(...args[i + 1].split(","));
    else if (arg.startsWith("--mutate=")) patterns.push(...arg.slice("--mutate=".length).split(","));
  });
  if (!patterns.length) return "all";
  const slugs = patterns.map((p) => p.replace(/(\/?\*\*)?\/?\*\.ts$/, "").replace(/\*/g, "").replace(/[^A-Za-z0-9.-]+/g, "-").replace(/^-+|-+$/g, ""));
  return slugs.filter(Boolean).join("+").slice(0, 120) || "some";
}

/** Takes this wrapper's `--tests <globs>` out of the arguments Stryker gets. */
export function splitTests(args: readonly string[]): { stryker: string[]; tests?: string } {
  const stryker: string[] = [];
  let tests: string | undefined;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--tests" && args[i + 1] !== undefined) tests = args[++i];
    else if (args[i].startsWith("--tests=")) tests = args[i].slice("--tests=".length);
    else stryker.push(args[i]);
  }
  return { stryker, tests };
}

function main(argv: string[]): number {
  const { stryker: args, tests } = splitTests(argv);
  const before = fs.existsSync(REPORT) ? fs.statSync(REPORT).mtimeMs : 0;
  const env = tests ? { ...process.env, DPS_X509_JEST_TESTS: tests } : process.env;
  const result = spawnSync("stryker", ["run", ...args], { cwd: ROOT, env, stdio: "inherit", shell: process.platform === "win32" });
  if (result.error) {
    process.stderr.write(`mutate: could not start stryker (${result.error.message}); run it through \`npm run mutate\`\n`);
    return 1;
  }
  if (fs.existsSync(REPORT) && fs.statSync(REPORT).mtimeMs > before) {
    const kept = path.join(ROOT, "reports/mutation/runs", `${runName(args)}.json`);
    fs.mkdirSync(path.dirname(kept), { recursive: true });
    fs.copyFileSync(REPORT, kept);
    process.stderr.write(`mutate: report kept as ${path.relative(ROOT, kept)} (npm run bench -- --only mutation)\n`);
  }
  return result.status ?? 1;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
