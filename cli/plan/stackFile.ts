/**
 * Reads a `Pulumi.<stack>.yaml` the way the Pulumi CLI hands config to a program: merge keys (`<<`) applied
 * (cli/plan/stackYaml.ts), a key without a namespace in the project's, every value as a string, structured values as
 * JSON. `secure:` values cannot be decrypted offline (no passphrase, no KMS): each becomes SECRET_PLACEHOLDER and its
 * top-level key is listed as secret.
 */
import * as fs from "fs";
import { CONFIG_NAMESPACE, SECRET_PLACEHOLDER, escapeInvisible } from "../../components/config";
import { MAX_CONFIG_DEPTH, tooDeepAt } from "../../components/config/nesting";
import { mergeKeyProblems, parseStackYamlDocument } from "./stackYaml";

export interface StackFileConfig {
  /** Full key (`dps-x509:hubs`) to the raw string Pulumi would pass. */
  allConfig: Record<string, string>;
  /** Full keys that hold a secret, at the top or nested. */
  secretKeys: string[];
  /** Keys whose values were decrypted before planning, so that no secret in them reads as written in clear. The
   * offline plan decrypts nothing (its secrets read as [secret]); tests that hand it real keys name their keys here. */
  decryptedKeys?: string[];
}

function isSecure(value: unknown): boolean {
  return value !== null && typeof value === "object" && !Array.isArray(value) && Object.keys(value).length === 1 && "secure" in value;
}

/** Replaces every `{ secure: ... }` with the placeholder; says whether it found one. */
function redactSecure(value: unknown): { value: unknown; hadSecret: boolean } {
  if (isSecure(value)) return { value: SECRET_PLACEHOLDER, hadSecret: true };
  if (Array.isArray(value)) {
    const items = value.map(redactSecure);
    return { value: items.map((item) => item.value), hadSecret: items.some((item) => item.hadSecret) };
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).map(([key, inner]) => [key, redactSecure(inner)] as const);
    return {
      value: Object.fromEntries(entries.map(([key, inner]) => [key, inner.value])),
      hadSecret: entries.some(([, inner]) => inner.hadSecret),
    };
  }
  return { value, hadSecret: false };
}

/** A stack file that cannot be read as Pulumi reads it: the message names the line or key. */
export class StackFileError extends Error {
  constructor(message: string) {
    super(escapeInvisible(message));
    this.name = "StackFileError";
  }
}

function kindOf(value: unknown): string {
  if (value === null || value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  return typeof value === "object" ? "a map" : `a ${typeof value} (${JSON.stringify(value)})`;
}

/**
 * JSON text as Pulumi would pass it, keeping the numbers JSON cannot write: 1e400 and .inf become 1e999 (JSON.parse
 * reads them back as Infinity, which the schema reports as out of range), .nan becomes the string ".nan".
 */
function toConfigJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner) => {
    if (typeof inner !== "number" || Number.isFinite(inner)) return inner;
    return Number.isNaN(inner) ? ".nan" : `\u0000${inner > 0 ? "" : "-"}1e999\u0000`;
  }).replace(/"\\u0000(-?1e999)\\u0000"/g, "$1");
}

