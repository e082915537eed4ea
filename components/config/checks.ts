/**
 * Cross-checks of a stack config that has the right shape: names against Azure's rules, references between keys,
 * and the rules of the `az` extension. Each rule has its own message naming what is allowed.
 */
import { checkDayTwo, rotationNames } from "./dayTwoChecks";
import { checkDeviceRegistry, checkEnrollmentDeviceRegistry } from "../deviceRegistry/checks";
import { revokedDeviceProblems } from "../../certs/deviceCertificate";
import { checkHubSkus, checkRegions, isDpsApiVersion, webhookUrlProblem } from "./azureRules";
import { checkCaChain } from "./caRules";
import { checkGroupSpecs } from "./groupSpecRules";
import { SECRET_PLACEHOLDER } from "./limits";
import { effectiveLimits, QUOTA_KEYS, type QuotasConfig } from "./quotas";
import { checkPlatformCapacity, checkShardConfig } from "../shards/checks";
import type { Problem } from "./problems";
import { checkTwinCollection } from "./twinRules";
import { reservedCaSlots } from "./caSlots";
import type { CaEntryAt, CaEntryConfig, EnrollmentGroupConfig, ParsedConfig, SmokeTestConfig, StackConfig } from "./schema";
import { caKeyAvailable, checkKeyStores, checkTenantSigning, checkTenantSigningRoot } from "./keyStoreChecks";
import { checkNetworkSettings } from "./networkRules";

/**
 * DPS names: 3–64 letters, digits and hyphens, starting and ending with a letter or digit; IoT hub names the same
 * with 3–50. Source: "Naming rules and restrictions for Azure resources", Microsoft.Devices
 * (learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules#microsoftdevices).
 */
const DPS_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{1,62}[A-Za-z0-9]$/;
const HUB_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{1,48}[A-Za-z0-9]$/;
/** Resource group names: 1–90 letters, digits, `_ - . ( )`, not ending in a period. */
const RESOURCE_GROUP_NAME = /^[\w\-.()]{0,89}[\w\-()]$/;
/** Enrollment and registration ids: 1–128 letters, digits and `- . _ :`, with no special character first or last. */
const ENROLLMENT_ID = /^[A-Za-z0-9](?:[A-Za-z0-9._:-]{0,126}[A-Za-z0-9])?$/;
/** DPS certificate names: letters, digits, `- . _`. */
const CERTIFICATE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const ID_RULE = "1–128 letters, digits and - . _ :, starting and ending with a letter or digit";

export function crossCheckConfig(parsed: ParsedConfig, config: StackConfig, now: Date = new Date()): Problem[] {
  const entries = caEntries(config);
  const problems = [
    ...checkAzureNames(config),
    ...checkRegions(undefined, parsed.hubs),
    ...checkHubSkus(config.hubs),
    ...checkCertificateAuthorities(entries, config.ca.root, config.quotas),
    ...checkCaChain({ root: entries[0], intermediates: entries.slice(1), now }),
    ...checkEnrollmentGroups({
      groups: config.enrollmentGroups,
      givenHubs: parsed.enrollmentGroups.map((group) => group.iotHubs),
      uploadedCas: [...uploadedCaNames(entries), ...rotationNames(entries)],
      stackCas: [...entries.map(({ entry }) => entry.name), ...rotationNames(entries)],
      hubNames: config.hubs.map((hub) => hub.name),
    }),

    ...checkSmokeTest(config.smokeTest, config.enrollmentGroups, entries),
    ...checkTenantReservations(config),
    ...checkShardConfig(config),
    ...checkDayTwo(config),
    ...checkKeyStores(entries, config.keyVault, "platform"),
    ...checkTenantSigning(config.tenantSigning),
    ...checkTenantSigningRoot(config.ca.root, config.tenants),
    ...checkNetworkSettings(config),
    ...checkDeviceRegistry(config.deviceRegistry, entries),
    ...config.enrollmentGroups.flatMap((g, i) => checkEnrollmentDeviceRegistry(`enrollmentGroups[${i}]`, g.deviceRegistry, config.deviceRegistry)),
    ...(config.individualEnrollments ?? []).flatMap((e, i) => checkEnrollmentDeviceRegistry(`individualEnrollments[${i}]`, e.deviceRegistry, config.deviceRegistry)),
  ];
  return [...problems, ...checkGroupSpecs(config.enrollmentGroups, problems)];
}

