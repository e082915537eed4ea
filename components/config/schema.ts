/**
 * The stack-config schema: every `dps-x509:*` key of `Pulumi.<stack>.yaml`, and the types of a checked config.
 * Parsing and cross-checking live in load.ts and checks.ts.
 */
import { z } from "zod";
import { MAX_VALIDITY_DAYS } from "../../certs/validity";
import { LIMITS } from "./limits";
import { dpsNetworkKeys, hubSecurityKeys } from "./networkSchema";
import { stackEnvironments } from "./environment";
import { deployerSchema, type DeployerConfig } from "./deployer";
import { groupAttestations } from "../requests/x509Attestation";
import { shardPlacementKeys } from "../shards/shardSchema";
import { quotasSchema, type QuotasConfig } from "./quotas";
import { deviceRegistrySchema, enrollmentDeviceRegistrySchema, type DeviceRegistryConfig } from "../deviceRegistry/schema";

/** The config namespace: the Pulumi project name. */
export const CONFIG_NAMESPACE = "dps-x509";

const name = z.string().min(1);
const positiveInt = z.number().int().min(1);

/** Tenant names: lower-case letters, digits and hyphens, 2–32, as a prefix of names in a shared DPS. */
const TENANT_NAME = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])$/;
const TENANT_NAME_RULE = "allowed: 2–32 lower-case letters, digits and hyphens, starting and ending with a letter or digit";

export const dpsAllocationPolicies = ["hashed", "geoLatency", "static"] as const;
export const groupAllocationPolicies = ["hashed", "geoLatency", "static", "custom"] as const;
export const keyStores = ["state", "keyVault"] as const;
export const caKeyTypes = ["RSA", "EC"] as const;
export const ecCurves = ["P-256", "P-384", "P-521"] as const;
/** The curve of an EC CA when `curve` is not given: P-384, as Azure Device Registry's own keys. */
export const DEFAULT_EC_CURVE = "P-384";

/** What key a generated CA gets: RSA bits, or the EC curve (the CA providers' `keySize` input carries either). */
export function caKeySpec(entry: { keySize: 2048 | 3072 | 4096; keyType?: (typeof caKeyTypes)[number]; curve?: (typeof ecCurves)[number] }): 2048 | 3072 | 4096 | (typeof ecCurves)[number] {
  return entry.keyType === "EC" ? (entry.curve ?? DEFAULT_EC_CURVE) : entry.keySize;
}
export const keyVaultSkus = ["standard", "premium"] as const;
export const reprovisionPolicies = ["reprovisionandmigratedata", "reprovisionandresetdata", "never"] as const;

/** Take over a resource that already exists in Azure (made by hand, e.g. with the tutorial's `az` commands). */
const adopt = z.boolean().optional();

/** CA rotation in three explicit steps, one `pulumi up` each (docs/day-two.md). */
export const rotationSteps = ["stage", "promote", "retire"] as const;
const rotationSchema = z.strictObject({
  /** stage: new CA uploaded, verified, secondary in the groups; promote: primary; retire: the old CA removed. */
  step: z.enum(rotationSteps),
  /** The new CA's DPS certificate name (a new name: the old certificate stays until retire). */
  name,
  /** Subject CN of the new CA; default the current one's. */
  commonName: z.string().min(1).max(64).optional(),
  keySize: z.union([z.literal(2048), z.literal(3072), z.literal(4096)]).optional(),
  /** The new CA's key type and curve; default the current one's (a rotation is how an RSA CA becomes EC). */
  keyType: z.enum(["RSA", "EC"]).optional(),
  curve: z.enum(["P-256", "P-384", "P-521"]).optional(),
  validityDays: positiveInt.max(36500).optional(),
  /** A brought CA rotates to a brought certificate (PEM) ... */
  certificatePem: z.string().min(1).optional(),
  /** ... and its private key, from secret config. */
  privateKeyPem: z.string().min(1).optional(),
});

