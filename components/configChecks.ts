/**
 * Cross-checks of a stack config that has the right shape: names against Azure's rules, references between keys,
 * and the rules of the `az` extension. Each rule has its own message naming what is allowed.
 */
import type { z } from "zod";
import type { EnrollmentGroupConfig, StackConfig, stackConfigSchema } from "./config";
import type { Problem } from "./configProblems";

/** Azure's limits on one DPS (see DESIGN.md). */
export const LIMITS = { hubs: 50, caCertificates: 25, enrollmentGroups: 100 } as const;

/**
 * Stands in for a `secure:` value that cannot be decrypted (the offline plan has no stack passphrase or KMS).
 * Checks that need the plain value (URL shape) skip it; everything else treats it as present.
 */
export const SECRET_PLACEHOLDER = "[secret]";

type ParsedConfig = z.infer<typeof stackConfigSchema>;

/** DPS names: 3–64 letters, digits and hyphens. */
const DPS_NAME = /^[A-Za-z0-9-]{3,64}$/;
/** IoT hub names: 3–50 letters, digits and hyphens, not ending in a hyphen. */
const HUB_NAME = /^[A-Za-z0-9-]{2,49}[A-Za-z0-9]$/;
/** Resource group names: 1–90 letters, digits, `_ - . ( )`, not ending in a period. */
const RESOURCE_GROUP_NAME = /^[\w\-.()]{0,89}[\w\-()]$/;
/** Enrollment and registration ids: 1–128 letters, digits and `- . _ :`, with no special character first or last. */
const ENROLLMENT_ID = /^[A-Za-z0-9](?:[A-Za-z0-9._:-]{0,126}[A-Za-z0-9])?$/;
/** DPS certificate names: letters, digits, `- . _`. */
const CERTIFICATE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** Twin property names Azure reserves. */
const RESERVED_TWIN_KEYS = new Set(["version", "count", "metadata"]);

const ID_RULE = "1–128 letters, digits and - . _ :, starting and ending with a letter or digit";

export function crossCheckConfig(parsed: ParsedConfig, config: StackConfig): Problem[] {
  return [
    ...checkAzureNames(config),
    ...checkCertificateAuthorities(config),
    ...checkEnrollmentGroups(parsed, config),
  ];
}

function checkAzureNames(config: StackConfig): Problem[] {
  const problems: Problem[] = [];
  if (!RESOURCE_GROUP_NAME.test(config.resourceGroupName)) {
    problems.push({ path: "resourceGroupName", value: config.resourceGroupName, message: "allowed: 1–90 letters, digits, _ - . ( ), not ending in a period" });
  }
  if (!DPS_NAME.test(config.dps.name)) {
    problems.push({ path: "dps.name", value: config.dps.name, message: "allowed: 3–64 letters, digits and hyphens" });
  }
  config.hubs.forEach((hub, i) => {
    if (!HUB_NAME.test(hub.name)) {
      problems.push({ path: `hubs[${i}].name`, value: hub.name, message: "allowed: 3–50 letters, digits and hyphens, not ending in a hyphen" });
    }
  });
  problems.push(...duplicates(config.hubs.map((hub) => hub.name), (i) => `hubs[${i}].name`, "hub name"));
  return problems;
}

/** Every CA entry with its config path. */
function caEntries(config: StackConfig) {
  return [
    { path: "ca.root", entry: config.ca.root },
    ...config.ca.intermediates.map((entry, i) => ({ path: `ca.intermediates[${i}]`, entry })),
  ];
}

function checkCertificateAuthorities(config: StackConfig): Problem[] {
  const problems: Problem[] = [];
  const entries = caEntries(config);
  for (const { path, entry } of entries) {
    if (!CERTIFICATE_NAME.test(entry.name)) {
      problems.push({ path: `${path}.name`, value: entry.name, message: "allowed: 1–64 letters, digits and - . _, starting with a letter or digit" });
    }
    if (entry.privateKeyPem !== undefined && entry.certificatePem === undefined) {
      problems.push({ path: `${path}.privateKeyPem`, value: entry.privateKeyPem, message: "is given without certificatePem: bring both, or neither to generate the CA" });
    }
    const keyAvailable = entry.certificatePem === undefined || entry.privateKeyPem !== undefined;
    if (entry.upload && entry.verification === "proofOfPossession" && !keyAvailable) {
      problems.push({
        path: `${path}.privateKeyPem`,
        value: undefined,
        message: `is needed for proof of possession of "${entry.name}"; give the key (as a secret), or set ${path}.verification to onUpload`,
      });
    }
  }
  const root = config.ca.root;
  if (root.certificatePem !== undefined && root.privateKeyPem === undefined) {
    config.ca.intermediates.forEach((entry, i) => {
      if (entry.certificatePem === undefined) {
        problems.push({
          path: `ca.intermediates[${i}]`,
          value: entry.name,
          message: "cannot be generated: the root was brought without its private key, so nothing can sign it; bring this intermediate's certificatePem and privateKeyPem too",
        });
      }
    });
  }
  problems.push(...duplicates(entries.map(({ entry }) => entry.name), (i) => `${entries[i].path}.name`, "CA name"));
  const uploaded = entries.filter(({ entry }) => entry.upload).length;
  if (uploaded > LIMITS.caCertificates) {
    problems.push({ path: "ca", value: uploaded, message: `uploads ${uploaded} CA certificates; a DPS holds at most ${LIMITS.caCertificates}` });
  }
  return problems;
}