function checkAzureNames(config: StackConfig): Problem[] {
  const problems: Problem[] = [];
  if (!RESOURCE_GROUP_NAME.test(config.resourceGroupName)) {
    problems.push({ path: "resourceGroupName", value: config.resourceGroupName, message: "allowed: 1–90 letters, digits, _ - . ( ), not ending in a period" });
  }
  if (config.resourceGroupExisting && config.environment) {
    // The environment is a tag on the group the stack creates; a group someone else made is only read.
    problems.push({
      path: "environment",
      value: config.environment,
      message: `tags the resource group the stack creates, but resourceGroupExisting: true only reads ${config.resourceGroupName}: remove environment, and declare production to the policy pack in policy-config/<stack>.json ({"no-ca-key-in-state-in-production": {"production": true}}, docs/policy.md)`,
    });
  }
  if (!DPS_NAME.test(config.dps.name)) {
    problems.push({ path: "dps.name", value: config.dps.name, message: "allowed: 3–64 letters, digits and hyphens, starting and ending with a letter or digit" });
  }
  config.hubs.forEach((hub, i) => {
    if (!HUB_NAME.test(hub.name)) {
      problems.push({ path: `hubs[${i}].name`, value: hub.name, message: "allowed: 3–50 letters, digits and hyphens, starting and ending with a letter or digit" });
    }
  });
  problems.push(...duplicates(config.hubs.map((hub) => hub.name), (i) => `hubs[${i}].name`, "hub name"));
  return problems;
}


/** Every CA entry of a stack with its config path. */
function caEntries(config: StackConfig): CaEntryAt[] {
  return [{ path: "ca.root", entry: config.ca.root }, ...intermediateEntries(config.ca.intermediates)];
}

export function intermediateEntries(intermediates: CaEntryConfig[]): CaEntryAt[] {
  return intermediates.map((entry, i) => ({ path: `ca.intermediates[${i}]`, entry }));
}

export function uploadedCaNames(entries: CaEntryAt[]): string[] {
  return entries.filter(({ entry }) => entry.upload).map(({ entry }) => entry.name);
}

/**
 * Checks CA entries: names, brought keys, proof of possession. `root` is the stack's own root, if it has one; a
 * brought root without its key cannot sign generated intermediates.
 */
export function checkCertificateAuthorities(entries: CaEntryAt[], root?: CaEntryConfig, quotas?: QuotasConfig): Problem[] {
  const problems: Problem[] = [];
  for (const { path, entry } of entries) {
    if (!CERTIFICATE_NAME.test(entry.name)) {
      problems.push({ path: `${path}.name`, value: entry.name, message: "allowed: 1–64 letters, digits and - . _, starting with a letter or digit" });
    }
    if (entry.privateKeyPem !== undefined && entry.certificatePem === undefined) {
      problems.push({ path: `${path}.privateKeyPem`, value: entry.privateKeyPem, message: "is given without certificatePem: bring both, or neither to generate the CA" });
    }
    const keyAvailable = caKeyAvailable(entry);
    if (entry.upload && entry.verification === "proofOfPossession" && !keyAvailable) {
      problems.push({
        path: `${path}.privateKeyPem`,
        value: undefined,
        message: `is needed for proof of possession of "${entry.name}"; give the key (as a secret), or set ${path}.verification to onUpload`,
      });
    }
  }
  if (root && !caKeyAvailable(root)) {
    entries.forEach(({ path, entry }) => {
      if (entry !== root && entry.certificatePem === undefined) {
        problems.push({
          path,
          value: entry.name,
          message: "cannot be generated: the root was brought without its private key, so nothing can sign it; bring this intermediate's certificatePem and privateKeyPem too",
        });
      }
    });
  }
  problems.push(...duplicates(entries.map(({ entry }) => entry.name), (i) => `${entries[i].path}.name`, "CA name"));
  const uploaded = entries.filter(({ entry }) => entry.upload).length;
  const limit = effectiveLimits(quotas).caCertificates;
  if (uploaded > limit) {
    problems.push({ path: "ca", value: uploaded, message: `uploads ${uploaded} CA certificates; a DPS holds at most ${limit} (${QUOTA_KEYS.caCertificates} states a raised quota)` });
  }
  return problems;
}

