/**
 * Cross-checks of the day-two keys (docs/day-two.md): `ca.*.rotation`, `adopt` and `adoptExisting`. Each message
 * names the key, the value and what is allowed, like every other config check.
 */
import { rotatedEntry } from "../rotation/apply";
import { caKeyAvailable } from "./keyStoreChecks";
import { effectiveLimits } from "./quotas";
import type { Problem } from "./problems";
import type { CaEntryConfig, StackConfig } from "./schema";

/** DPS certificate names: letters, digits, `- . _` (as in checks.ts). */
const CERTIFICATE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

interface EntryAt {
  path: string;
  entry: CaEntryConfig;
}

/** The new DPS certificate names of the rotating CAs (groups may name them too). */
export function rotationNames(entries: ReadonlyArray<{ entry: CaEntryConfig }>): string[] {
  return entries.filter(({ entry }) => entry.upload && entry.rotation).map(({ entry }) => entry.rotation!.name);
}

export function checkDayTwo(config: StackConfig): Problem[] {
  const entries: EntryAt[] = [{ path: "ca.root", entry: config.ca.root }, ...config.ca.intermediates.map((entry, i) => ({ path: `ca.intermediates[${i}]`, entry }))];
  return [...checkRotations(config, entries), ...checkAdoption(config, entries)];
}

function checkRotations(config: StackConfig, entries: EntryAt[]): Problem[] {
  const problems: Problem[] = [];
  const taken = new Map(entries.map(({ path, entry }) => [entry.name.toLowerCase(), `${path}.name`]));
  for (const { path, entry } of entries) {
    const rotation = entry.rotation;
    if (!rotation) continue;
    const at = `${path}.rotation`;
    if (!CERTIFICATE_NAME.test(rotation.name)) {
      problems.push({ path: `${at}.name`, value: rotation.name, message: "allowed: 1–64 letters, digits and - . _, starting with a letter or digit" });
    }
    const clash = taken.get(rotation.name.toLowerCase());
    if (clash) {
      problems.push({ path: `${at}.name`, value: rotation.name, message: `is already used at ${clash}; the new CA needs a new DPS certificate name (the old one stays on the DPS until retire)` });
    } else {
      taken.set(rotation.name.toLowerCase(), `${at}.name`);
    }
    const brought = entry.certificatePem !== undefined;
    if (brought && rotation.certificatePem === undefined) {
      problems.push({ path: `${at}.certificatePem`, value: undefined, message: `is needed: ${path} is a brought CA, so the CA it rotates to is brought too (its certificatePem, and privateKeyPem as a secret)` });
    }
    if (rotation.privateKeyPem !== undefined && rotation.certificatePem === undefined) {
      problems.push({ path: `${at}.privateKeyPem`, value: rotation.privateKeyPem, message: "is given without certificatePem: bring both, or neither to generate the new CA" });
    }
    // The new CA keeps the entry's keyStore: a brought certificate whose key is in Key Vault can prove possession.
    if (!caKeyAvailable(rotatedEntry(entry)) && entry.upload && entry.verification === "proofOfPossession") {
      problems.push({
        path: `${at}.privateKeyPem`,
        value: undefined,
        message: `is needed for proof of possession of "${rotation.name}"; give the key (as a secret), import it into the stack's Key Vault (${path}.keyStore: keyVault), or set ${path}.verification to onUpload`,
      });
    }
    if (rotation.certificatePem === undefined && rotation.validityDays === undefined && entry.renewBeforeDays !== undefined && entry.renewBeforeDays >= entry.validityDays) {
      problems.push({ path: `${path}.renewBeforeDays`, value: entry.renewBeforeDays, message: `must be less than validityDays (${entry.validityDays}) for the new CA too` });
    }
  }

  // Rotating the root re-issues the chain: every intermediate rotates with it, at the same step.
  const rootRotation = config.ca.root.rotation;
  if (rootRotation) {
    config.ca.intermediates.forEach((entry, i) => {
      if (entry.rotation?.step !== rootRotation.step) {
        problems.push({
          path: `ca.intermediates[${i}].rotation`,
          value: entry.rotation?.step,
          message: `must be { step: ${rootRotation.step}, name: <new name> }: ca.root rotates (step ${rootRotation.step}), so each intermediate is re-issued under the new root at the same step`,
        });
      }
    });
    if (config.tenants.length > 0) {
      problems.push({
        path: "ca.root.rotation",
        value: rootRotation.step,
        message: `cannot rotate the root of a platform with tenants (${config.tenants.map((t) => t.name).join(", ")}) yet: their intermediates are signed by it, read from the output rootCaCertificatePem, and would be re-issued in place under the new root on their next up, stranding their devices; rotate the intermediates instead`,
      });
    }
    // A brought new root signs with its privateKeyPem, or in Key Vault when the root's keyStore is keyVault.
    const rootBroughtWithoutKey = !caKeyAvailable(rotatedEntry(config.ca.root));
    config.ca.intermediates.forEach((entry, i) => {
      if (rootBroughtWithoutKey && entry.rotation && entry.rotation.certificatePem === undefined) {
        problems.push({
          path: `ca.intermediates[${i}].rotation.certificatePem`,
          value: undefined,
          message: "is needed: the new root (ca.root.rotation) is brought without its private key (no privateKeyPem, and ca.root.keyStore is not keyVault), so nothing can sign a new intermediate",
        });
      }
    });
  }
  const root = config.ca.root;
  // A brought root signs new intermediates with its privateKeyPem, or in Key Vault (keyStore: keyVault).
  if (!rootRotation && !caKeyAvailable(root)) {
    config.ca.intermediates.forEach((entry, i) => {
      if (entry.rotation && entry.rotation.certificatePem === undefined) {
        problems.push({ path: `ca.intermediates[${i}].rotation.certificatePem`, value: undefined, message: "is needed: the root was brought without its private key (no privateKeyPem, and ca.root.keyStore is not keyVault), so the new intermediate must be brought too" });
      }
    });
  }

  // The two CA slots of a group are the rotation's while its CA rotates.
  const rotatingNames = new Map<string, string>();
  for (const { path, entry } of entries) {
    if (!entry.rotation) continue;
    rotatingNames.set(entry.name.toLowerCase(), path);
    rotatingNames.set(entry.rotation.name.toLowerCase(), path);
  }
  config.enrollmentGroups.forEach((group, i) => {
    const caPath = rotatingNames.get(group.caName.toLowerCase());
    const secondaryPath = group.secondaryCaName === undefined ? undefined : rotatingNames.get(group.secondaryCaName.toLowerCase());
    if ((caPath || secondaryPath) && group.secondaryCaName !== undefined) {
      problems.push({
        path: `enrollmentGroups[${i}].secondaryCaName`,
        value: group.secondaryCaName,
        message: `cannot be set while ${caPath ?? secondaryPath} rotates: the rotation sets the group's primary and secondary CA; remove secondaryCaName (and name the rotating CA in caName)`,
      });
    }
  });

  // During the overlap both certificates are on the DPS.
  const overlap = entries.filter(({ entry }) => entry.upload && entry.rotation && entry.rotation.step !== "retire").length;
  const uploaded = entries.filter(({ entry }) => entry.upload).length;
  const limit = effectiveLimits(config.quotas).caCertificates;
  if (overlap > 0 && uploaded + overlap > limit) {
    problems.push({ path: "ca", value: uploaded + overlap, message: `holds ${uploaded + overlap} CA certificates on the DPS during the rotation's overlap; a DPS holds at most ${limit}: rotate fewer CAs at once` });
  }
  return problems;
}