function checkEnrollmentGroups(parsed: ParsedConfig, config: StackConfig): Problem[] {
  const problems: Problem[] = [];
  const uploadedCas = caEntries(config).filter(({ entry }) => entry.upload).map(({ entry }) => entry.name);
  const hubNames = config.hubs.map((hub) => hub.name);
  config.enrollmentGroups.forEach((group, i) => {
    const path = `enrollmentGroups[${i}]`;
    if (!ENROLLMENT_ID.test(group.enrollmentId)) {
      problems.push({ path: `${path}.enrollmentId`, value: group.enrollmentId, message: `allowed: ${ID_RULE}` });
    }
    problems.push(...checkCaReference(`${path}.caName`, group.caName, uploadedCas));
    if (group.secondaryCaName !== undefined) {
      problems.push(...checkCaReference(`${path}.secondaryCaName`, group.secondaryCaName, uploadedCas));
      if (group.secondaryCaName === group.caName) {
        problems.push({ path: `${path}.secondaryCaName`, value: group.secondaryCaName, message: "must differ from caName" });
      }
    }
    const givenHubs = parsed.enrollmentGroups[i].iotHubs ?? [];
    givenHubs.forEach((hub, j) => {
      if (!hubNames.includes(hub)) {
        problems.push({ path: `${path}.iotHubs[${j}]`, value: hub, message: `is not a hub of this stack; allowed: ${hubNames.join(", ")}` });
      }
    });
    problems.push(...duplicates(givenHubs, (j) => `${path}.iotHubs[${j}]`, "hub"));
    problems.push(...checkAllocation(path, group, parsed.enrollmentGroups[i].iotHubs !== undefined));
    problems.push(...checkTwin(`${path}.initialTwin.tags`, group.initialTwin?.tags));
    problems.push(...checkTwin(`${path}.initialTwin.properties.desired`, group.initialTwin?.properties?.desired));
    group.revokedDevices.forEach((device, j) => {
      if (!ENROLLMENT_ID.test(device.registrationId) || device.registrationId.length > 64) {
        problems.push({ path: `${path}.revokedDevices[${j}].registrationId`, value: device.registrationId, message: `allowed: ${ID_RULE}, at most 64 (a certificate CN)` });
      }
    });
  });
  const ids = config.enrollmentGroups.map((group) => group.enrollmentId);
  problems.push(...duplicates(ids, (i) => `enrollmentGroups[${i}].enrollmentId`, "enrollment id"));
  const revoked = config.enrollmentGroups.flatMap((group, i) => group.revokedDevices.map((device, j) => ({ id: device.registrationId, path: `enrollmentGroups[${i}].revokedDevices[${j}].registrationId` })));
  problems.push(...duplicates(revoked.map((r) => r.id), (k) => revoked[k].path, "revoked registration id"));
  return problems;
}

function checkCaReference(path: string, caName: string, uploadedCas: string[]): Problem[] {
  if (uploadedCas.includes(caName)) return [];
  return [{ path, value: caName, message: `is not a CA uploaded to the DPS by this stack; allowed: ${uploadedCas.join(", ") || "(none: set upload: true on a CA)"}` }];
}

function checkAllocation(path: string, group: EnrollmentGroupConfig, hubsGiven: boolean): Problem[] {
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
    const url = group.webhookUrl;
    if (url !== undefined && url !== SECRET_PLACEHOLDER && !/^https:\/\/[^\s/]+/.test(url)) {
      problems.push({ path: `${path}.webhookUrl`, value: url, message: "must be an https:// URL" });
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

/** Twin property names: not reserved, no `$` first, no `.` or space (Azure's rules for twin keys). */
function checkTwin(path: string, properties: Record<string, unknown> | undefined): Problem[] {
  if (properties === undefined) return [];
  const problems: Problem[] = [];
  for (const [key, value] of Object.entries(properties)) {
    const keyPath = `${path}.${key}`;
    if (RESERVED_TWIN_KEYS.has(key) || key.startsWith("$")) {
      problems.push({ path: keyPath, value: key, message: "is a twin property name Azure reserves (version, count, metadata, or starting with $)" });
    } else if (/[.\s]/.test(key)) {
      problems.push({ path: keyPath, value: key, message: "twin property names may not contain a period or white space" });
    }
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      problems.push(...checkTwin(keyPath, value as Record<string, unknown>));
    }
  }
  return problems;
}

/** One problem for each repeat of a name, compared case-insensitively as Azure compares its names and ids. */
function duplicates(names: string[], pathOf: (index: number) => string, what: string): Problem[] {
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