const dpsSchema = z.strictObject({
  /** DPS resource name: 3–64 letters, digits and hyphens (checked in configChecks). */
  name,
  sku: z.enum(["S1"]).default("S1"),
  capacity: positiveInt.default(1),
  allocationPolicy: z.enum(dpsAllocationPolicies).default("hashed"),
  /** Import the existing DPS (Pulumi's `import` option) instead of creating it. */
  adopt,
  /** Public network access, IP filter rules, private endpoint (networkSchema.ts). */
  ...dpsNetworkKeys,
});

const hubSchema = z.strictObject({
  name,
  /** Azure region; defaults to `azure-native:location`. */
  location: z.string().min(1).optional(),
  sku: z.enum(["F1", "B1", "B2", "B3", "S1", "S2", "S3"]).default("S1"),
  capacity: positiveInt.default(1),
  allocationWeight: z.number().int().min(0).max(1000).optional(),
  applyAllocationPolicy: z.boolean().default(true),
  /** Import the existing hub (Pulumi's `import` option) instead of creating it. */
  adopt,
  /** SAS and TLS (X.509-only defaults), public network access, IP allow list, private endpoint (networkSchema.ts). */
  ...hubSecurityKeys,
});

function caEntrySchema(defaultValidityDays: number) {
  return z.strictObject({
    /** The certificate's name in DPS (what enrollment groups reference). */
    name,
    /** Subject CN of a generated certificate; for a brought certificate, informational. */
    commonName: z.string().min(1).max(64),
    /** RSA modulus bits of a generated RSA CA. */
    keySize: z.union([z.literal(2048), z.literal(3072), z.literal(4096)]).default(4096),
    /** The key of a generated CA: RSA (default; `keySize`) or EC (`curve`; ECDSA signatures, what Azure Device Registry needs). */
    keyType: z.enum(caKeyTypes).default("RSA"),
    /** The curve of an EC CA: P-256, P-384 (default) or P-521. */
    curve: z.enum(ecCurves).optional(),
    validityDays: positiveInt.max(MAX_VALIDITY_DAYS).default(defaultValidityDays),
    upload: z.boolean().default(true),
    verification: z.enum(["proofOfPossession", "onUpload"]).default("proofOfPossession"),
    /** Replace the certificate when it is this close to expiry (shown as a replacement in the preview). */
    renewBeforeDays: positiveInt.optional(),
    /** Bring your own CA: the certificate (PEM) instead of generating one. */
    certificatePem: z.string().min(1).optional(),
    /** Bring your own CA: its private key (PEM), from secret config. */
    privateKeyPem: z.string().min(1).optional(),
    /** Rotate this CA to a new one, step by step (docs/day-two.md). */
    rotation: rotationSchema.optional(),
    /** Take over the certificate already on the DPS under this name (same thumbprint; bring certificatePem and its key). */
    adopt,
    /** Where the CA's private key lives: the stack's state (a secret), or the stack's Key Vault (`keyVault`). */
    keyStore: z.enum(keyStores).default("state"),
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
  /** Take over the disabled individual enrollment already in the DPS. */
  adopt,
});

/** How a group attests: `caReference` (the CA uploaded and proved: a CA slot) or `signingCertificate` (held in the group). */
const attestation = z.enum(groupAttestations);

/** What a group and an individual enrollment both carry: status, allocation, hubs, webhook, twin, reprovisioning, Edge. */
const enrollmentFields = {
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
};

const enrollmentGroupSchema = z.strictObject({
  enrollmentId: name,
  caName: name,
  secondaryCaName: name.optional(),
  /** caReference: the CAs are uploaded to the DPS and proved; signingCertificate: their certificates are held in the group. */
  attestation: attestation.default("caReference"),
  ...enrollmentFields,
  /** Devices of this group to block, each by a disabled individual enrollment. */
  revokedDevices: z.array(revokedDeviceSchema).default([]),
  /** Its devices' certificates are issued by this Device Registry namespace, CA and policy (docs/device-registry.md). */
  deviceRegistry: enrollmentDeviceRegistrySchema.optional(),
  /** Take over the group already in the DPS: read it and PUT the stack's values with its etag. */
  adopt,
});

/** One device's own enrollment: its certificate (no CA reference: DPS takes none here), allocation, twin and status. */
const individualEnrollmentSchema = z.strictObject({
  registrationId: name,
  /** The IoT Hub device id; default the registration id. */
  deviceId: name.optional(),
  /** The device's certificate (PEM), held in the enrollment (`clientCertificates.primary`). */
  certificatePem: z.string().min(1),
  /** The device's next certificate (PEM, same CN), held as `clientCertificates.secondary` while it rolls. */
  secondaryCertificatePem: z.string().min(1).optional(),
  ...enrollmentFields,
  /** Its device's certificate is issued by this Device Registry namespace, CA and policy (docs/device-registry.md). */
  deviceRegistry: enrollmentDeviceRegistrySchema.optional(),
  /** Take over the enrollment already in the DPS. */
  adopt,
});

/** After `pulumi up`, register a throwaway device through a group, to prove that devices can provision. */
const smokeTestSchema = z.strictObject({
  /** Registration id (and certificate CN) of the throwaway device. */
  registrationId: name,
  /** The group to prove; default the first enrollment group. */
  enrollmentId: name.optional(),
});

/** The Key Vault holding the keys of CAs with `keyStore: keyVault`. */
const keyVaultSchema = z.strictObject({
  /** Vault name: 3–24 letters, digits and hyphens (checked in checks.ts); `https://<name>.vault.azure.net`. */
  name,
  /** premium keeps keys in HSMs (RSA-HSM); standard in software (RSA). */
  sku: z.enum(keyVaultSkus).default("premium"),
  /** true: this stack creates the vault (RBAC authorization, soft delete, purge protection); false: it exists. */
  create: z.boolean(),
  /** The vault's resource group; default the stack's own (required on a tenant stack that creates one). */
  resourceGroupName: z.string().min(1).optional(),
});

/** A tenant the platform serves, with what it may use of the shared DPS. */
export const tenantReservationSchema = z.strictObject({
  /** The tenant's name: the prefix of its CA names and group ids. */
  name: z.string().regex(TENANT_NAME, TENANT_NAME_RULE),
  /** CA certificates the tenant may upload (counted against its DPS's limit with the stated quotas: shards/capacity.ts). */
  caCertificates: z.number().int().min(0).default(2),
  /** X.509 enrollment groups the tenant may create (counted as its CAs are). */
  enrollmentGroups: z.number().int().min(0).default(5),
  /** The tenant's stack `<org>/<project>/<stack>`: the platform reads its CSRs (output `caCsrs`) through a StackReference. */
  stack: z.string().regex(/^[^/\s]+\/[^/\s]+\/[^/\s]+$/, "must be <org>/<project>/<stack>").optional(),
  /** The tenant's CSRs given in config instead, by the tenant's CA name (prefixed, as in the tenant's `caCsrs`). */
  csrs: z.record(z.string(), z.string().min(1)).optional(),
  /** How the tenant's groups attest its intermediates; default `tenantDefaults.attestation`. signingCertificate costs no CA slot. */
  attestation: attestation.optional(),
  /** The DPS this tenant lives on (`dps.name` or a `shards[].name`); default: rendezvous hashing of its name (docs/tenants.md#shards). */
  shard: name.optional(),
});

/** What applies to every listed tenant unless its entry says otherwise. */
const tenantDefaultsSchema = z.strictObject({
  attestation: attestation.default("caReference"),
});

/** A platform stack (the default role): it owns the DPS, the hubs and the root CA. */
export const stackConfigSchema = z.strictObject({
  resourceGroupName: z.string().min(1),
  dps: dpsSchema,
  /** More DPS instances linking the same hubs, for tenants placed on them (docs/tenants.md#shards). */
  shards: z.array(dpsSchema.extend(shardPlacementKeys)).default([]),
  hubs: z.array(hubSchema).min(1).max(LIMITS.hubs),
  ca: caSchema,
  /** Counted against the DPS's limit, with the stated quotas (shards/checks.ts). */
  enrollmentGroups: z.array(enrollmentGroupSchema).default([]),
  /** Devices enrolled one by one (docs/configuration.md#individual-enrollments). */
  individualEnrollments: z.array(individualEnrollmentSchema).max(LIMITS.individualEnrollments).default([]),
  /** ARM endpoint for the certificate calls (sovereign clouds; tests). */
  armEndpoint: z.url({ protocol: /^https$/ }).optional(),
  /** Export the intermediates' private keys as secret stack outputs (to issue device certificates by hand). */
  exportIntermediateKeys: z.boolean().default(false),
  /** Gone: tenants send CSRs instead of receiving the root's key (refused in checks.ts with what to do). */
  tenantSigning: z.boolean().default(false),
  keyVault: keyVaultSchema.optional(),
  /** The tenants this DPS serves and what each may use; a tenant stack not listed here is refused. */
  tenants: z.array(tenantReservationSchema).default([]),
  /** Defaults for every entry of `tenants`. */
  tenantDefaults: tenantDefaultsSchema.default({ attestation: "caReference" }),
  smokeTest: smokeTestSchema.optional(),
  /** Adopt every resource of the stack that already exists (resource group, hubs, DPS, CA certificates, groups). */
  adoptExisting: z.boolean().optional(),
  /** How groups and revoked devices reach the DPS service API: `entraId` (DefaultAzureCredential, RBAC) or `sas` (the DPS key). */
  dpsAuth: z.enum(["entraId", "sas"]).default("entraId"),
  /** With entraId: assign "Device Provisioning Service Data Contributor" on the DPS to the identity running Pulumi. */
  dpsDataRoleAssignment: z.boolean().default(true),
  /** What the stack is for; `production` turns on the production guardrails (docs/policy.md). */
  environment: z.enum(stackEnvironments).optional(),
  /** The identity running `up`: the principalType of the roles assigned to it (components/config/deployer.ts). */
  deployer: deployerSchema.optional(),
  /** Quotas granted to the stack's subscriptions above Azure's defaults (components/config/quotas.ts). */
  quotas: quotasSchema.optional(),
  /** The group exists (made by someone else): read, never created, changed or deleted by the stack (docs/operations.md#the-resource-group-created-or-existing). */
  resourceGroupExisting: z.boolean().default(false),
  /** An Azure Device Registry namespace issuing device certificates (docs/device-registry.md). */
  deviceRegistry: deviceRegistrySchema.optional(),
});

/** A tenant stack: its own intermediates and groups on the DPS of a platform stack. */
export const tenantStackConfigSchema = z.strictObject({
  /** The platform stack, `<org>/<project>/<stack>`, read through a StackReference. */
  platform: z.string().regex(/^[^/\s]+\/[^/\s]+\/[^/\s]+$/, "must be <org>/<project>/<stack>"),
  /** The tenant's name, as the platform lists it; prefixes its CA names and group ids. */
  tenant: z.string().regex(TENANT_NAME, TENANT_NAME_RULE),
  ca: z.strictObject({ intermediates: z.array(intermediateCaSchema).min(1) }),
  // No cap here: the tenant's reservation and the platform's DPS, by the quotas the platform states, are the limits
  // (components/tenant/resolveTenant.ts counts them against the platform's outputs).
  enrollmentGroups: z.array(enrollmentGroupSchema).default([]),
  armEndpoint: z.url({ protocol: /^https$/ }).optional(),
  /** As on the platform: export this tenant's intermediate keys as secret stack outputs. */
  exportIntermediateKeys: z.boolean().default(false),
  smokeTest: smokeTestSchema.optional(),
  /** The tenant's own Key Vault, for intermediates with `keyStore: keyVault`. */
  keyVault: keyVaultSchema.optional(),
  /** As on the platform: the identity running `up`. */
  deployer: deployerSchema.optional(),
});

export type ParsedConfig = z.infer<typeof stackConfigSchema>;
export type DpsConfig = ParsedConfig["dps"];
/** A shard: a DPS, and where it lives when not beside the primary. */
export type ShardConfig = ParsedConfig["shards"][number];
export type CaEntryConfig = ParsedConfig["ca"]["root"];
export type RotationConfig = NonNullable<CaEntryConfig["rotation"]>;
export type RotationStep = RotationConfig["step"];
export type TenantReservation = ParsedConfig["tenants"][number];
export type SmokeTestConfig = NonNullable<ParsedConfig["smokeTest"]>;
export type KeyVaultConfig = NonNullable<ParsedConfig["keyVault"]>;
/** An enrollment group as written in config, before defaults that depend on the rest of the stack. */
export type EnrollmentGroupInput = ParsedConfig["enrollmentGroups"][number];

export type IndividualEnrollmentInput = ParsedConfig["individualEnrollments"][number];
export type TenantDefaults = ParsedConfig["tenantDefaults"];

/** An individual enrollment with its allocation policy and hubs resolved from the rest of the stack. */
export type IndividualEnrollmentConfig = Omit<IndividualEnrollmentInput, "allocationPolicy" | "iotHubs"> & {
  allocationPolicy: (typeof groupAllocationPolicies)[number];
  iotHubs: string[];
};

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
  /** `resourceGroupExisting: true`: the group is read, not declared (absent in configs built before: false). */
  readonly resourceGroupExisting?: boolean;
  /** `azure-native:location`. */
  readonly location: string;
  readonly dps: DpsConfig;
  /** DPS instances besides `dps`, linking the same hubs (components/shards/). */
  readonly shards?: ShardConfig[];
  /** Quotas granted above Azure's defaults; absent: the defaults. */
  readonly quotas?: QuotasConfig;
  readonly hubs: HubConfig[];
  readonly ca: { root: CaEntryConfig; intermediates: CaEntryConfig[] };
  readonly enrollmentGroups: EnrollmentGroupConfig[];
  /** Absent in configs built before individual enrollments: none. */
  readonly individualEnrollments?: IndividualEnrollmentConfig[];
  readonly armEndpoint?: string;
  readonly exportIntermediateKeys: boolean;
  readonly tenantSigning: boolean;
  readonly tenants: TenantReservation[];
  /** Absent: every tenant attests by CA reference unless its entry says otherwise. */
  readonly tenantDefaults?: TenantDefaults;
  readonly smokeTest?: SmokeTestConfig;
  /** Adopt whatever already exists (docs/day-two.md). */
  readonly adoptExisting?: boolean;
  /** `azure-native:subscriptionId`: the ARM ids of adopted hubs, DPS and resource group need it. */
  readonly subscriptionId?: string;
  readonly keyVault?: KeyVaultConfig;
  /** docs/dps-auth.md. */
  readonly dpsAuth?: "entraId" | "sas";
  readonly dpsDataRoleAssignment?: boolean;
  /** `production`: the resource group is tagged so, and the policy pack forbids CA keys in state (docs/policy.md). */
  readonly environment?: (typeof stackEnvironments)[number];
  readonly deployer?: DeployerConfig;
  /** Azure Device Registry: namespace, CAs, policies, link (components/deviceRegistry/). */
  readonly deviceRegistry?: DeviceRegistryConfig;
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
  readonly keyVault?: KeyVaultConfig;
  /** `azure-native:location`, if set: where a vault the tenant creates goes. */
  readonly location?: string;
  readonly deployer?: DeployerConfig;
  /** `azure-native:environment` of the tenant stack, if set: the cloud whose hosts the platform's outputs must name. */
  readonly azureEnvironment?: string;
  /** `enrollmentGroups[i].attestation` as written (undefined where not written: the schema's default is not a statement). */
  readonly statedAttestations?: ReadonlyArray<string | undefined>;
}

export type AnyStackConfig = StackConfig | TenantStackConfig;

/** A CA entry with its config path, e.g. `ca.intermediates[1]`. */
export interface CaEntryAt {
  path: string;
  entry: CaEntryConfig;
}
