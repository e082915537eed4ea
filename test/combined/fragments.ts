/**
 * The feature fragments the pair test (fragmentPairs.test.ts) lays over one minimal base stack, alone and two at a
 * time. One row per feature: add a row for a new feature, and every pair with it is planned.
 *
 * A row: `{ name, values, expect? }`.
 * - `values`: stack config keys as in a stack file (`dps-x509:` may be left out; `azure-native:` keys in full), laid
 *   over the base by test/combined/merge.ts: a list entry whose `name`/`enrollmentId`/`registrationId` matches one of
 *   the base's merges into it (e.g. a rotation on the base's intermediate), any other is added.
 * - `expect` (optional): what the plan must show for the feature, given the plan's JSON; returns what is missing,
 *   or nothing. It catches a feature that plans green but is dropped on the way (e.g. a shard's network settings).
 * - `argv` (optional): more arguments for the plan command when the fragment is in the stack, e.g.
 *   `["--policy-pack-config", path.join(__dirname, "fixtures/levels.json")]`.
 * Pairs that Azure forbids are listed in FORBIDDEN_PAIRS below (the plan must refuse them, with that message);
 * pairs that fail by a defect being fixed elsewhere are in knownFailing.ts.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createDeviceCertificate, createRootCa } from "../../certs";
import type { PlanJson } from "./planCommand";

export interface Fragment {
  readonly name: string;
  readonly values: Record<string, unknown>;
  readonly expect?: (plan: PlanJson) => string | undefined;
  readonly argv?: readonly string[];
}

const SUBSCRIPTION = "8d3c1f5e-2b4a-4c6d-9e8f-0a1b2c3d4e5f";
const SECOND_SUBSCRIPTION = "5b1e7c2a-9d3f-4e6a-8b0c-1d2e3f4a5b6c";
/** Levels a stack keeps in policy-config/<stack>.json, in Pulumi's --policy-pack-config format. */
const LOWERED_HUB_POLICY = (() => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "combo-policy-")), "levels.json");
  fs.writeFileSync(file, JSON.stringify({ "hub-x509-only": "advisory" }));
  return file;
})();
const subnet = (vnet: string) => `/subscriptions/${SUBSCRIPTION}/resourceGroups/net-rg/providers/Microsoft.Network/virtualNetworks/${vnet}/subnets/endpoints`;
/** A secret as a stack file holds it: the offline plan cannot decrypt it and reads it as [secret]. */
const SECRET = { secure: "v1:AAAAAAAAAAAAAAAA:ciphertext-the-offline-plan-cannot-decrypt" };

// Public certificates the fragments carry (made here: no key is kept in the repository).
const broughtRoot = createRootCa({ commonName: "Combo Brought Root CA", keySize: 2048, validityDays: 3650 });
const deviceMaker = createRootCa({ commonName: "Combo Device Maker CA", keySize: 2048, validityDays: 3650 });
const pressCertificate = createDeviceCertificate({ issuer: deviceMaker, registrationId: "press-1", validityDays: 365 }).certificatePem;
const pressTwoCertificates = [1, 2].map(() => createDeviceCertificate({ issuer: deviceMaker, registrationId: "press-2", validityDays: 365 }).certificatePem);
const stolenCertificate = createDeviceCertificate({ issuer: deviceMaker, registrationId: "stolen-sensor-7", validityDays: 365 }).certificatePem;

/** The smallest platform stack: a root and an intermediate in state, one hub, one CA-reference group. */
export const BASE: Record<string, unknown> = {
  "azure-native:location": "westeurope",
  resourceGroupName: "combo-rg",
  dps: { name: "combo-dps" },
  hubs: [{ name: "combo-hub" }],
  ca: {
    root: { name: "combo-root-ca", commonName: "Combo Root CA", keySize: 2048 },
    intermediates: [{ name: "combo-intermediate-ca", commonName: "Combo Intermediate CA", keySize: 2048 }],
  },
  enrollmentGroups: [{ enrollmentId: "combo-devices", caName: "combo-intermediate-ca" }],
};

