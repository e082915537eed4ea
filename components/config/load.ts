/**
 * Reading and checking a stack's config: `parseStackConfig` is pure (tested without Pulumi); `loadStackConfig` reads
 * the running stack's config. Every problem is collected before anything is declared.
 */
import { checkEnrollmentDeviceRegistry } from "../deviceRegistry/checks";
import { signingOnlyCaNames, withoutSigningOnlyUploads } from "./caSlots";
import { checkStackIndividualEnrollments } from "./individualEnrollmentRules";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { checkRegions } from "./azureRules";
import { checkCaChain } from "./caRules";
import { checkCertificateAuthorities, crossCheckConfig, intermediateEntries } from "./checks";
import { checkTenantDayTwo } from "./dayTwoChecks";
import { MAX_CONFIG_DEPTH, tooDeepAt } from "./nesting";
import { checkSecretsInClear } from "./secretsInClear";
import { checkKeyStores } from "./keyStoreChecks";
import { explainRemovedKeys } from "./removedKeys";
import { platformFaithfulnessProblems, tenantFaithfulnessProblems } from "./faithfulChecks";
import type { StackIdentity } from "./tenantReferences";
import { Problem, formatProblems, problemsFromZod } from "./problems";
import { secretConfigKeys, stackConfigOnce } from "./runtimeConfig";
import { CONFIG_NAMESPACE, ParsedConfig, StackConfig, TenantStackConfig, AnyStackConfig, stackConfigSchema, tenantStackConfigSchema } from "./schema";

/** The raw values of a stack's config: the `dps-x509:*` keys (namespace stripped) and the Azure location. */
export interface RawStackConfig {
  values: Record<string, unknown>;
  location?: string;
  /** `azure-native:subscriptionId`, when set (adoption builds ARM ids from it). */
  subscriptionId?: string;
  /**
   * Full keys whose values Pulumi decrypted for the running program (a `secure:` value at the top or nested): the
   * secrets-in-clear check cannot judge inside them. Empty in the offline plan, which decrypts nothing.
   */
  decryptedKeys?: string[];
  /** The time the CA lifetimes are judged at (default: now). */
  now?: Date;
  /** `azure-native:environment`, when set: the cloud azure-native deploys to (it must agree with `armEndpoint`). */
  environment?: string;
  /** The running stack (its org unknown offline): a tenant reference to itself can never work. */
  self?: StackIdentity;
}

export type ParseResult<C = AnyStackConfig> = { ok: true; config: C } | { ok: false; problems: Problem[] };

/** Parses and checks a stack's config. Pure: every problem is returned, nothing is thrown. */
export function parseStackConfig(raw: RawStackConfig): ParseResult {
  return isTenantConfig(raw) ? parseTenantStackConfig(raw) : parsePlatformStackConfig(raw);
}

/** A stack is a tenant's when it names a platform. */
export function isTenantConfig(raw: RawStackConfig): boolean {
  return raw.values.platform !== undefined;
}

/** Problems found before the schema: secrets in clear, and values nested too deep to check safely. */
function preSchemaProblems(raw: RawStackConfig): { problems: Problem[]; tooDeep: boolean } {
  const problems = checkSecretsInClear(raw.values, new Set(raw.decryptedKeys ?? []));
  let tooDeep = false;
  for (const [key, value] of Object.entries(raw.values)) {
    const at = tooDeepAt(value);
    if (at === undefined) continue;
    tooDeep = true;
    problems.push({ path: at ? `${key}${at.startsWith("[") ? "" : "."}${at}` : key, value: "{…}", message: `nests deeper than ${MAX_CONFIG_DEPTH} levels; nothing in this program's config goes that deep (an initial twin allows 10 levels below desired)` });
  }
  return { problems, tooDeep };
}

export function parsePlatformStackConfig(raw: RawStackConfig): ParseResult<StackConfig> {
  const { problems, tooDeep } = preSchemaProblems(raw);
  if (!raw.location) {
    problems.push({ path: "azure-native:location", value: undefined, message: "is not set; every stack needs an Azure region, e.g. `pulumi config set azure-native:location westeurope`" });
  } else {
    problems.push(...checkRegions(raw.location, []));
  }
  if (tooDeep) return { ok: false, problems };
  const parsed = stackConfigSchema.safeParse(raw.values);
  if (!parsed.success) {
    const schemaProblems = problemsFromZod(parsed.error.issues, raw.values, (path) => platformKeysAt(path, raw.values)).map((problem) =>
      // `tenant` without `platform`: a tenant stack that forgot which platform it is on.
      problem.path === "tenant" && problem.message.startsWith("is not a known key")
        ? { ...problem, message: "makes this a tenant stack only together with platform: <org>/<project>/<stack> (the platform stack it runs on)" }
        : problem,
    );
    return { ok: false, problems: [...problems, ...explainRemovedKeys(schemaProblems, "platform")] };
  }
  const config = { ...resolveDefaults(parsed.data, raw.location ?? ""), adoptExisting: parsed.data.adoptExisting, subscriptionId: raw.subscriptionId };
  problems.push(...crossCheckConfig(parsed.data, config, raw.now));
  problems.push(...platformFaithfulnessProblems(raw, config));
  problems.push(...checkStackIndividualEnrollments(parsed.data, config, raw.now));
  return problems.length ? { ok: false, problems } : { ok: true, config };
}