export interface GroupCheckInput {
  /** The groups with their defaults resolved. */
  groups: EnrollmentGroupConfig[];
  /** Each group's `iotHubs` as written in config (undefined where it took the default). */
  givenHubs: Array<string[] | undefined>;
  /** The CA names a group may reference. */
  uploadedCas: string[];
  /** The CA names a signing-certificate group may hold (every CA of the stack); default uploadedCas. */
  stackCas?: string[];
  /** The hub names a group may list. */
  hubNames: string[];
}

export function checkEnrollmentGroups({ groups, givenHubs: givenHubLists, uploadedCas, stackCas, hubNames }: GroupCheckInput): Problem[] {
  const problems: Problem[] = [];
  groups.forEach((group, i) => {
    const path = `enrollmentGroups[${i}]`;
    if (!ENROLLMENT_ID.test(group.enrollmentId)) {
      problems.push({ path: `${path}.enrollmentId`, value: group.enrollmentId, message: `allowed: ${ID_RULE}` });
    }
    // A signing-certificate group holds the CA's certificate: any CA of the stack, uploaded or not.
    const checkCa = (at: string, caName: string) => (group.attestation === "signingCertificate" ? checkHeldCa(at, caName, stackCas ?? uploadedCas) : checkCaReference(at, caName, uploadedCas));
    problems.push(...checkCa(`${path}.caName`, group.caName));
    if (group.secondaryCaName !== undefined) {
      problems.push(...checkCa(`${path}.secondaryCaName`, group.secondaryCaName));
      if (group.secondaryCaName === group.caName) {
        problems.push({ path: `${path}.secondaryCaName`, value: group.secondaryCaName, message: "must differ from caName" });
      }
    }
    const givenHubs = givenHubLists[i] ?? [];
    givenHubs.forEach((hub, j) => {
      if (!hubNames.includes(hub)) {
        problems.push({ path: `${path}.iotHubs[${j}]`, value: hub, message: `is not a hub linked to the DPS; allowed: ${hubNames.join(", ")}` });
      }
    });
    problems.push(...duplicates(givenHubs, (j) => `${path}.iotHubs[${j}]`, "hub"));
    problems.push(...checkAllocation(path, group, givenHubLists[i] !== undefined));
    problems.push(...checkTwinCollection(`${path}.initialTwin.tags`, group.initialTwin?.tags, "tags"));
    problems.push(...checkTwinCollection(`${path}.initialTwin.properties.desired`, group.initialTwin?.properties?.desired, "desired"));
    group.revokedDevices.forEach((device, j) => {
      const at = `${path}.revokedDevices[${j}]`;
      if (!ENROLLMENT_ID.test(device.registrationId) || device.registrationId.length > 64) {
        problems.push({ path: `${at}.registrationId`, value: device.registrationId, message: `allowed: ${ID_RULE}, at most 64 (a certificate CN)` });
      } else if (device.certificatePem !== SECRET_PLACEHOLDER) {
        // The revoked-device provider's own check (certs/deviceCertificate.ts).
        for (const problem of revokedDeviceProblems(device.registrationId, device.certificatePem)) {
          problems.push({ path: `${at}.${problem.property}`, value: problem.property === "registrationId" ? device.registrationId : device.certificatePem, message: problem.reason.replace(/^"[^"]*" /, "") });
        }
      }
    });
  });
  const ids = groups.map((group) => group.enrollmentId);
  problems.push(...duplicates(ids, (i) => `enrollmentGroups[${i}].enrollmentId`, "enrollment id"));
  const revoked = groups.flatMap((group, i) => group.revokedDevices.map((device, j) => ({ id: device.registrationId, path: `enrollmentGroups[${i}].revokedDevices[${j}].registrationId` })));
  problems.push(...duplicates(revoked.map((r) => r.id), (k) => revoked[k].path, "revoked registration id"));
  return problems;
}

function checkHeldCa(path: string, caName: string, stackCas: string[]): Problem[] {
  if (stackCas.includes(caName)) return [];
  return [{ path, value: caName, message: `is not a CA of this stack (attestation signingCertificate holds that CA's certificate); allowed: ${stackCas.join(", ") || "(none)"}` }];
}

export function checkCaReference(path: string, caName: string, uploadedCas: string[]): Problem[] {
  if (uploadedCas.includes(caName)) return [];
  return [{ path, value: caName, message: `is not a CA uploaded to the DPS by this stack; allowed: ${uploadedCas.join(", ") || "(none: set upload: true on a CA)"}` }];
}

/**
 * The platform's tenant list: unique names, none a prefix of another's names (`acme` would own `acme-eu-…`), none
 * used by the platform's own CAs or groups, and reservations that fit the DPS with what the platform uses itself.
 */
export function checkTenantReservations(config: StackConfig): Problem[] {
  const problems: Problem[] = [];
  const tenants = config.tenants;
  // A stack that serves no tenants gets no message about tenants (its own limits are checked elsewhere).
  if (!tenants.length) return problems;
  problems.push(...duplicates(tenants.map((tenant) => tenant.name), (i) => `tenants[${i}].name`, "tenant name"));
  // Names sorted once: the names that start with a prefix sit together from its lower bound (linear in tenants
  // overall, where comparing every pair was quadratic: 9 million comparisons for 3,000 tenants).
  const sorted = tenants.map((tenant, j) => ({ name: tenant.name, j })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.j - b.j));
  const ownNames = [
    ...caEntries(config).map(({ path, entry }) => ({ path: `${path}.name`, value: entry.name })),
    ...config.enrollmentGroups.map((group, k) => ({ path: `enrollmentGroups[${k}].enrollmentId`, value: group.enrollmentId })),
  ];
  tenants.forEach((tenant, i) => {
    const prefix = `${tenant.name}-`;
    const starting: number[] = [];
    for (let k = lowerBound(sorted, prefix); k < sorted.length && sorted[k].name.startsWith(prefix); k++) if (sorted[k].j !== i) starting.push(sorted[k].j);
    for (const j of starting.sort((a, b) => a - b)) {
      problems.push({ path: `tenants[${j}].name`, value: tenants[j].name, message: `starts with "${tenant.name}-", the prefix of tenant ${tenant.name} (tenants[${i}]): its names would be ambiguous` });
    }
    for (const own of ownNames.filter((own) => own.value.toLowerCase().startsWith(`${tenant.name}-`))) {
      problems.push({ path: own.path, value: own.value, message: `starts with "${tenant.name}-", which is reserved for tenant ${tenant.name} (tenants[${i}])` });
    }
  });
  // Counted per DPS (one, or the shards), in components/shards/capacity.ts; a tenant whose intermediates are held
  // as signing certificates takes no CA slot (caSlots.ts).
  problems.push(...checkPlatformCapacity(config, uploadedCaNames(caEntries(config)).length));
  return problems;
}

/** The first index of `sorted` whose name is not below `name`. */
function lowerBound(sorted: ReadonlyArray<{ name: string }>, name: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid].name < name) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * The smoke test needs a group to prove, a registration id that can be a certificate CN, and the key of the group's
 * CA to issue the throwaway device certificate.
 */