const resourcesOf = (plan: PlanJson, type: string) => plan.resources.filter((r) => r.type.endsWith(type));
const dpsNamed = (plan: PlanJson, name: string) => resourcesOf(plan, ":IotDpsResource").find((r) => r.inputs.provisioningServiceName === name);
const hubNamed = (plan: PlanJson, name: string) => resourcesOf(plan, ":IotHubResource").find((r) => r.inputs.resourceName === name);

export const FRAGMENTS: readonly Fragment[] = [
  {
    name: "intermediate-in-key-vault",
    values: {
      keyVault: { name: "combo-ca-kv", create: true },
      ca: { intermediates: [{ name: "vault-intermediate-ca", commonName: "Combo Vault Intermediate CA", keySize: 2048, keyStore: "keyVault" }] },
      enrollmentGroups: [{ enrollmentId: "vault-devices", caName: "vault-intermediate-ca" }],
    },
  },
  {
    name: "root-in-key-vault",
    values: { keyVault: { name: "combo-ca-kv", create: true }, ca: { root: { keyStore: "keyVault" } } },
  },
  {
    name: "brought-root",
    values: { ca: { root: { commonName: "Combo Brought Root CA", certificatePem: broughtRoot.certificatePem, privateKeyPem: SECRET } } },
  },
  {
    name: "brought-root-in-key-vault",
    values: { keyVault: { name: "combo-ca-kv", create: true }, ca: { root: { commonName: "Combo Brought Root CA", certificatePem: broughtRoot.certificatePem, keyStore: "keyVault" } } },
  },
  {
    name: "rotation",
    values: { ca: { intermediates: [{ name: "combo-intermediate-ca", rotation: { step: "stage", name: "combo-intermediate-ca-2" } }] } },
    expect: (plan) => (plan.outputs.caNames?.includes?.("combo-intermediate-ca-2") ? undefined : "the rotation's new CA is not among caNames"),
  },
  {
    name: "signing-certificate-group",
    values: {
      ca: { intermediates: [{ name: "signing-intermediate-ca", commonName: "Combo Signing Intermediate CA", keySize: 2048 }] },
      enrollmentGroups: [{ enrollmentId: "line-7", caName: "signing-intermediate-ca", attestation: "signingCertificate" }],
    },
  },
  {
    name: "group-on-root",
    values: { enrollmentGroups: [{ enrollmentId: "root-devices", caName: "combo-root-ca" }] },
  },
  {
    name: "individual-enrollment",
    values: { individualEnrollments: [{ registrationId: "press-1", deviceId: "press-one", certificatePem: pressCertificate, allocationPolicy: "static", iotHubs: ["combo-hub"] }] },
    expect: (plan) => (resourcesOf(plan, ":IndividualEnrollment").some((r) => r.inputs.registrationId === "press-1") ? undefined : "no individual enrollment press-1"),
  },
  {
    name: "secondary-client-certificate",
    values: { individualEnrollments: [{ registrationId: "press-2", certificatePem: pressTwoCertificates[0], secondaryCertificatePem: pressTwoCertificates[1], allocationPolicy: "static", iotHubs: ["combo-hub"] }] },
    expect: (plan) => (resourcesOf(plan, ":IndividualEnrollment").some((r) => r.inputs.registrationId === "press-2" && typeof r.inputs.secondaryCertificatePem === "string") ? undefined : "no individual enrollment press-2 with a secondary certificate"),
  },
  {
    name: "revoked-device",
    values: { enrollmentGroups: [{ enrollmentId: "combo-devices", revokedDevices: [{ registrationId: "stolen-sensor-7", certificatePem: stolenCertificate }] }] },
    expect: (plan) => (resourcesOf(plan, ":RevokedDevice").some((r) => r.inputs.registrationId === "stolen-sensor-7") ? undefined : "no revoked device stolen-sensor-7"),
  },
  {
    name: "tenant",
    values: { tenants: [{ name: "customer-a", stack: "my-org/dps-x509/tenant-customer-a" }] },
  },
  {
    name: "tenant-on-shard",
    values: {
      shards: [{ name: "combo-dps-shard-1" }],
      tenants: [{ name: "customer-s", shard: "combo-dps-shard-1", attestation: "signingCertificate", stack: "my-org/dps-x509/tenant-customer-s" }],
    },
    expect: (plan) => (plan.outputs.tenantShards?.["customer-s"] === "combo-dps-shard-1" ? undefined : "tenant customer-s is not on combo-dps-shard-1"),
  },
  {
    name: "private-shard",
    values: { shards: [{ name: "combo-dps-shard-1", publicNetworkAccess: "Disabled", privateEndpoint: { subnetId: subnet("shard-vnet") } }] },
    expect: (plan) => {
      const shard = dpsNamed(plan, "combo-dps-shard-1");
      if (!shard) return "no DPS combo-dps-shard-1";
      return shard.inputs.properties?.publicNetworkAccess === "Disabled" ? undefined : `shard combo-dps-shard-1 is declared with publicNetworkAccess ${JSON.stringify(shard.inputs.properties?.publicNetworkAccess)}, not Disabled`;
    },
  },
  {
    name: "dps-ip-rules",
    values: { dps: { ipFilterRules: [{ name: "office", ipMask: "203.0.113.0/24", action: "Accept", target: "all" }], privateEndpoint: { subnetId: subnet("dps-vnet") } } },
    expect: (plan) => (dpsNamed(plan, "combo-dps")?.inputs.properties?.ipFilterRules?.length ? undefined : "the DPS is declared without its IP filter rules"),
  },
  {
    name: "private-dps",
    values: { dps: { publicNetworkAccess: "Disabled", privateEndpoint: { subnetId: subnet("dps-vnet") } } },
    expect: (plan) => (dpsNamed(plan, "combo-dps")?.inputs.properties?.publicNetworkAccess === "Disabled" ? undefined : "the DPS is declared public"),
  },
  {
    name: "hardened-hub",
    values: {
      hubs: [{ name: "combo-hub", disableDeviceSAS: true, disableModuleSAS: true, minTlsVersion: "1.2", ipAllowList: [{ name: "office", ipMask: "203.0.113.0/24" }], privateEndpoint: { subnetId: subnet("hub-vnet") } }],
    },
    expect: (plan) => (hubNamed(plan, "combo-hub")?.inputs.properties?.networkRuleSets?.ipRules?.length ? undefined : "the hub is declared without its IP allow list"),
  },
  {
    name: "private-hub",
    values: { hubs: [{ name: "combo-hub", publicNetworkAccess: "Disabled" }] },
    expect: (plan) => (hubNamed(plan, "combo-hub")?.inputs.properties?.publicNetworkAccess === "Disabled" ? undefined : "the hub is declared public"),
  },
  {
    name: "adoption",
    values: {
      "azure-native:subscriptionId": SUBSCRIPTION,
      dps: { adopt: true },
      hubs: [{ name: "combo-hub", adopt: true, disableDeviceSAS: true, disableModuleSAS: true, minTlsVersion: "1.2" }],
      enrollmentGroups: [{ enrollmentId: "combo-devices", adopt: true }],
    },
  },
  {
    name: "adopt-tutorial-hub",
    values: { "azure-native:subscriptionId": SUBSCRIPTION, hubs: [{ name: "tutorial-hub", adopt: true }] },
  },
  {
    name: "shard-in-second-subscription",
    values: { shards: [{ name: "combo-dps-shard-2", subscriptionId: SECOND_SUBSCRIPTION, resourceGroupName: "combo-shard-rg" }] },
    expect: (plan) => (JSON.stringify(dpsNamed(plan, "combo-dps-shard-2") ?? {}).includes("combo-shard-rg") ? undefined : "shard combo-dps-shard-2 is not declared in its own resource group"),
  },
  {
    name: "raised-quotas",
    // 150 groups for one tenant: more than Azure's default 100 per DPS, within the quota support granted.
    values: { quotas: { enrollmentGroupsPerDps: 300 }, tenants: [{ name: "big-customer", enrollmentGroups: 150, stack: "my-org/dps-x509/tenant-big-customer" }] },
    expect: (plan) => (JSON.stringify((plan.outputs as { capacity?: { limits?: unknown } }).capacity?.limits ?? {}).includes('"enrollmentGroups":300') ? undefined : "the capacity output does not count against the raised quota"),
  },
  {
    name: "existing-resource-group",
    values: { resourceGroupExisting: true },
    expect: (plan) => {
      const groups = resourcesOf(plan, ":ResourceGroup") as Array<{ read?: boolean }>;
      return groups.length === 1 && groups[0].read === true ? undefined : "the resource group is declared, not read";
    },
  },
  {
    name: "policy-levels-from-config",
    // A hub the tutorial left on TLS 1.0, kept on purpose: hub-x509-only lowered to advisory by the stack's levels file.
    values: { hubs: [{ name: "legacy-hub", minTlsVersion: "1.0", disableDeviceSAS: false }] },
    argv: ["--policy-pack-config", LOWERED_HUB_POLICY],
  },
  {
    name: "production",
    values: { environment: "production", keyVault: { name: "combo-ca-kv", create: true }, ca: { root: { keyStore: "keyVault" }, intermediates: [{ name: "combo-intermediate-ca", keyStore: "keyVault" }] } },
  },
  {
    name: "smoke-test",
    values: { smokeTest: { registrationId: "combo-smoke-device" } },
  },
  {
    name: "dps-auth-sas",
    values: { dpsAuth: "sas" },
  },
  {
    name: "custom-allocation",
    values: { enrollmentGroups: [{ enrollmentId: "combo-devices", allocationPolicy: "custom", webhookUrl: SECRET, apiVersion: "2021-10-01" }] },
  },
];