export function parseTenantStackConfig(raw: RawStackConfig): ParseResult<TenantStackConfig> {
  const { problems, tooDeep } = preSchemaProblems(raw);
  if (tooDeep) return { ok: false, problems };
  const parsed = tenantStackConfigSchema.safeParse(raw.values);
  if (!parsed.success) {
    const schemaProblems = problemsFromZod(parsed.error.issues, raw.values, (path) => allowedKeysAt(path, tenantStackConfigSchema));
    return { ok: false, problems: [...problems, ...explainRemovedKeys(schemaProblems, "tenant")] };
  }
  const config: TenantStackConfig = { role: "tenant", ...parsed.data, location: raw.location, azureEnvironment: raw.environment, statedAttestations: statedAttestations(raw.values.enrollmentGroups) };
  const entries = intermediateEntries(config.ca.intermediates);
  problems.push(
    ...checkCertificateAuthorities(entries),
    ...checkCaChain({ intermediates: entries, now: raw.now ?? new Date() }),
    ...checkTenantDayTwo(config.ca.intermediates),
    ...checkKeyStores(entries, config.keyVault, "tenant"),
    ...(config.keyVault?.create && !raw.location
      ? [{ path: "azure-native:location", value: undefined, message: "is needed to create the tenant's vault (keyVault.create: true): the region it goes in" }]
      : []),
    ...tenantFaithfulnessProblems(raw, config, entries),
    // A tenant has no Device Registry namespace of its own (docs/device-registry.md).
    ...config.enrollmentGroups.flatMap((g, i) => checkEnrollmentDeviceRegistry(`enrollmentGroups[${i}]`, g.deviceRegistry, undefined)),
  );
  return problems.length ? { ok: false, problems } : { ok: true, config };
}

export { tenantPrefixed } from "./tenantReferences";

/** Keys only a stack that serves tenants uses: a stack without tenants is not told about them. */
const TENANT_KEYS = new Set(["tenants", "tenantSigning", "tenantDefaults", "shards"]);

/** The keys offered at a path of a platform stack: tenant keys only to a stack that uses them. */
function platformKeysAt(segments: ReadonlyArray<PropertyKey>, values: Record<string, unknown>): string[] {
  const keys = allowedKeysAt(segments);
  const servesTenants = Object.keys(values).some((key) => TENANT_KEYS.has(key));
  return segments.length || servesTenants ? keys : keys.filter((key) => !TENANT_KEYS.has(key));
}

/** The keys the schema allows at a path (for "unknown key" messages). */
export function allowedKeysAt(segments: ReadonlyArray<PropertyKey>, root: z.core.$ZodType = stackConfigSchema): string[] {
  let schema: z.core.$ZodType = root;
  for (const segment of [...segments, undefined]) {
    // Look through wrappers (default, optional) to the object or array beneath.
    let def = schema._zod.def as { type: string; innerType?: z.core.$ZodType; element?: z.core.$ZodType; shape?: Record<string, z.core.$ZodType> };
    while (def.innerType) {
      schema = def.innerType;
      def = schema._zod.def as typeof def;
    }
    if (segment === undefined) return def.shape ? Object.keys(def.shape) : [];
    if (def.type === "array" && def.element) schema = def.element;
    else if (def.shape && typeof segment === "string" && def.shape[segment]) schema = def.shape[segment];
    else return [];
  }
  return [];
}