/** The key path to a line, from the block keys above it (for documents too deep to parse). */
function keyPathToLine(text: string, line: number): string {
  const stack: Array<{ indent: number; key: string }> = [];
  for (const source of text.split("\n").slice(0, line)) {
    const match = /^(\s*)(?:- )?([^\s#].*?)\s*:(?:\s|$)/.exec(source);
    if (!match) continue;
    const indent = match[1].length;
    while (stack.length && stack[stack.length - 1].indent >= indent) stack.pop();
    stack.push({ indent, key: match[2].trim() });
  }
  return stack.map((entry) => entry.key).join(".");
}

export function parseStackFile(text: string, fileName: string): StackFileConfig {
  let document: unknown;
  const parsed = parseStackYamlDocument(text);
  const duplicate = parsed.errors.find((error) => error.code === "DUPLICATE_KEY");
  if (duplicate) {
    const line = duplicate.linePos?.[0];
    const source = line ? text.split("\n")[line.line - 1] ?? "" : "";
    const key = /^\s*(?:- )?("[^"]*"|'[^']*'|[^#]+?)\s*:(?:\s|$)/.exec(source.slice(Math.max((line?.col ?? 1) - 1, 0)))?.[1] ?? source.trim();
    throw new StackFileError(`${fileName}${line ? `: line ${line.line}` : ""}: duplicate key ${JSON.stringify(key.replace(/^["']|["']$/g, ""))}: a key may appear once in a map (YAML would keep only one of the values)`);
  }
  const error = parsed.errors[0];
  if (error) {
    const line = error.linePos?.[0];
    if (/Maximum call stack size exceeded/.test(error.message)) {
      throw new StackFileError(`${fileName}${line ? `: line ${line.line}` : ""}: the value under ${JSON.stringify(keyPathToLine(text, line?.line ?? 0).replace(/^config\.?/, "") || "(top)")} nests too deep to read; nothing in a stack file needs more than ${MAX_CONFIG_DEPTH} levels`);
    }
    throw new StackFileError(`${fileName} is not valid YAML: ${error.message.split("\n")[0]}`);
  }
  const mergeProblem = mergeKeyProblems(parsed, text)[0];
  if (mergeProblem) throw new StackFileError(`${fileName}: line ${mergeProblem.line}: ${mergeProblem.message}`);
  try {
    document = parsed.toJS({ maxAliasCount: 100 });
  } catch (err) {
    const message = (err as Error).message;
    if (err instanceof RangeError || /call stack/i.test(message)) throw new StackFileError(`${fileName}: a value nests too deep to read; nothing in a stack file needs more than ${MAX_CONFIG_DEPTH} levels`);
    throw new StackFileError(`${fileName} is not valid YAML: ${message.split("\n")[0]}`);
  }
  if (document !== null && document !== undefined && (typeof document !== "object" || Array.isArray(document))) {
    throw new StackFileError(`${fileName}: the document must be a map with a "config:" key (Pulumi's stack file format), but it is ${kindOf(document)}`);
  }
  const config = (document as { config?: unknown } | null)?.config ?? {};
  if (config === null || typeof config !== "object" || Array.isArray(config)) {
    throw new StackFileError(`${fileName}: "config" must be a map of keys to values, but it is ${kindOf(config)}`);
  }
  const allConfig: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [written, raw] of Object.entries(config)) {
    // Pulumi puts a key without a namespace in the project's (pkg/workspace: stackConfigNamespacedWithProject).
    const key = written.includes(":") || written === "" ? written : `${CONFIG_NAMESPACE}:${written}`;
    if (key !== written && Object.prototype.hasOwnProperty.call(config, key)) {
      throw new StackFileError(`${fileName}: config key ${JSON.stringify(written)} is ${key} (Pulumi gives a key without a namespace the project's), which is also written in full: keep one of them`);
    }
    const deep = tooDeepAt(raw);
    if (deep !== undefined) {
      throw new StackFileError(`${fileName}: ${key}${deep && !deep.startsWith("[") ? "." : ""}${deep} nests deeper than ${MAX_CONFIG_DEPTH} levels; nothing in this program's config goes that deep (an initial twin allows 10 levels below desired)`);
    }
    const { value, hadSecret } = redactSecure(raw);
    allConfig[key] = typeof value === "string" ? value : toConfigJson(value);
    if (hadSecret) secretKeys.push(key);
  }
  return { allConfig, secretKeys };
}

export function readStackFile(path: string): StackFileConfig {
  if (!fs.existsSync(path)) throw new Error(`no stack file at ${path}`);
  return parseStackFile(fs.readFileSync(path, "utf8"), path);
}
