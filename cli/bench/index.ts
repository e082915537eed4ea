/**
 * `npm run bench`: prints JSON figures. Speed goals live here, not in timed tests.
 * - plan: the offline plan's wall time (the whole command, as a reviewer runs it) on the dev stack and on a stack at
 *   DPS's limits, and how its cost grows with the number of enrollment groups.
 * - certs: signing throughput, native vs forge vs an openssl command loop (cli/bench/certs.ts).
 * - enrollmentGroups: 100 groups against the local DPS service server with and without injected 429s
 *   (cli/bench/enrollment.ts).
 * - state: bytes each resource puts into state, dev stack and at DPS's limits, and a preview's invokes (cli/bench/state.ts).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { largeStackFile } from "./largeStack";

const PROJECT_ROOT = path.resolve(__dirname, "../..");

/** Wall time of one `plan --json` run in a fresh process, in ms. */
function timePlan(args: string[]): { ms: number; resourcesDeclared: number } {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(PROJECT_ROOT, "cli/plan.ts"), ...args, "--json"], {
    cwd: PROJECT_ROOT,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`plan ${args.join(" ")} failed: ${result.stderr}`);
  return { ms: Math.round(ms), resourcesDeclared: JSON.parse(result.stdout).resources.length };
}

/** Best of a few runs: the figure least disturbed by the machine. */
function bestOf(runs: number, args: string[]) {
  const results = Array.from({ length: runs }, () => timePlan(args));
  return results.reduce((best, r) => (r.ms < best.ms ? r : best));
}

function benchPlan() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dps-x509-bench-"));
  try {
    const stackAt = (groups: number) => {
      const file = path.join(dir, `Pulumi.bench-${groups}.yaml`);
      fs.writeFileSync(file, largeStackFile({ groups, hubs: 50, cas: 25 }));
      return file;
    };
    const dev = bestOf(3, ["--stack", "dev"]);
    const byGroups = [0, 25, 50, 100].map((groups) => ({ ...bestOf(3, ["--config", stackAt(groups)]), groups }));
    const largest = byGroups[byGroups.length - 1];
    // Cost per group over the first and the second half of the range: linear growth keeps them close.
    const perGroupLow = (byGroups[2].ms - byGroups[0].ms) / 50;
    const perGroupHigh = (byGroups[3].ms - byGroups[2].ms) / 50;
    return {
      devStack: dev,
      limitsStack: { hubs: 50, cas: 25, ...largest },
      byGroups,
      msPerGroup: { from0to50: round(perGroupLow), from50to100: round(perGroupHigh) },
      goals: {
        limitsStackUnder5s: largest.ms < 5000,
        // Allow noise: the second half may cost up to 1.5x the first per group (quadratic growth would double it).
        growsNoFasterThanLinear: perGroupHigh <= Math.max(perGroupLow * 1.5, perGroupLow + 2),
      },
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

async function optional(modulePath: string, exportName: string): Promise<unknown> {
  const full = path.join(__dirname, modulePath);
  if (!fs.existsSync(`${full}.ts`)) return { skipped: `${modulePath}.ts not present` };
  const module = await import(full);
  return module[exportName]();
}

async function main() {
  const figures = {
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version },
    plan: benchPlan(),
    certs: await optional("certs", "benchCerts"),
    enrollmentGroups: await optional("enrollment", "benchEnrollmentGroups"),
    state: await optional("state", "benchState"),
  };
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? err}\n`);
  process.exitCode = 1;
});
