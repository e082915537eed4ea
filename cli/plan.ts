/**
 * `npm run plan -- --stack <name> [--json]` or `npm run plan -- --config <file> [--json]`: what `pulumi up` would
 * declare for a stack, evaluated offline under Pulumi's runtime mocks. For reviewers without cloud credentials.
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { formatProblems } from "../components/config/problems";
import { enrollmentGroupRequestBody, type EnrollmentGroupSpec } from "../components/requests/enrollmentGroupRequest";
import { evaluatePlan } from "./plan/evaluate";
import { planJson, planTree, type Plan, type PlannedResource } from "./plan/render";
import type { RecordedResource } from "./plan/record";
import { readStackFile } from "./plan/stackFile";

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const USAGE = "usage: npm run plan -- (--stack <name> | --config <Pulumi.<stack>.yaml>) [--platform-outputs <file.json>] [--tenant-outputs <org/project/stack>=<file.json> ...] [--json]";
const PROJECT_ROOT = path.resolve(__dirname, "..");

/** The stack file for `--stack <name>`: in the current folder, else in the project's. */
function stackFilePath(stack: string): string {
  const fileName = `Pulumi.${stack}.yaml`;
  const inCwd = path.resolve(fileName);
  return fs.existsSync(inCwd) ? inCwd : path.join(PROJECT_ROOT, fileName);
}

/** Adds to each enrollment group the body it would PUT, built by the same code the provider uses. */
function withRequests(resource: RecordedResource): PlannedResource {
  const { urn: _urn, ...planned } = resource;
  if (!resource.type.endsWith(":EnrollmentGroup")) return planned;
  return { ...planned, request: enrollmentGroupRequestBody(resource.inputs as unknown as EnrollmentGroupSpec) };
}

/** A JSON object from a file, e.g. `pulumi stack output --json > platform.json`. */
function readJsonObject(file: string): Record<string, unknown> {
  if (!fs.existsSync(file)) throw new Error(`no file at ${file}`);
  const value: unknown = JSON.parse(fs.readFileSync(file, "utf8"));
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new Error(`${file} must hold a JSON object of stack outputs`);
  return value as Record<string, unknown>;
}

export async function runPlan(argv: string[], io: Io): Promise<number> {
  let options: { stack?: string; config?: string; json?: boolean; "platform-outputs"?: string; "tenant-outputs"?: string[] };
  try {
    options = parseArgs({
      args: argv,
      options: { stack: { type: "string" }, config: { type: "string" }, json: { type: "boolean" }, "platform-outputs": { type: "string" }, "tenant-outputs": { type: "string", multiple: true } },
    }).values;
  } catch (err) {
    io.stderr(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (!options.stack === !options.config) {
    io.stderr(`give exactly one of --stack and --config\n${USAGE}\n`);
    return 2;
  }
  const file = options.config ? path.resolve(options.config) : stackFilePath(options.stack!);
  const stack = options.stack ?? path.basename(file).replace(/^Pulumi\.(.*)\.ya?ml$/, "$1");
  let stackFile;
  let platformOutputs: Record<string, unknown> | undefined;
  let stackOutputs: Record<string, Record<string, unknown>> | undefined;
  try {
    stackFile = readStackFile(file);
    if (options["platform-outputs"]) platformOutputs = readJsonObject(options["platform-outputs"]);
    // A platform's plan reads its tenants' CSRs from their outputs: `--tenant-outputs my-org/dps-x509/customer-a=a.json`.
    for (const pair of options["tenant-outputs"] ?? []) {
      const at = pair.indexOf("=");
      if (at < 1) throw new Error(`--tenant-outputs ${pair}: give <org>/<project>/<stack>=<file.json>`);
      (stackOutputs ??= {})[pair.slice(0, at)] = readJsonObject(pair.slice(at + 1));
    }
  } catch (err) {
    io.stderr(`${(err as Error).message}\n`);
    return 1;
  }
  const result = await evaluatePlan(stackFile, stack, { platformOutputs, stackOutputs });
  if (!result.ok) {
    io.stderr(`${path.basename(file)}: the stack config has ${result.problems.length} problem(s):\n${formatProblems(result.problems)}\n`);
    return 1;
  }
  // Sorted by name: registration order depends on when inputs resolve, and a plan should print the same every time.
  const resources = result.resources.map(withRequests).sort((a, b) => a.name.localeCompare(b.name));
  const plan: Plan = { stack, resources, outputs: result.outputs };
  io.stdout(`${options.json ? planJson(plan) : planTree(plan)}\n`);
  return 0;
}

if (require.main === module) {
  runPlan(process.argv.slice(2), { stdout: (text) => process.stdout.write(text), stderr: (text) => process.stderr.write(text) })
    .then((code) => {
      process.exitCode = code;
    })
    .catch((err) => {
      process.stderr.write(`plan failed: ${(err as Error).message}\n`);
      process.exitCode = 1;
    });
}
