/**
 * Config problems: each names the key path (`enrollmentGroups[1].iotHubs[0]`), the bad value and what is allowed.
 * Secret fields (private keys, webhook URLs) never have their value printed.
 */
import type { core } from "zod";
import { SECRET_PLACEHOLDER } from "./limits";
import { redactSecretQueryValues } from "./redact";

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

/**
 * Characters a reader cannot see or that reorder text (controls, format characters such as U+200B or the bidi
 * overrides, odd spaces, variation selectors): shown as `\uXXXX` escapes, so a value that looks right but is not
 * can be told apart.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\u115f\u1160\u3164\uffa0\ufe00-\ufe0f]/gu;

export function escapeInvisible(text: string): string {
  return text.replace(INVISIBLE, (char) => `\\u${char.codePointAt(0)!.toString(16).padStart(4, "0")}`);
}

/** JSON text of a value, with the numbers JSON cannot write (1e400, .inf, .nan) shown as they are. */
function showJson(value: unknown): string {
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  return JSON.stringify(value, (_key, inner) => (typeof inner === "number" && !Number.isFinite(inner) ? String(inner) : inner)) ?? String(value);
}

/** The value as printed in a message: secrets redacted, PEMs shortened, long values cut, invisible characters escaped. */
export function describeValue(path: string, value: unknown): string {
  if (value === undefined) return "(missing)";
  const field = lastField(path);
  if (SECRET_FIELDS.has(field) || value === SECRET_PLACEHOLDER) return "[secret]";
  if (PEM_FIELDS.has(field) && typeof value === "string") return `"${escapeInvisible(value.split("\n")[0])}…"`;
  const text = redactSecretQueryValues(escapeInvisible(showJson(value)));
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

export function formatProblem(problem: Problem): string {
  const key = problem.path.includes(":") ? problem.path : `dps-x509:${problem.path}`;
  return redactSecretQueryValues(escapeInvisible(`${key} = ${describeValue(problem.path, problem.value)}: ${problem.message}`));
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

/** Whether the key at the end of a path is present (with any value, null included). */
function hasKey(root: unknown, segments: ReadonlyArray<PropertyKey>): boolean {
  if (!segments.length) return root !== undefined;
  const parent = valueAt(root, segments.slice(0, -1));
  return parent !== null && typeof parent === "object" && Object.prototype.hasOwnProperty.call(parent, segments[segments.length - 1]);
}

function list(values: ReadonlyArray<unknown>): string {
  return values.map((value) => JSON.stringify(value)).join(", ");
}

function isSafeIntegerBound(issue: core.$ZodIssue): boolean {
  return (issue.code === "too_big" || issue.code === "too_small") && Math.abs(Number((issue as { maximum?: unknown; minimum?: unknown }).maximum ?? (issue as { minimum?: unknown }).minimum)) >= Number.MAX_SAFE_INTEGER;
}

/** Says what was expected, in the user's terms, for one zod issue. */
function explain(issue: core.$ZodIssue, present: boolean, input: unknown): string {
  switch (issue.code) {
    case "invalid_type":
      return wrongType(issue.expected, present ? (input === undefined ? null : input) : undefined);
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
      if (isSafeIntegerBound(issue)) return "is out of range: far too large for a whole number";
      if (issue.origin === "array" && formatPath(issue.path) === "hubs") {
        return `allows at most ${issue.maximum} IoT hubs: a subscription holds at most ${issue.maximum}, and a DPS links at most ${issue.maximum}`;
      }
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

/** What a value of the wrong type must be, in the user's terms; "is required" only for a key that is absent. */
function wrongType(expected: string, input: unknown): string {
  if (input === undefined) return `is required (${article(expected)})`;
  if (typeof input === "number" && !Number.isFinite(input)) {
    return `is out of range: must be a finite number${expected === "int" ? " (a whole number)" : ""}, got ${String(input)}`;
  }
  if (input === SECRET_PLACEHOLDER && (expected === "object" || expected === "record" || expected === "array")) {
    return `is a secret as a whole, which the offline plan cannot read; keep the structure in clear and make only its secret fields secret (\`pulumi config set --secret --path '<key>.<field>' …\`)`;
  }
  const got = input === null ? "it has no value" : `got ${kindOf(input)}`;
  switch (expected) {
    case "string":
      return typeof input === "number" || typeof input === "boolean" ? `must be a string (quote it: "${String(input)}")` : `must be a string (${got})`;
    case "number":
    case "int":
      return `must be ${article(expected)} (${got})`;
    case "boolean":
      return `must be true or false (a boolean; ${got})`;
    case "array":
      return `must be a list (${got})`;
    case "object":
    case "record":
    case "map":
      return `must be a map of keys to values (${got})`;
    default:
      return `must be ${article(expected)} (${got})`;
  }
}

/** How a wrong value is named: strings with their text, the rest by kind. */
function kindOf(input: unknown): string {
  if (typeof input === "string") return escapeInvisible(JSON.stringify(input.length > 40 ? `${input.slice(0, 39)}…` : input));
  if (Array.isArray(input)) return "a list";
  if (input !== null && typeof input === "object") return "a map";
  return `${typeof input === "boolean" ? "" : "the number "}${String(input)}`;
}

function article(expected: string): string {
  if (expected === "int") return "a whole number";
  if (expected === "array") return "a list";
  if (expected === "object" || expected === "record") return "a map";
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

/** Turns zod's issues into problems, with the value read from the raw config. */
export function problemsFromZod(
  issues: ReadonlyArray<core.$ZodIssue>,
  raw: unknown,
  allowedKeysAt: (segments: ReadonlyArray<PropertyKey>) => string[],
): Problem[] {
  const problems: Problem[] = [];
  const samePath = (a: core.$ZodIssue, b: core.$ZodIssue) => formatPath(a.path) === formatPath(b.path);
  for (const issue of issues) {
    // zod reports a huge whole number twice (past the safe integers, and past our maximum): keep our maximum.
    if (isSafeIntegerBound(issue) && issues.some((other) => other !== issue && samePath(other, issue))) continue;
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        const segments = [...issue.path, key];
        const allowed = allowedKeysAt(issue.path).join(", ");
        problems.push({ path: formatPath(segments), value: valueAt(raw, segments), message: `is not a known key; allowed here: ${allowed}` });
      }
      continue;
    }
    const input = valueAt(raw, issue.path);
    problems.push({ path: formatPath(issue.path), value: input, message: explain(issue, hasKey(raw, issue.path), input) });
  }
  return problems;
}