export function checkSmokeTest(smokeTest: SmokeTestConfig | undefined, groups: EnrollmentGroupConfig[], entries: CaEntryAt[]): Problem[] {
  if (!smokeTest) return [];
  const problems: Problem[] = [];
  if (!ENROLLMENT_ID.test(smokeTest.registrationId) || smokeTest.registrationId.length > 64) {
    problems.push({ path: "smokeTest.registrationId", value: smokeTest.registrationId, message: `allowed: ${ID_RULE}, at most 64 (a certificate CN)` });
  }
  const group = smokeTest.enrollmentId === undefined ? groups[0] : groups.find((candidate) => candidate.enrollmentId === smokeTest.enrollmentId);
  if (!group) {
    const ids = groups.map((candidate) => candidate.enrollmentId).join(", ");
    problems.push({ path: smokeTest.enrollmentId === undefined ? "smokeTest" : "smokeTest.enrollmentId", value: smokeTest.enrollmentId, message: `needs an enrollment group of this stack to prove${ids ? `; allowed: ${ids}` : ": there is none"}` });
    return problems;
  }
  const ca = entries.find(({ entry }) => entry.name === group.caName);
  if (ca && !caKeyAvailable(ca.entry)) {
    problems.push({ path: "smokeTest", value: group.enrollmentId, message: `cannot issue a device certificate for group ${group.enrollmentId}: its CA ${ca.entry.name} was brought without its private key (${ca.path}.privateKeyPem)` });
  }
  return problems;
}