function resolveDefaults(parsed: ParsedConfig, location: string): StackConfig {
  const hubs = parsed.hubs.map((hub) => ({ ...hub, location: hub.location ?? location }));
  // A CA that only signing-certificate groups name is held in them: not uploaded, no proof, no CA slot (caSlots.ts).
  const signingOnly = signingOnlyCaNames(parsed.enrollmentGroups);
  const [root, ...intermediates] = withoutSigningOnlyUploads([parsed.ca.root, ...parsed.ca.intermediates], signingOnly);
  return {
    role: "platform",
    resourceGroupName: parsed.resourceGroupName,
    ...(parsed.resourceGroupExisting ? { resourceGroupExisting: true } : {}),
    location,
    dps: parsed.dps,
    shards: parsed.shards,
    quotas: parsed.quotas,
    hubs,
    ca: { root, intermediates },
    enrollmentGroups: parsed.enrollmentGroups.map((group) => ({
      ...group,
      allocationPolicy: group.allocationPolicy ?? parsed.dps.allocationPolicy,
      iotHubs: group.iotHubs ?? hubs.map((hub) => hub.name),
    })),
    individualEnrollments: parsed.individualEnrollments.map((enrollment) => ({
      ...enrollment,
      allocationPolicy: enrollment.allocationPolicy ?? parsed.dps.allocationPolicy,
      iotHubs: enrollment.iotHubs ?? hubs.map((hub) => hub.name),
    })),
    armEndpoint: parsed.armEndpoint,
    exportIntermediateKeys: parsed.exportIntermediateKeys,
    tenantSigning: parsed.tenantSigning,
    tenants: parsed.tenants,
    tenantDefaults: parsed.tenantDefaults,
    smokeTest: parsed.smokeTest,
    keyVault: parsed.keyVault,
    dpsAuth: parsed.dpsAuth,
    dpsDataRoleAssignment: parsed.dpsDataRoleAssignment,
    ...(parsed.environment ? { environment: parsed.environment } : {}),
    deployer: parsed.deployer,
    ...(parsed.deviceRegistry ? { deviceRegistry: parsed.deviceRegistry } : {}),
  };
}

/**
 * A bad stack config. It extends Error with the plain list of problems; `index.ts` turns it into a `pulumi.RunError`
 * so that Pulumi prints the message without a stack trace.
 */
export class ConfigError extends Error {
  constructor(readonly problems: Problem[]) {
    super(`the stack config has ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n${formatProblems(problems)}`);
    this.name = "ConfigError";
  }
}

/** Each group's `attestation` as the stack file writes it: the platform's choice must not silently override it. */
function statedAttestations(groups: unknown): Array<string | undefined> {
  if (!Array.isArray(groups)) return [];
  return groups.map((group) => {
    const stated = (group as { attestation?: unknown } | null)?.attestation;
    return typeof stated === "string" ? stated : undefined;
  });
}

/** Parses and checks, throwing a ConfigError with every problem. */
export function requireStackConfig(raw: RawStackConfig): AnyStackConfig {
  const result = parseStackConfig(raw);
  if (!result.ok) throw new ConfigError(result.problems);
  return result.config;
}

/** Keys whose value is a plain string even when it looks like JSON (`"123"` stays a string). */
const STRING_KEYS = new Set(["resourceGroupName", "armEndpoint", "platform", "tenant"]);

/**
 * Picks this program's keys out of a stack's whole config (full keys such as `dps-x509:hubs` to raw strings, the way
 * Pulumi stores them, structured values as JSON): `pulumi.runtime.allConfig()` when running, the YAML file in the
 * offline plan. Every `dps-x509:*` key is kept, so a misspelt one is reported rather than ignored. Raw strings, not
 * `config.getObject`, so a key holding a nested secret reads without a warning: the program marks the secret fields
 * itself (webhook URLs, private keys).
 */
export function readRawStackConfig(allConfig: Record<string, string>, decryptedKeys: string[] = []): RawStackConfig {
  const values: Record<string, unknown> = {};
  const prefix = `${CONFIG_NAMESPACE}:`;
  for (const [fullKey, text] of Object.entries(allConfig)) {
    if (!fullKey.startsWith(prefix)) continue;
    const key = fullKey.slice(prefix.length);
    values[key] = STRING_KEYS.has(key) ? text : parseConfigValue(text);
  }
  const environment = allConfig["azure-native:environment"];
  return {
    values,
    location: allConfig["azure-native:location"],
    subscriptionId: allConfig["azure-native:subscriptionId"],
    ...(environment !== undefined ? { environment } : {}),
    ...(decryptedKeys.length ? { decryptedKeys } : {}),
  };
}

/** Pulumi stores a structured value as JSON text and a plain string as itself. */
function parseConfigValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The running stack's name; the org only when the CLI says it (older CLIs and some test set-ups do not). */
function runningStack(): StackIdentity | undefined {
  const attempt = <T>(read: () => T): T | undefined => {
    try {
      return read();
    } catch {
      return undefined;
    }
  };
  const project = attempt(pulumi.getProject);
  const stack = attempt(pulumi.getStack);
  return project && stack ? { organization: attempt(pulumi.getOrganization), project, stack } : undefined;
}

/**
 * The running stack's config, checked. A bad config becomes a `pulumi.RunError`: Pulumi prints its message (every
 * problem) and no stack trace, and nothing has been declared yet.
 */
export function loadStackConfig(): AnyStackConfig {
  try {
    const allConfig = stackConfigOnce();
    const secretKeys = new Set(secretConfigKeys());
    return requireStackConfig({ ...readRawStackConfig(allConfig, Object.keys(allConfig).filter((key) => secretKeys.has(key))), self: runningStack() });
  } catch (err) {
    if (err instanceof ConfigError) throw new pulumi.RunError(err.message);
    throw err;
  }
}
