/**
 * The stack-config schema: every `dps-x509:*` key of `Pulumi.<stack>.yaml`, parsed and checked before any resource is
 * declared. `parseStackConfig` is pure (tested without Pulumi); `loadStackConfig` reads the running stack's config.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { LIMITS, checkCertificateAuthorities, crossCheckConfig, intermediateEntries } from "./configChecks";
import { Problem, formatProblems, problemsFromZod } from "./configProblems";

/** The config namespace: the Pulumi project name. */
export const CONFIG_NAMESPACE = "dps-x509";

export { LIMITS, SECRET_PLACEHOLDER } from "./configChecks";

const name = z.string().min(1);
const positiveInt = z.number().int().min(1);

/** Tenant names: lower-case letters, digits and hyphens, 2–32, as a prefix of names in a shared DPS. */
const TENANT_NAME = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])$/;
const TENANT_NAME_RULE = "allowed: 2–32 lower-case letters, digits and hyphens, starting and ending with a letter or digit";

export const dpsAllocationPolicies = ["hashed", "geoLatency", "static"] as const;
export const groupAllocationPolicies = ["hashed", "geoLatency", "static", "custom"] as const;
export const reprovisionPolicies = ["reprovisionandmigratedata", "reprovisionandresetdata", "never"] as const;

const dpsSchema = z.strictObject({
  /** DPS resource name: 3–64 letters, digits and hyphens (checked in configChecks). */
  name,
  sku: z.enum(["S1"]).default("S1"),
  capacity: positiveInt.default(1),
  allocationPolicy: z.enum(dpsAllocationPolicies).default("hashed"),
});

const hubSchema = z.strictObject({
  name,
  /** Azure region; defaults to `azure-native:location`. */
  location: z.string().min(1).optional(),
  sku: z.enum(["F1", "B1", "B2", "B3", "S1", "S2", "S3"]).default("S1"),
  capacity: positiveInt.default(1),
  allocationWeight: z.number().int().min(0).max(1000).optional(),
  applyAllocationPolicy: z.boolean().default(true),
});

function caEntrySchema(defaultValidityDays: number) {
  return z.strictObject({
    /** The certificate's name in DPS (what enrollment groups reference). */
    name,
    /** Subject CN of a generated certificate; for a brought certificate, informational. */
    commonName: z.string().min(1).max(64),
    keySize: z.union([z.literal(2048), z.literal(3072), z.literal(4096)]).default(4096),
    validityDays: positiveInt.max(36500).default(defaultValidityDays),
    upload: z.boolean().default(true),
    verification: z.enum(["proofOfPossession", "onUpload"]).default("proofOfPossession"),
    /** Replace the certificate when it is this close to expiry (shown as a replacement in the preview). */
    renewBeforeDays: positiveInt.optional(),
    /** Bring your own CA: the certificate (PEM) instead of generating one. */
    certificatePem: z.string().min(1).optional(),
    /** Bring your own CA: its private key (PEM), from secret config. */
    privateKeyPem: z.string().min(1).optional(),
  });
}

const rootCaSchema = caEntrySchema(3650);
const intermediateCaSchema = caEntrySchema(1825);

const caSchema = z.strictObject({
  root: rootCaSchema,
  intermediates: z.array(intermediateCaSchema).default([]),
});

/** A JSON object of twin properties. */
const twinObject = z.record(z.string(), z.unknown());

const initialTwinSchema = z.strictObject({
  tags: twinObject.optional(),
  properties: z.strictObject({ desired: twinObject.optional() }).optional(),
});

const revokedDeviceSchema = z.strictObject({
  registrationId: name,
  /** The device's certificate (PEM): the individual enrollment that blocks it carries it. */
  certificatePem: z.string().min(1),
});

const enrollmentGroupSchema = z.strictObject({
  enrollmentId: name,
  caName: name,
  secondaryCaName: name.optional(),
  provisioningStatus: z.enum(["enabled", "disabled"]).default("enabled"),
  /** Defaults to the DPS-level policy. */
  allocationPolicy: z.enum(groupAllocationPolicies).optional(),
  /** Names from `hubs`; defaults to all of them. */
  iotHubs: z.array(name).min(1).optional(),
  /** Custom allocation only; usually carries a function key, so it is treated as a secret. */
  webhookUrl: z.string().min(1).optional(),
  apiVersion: z.string().min(1).optional(),
  initialTwin: initialTwinSchema.optional(),
  reprovisionPolicy: z.enum(reprovisionPolicies).default("reprovisionandmigratedata"),
  edgeEnabled: z.boolean().default(false),
  /** Devices of this group to block, each by a disabled individual enrollment. */
  revokedDevices: z.array(revokedDeviceSchema).default([]),
});

/** After `pulumi up`, register a throwaway device through a group, to prove that devices can provision. */
const smokeTestSchema = z.strictObject({
  /** Registration id (and certificate CN) of the throwaway device. */
  registrationId: name,
  /** The group to prove; default the first enrollment group. */
  enrollmentId: name.optional(),
});

