/**
 * `npm run bench`: prints JSON figures. Speed goals live here, not in timed tests.
 * - plan: the offline plan's wall time (the whole command, as a reviewer runs it) on the dev stack and on a stack at
 *   DPS's limits, and how its cost grows with the number of enrollment groups.
 * - certs: signing throughput, native vs forge vs an openssl command loop (cli/bench/certs.ts).
 * - enrollmentGroups: 100 groups against the local DPS service server with and without injected 429s
 *   (cli/bench/enrollment.ts).
 * - keyVault: proof of possession with the CA key in Key Vault vs in state, against the local ARM and Key Vault
 *   servers: requests per CA and time (cli/bench/keyVault.ts).
 * - state: bytes each resource puts into state, dev stack and at DPS's limits, and a preview's invokes (cli/bench/state.ts).
 * - shards: 1,000 tenants on 10 shards: plan time, state per tenant, and that one tenant's change touches no other
 *   (cli/bench/shards.ts).
 * - tenants: realistic tenants (CSRs, attestations, onboarding, rotating): plan time at 100 to 3,000 tenants, the
 *   plan of 1,000 beside the SDK-load floor, and state per tenant of each kind (cli/bench/tenantScale.ts).
 * - mutation: the mutation score per folder from StrykerJS's reports (`npm run mutate`), and which folders have none
 *   yet; it reads the reports, it does not run Stryker (cli/bench/mutation.ts).
 * Progress goes to stderr, so stdout stays one JSON document. `--help` for the options.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { largeStackFile } from "./largeStack";
import { planAgainstSdkFloor, timePlan } from "./planProcess";


const SECTIONS = ["plan", "certs", "enrollmentGroups", "rotationPlan", "keyVault", "state", "shards", "tenants", "mutation"] as const;
type Section = (typeof SECTIONS)[number];

export const USAGE = `usage: npm run bench [-- [--only ${SECTIONS.join("|")}] [--runs <n>]]

Prints the benchmark figures as JSON on stdout; progress goes to stderr.
  --only <section>   run one section (repeatable); default all
  --runs <n>         plan runs per figure, the best kept (default 3)
  --help             this text

Exit codes: 0 done, 1 a benchmark failed, 2 usage.
`;

const started = Date.now();
/** One line of progress on stderr, with the time since start. */
function progress(message: string): void {
  process.stderr.write(`bench [${((Date.now() - started) / 1000).toFixed(1)} s] ${message}\n`);
}

/** Best of a few runs: the figure least disturbed by the machine. */
function bestOf(runs: number, args: string[], what: string) {
  const results = Array.from({ length: runs }, (_, i) => {
    progress(`plan: ${what}, run ${i + 1} of ${runs}`);
    return timePlan(args);
  });
  return results.reduce((best, r) => (r.ms < best.ms ? r : best));
}

function benchPlan(runs: number) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dps-x509-bench-"));
  try {
    const stackAt = (groups: number) => {
      const file = path.join(dir, `Pulumi.bench-${groups}.yaml`);
      fs.writeFileSync(file, largeStackFile({ groups, hubs: 50, cas: 25 }));
      return file;
    };
    const dev = bestOf(runs, ["--stack", "dev"], "dev stack");
    const byGroups = [0, 25, 50, 100].map((groups) => ({ ...bestOf(runs, ["--config", stackAt(groups)], `${groups} groups, 50 hubs, 25 CAs`), groups }));
    const largest = byGroups[byGroups.length - 1];
    // The goal: the whole plan at DPS's limits within 2.5x of loading the SDK, measured side by side.
    const limitsVsSdkLoad = planAgainstSdkFloor(["--config", stackAt(100)], Math.max(runs, 5), progress);
    // Cost per group over the first and the second half of the range: linear growth keeps them close.
    const perGroupLow = (byGroups[2].ms - byGroups[0].ms) / 50;
    const perGroupHigh = (byGroups[3].ms - byGroups[2].ms) / 50;
    return {
      devStack: dev,
      limitsStack: { hubs: 50, cas: 25, ...largest },
      limitsVsSdkLoad,
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

function options(argv: string[]): { only: Section[]; runs: number; help: boolean } {
  const { parseArgs } = require("util") as typeof import("util");
  let values: { only?: string[]; runs?: string; help?: boolean };
  try {
    values = parseArgs({ args: argv, strict: true, allowPositionals: false, options: { only: { type: "string", multiple: true }, runs: { type: "string" }, help: { type: "boolean", short: "h" } } }).values;
  } catch (err) {
    throw new Error((err as Error).message.split(/\. |\n/)[0]);
  }
  const only = (values.only ?? [...SECTIONS]) as Section[];
  for (const section of only) if (!SECTIONS.includes(section)) throw new Error(`--only ${section}: not a section (${SECTIONS.join(", ")})`);
  const runs = values.runs === undefined ? 3 : Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1 || runs > 20) throw new Error("--runs must be a whole number from 1 to 20");
  return { only, runs, help: values.help === true };
}

async function section<T>(name: Section, only: Section[], run: () => T | Promise<T>): Promise<T | { skipped: string } | undefined> {
  if (!only.includes(name)) return undefined;
  progress(`${name}: starting`);
  const result = await run();
  progress(`${name}: done`);
  return result;
}

async function main(argv: string[]): Promise<number> {
  let o: ReturnType<typeof options>;
  try {
    o = options(argv);
  } catch (err) {
    process.stderr.write(`bench: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (o.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const figures = {
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version },
    plan: await section("plan", o.only, () => benchPlan(o.runs)),
    certs: await section("certs", o.only, () => optional("certs", "benchCerts")),
    enrollmentGroups: await section("enrollmentGroups", o.only, () => optional("enrollment", "benchEnrollmentGroups")),
    rotationPlan: await section("rotationPlan", o.only, () => optional("rotation", "benchRotationPlan")),
    keyVault: await section("keyVault", o.only, () => optional("keyVault", "benchKeyVault")),
    state: await section("state", o.only, () => optional("state", "benchState")),
    shards: await section("shards", o.only, async () => (await import("./shards")).benchShards(timePlan, o.runs)),
    tenants: await section("tenants", o.only, async () => (await import("./tenantScale")).benchTenantScale(timePlan, o.runs, progress)),
    mutation: await section("mutation", o.only, async () => (await import("./mutation")).mutationScores(path.resolve(__dirname, "../.."))),
  };
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`bench failed: ${(err as Error).stack ?? err}\n`);
    process.exitCode = 1;
  },
);
