/**
 * Reads a `Pulumi.<stack>.yaml` the way the Pulumi CLI hands config to a program: every value as a string,
 * structured values as JSON. `secure:` values cannot be decrypted offline (no passphrase, no KMS): each becomes
 * SECRET_PLACEHOLDER and its top-level key is listed as secret.
 */
import * as fs from "fs";
import { parse } from "yaml";
import { SECRET_PLACEHOLDER } from "../../components/config";

export interface StackFileConfig {
  /** Full key (`dps-x509:hubs`) to the raw string Pulumi would pass. */
  allConfig: Record<string, string>;
  /** Full keys that hold a secret, at the top or nested. */
  secretKeys: string[];
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

export function parseStackFile(text: string, fileName: string): StackFileConfig {
  let document: unknown;
  try {
    document = parse(text);
  } catch (err) {
    throw new Error(`${fileName} is not valid YAML: ${(err as Error).message.split("\n")[0]}`);
  }
  const config = (document as { config?: unknown } | null)?.config ?? {};
  if (config === null || typeof config !== "object" || Array.isArray(config)) {
    throw new Error(`${fileName}: "config" must be a map of keys to values`);
  }
  const allConfig: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, raw] of Object.entries(config)) {
    const { value, hadSecret } = redactSecure(raw);
    allConfig[key] = typeof value === "string" ? value : JSON.stringify(value);
    if (hadSecret) secretKeys.push(key);
  }
  return { allConfig, secretKeys };
}

export function readStackFile(path: string): StackFileConfig {
  if (!fs.existsSync(path)) throw new Error(`no stack file at ${path}`);
  return parseStackFile(fs.readFileSync(path, "utf8"), path);
}
