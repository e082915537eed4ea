/**
 * `npm run plan -- --stack <name> [--json]` or `npm run plan -- --config <file> [--json]`: what `pulumi up` would
 * declare for a stack, evaluated offline under Pulumi's runtime mocks. For reviewers without cloud credentials.
 * `--against <git ref>` shows instead what changes compared with the same stack file at that ref (cli/plan/against.ts).
 * Exit codes: 0 planned, 1 a config problem (every one listed), a mandatory policy violation (policy/) or a failure, 2 usage.
 */
// First: it must be in place before anything loads @pulumi/pulumi.
import "./plan/deferUnusedSdkModules";
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { formatProblems } from "../components/config/problems";
import { enrollmentGroupRequestBody, type EnrollmentGroupSpec } from "../components/requests/enrollmentGroupRequest";
import { individualEnrollmentRequestBody, type IndividualEnrollmentSpec } from "../components/requests/individualEnrollmentRequest";
import { exitCodeOf, firstSentence, readJsonFile, UsageError } from "./cliArgs";
import { planAtRef } from "./plan/against";
import { diffPlans } from "./plan/diff";
import { dayTwoReport } from "./plan/dayTwo";
import { evaluatePlan } from "./plan/evaluate";
import { lightenRuntimeForPlanCommand } from "./plan/lightRuntime";
import { inDependencyOrder } from "./plan/order";
import { inputNotes } from "./plan/inputNotes";
import { diffJson, diffText } from "./plan/renderDiff";
import { planJson, planTree, type Plan, type PlannedResource } from "./plan/render";
import type { RecordedResource } from "./plan/record";
import { secretConfigChanges } from "./plan/secretConfig";
import { withRevokedThumbprints } from "./plan/revokedThumbprints";
import { withPrincipalTypeReason } from "./plan/principalTypeNote";
import { readStackFile } from "./plan/stackFile";
import { failsPreview, PACK_DEFAULTS, packConfigFromFile, planViolations, policyLevelLines, violationLines } from "./plan/policy";
import type { ResolvedPolicyConfig } from "./plan/policyPackConfig";

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export const USAGE = `usage: npm run plan -- (--stack <name> | --config <file.yaml>) [--platform-outputs <file.json>] [--tenant-outputs <org/project/stack>=<file.json> ...] [--against <git ref>] [--policy-pack-config <file.json>] [--json]

  --stack <name>               plan Pulumi.<name>.yaml (in the current folder, else the project's)
  --config <file.yaml>         plan this stack file; the plan is labelled by the file
  --platform-outputs <file>    a tenant stack's platform outputs (\`pulumi stack output --json\` of the platform)
  --tenant-outputs <ref>=<file> a platform's plan: a listed tenant stack's outputs (its CSRs), repeatable
  --against <git ref>          show what changes compared with the same stack at that ref (e.g. origin/main):
                               resources added, removed, replaced, updated, field by field
  --policy-pack-config <file> the policy pack's levels and config, in the file \`pulumi preview --policy-pack-config\`
                               reads (e.g. policy-config/<stack>.json): {"all": "advisory", "<policy>": "disabled"},
                               {"<policy>": {"enforcementLevel": "mandatory", ...config}}; without it, the pack's defaults
  --json                       print JSON instead of a tree
  --help                       this text

Exit codes: 0 planned, 1 config problems (all listed), a mandatory policy violation or a failure, 2 usage.
`;
const PROJECT_ROOT = path.resolve(__dirname, "..");

/** The stack file for `--stack <name>`: in the current folder, else in the project's. */
function stackFilePath(stack: string): string {
  const fileName = `Pulumi.${stack}.yaml`;
  const inCwd = path.resolve(fileName);
  return fs.existsSync(inCwd) ? inCwd : path.join(PROJECT_ROOT, fileName);
}

/** The stack name a file stands for: `Pulumi.<stack>.yaml` → `<stack>`, `x.yaml` → `x`. */
export function stackNameOfFile(file: string): string {
  const base = path.basename(file);
  return /^Pulumi\.(.+)\.ya?ml$/.exec(base)?.[1] ?? base.replace(/\.ya?ml$/i, "");
}

/** Adds to each enrollment group and individual enrollment the body it would PUT, built by the same code the provider uses. */
function withRequests(resource: RecordedResource): PlannedResource {
  if (resource.type.endsWith(":IndividualEnrollment")) return { ...resource, request: individualEnrollmentRequestBody(resource.inputs as unknown as IndividualEnrollmentSpec) };
  if (!resource.type.endsWith(":EnrollmentGroup")) return resource;
  return { ...resource, request: enrollmentGroupRequestBody(resource.inputs as unknown as EnrollmentGroupSpec) };
}

/** Adds what to read beside some inputs (a role's name, when an upload is verified). */
function withNotes(resource: PlannedResource, all: readonly PlannedResource[]): PlannedResource {
  const notes = inputNotes(resource, all);
  return notes ? { ...resource, notes } : resource;
}

/** Which policy levels applied: after the violations, or alone when a config file was given; else nothing. */
function levelLines(afterViolations: boolean, config: ResolvedPolicyConfig, file: string | undefined): string[] {
  if (!afterViolations && !file) return [];
  return [...(afterViolations ? [] : [""]), ...policyLevelLines(config, file)];
}

/** A JSON object from a file, e.g. `pulumi stack output --json > platform.json`. */
function readJsonObject(file: string, flag: string): Record<string, unknown> {
  const value = readJsonFile(file, flag);
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new Error(`${flag} ${file} must hold a JSON object of stack outputs`);
  return value as Record<string, unknown>;
}

