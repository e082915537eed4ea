/**
 * The bench's mutation section (cli/bench/mutation.ts) and `npm run mutate`'s wrapper (cli/mutate.ts): scores per
 * folder from Stryker's JSON reports, the newest report of each file winning, and the folders with none yet.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { MUTATION_FOLDERS, mutationScores } from "../cli/bench/mutation";
import { runName, splitTests } from "../cli/mutate";

const ROOT = path.resolve(__dirname, "..");
let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "dps-x509-mutation-"))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A report in Stryker's schema: each file's mutants with the given statuses. */
function writeReport(file: string, files: Record<string, string[]>, mtime: Date) {
  const full = path.join(dir, file);
  fs.mkdirSync(path.dirname(full), { recursive: true });
  const report = { schemaVersion: "1.0", thresholds: { high: 80, low: 60 }, files: Object.fromEntries(Object.entries(files).map(([name, statuses]) => [name, { language: "typescript", source: "", mutants: statuses.map((status, i) => ({ id: String(i), mutatorName: "StringLiteral", status, location: { start: { line: 1, column: 1 }, end: { line: 1, column: 2 } } })) }])) };
  fs.writeFileSync(full, JSON.stringify(report));
  fs.utimesSync(full, mtime, mtime);
}

test("scores per folder as Stryker counts them, the newest report of each file winning", () => {
  fs.mkdirSync(path.join(dir, "components/config"), { recursive: true });
  for (const f of ["a.ts", "b.ts", "c.ts"]) fs.writeFileSync(path.join(dir, "components/config", f), "");
  // An older run had a.ts worse; the newer one (the last run, mutation.json) wins for a.ts, the older keeps b.ts.
  writeReport("reports/mutation/runs/components-config.json", { "components/config/a.ts": ["Survived", "Survived"], "components/config/b.ts": ["Killed", "NoCoverage"] }, new Date("2026-01-01"));
  writeReport("reports/mutation/mutation.json", { "components/config/a.ts": ["Killed", "Killed", "Timeout", "Survived", "NoCoverage", "Ignored", "CompileError"] }, new Date("2026-02-01"));
  writeReport("reports/mutation/runs/cli-tenant.json", { "cli/tenant/x.ts": ["Killed", "Killed", "Killed", "Survived"] }, new Date("2026-01-15"));
  const scores = mutationScores(dir);
  expect(scores.folders).toEqual([
    // a.ts: detected 3 (2 killed + 1 timeout) of 5 valid; b.ts: 1 of 2. Together 4 of 7; covered 4 of 5.
    { folder: "components/config", score: 57.14, covered: 80, killed: 3, timeout: 1, survived: 1, noCoverage: 2, filesReported: 2, filesInFolder: 3, reportedAt: "2026-02-01T00:00:00.000Z" },
    { folder: "cli/tenant", score: 75, covered: 75, killed: 3, timeout: 0, survived: 1, noCoverage: 0, filesReported: 1, filesInFolder: 0, reportedAt: "2026-01-15T00:00:00.000Z" },
  ]);
  expect(scores.noReportYet.map((r) => r.folder)).toEqual(["components/providers", "components/tenant", "cli/plan"]);
  expect(scores.noReportYet[0].run).toBe("npm run mutate -- --mutate 'components/providers/**/*.ts'");
});

test("no report at all: every folder is listed as having none yet", () => {
  expect(mutationScores(dir)).toEqual({ reports: [], folders: [], noReportYet: MUTATION_FOLDERS.map((folder) => ({ folder, run: `npm run mutate -- --mutate '${folder}/**/*.ts'` })) });
});

test("npm run bench -- --only mutation prints the section, every folder either scored or listed", () => {
  const r = spawnSync(process.execPath, ["-r", "./cli/tsRegister.js", "cli/bench/index.ts", "--only", "mutation"], { cwd: ROOT, encoding: "utf8" });
  expect(r.status).toBe(0);
  const { mutation } = JSON.parse(r.stdout);
  const named = [...mutation.folders.map((f: { folder: string }) => f.folder), ...mutation.noReportYet.map((f: { folder: string }) => f.folder)].sort();
  expect(named).toEqual([...MUTATION_FOLDERS].sort());
});

test("the wrapper keeps each run's report under a name for what it mutated, and passes --tests to jest, not Stryker", () => {
  expect(runName([])).toBe("all");
  expect(runName(["--mutate", "components/tenant/**/*.ts"])).toBe("components-tenant");
  expect(runName(["--mutate=components/config/networkRules.ts,components/config/ipRules.ts"])).toBe("components-config-networkRules.ts+components-config-ipRules.ts");
  expect(splitTests(["--mutate", "x.ts", "--tests", "test/a.test.ts,test/b.test.ts", "--concurrency", "1"])).toEqual({ stryker: ["--mutate", "x.ts", "--concurrency", "1"], tests: "test/a.test.ts,test/b.test.ts" });
});