function checkAdoption(config: StackConfig, entries: EntryAt[]): Problem[] {
  const problems: Problem[] = [];
  const adoptsArm = config.adoptExisting === true || config.dps.adopt === true || config.hubs.some((hub) => hub.adopt === true);
  if (adoptsArm && !config.subscriptionId) {
    problems.push({
      path: "azure-native:subscriptionId",
      value: undefined,
      message: "is needed to adopt the resource group, hubs and DPS (Pulumi imports them by their ARM id, /subscriptions/<id>/…): `pulumi config set azure-native:subscriptionId <id>` (`az account show --query id`)",
    });
  } else if (adoptsArm && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(config.subscriptionId!)) {
    problems.push({ path: "azure-native:subscriptionId", value: config.subscriptionId, message: "must be a subscription id (a GUID), as `az account show --query id` prints it" });
  }
  for (const { path, entry } of entries) {
    const adopts = entry.adopt === true || (config.adoptExisting === true && entry.adopt !== false);
    if (!adopts || !entry.upload) continue;
    if (entry.certificatePem === undefined) {
      problems.push({
        path: `${path}.certificatePem`,
        value: undefined,
        message: `is needed to adopt "${entry.name}": bring the certificate the DPS holds (matched by thumbprint), and its key as a secret (${path}.privateKeyPem), or set ${path}.adopt to false to upload a new CA`,
      });
    }
  }
  return problems;
}

/** A tenant stack's intermediates: rotation and adoption are run from the platform stack in this version. */
export function checkTenantDayTwo(intermediates: CaEntryConfig[]): Problem[] {
  const problems: Problem[] = [];
  intermediates.forEach((entry, i) => {
    if (entry.rotation) {
      problems.push({ path: `ca.intermediates[${i}].rotation`, value: entry.rotation.step, message: "is not supported on a tenant stack yet: rotate by adding the new intermediate as a second entry, naming it in the groups' secondaryCaName, then swapping and removing the old one" });
    }
    if (entry.adopt) {
      problems.push({ path: `ca.intermediates[${i}].adopt`, value: entry.adopt, message: "is not supported on a tenant stack: a certificate with the same thumbprint is taken over anyway; bring it with certificatePem and privateKeyPem" });
    }
  });
  return problems;
}
