/**
 * The stack-config schema: every `dps-x509:*` key of `Pulumi.<stack>.yaml`, parsed and checked before any resource is
 * declared. `parseStackConfig` is pure (tested without Pulumi); `loadStackConfig` reads the running stack's config.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { LIMITS, crossCheckConfig } from "./configChecks";
import { Problem, formatProblems, problemsFromZod } from "./configProblems";

/** The config namespace: the Pulumi project name. */
export const CONFIG_NAMESPACE = "dps-x509";

export { LIMITS, SECRET_PLACEHOLDER } from "./configChecks";

const name = z.string().min(1);
const positiveInt = z.number().int().min(1);

export const dpsAllocationPolicies = ["hashed", "geoLatency", "static"] as const;
export const groupAllocationPolicies = ["hashed", "geoLatency", "static", "custom"] as const;
export const reprovisionPolicies = ["reprovisionandmigratedata", "reprovisionandresetdata", "never"] as const;
export const keySizes = [2048, 3072, 4096] as const;

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

export const stackConfigSchema = z.strictObject({
  resourceGroupName: z.string().min(1),
  dps: dpsSchema,
  hubs: z.array(hubSchema).min(1).max(LIMITS.hubs),
  ca: caSchema,
  enrollmentGroups: z.array(enrollmentGroupSchema).max(LIMITS.enrollmentGroups).default([]),
  /** ARM endpoint for the certificate calls (sovereign clouds; tests). */
  armEndpoint: z.url({ protocol: /^https$/ }).optional(),
});

type ParsedConfig = z.infer<typeof stackConfigSchema>;
export type DpsConfig = ParsedConfig["dps"];
export type CaEntryConfig = ParsedConfig["ca"]["root"];
export type RevokedDeviceConfig = ParsedConfig["enrollmentGroups"][number]["revokedDevices"][number];
export type InitialTwinConfig = NonNullable<ParsedConfig["enrollmentGroups"][number]["initialTwin"]>;

/** A hub with its location resolved. */
export type HubConfig = ParsedConfig["hubs"][number] & { location: string };

/** An enrollment group with its defaults resolved from the rest of the stack. */
export type EnrollmentGroupConfig = Omit<ParsedConfig["enrollmentGroups"][number], "allocationPolicy" | "iotHubs"> & {
  allocationPolicy: (typeof groupAllocationPolicies)[number];
  iotHubs: string[];
};

/** The whole stack config, checked and with every default resolved. */
export interface StackConfig {
  readonly resourceGroupName: string;
  /** `azure-native:location`. */
  readonly location: string;
  readonly dps: DpsConfig;
  readonly hubs: HubConfig[];
  readonly ca: { root: CaEntryConfig; intermediates: CaEntryConfig[] };
  readonly enrollmentGroups: EnrollmentGroupConfig[];
  readonly armEndpoint?: string;
}

/** The raw values of a stack's config: the `dps-x509:*` keys (namespace stripped) and the Azure location. */
export interface RawStackConfig {
  values: Record<string, unknown>;
  location?: string;
}

export type ParseResult = { ok: true; config: StackConfig } | { ok: false; problems: Problem[] };

/** Parses and checks a stack's config. Pure: every problem is returned, nothing is thrown. */
export function parseStackConfig(raw: RawStackConfig): ParseResult {
  const parsed = stackConfigSchema.safeParse(raw.values);
  const problems: Problem[] = [];
  if (!raw.location) {
    problems.push({ path: "azure-native:location", value: undefined, message: "is not set; every stack needs an Azure region, e.g. `pulumi config set azure-native:location westeurope`" });
  }
  if (!parsed.success) {
    return { ok: false, problems: [...problems, ...problemsFromZod(parsed.error.issues, raw.values, allowedKeysAt)] };
  }
  const config = resolveDefaults(parsed.data, raw.location ?? "");
  problems.push(...crossCheckConfig(parsed.data, config));
  return problems.length ? { ok: false, problems } : { ok: true, config };
}

/** The keys the schema allows at a path (for "unknown key" messages). */
export function allowedKeysAt(segments: ReadonlyArray<PropertyKey>): string[] {
  let schema: z.core.$ZodType = stackConfigSchema;
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
export function requireStackConfig(raw: RawStackConfig): StackConfig {
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
export function loadStackConfig(): StackConfig {
  try {
    return requireStackConfig(readRawStackConfig(pulumi.runtime.allConfig()));
  } catch (err) {
    if (err instanceof ConfigError) throw new pulumi.RunError(err.message);
    throw err;
  }
}
