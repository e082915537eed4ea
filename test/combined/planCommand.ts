/**
 * Runs the `npm run plan` command in this process, as its entry does (cli/plan.ts's `require.main` block): the
 * lighter SDK runtime first, then `runPlan` with the argv and output streams a user's shell would give it. A stack given as values is written to a temporary `Pulumi.<stack>.yaml` first, so the plan
 * reads it as it reads any stack file (YAML, `secure:` values and all).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { runPlan } from "../../cli/plan";
import { lightenRuntimeForPlanCommand } from "../../cli/plan/lightRuntime";

export const ROOT = path.resolve(__dirname, "../..");
export const PLATFORM_OUTPUTS = path.join(ROOT, "examples/platform-outputs.json");

export interface PlanRun {
  code: number;
  stdout: string;
  stderr: string;
}

let lightened = false;

/** `npm run plan -- <argv>`, in process. */
export async function plan(argv: string[]): Promise<PlanRun> {
  if (!lightened) lightenRuntimeForPlanCommand();
  lightened = true;
  let stdout = "";
  let stderr = "";
  const code = await runPlan(argv, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) });
  return { code, stdout, stderr };
}

export interface PlanJson {
  resources: Array<{ type: string; name: string; inputs: Record<string, any> }>;
  outputs: Record<string, any>;
  policyViolations: Array<{ policy: string; enforcementLevel: string; resource: string; message: string }>;
}

/** The plan's JSON (`--json`), when it printed one (a config problem prints none). */
export function planJsonOf(run: PlanRun): PlanJson | undefined {
  try {
    return JSON.parse(run.stdout) as PlanJson;
  } catch {
    return undefined;
  }
}

/**
 * Why a `--json` plan failed, one line per fault: each config problem the command listed on stderr, and each
 * mandatory policy violation (`<policy>: <message>`). Empty for a plan that passed.
 */
export function faultsOf(run: PlanRun): string[] {
  const problems = run.stderr.split("\n").filter((line) => line.startsWith("  - ")).map((line) => line.slice(4));
  const violations = (planJsonOf(run)?.policyViolations ?? []).filter((v) => v.enforcementLevel === "mandatory").map((v) => `${v.policy}: ${v.message}`);
  const faults = [...problems, ...violations];
  // A failure that names no fault (a crash, a usage error) is a fault of its own.
  return run.code !== 0 && faults.length === 0 ? [`exit ${run.code}: ${run.stderr.trim() || run.stdout.trim().slice(0, 500)}`] : faults;
}

const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), "dps-x509-combined-"));
let files = 0;
// Each test file that imports this module gets its own folder, removed when the file's tests end.
afterAll(() => fs.rmSync(tempDir, { recursive: true, force: true }));

/**
 * Writes a stack file from config values: keys without a namespace go under `dps-x509:`, as `pulumi config set`
 * would write them. Returns its path.
 */
export function writeStackFile(stack: string, values: Record<string, unknown>, header = ""): string {
  const config: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) config[key.includes(":") ? key : `dps-x509:${key}`] = value;
  const file = path.join(tempDir, `${files++}`, `Pulumi.${stack}.yaml`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${header}${stringify({ config }, { lineWidth: 0 })}`);
  return file;
}

/** A stack file's path for `--platform-outputs` when it is a tenant's (its config names a platform). */
export function isTenantStackFile(file: string): boolean {
  return /^\s*dps-x509:platform\s*:/m.test(fs.readFileSync(file, "utf8"));
}