interface Options {
  stack?: string;
  config?: string;
  json?: boolean;
  help?: boolean;
  against?: string;
  "platform-outputs"?: string;
  "tenant-outputs"?: string[];
  "policy-pack-config"?: string;
}

function options(argv: string[]): Options {
  let values: Options;
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        stack: { type: "string" },
        config: { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
        against: { type: "string" },
        "platform-outputs": { type: "string" },
        "tenant-outputs": { type: "string", multiple: true },
        "policy-pack-config": { type: "string" },
      },
    }).values as Options;
  } catch (err) {
    throw new UsageError(firstSentence((err as Error).message));
  }
  if (values.help) return values;
  if (!values.stack === !values.config) throw new UsageError("give exactly one of --stack and --config");
  if (values.against === "") throw new UsageError("--against needs a git ref");
  if (values["policy-pack-config"] === "") throw new UsageError("--policy-pack-config needs a file");
  return values;
}

export async function runPlan(argv: string[], io: Io): Promise<number> {
  let o: Options;
  try {
    o = options(argv);
  } catch (err) {
    io.stderr(`plan: ${(err as Error).message}\n${USAGE}`);
    return exitCodeOf(err);
  }
  if (o.help) {
    io.stdout(USAGE);
    return 0;
  }
  const file = o.config ? path.resolve(o.config) : stackFilePath(o.stack!);
  const label = o.config ?? path.relative(process.cwd(), file) ?? file;
  const stack = o.stack ?? stackNameOfFile(file);
  let stackFile;
  let platformOutputs: Record<string, unknown> | undefined;
  let stackOutputs: Record<string, Record<string, unknown>> | undefined;
  let policyConfig: ResolvedPolicyConfig = PACK_DEFAULTS;
  try {
    stackFile = readStackFile(file);
    if (o["policy-pack-config"]) policyConfig = packConfigFromFile(o["policy-pack-config"]);
    if (o["platform-outputs"]) platformOutputs = readJsonObject(o["platform-outputs"], "--platform-outputs");
    // A platform's plan reads its tenants' CSRs from their outputs: `--tenant-outputs my-org/dps-x509/customer-a=a.json`.
    for (const pair of o["tenant-outputs"] ?? []) {
      const at = pair.indexOf("=");
      if (at < 1) throw new UsageError(`--tenant-outputs ${pair}: give <org>/<project>/<stack>=<file.json>`);
      (stackOutputs ??= {})[pair.slice(0, at)] = readJsonObject(pair.slice(at + 1), "--tenant-outputs");
    }
  } catch (err) {
    io.stderr(`plan: ${(err as Error).message}\n`);
    return 1;
  }
  const result = await evaluatePlan(stackFile, stack, { platformOutputs, stackOutputs });
  if (!result.ok) {
    io.stderr(`${label}: the stack config has ${result.problems.length} problem(s):\n${formatProblems(result.problems)}\n`);
    return 1;
  }
  // In dependency order, siblings as declared (cli/plan/order.ts): registration order depends on when inputs resolve.
  const ordered = inDependencyOrder(result.resources.map(withRequests).map(withRevokedThumbprints).map(withPrincipalTypeReason(result.config, process.env)), result.declarationOrder);
  const resources = ordered.map((resource) => withNotes(resource, ordered));
  const plan: Plan = { stack, file: label, resources, outputs: result.outputs, ...(result.config.role === "platform" ? { dayTwo: dayTwoReport(result.config) } : {}) };
  if (o.against === undefined) {
    // The policy pack (policy/), as `pulumi preview --policy-pack policy [--policy-pack-config <file>]` runs it: a
    // mandatory violation fails, an advisory one is printed.
    const violations = planViolations(resources, policyConfig);
    const policyLevels = Object.fromEntries([...policyConfig.policies].map(([name, { enforcementLevel }]) => [name, enforcementLevel]));
    const text = o.json
      ? JSON.stringify({ ...JSON.parse(planJson(plan)), policyLevels, policyViolations: violations }, null, 2)
      : [planTree(plan), ...violationLines(violations), ...levelLines(violations.length > 0, policyConfig, o["policy-pack-config"])].join("\n");
    io.stdout(`${text}\n`);
    return failsPreview(violations) ? 1 : 0;
  }
  try {
    const before = planAtRef(o.against, file, PROJECT_ROOT, { platformOutputs: o["platform-outputs"] });
    const stackFileText = fs.readFileSync(file, "utf8");
    const diff = await diffPlans(before.plan, plan, {
      ref: `${o.against}${before.stackFileText === undefined ? " (where the stack file does not exist)" : ""}`,
      stack,
      secretConfig: secretConfigChanges(before.stackFileText, stackFileText),
      stackFileText,
    });
    io.stdout(`${o.json ? diffJson(diff) : diffText(diff)}\n`);
    return 0;
  } catch (err) {
    io.stderr(`plan --against ${o.against}: ${(err as Error).message}\n${err instanceof UsageError ? USAGE : ""}`);
    return exitCodeOf(err);
  }
}

if (require.main === module) {
  lightenRuntimeForPlanCommand();
  runPlan(process.argv.slice(2), { stdout: (text) => process.stdout.write(text), stderr: (text) => process.stderr.write(text) })
    .then((code) => {
      process.exitCode = code;
    })
    .catch((err) => {
      process.stderr.write(`plan failed: ${(err as Error).message}\n`);
      process.exitCode = 1;
    });
}