/** A tenant the platform serves, with what it may use of the shared DPS. */
const tenantReservationSchema = z.strictObject({
  /** The tenant's name: the prefix of its CA names and group ids. */
  name: z.string().regex(TENANT_NAME, TENANT_NAME_RULE),
  /** CA certificates the tenant may upload. */
  caCertificates: z.number().int().min(0).max(LIMITS.caCertificates).default(2),
  /** X.509 enrollment groups the tenant may create. */
  enrollmentGroups: z.number().int().min(0).max(LIMITS.enrollmentGroups).default(5),
});

/** A platform stack (the default role): it owns the DPS, the hubs and the root CA. */
export const stackConfigSchema = z.strictObject({
  resourceGroupName: z.string().min(1),
  dps: dpsSchema,
  hubs: z.array(hubSchema).min(1).max(LIMITS.hubs),
  ca: caSchema,
  enrollmentGroups: z.array(enrollmentGroupSchema).max(LIMITS.enrollmentGroups).default([]),
  /** ARM endpoint for the certificate calls (sovereign clouds; tests). */
  armEndpoint: z.url({ protocol: /^https$/ }).optional(),
  /** Export the intermediates' private keys as secret stack outputs (to issue device certificates by hand). */
  exportIntermediateKeys: z.boolean().default(false),
  /** Let tenant stacks sign their intermediates with this root: exports the root's key as a secret output. */
  tenantSigning: z.boolean().default(false),
  /** The tenants this DPS serves and what each may use; a tenant stack not listed here is refused. */
  tenants: z.array(tenantReservationSchema).default([]),
  smokeTest: smokeTestSchema.optional(),
});

/** A tenant stack: its own intermediates and groups on the DPS of a platform stack. */
export const tenantStackConfigSchema = z.strictObject({
  /** The platform stack, `<org>/<project>/<stack>`, read through a StackReference. */
  platform: z.string().regex(/^[^/\s]+\/[^/\s]+\/[^/\s]+$/, "must be <org>/<project>/<stack>"),
  /** The tenant's name, as the platform lists it; prefixes its CA names and group ids. */
  tenant: z.string().regex(TENANT_NAME, TENANT_NAME_RULE),
  ca: z.strictObject({ intermediates: z.array(intermediateCaSchema).min(1) }),
  enrollmentGroups: z.array(enrollmentGroupSchema).max(LIMITS.enrollmentGroups).default([]),
  armEndpoint: z.url({ protocol: /^https$/ }).optional(),
  /** As on the platform: export this tenant's intermediate keys as secret stack outputs. */
  exportIntermediateKeys: z.boolean().default(false),
  smokeTest: smokeTestSchema.optional(),
});

type ParsedConfig = z.infer<typeof stackConfigSchema>;
export type DpsConfig = ParsedConfig["dps"];
export type CaEntryConfig = ParsedConfig["ca"]["root"];
export type TenantReservation = ParsedConfig["tenants"][number];
export type SmokeTestConfig = NonNullable<ParsedConfig["smokeTest"]>;
/** An enrollment group as written in config, before defaults that depend on the rest of the stack. */
export type EnrollmentGroupInput = ParsedConfig["enrollmentGroups"][number];

/** A hub with its location resolved. */
export type HubConfig = ParsedConfig["hubs"][number] & { location: string };

/** An enrollment group with its defaults resolved from the rest of the stack. */
export type EnrollmentGroupConfig = Omit<EnrollmentGroupInput, "allocationPolicy" | "iotHubs"> & {
  allocationPolicy: (typeof groupAllocationPolicies)[number];
  iotHubs: string[];
};

/** A platform stack's config, checked and with every default resolved. */
export interface StackConfig {
  readonly role: "platform";
  readonly resourceGroupName: string;
  /** `azure-native:location`. */
  readonly location: string;
  readonly dps: DpsConfig;
  readonly hubs: HubConfig[];
  readonly ca: { root: CaEntryConfig; intermediates: CaEntryConfig[] };
  readonly enrollmentGroups: EnrollmentGroupConfig[];
  readonly armEndpoint?: string;
  readonly exportIntermediateKeys: boolean;
  readonly tenantSigning: boolean;
  readonly tenants: TenantReservation[];
  readonly smokeTest?: SmokeTestConfig;
}

/**
 * A tenant stack's config, checked on its own, names as written. What depends on the platform (the `<tenant>-`
 * prefix checks, hub names, default policy, capacity) is resolved against its outputs in
 * components/tenant/resolveTenant.ts.
 */
export interface TenantStackConfig {
  readonly role: "tenant";
  readonly platform: string;
  readonly tenant: string;
  readonly ca: { intermediates: CaEntryConfig[] };
  readonly enrollmentGroups: EnrollmentGroupInput[];
  readonly armEndpoint?: string;
  readonly exportIntermediateKeys: boolean;
  readonly smokeTest?: SmokeTestConfig;
}