/** Pairs Azure (or the stack's own rules) forbids: the plan must refuse them, with a fault matching `refusal`. */
export const FORBIDDEN_PAIRS: ReadonlyArray<{ fragments: [string, string]; why: string; refusal: RegExp }> = [
  {
    fragments: ["existing-resource-group", "production"],
    why: "environment tags the group the stack creates; a group someone else made is only read",
    refusal: /^dps-x509:environment = "production": tags the resource group the stack creates, but resourceGroupExisting: true only reads/,
  },
  {
    fragments: ["dps-ip-rules", "private-dps"],
    why: "Azure ignores IP rules while public network access is Disabled",
    refusal: /^dps-x509:dps\.ipFilterRules = .*ignored by Azure while publicNetworkAccess is Disabled/,
  },
  {
    fragments: ["hardened-hub", "private-hub"],
    why: "Azure ignores a hub's IP allow list while public network access is Disabled",
    refusal: /^dps-x509:hubs\[0\]\.ipAllowList = .*ignored by Azure while publicNetworkAccess is Disabled/,
  },
  {
    fragments: ["brought-root", "root-in-key-vault"],
    why: "a CA whose key is in Key Vault takes no key from config (docs/key-vault.md)",
    refusal: /^dps-x509:ca\.root\.privateKeyPem = \[secret\]: is given with keyStore: keyVault/,
  },
  {
    fragments: ["brought-root", "production"],
    why: "production keeps CA keys in Key Vault, and a CA in Key Vault takes no key from config",
    refusal: /^dps-x509:ca\.root\.privateKeyPem = \[secret\]: is given with keyStore: keyVault/,
  },
  {
    fragments: ["brought-root", "brought-root-in-key-vault"],
    why: "one root cannot have its key both in config and in the vault",
    refusal: /^dps-x509:ca\.root\.privateKeyPem = \[secret\]: is given with keyStore: keyVault/,
  },
  {
    fragments: ["signing-certificate-group", "production"],
    why: "production keeps no CA key in state, and the fragment's signing CA is generated in state",
    refusal: /^no-ca-key-in-state-in-production: CA Combo Signing Intermediate CA keeps its private key in the stack's state/,
  },
];
