/**
 * `--policy-pack-config <file>` as the Pulumi CLI reads it for `pulumi preview --policy-pack-config` and applies it to
 * a pack (pulumi/pulumi pkg/resource/analyzer/config.go): a JSON object whose keys are policy names, or `all`; a
 * value is an enforcement level (`"advisory"`), or an object with an optional `enforcementLevel` and the policy's
 * other config. The pack's defaults come first (each policy's level, its schema's defaults), then `all`'s level, then
 * each policy's own entry; the result is checked against each policy's config schema. A name the pack does not have
 * is ignored, as Pulumi ignores it (the plan says so).
 */
import * as fs from "fs";

export const ENFORCEMENT_LEVELS = ["advisory", "mandatory", "remediate", "disabled"] as const;
export type EnforcementLevel = (typeof ENFORCEMENT_LEVELS)[number];

/** One policy's config: a level and/or properties. */
export interface PolicyConfig {
  readonly enforcementLevel?: EnforcementLevel;
  readonly properties?: Record<string, unknown>;
}

/** What the pack declares, per policy: its level and config schema (policy/policies.ts). */
export interface PolicyDefaults {
  readonly name: string;
  readonly enforcementLevel: EnforcementLevel;
  readonly configSchema?: { properties?: Record<string, { type?: unknown; default?: unknown }>; required?: string[] };
}

/** The config as applied: each of the pack's policies with its level and properties. */
export interface ResolvedPolicyConfig {
  readonly policies: ReadonlyMap<string, { enforcementLevel: EnforcementLevel; properties: Record<string, unknown> }>;
  /** Names in the file that are neither `all` nor a policy of the pack (ignored). */
  readonly unknownNames: readonly string[];
}

export class PolicyPackConfigError extends Error {}

const isLevel = (value: unknown): value is EnforcementLevel => typeof value === "string" && (ENFORCEMENT_LEVELS as readonly string[]).includes(value);

/** Parses the file's text as Pulumi's parsePolicyPackConfig does; an empty file is no config. */
export function parsePolicyPackConfig(text: string, file: string): Record<string, PolicyConfig> {
  if (text.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new PolicyPackConfigError(`--policy-pack-config ${file}: not JSON (${(err as Error).message})`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new PolicyPackConfigError(`--policy-pack-config ${file}: must hold a JSON object of policy names`);
  const result: Record<string, PolicyConfig> = {};
  for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof value === "string") {
      if (!isLevel(value)) throw new PolicyPackConfigError(`--policy-pack-config ${file}: parsing enforcement level for "${name}": "${value}" is not a valid enforcement level (${ENFORCEMENT_LEVELS.join(", ")})`);
      result[name] = { enforcementLevel: value };
      continue;
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new PolicyPackConfigError(`--policy-pack-config ${file}: parsing "${name}": ${JSON.stringify(value)} is not a valid value; must be a string or object`);
    }
    const { enforcementLevel, ...properties } = value as Record<string, unknown>;
    if (enforcementLevel !== undefined && !isLevel(enforcementLevel)) {
      throw new PolicyPackConfigError(`--policy-pack-config ${file}: parsing enforcement level for "${name}": ${JSON.stringify(enforcementLevel)} is not a valid enforcement level (${ENFORCEMENT_LEVELS.join(", ")})`);
    }
    // As Pulumi: an entry with neither a level nor properties is left out.
    if (enforcementLevel === undefined && Object.keys(properties).length === 0) continue;
    result[name] = { ...(enforcementLevel !== undefined ? { enforcementLevel } : {}), ...(Object.keys(properties).length ? { properties } : {}) };
  }
  return result;
}

const jsonType = (value: unknown) => (value === null ? "null" : Array.isArray(value) ? "array" : Number.isInteger(value) ? "integer" : typeof value);

/** The schema's type errors, as `<property>: Invalid type. Expected: <t>, given: <t>` (gojsonschema's wording). */
function schemaProblems(policy: PolicyDefaults, properties: Record<string, unknown>): string[] {
  const schema = policy.configSchema;
  if (!schema) return [];
  const problems = (schema.required ?? []).filter((key) => !(key in properties)).map((key) => `${policy.name}: ${key} is required`);
  for (const [key, propertySchema] of Object.entries(schema.properties ?? {})) {
    if (!(key in properties) || typeof propertySchema.type !== "string") continue;
    const given = jsonType(properties[key]);
    const fits = given === propertySchema.type || (propertySchema.type === "number" && given === "integer");
    if (!fits) problems.push(`${policy.name}: ${key}: Invalid type. Expected: ${propertySchema.type}, given: ${given}`);
  }
  return problems;
}

/** The pack's defaults with the config applied on top, as Pulumi's ReconcilePolicyPackConfig does. Throws on schema errors. */
export function resolvePolicyPackConfig(policies: readonly PolicyDefaults[], config: Record<string, PolicyConfig> = {}): ResolvedPolicyConfig {
  const resolved = new Map<string, { enforcementLevel: EnforcementLevel; properties: Record<string, unknown> }>();
  for (const policy of policies) {
    const defaults = Object.entries(policy.configSchema?.properties ?? {}).filter(([, schema]) => "default" in schema);
    resolved.set(policy.name, { enforcementLevel: policy.enforcementLevel, properties: Object.fromEntries(defaults.map(([key, schema]) => [key, schema.default])) });
  }
  const all = config.all?.enforcementLevel;
  if (all) for (const entry of resolved.values()) entry.enforcementLevel = all;
  for (const [name, given] of Object.entries(config)) {
    const entry = resolved.get(name);
    if (!entry) continue;
    if (given.enforcementLevel) entry.enforcementLevel = given.enforcementLevel;
    Object.assign(entry.properties, given.properties ?? {});
  }
  const problems = policies.flatMap((policy) => schemaProblems(policy, resolved.get(policy.name)!.properties));
  if (problems.length) throw new PolicyPackConfigError(`the policy pack config is invalid:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  return { policies: resolved, unknownNames: Object.keys(config).filter((name) => name !== "all" && !resolved.has(name)) };
}

/** Reads and parses `--policy-pack-config <file>`. */
export function readPolicyPackConfig(file: string): Record<string, PolicyConfig> {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new PolicyPackConfigError(`--policy-pack-config ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return parsePolicyPackConfig(text, file);
}
