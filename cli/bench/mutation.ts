/**
 * The bench's mutation section: the mutation score per folder, read from StrykerJS's JSON reports (the
 * mutation-testing-report-schema that `npm run mutate` writes). It never runs Stryker: a full run takes hours on a
 * small machine, so folders are mutated one at a time (`npm run mutate -- --mutate '<folder>/**\/*.ts'`) and their
 * reports add up here.
 *
 * Reports read: reports/mutation/mutation.json (the last run) and reports/mutation/runs/*.json (each run's copy,
 * kept by cli/mutate.ts); for each file the newest report wins. Scores as Stryker counts them: detected (killed or
 * timed out) over valid mutants (detected, survived, no coverage); `covered` leaves out the mutants no test reaches.
 */
import * as fs from "fs";
import * as path from "path";

/** The folders the suite must guard (issue #24.11), as in stryker.config.json's `mutate`. */
export const MUTATION_FOLDERS = ["components/providers", "components/config", "components/tenant", "cli/plan", "cli/tenant"] as const;

interface ReportMutant {
  readonly status: string;
}
interface Report {
  readonly files: Record<string, { readonly mutants: ReadonlyArray<ReportMutant> }>;
}

export interface FolderScore {
  readonly folder: string;
  /** Detected over valid mutants, percent, two decimals. */
  readonly score: number;
  /** Detected over mutants some test covers, percent. */
  readonly covered: number;
  readonly killed: number;
  readonly timeout: number;
  readonly survived: number;
  readonly noCoverage: number;
  /** Files of the folder with a report, and files of the folder in the tree. */
  readonly filesReported: number;
  readonly filesInFolder: number;
  /** When the newest report of the folder was written. */
  readonly reportedAt: string;
}

export interface MutationScores {
  readonly reports: string[];
  readonly folders: FolderScore[];
  /** Folders no report covers yet, with the command that makes one. */
  readonly noReportYet: Array<{ folder: string; run: string }>;
}

const percent = (part: number, whole: number) => (whole === 0 ? 0 : Math.round((part / whole) * 10000) / 100);

function reportFiles(root: string): string[] {
  const dir = path.join(root, "reports/mutation");
  const runs = path.join(dir, "runs");
  const listed = fs.existsSync(runs) ? fs.readdirSync(runs).filter((f) => f.endsWith(".json")).map((f) => path.join(runs, f)) : [];
  return [path.join(dir, "mutation.json"), ...listed].filter((f) => fs.existsSync(f));
}

/** The TypeScript files Stryker would mutate in a folder (what the config's `mutate` globs match). */
function sourceFiles(root: string, folder: string): string[] {
  const dir = path.join(root, folder);
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts")).map((f) => path.posix.join(folder, f.split(path.sep).join("/")));
}

export function mutationScores(root: string): MutationScores {
  // Each file's mutants from the newest report that has it.
  const newest = new Map<string, { mutants: ReadonlyArray<ReportMutant>; at: number }>();
  const reports = reportFiles(root);
  for (const file of reports) {
    const at = fs.statSync(file).mtimeMs;
    let report: Report;
    try {
      report = JSON.parse(fs.readFileSync(file, "utf8")) as Report;
    } catch {
      continue;
    }
    for (const [source, { mutants }] of Object.entries(report.files ?? {})) {
      const key = source.split(path.sep).join("/");
      if ((newest.get(key)?.at ?? -1) < at) newest.set(key, { mutants, at });
    }
  }
  const folders: FolderScore[] = [];
  const noReportYet: MutationScores["noReportYet"] = [];
  for (const folder of MUTATION_FOLDERS) {
    const entries = [...newest.entries()].filter(([file]) => file.startsWith(`${folder}/`));
    if (!entries.length) {
      noReportYet.push({ folder, run: `npm run mutate -- --mutate '${folder}/**/*.ts'` });
      continue;
    }
    const count = (status: string) => entries.reduce((sum, [, { mutants }]) => sum + mutants.filter((m) => m.status === status).length, 0);
    const killed = count("Killed");
    const timeout = count("Timeout");
    const survived = count("Survived");
    const noCoverage = count("NoCoverage");
    const detected = killed + timeout;
    folders.push({
      folder,
      score: percent(detected, detected + survived + noCoverage),
      covered: percent(detected, detected + survived),
      killed,
      timeout,
      survived,
      noCoverage,
      filesReported: entries.length,
      filesInFolder: sourceFiles(root, folder).length,
      reportedAt: new Date(Math.max(...entries.map(([, { at }]) => at))).toISOString(),
    });
  }
  return { reports: reports.map((f) => path.relative(root, f)), folders, noReportYet };
}