export function checkAllocation(path: string, group: Pick<EnrollmentGroupConfig, "allocationPolicy" | "iotHubs" | "webhookUrl" | "apiVersion">, hubsGiven: boolean): Problem[] {
  const problems: Problem[] = [];
  if (group.allocationPolicy === "static" && group.iotHubs.length !== 1) {
    problems.push({
      path: hubsGiven ? `${path}.iotHubs` : `${path}.allocationPolicy`,
      value: hubsGiven ? group.iotHubs : group.allocationPolicy,
      message: `static allocation needs exactly one hub, here ${group.iotHubs.length}; list one hub in iotHubs`,
    });
  }
  if (group.allocationPolicy === "custom") {
    for (const field of ["webhookUrl", "apiVersion"] as const) {
      if (group[field] === undefined) {
        problems.push({ path: `${path}.${field}`, value: undefined, message: "is required with allocationPolicy custom (the Azure Function that allocates, and its API version)" });
      }
    }
    const urlProblem = group.webhookUrl === undefined ? undefined : webhookUrlProblem(group.webhookUrl);
    if (urlProblem) problems.push({ path: `${path}.webhookUrl`, value: group.webhookUrl, message: urlProblem });
    if (group.apiVersion !== undefined && !isDpsApiVersion(group.apiVersion)) {
      problems.push({ path: `${path}.apiVersion`, value: group.apiVersion, message: "must be a DPS service API version: YYYY-MM-DD, optionally with -preview (e.g. 2021-10-01)" });
    }
  } else {
    for (const field of ["webhookUrl", "apiVersion"] as const) {
      if (group[field] !== undefined) {
        problems.push({ path: `${path}.${field}`, value: group[field], message: `is only used with allocationPolicy custom, not ${group.allocationPolicy}` });
      }
    }
  }
  return problems;
}

/** One problem for each repeat of a name, compared case-insensitively as Azure compares its names and ids. */
export function duplicates(names: string[], pathOf: (index: number) => string, what: string): Problem[] {
  const firstIndex = new Map<string, number>();
  const problems: Problem[] = [];
  names.forEach((nameValue, i) => {
    const key = nameValue.toLowerCase();
    const first = firstIndex.get(key);
    if (first === undefined) firstIndex.set(key, i);
    else problems.push({ path: pathOf(i), value: nameValue, message: `duplicate ${what}: already used at ${pathOf(first)}; each must be unique` });
  });
  return problems;
}