export type AnyStackConfig = StackConfig | TenantStackConfig;

/** The raw values of a stack's config: the `dps-x509:*` keys (namespace stripped) and the Azure location. */
export interface RawStackConfig {
  values: Record<string, unknown>;
  location?: string;
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

export function parsePlatformStackConfig(raw: RawStackConfig): ParseResult<StackConfig> {
  const parsed = stackConfigSchema.safeParse(raw.values);
  const problems: Problem[] = [];
  if (!raw.location) {
    problems.push({ path: "azure-native:location", value: undefined, message: "is not set; every stack needs an Azure region, e.g. `pulumi config set azure-native:location westeurope`" });
  }
  if (!parsed.success) {
    return { ok: false, problems: [...problems, ...problemsFromZod(parsed.error.issues, raw.values, (path) => allowedKeysAt(path))] };
  }
  const config = resolveDefaults(parsed.data, raw.location ?? "");
  problems.push(...crossCheckConfig(parsed.data, config));
  return problems.length ? { ok: false, problems } : { ok: true, config };
}

export function parseTenantStackConfig(raw: RawStackConfig): ParseResult<TenantStackConfig> {
  const parsed = tenantStackConfigSchema.safeParse(raw.values);
  if (!parsed.success) {
    return { ok: false, problems: problemsFromZod(parsed.error.issues, raw.values, (path) => allowedKeysAt(path, tenantStackConfigSchema)) };
  }
  const config: TenantStackConfig = { role: "tenant", ...parsed.data };
  const problems = checkCertificateAuthorities(intermediateEntries(config.ca.intermediates));
  return problems.length ? { ok: false, problems } : { ok: true, config };
}

/** `<tenant>-<name>` unless the name already starts so: two tenants' names cannot collide. */
export function tenantPrefixed(tenant: string, value: string): string {
  return value.toLowerCase().startsWith(`${tenant}-`) ? value : `${tenant}-${value}`;
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
  return {
    role: "platform",
    resourceGroupName: parsed.resourceGroupName,
    location,
    dps: parsed.dps,
    hubs,
    ca: parsed.ca,
    enrollmentGroups: parsed.enrollmentGroups.map((group) => ({
      ...group,
      allocationPolicy: group.allocationPolicy ?? parsed.dps.allocationPolicy,
      iotHubs: group.iotHubs ?? hubs.map((hub) => hub.name),
    })),
    armEndpoint: parsed.armEndpoint,
    exportIntermediateKeys: parsed.exportIntermediateKeys,
    tenantSigning: parsed.tenantSigning,
    tenants: parsed.tenants,
    smokeTest: parsed.smokeTest,
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

/** Parses and checks, throwing a ConfigError with every problem. */
export function requireStackConfig(raw: RawStackConfig): AnyStackConfig {
  const result = parseStackConfig(raw);
  if (!result.ok) throw new ConfigError(result.problems);
  return result.config;
}

/** Keys whose value is a plain string even when it looks like JSON (`"123"` stays a string). */
const STRING_KEYS = new Set(["resourceGroupName", "armEndpoint"]);

/**
 * Picks this program's keys out of a stack's whole config (full keys such as `dps-x509:hubs` to raw strings, the way
 * Pulumi stores them, structured values as JSON): `pulumi.runtime.allConfig()` when running, the YAML file in the
 * offline plan. Every `dps-x509:*` key is kept, so a misspelt one is reported rather than ignored. Raw strings, not
 * `config.getObject`, so a key holding a nested secret reads without a warning: the program marks the secret fields
 * itself (webhook URLs, private keys).
 */
export function readRawStackConfig(allConfig: Record<string, string>): RawStackConfig {
  const values: Record<string, unknown> = {};
  const prefix = `${CONFIG_NAMESPACE}:`;
  for (const [fullKey, text] of Object.entries(allConfig)) {
    if (!fullKey.startsWith(prefix)) continue;
    const key = fullKey.slice(prefix.length);
    values[key] = STRING_KEYS.has(key) ? text : parseConfigValue(text);
  }
  return { values, location: allConfig["azure-native:location"] };
}

/** Pulumi stores a structured value as JSON text and a plain string as itself. */
function parseConfigValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export type { Problem } from "./configProblems";

/**
 * The running stack's config, checked. A bad config becomes a `pulumi.RunError`: Pulumi prints its message (every
 * problem) and no stack trace, and nothing has been declared yet.
 */
export function loadStackConfig(): AnyStackConfig {
  try {
    return requireStackConfig(readRawStackConfig(pulumi.runtime.allConfig()));
  } catch (err) {
    if (err instanceof ConfigError) throw new pulumi.RunError(err.message);
    throw err;
  }
}
