/**
 * Config problems: each names the key path (`enrollmentGroups[1].iotHubs[0]`), the bad value and what is allowed.
 * Secret fields (private keys, webhook URLs) never have their value printed.
 */
import type { core } from "zod";

export interface Problem {
  /** Key path below `dps-x509:`, e.g. `enrollmentGroups[1].iotHubs[0]`, or a full key such as `azure-native:location`. */
  path: string;
  /** The offending value (undefined when the key is missing). */
  value: unknown;
  /** What is wrong and what is allowed. */
  message: string;
}

/** Fields whose values are secret wherever they appear. */
const SECRET_FIELDS = new Set(["privateKeyPem", "webhookUrl"]);

/** Fields whose values are long PEM blocks: shown by their first line only. */
const PEM_FIELDS = new Set(["certificatePem"]);

export function formatPath(segments: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const segment of segments) {
    if (typeof segment === "number") out += `[${segment}]`;
    else out += out ? `.${String(segment)}` : String(segment);
  }
  return out;
}

function lastField(path: string): string {
  const match = /([A-Za-z0-9_$-]+)(\[\d+\])*$/.exec(path);
  return match ? match[1] : path;
}

/** The value as printed in a message: secrets redacted, PEMs shortened, long values cut. */
export function describeValue(path: string, value: unknown): string {
  if (value === undefined) return "(missing)";
  const field = lastField(path);
  if (SECRET_FIELDS.has(field)) return "[secret]";
  if (PEM_FIELDS.has(field) && typeof value === "string") return `"${value.split("\n")[0]}…"`;
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

export function formatProblem(problem: Problem): string {
  const key = problem.path.includes(":") ? problem.path : `dps-x509:${problem.path}`;
  return `${key} = ${describeValue(problem.path, problem.value)}: ${problem.message}`;
}

export function formatProblems(problems: Problem[]): string {
  return problems.map((problem) => `  - ${formatProblem(problem)}`).join("\n");
}

function valueAt(root: unknown, segments: ReadonlyArray<PropertyKey>): unknown {
  let current: unknown = root;
  for (const segment of segments) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

function list(values: ReadonlyArray<unknown>): string {
  return values.map((value) => JSON.stringify(value)).join(", ");
}

/** Says what was expected, in the user's terms, for one zod issue. */
function explain(issue: core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_type":
      return issue.input === undefined ? `is required (${issue.expected})` : `must be ${article(issue.expected)}`;
    case "invalid_value":
      return `allowed: ${list(issue.values)}`;
    case "invalid_union":
      return "allowed: 2048, 3072, 4096";
    case "too_small":
      return issue.origin === "array"
        ? `needs at least ${issue.minimum} item${issue.minimum === 1 ? "" : "s"}`
        : issue.origin === "string"
          ? `must not be empty`
          : `must be at least ${issue.minimum}`;
    case "too_big":
      return issue.origin === "array"
        ? `allows at most ${issue.maximum} items (Azure's limit per DPS)`
        : issue.origin === "string"
          ? `must be at most ${issue.maximum} characters`
          : `must be at most ${issue.maximum}`;
    case "invalid_format":
      if (issue.format === "regex") return issue.message;
      return issue.format === "url" ? "must be an https:// URL" : `must be a valid ${issue.format}`;
    default:
      return issue.message;
  }
}

function article(expected: string): string {
  if (expected === "int") return "a whole number";
  if (expected === "array") return "a list";
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

/** Turns zod's issues into problems, with the value read from the raw config. */
export function problemsFromZod(
  issues: ReadonlyArray<core.$ZodIssue>,
  raw: unknown,
  allowedKeysAt: (segments: ReadonlyArray<PropertyKey>) => string[],
): Problem[] {
  const problems: Problem[] = [];
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        const segments = [...issue.path, key];
        const allowed = allowedKeysAt(issue.path).join(", ");
        problems.push({ path: formatPath(segments), value: valueAt(raw, segments), message: `is not a known key; allowed here: ${allowed}` });
      }
      continue;
    }
    problems.push({ path: formatPath(issue.path), value: valueAt(raw, issue.path), message: explain(issue) });
  }
  return problems;
}
