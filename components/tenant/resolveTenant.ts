/**
 * A tenant stack's config resolved against its platform's outputs: names get the `<tenant>-` prefix, groups get the
 * platform's hubs and policy as defaults, and the isolation and capacity rules are checked. Pure.
 */
import type { CaEntryConfig, EnrollmentGroupConfig, KeyVaultConfig, SmokeTestConfig, TenantStackConfig } from "../config";
import { tenantPrefixed } from "../config";
import { checkCaChain } from "../config/caRules";
import { checkEnrollmentGroups, checkSmokeTest, intermediateEntries, uploadedCaNames } from "../config/checks";
import { checkGroupSpecs } from "../config/groupSpecRules";
import type { Problem } from "../config/problems";
import type { DeployerConfig } from "../config/deployer";
import { reservedCaSlots, signingOnlyCaNames, withoutSigningOnlyUploads } from "../config/caSlots";
import type { PlatformFacts } from "./platformOutputs";
import { checkPlatformEndpoints } from "./platformEndpoints";

/** A tenant stack ready to declare. */
export interface ResolvedTenant {
  readonly tenant: string;
  readonly platform: string;
  /** The tenant's intermediates, names prefixed. */
  readonly intermediates: CaEntryConfig[];
  /** The tenant's groups, ids and CA names prefixed, hubs and policy resolved. */
  readonly enrollmentGroups: EnrollmentGroupConfig[];
  readonly armEndpoint?: string;
  readonly exportIntermediateKeys: boolean;
  /** The smoke test, its group id prefixed. */
  readonly smokeTest?: SmokeTestConfig;
  readonly facts: PlatformFacts;
  /** The tenant's own vault, for intermediates with keyStore keyVault. */
  readonly keyVault?: KeyVaultConfig;
  /** `azure-native:location` of the tenant stack (where its vault goes). */
  readonly location?: string;
  /** `dps-x509:deployer`: the identity running `up`. */
  readonly deployer?: DeployerConfig;
}

export function resolveTenant(config: TenantStackConfig, facts: PlatformFacts): { ok: true; tenant: ResolvedTenant } | { ok: false; problems: Problem[] } {
  const prefixed = (value: string) => tenantPrefixed(config.tenant, value);
  const hubNames = Object.keys(facts.hubHostNames);
  // The platform decides how this tenant's intermediates are attested: held as signing certificates in its groups
  // (no upload, no proof, no CA slot) or uploaded and referenced.
  const heldBySigning = facts.capacity.tenants[config.tenant]?.attestation === "signingCertificate";
  const enrollmentGroups: EnrollmentGroupConfig[] = config.enrollmentGroups.map((group) => ({
    ...group,
    attestation: heldBySigning ? "signingCertificate" : group.attestation,
    enrollmentId: prefixed(group.enrollmentId),
    caName: prefixed(group.caName),
    secondaryCaName: group.secondaryCaName === undefined ? undefined : prefixed(group.secondaryCaName),
    allocationPolicy: group.allocationPolicy ?? facts.allocationPolicy,
    iotHubs: group.iotHubs ?? hubNames,
  }));
  const intermediates = withoutSigningOnlyUploads(
    config.ca.intermediates.map((entry) => ({ ...entry, name: prefixed(entry.name) })),
    signingOnlyCaNames(enrollmentGroups),
  );
  const smokeTest = config.smokeTest && {
    ...config.smokeTest,
    enrollmentId: config.smokeTest.enrollmentId === undefined ? undefined : prefixed(config.smokeTest.enrollmentId),
  };

  const problems = [
    ...checkTenantListed(config, facts),
    ...checkStatedAttestations(config, facts),
    ...checkPlatformEndpoints(facts, config.platform, config.azureEnvironment),
    ...checkIsolation(config, intermediates, enrollmentGroups, facts),
  ];
  // Every problem at once: the reference checks too, except at a key the isolation check already refused.
  const refused = new Set(problems.map((problem) => problem.path));
  const references = [
    ...checkEnrollmentGroups({
      groups: enrollmentGroups,
      givenHubs: config.enrollmentGroups.map((group) => group.iotHubs),
      uploadedCas: uploadedCaNames(intermediateEntries(intermediates)),
      stackCas: intermediates.map((entry) => entry.name),
      hubNames,
    }),
    ...checkSmokeTest(smokeTest, enrollmentGroups, intermediateEntries(intermediates)),
    // The brought intermediates against the platform's root, and lifetimes against its expiry (as the CA provider checks).
    ...checkCaChain({ intermediates: intermediateEntries(intermediates), externalRootPem: facts.rootCaCertificatePem, now: new Date() }).filter(
      (problem) => /\.(certificatePem|privateKeyPem|validityDays|renewBeforeDays)$/.test(problem.path) || problem.path.startsWith("ca.root"),
    ),
  ].filter((problem) => !refused.has(problem.path));
  problems.push(...references);
  problems.push(...checkGroupSpecs(enrollmentGroups, problems, (hub) => facts.hubHostNames[hub] ?? `${hub}.azure-devices.net`));
  problems.push(...checkCapacity(config, intermediates, enrollmentGroups, facts));
  if (problems.length) return { ok: false, problems };
  return {
    ok: true,
    tenant: {
      tenant: config.tenant,
      platform: config.platform,
      intermediates,
      enrollmentGroups,
      armEndpoint: config.armEndpoint,
      exportIntermediateKeys: config.exportIntermediateKeys,
      smokeTest,
      facts,
      keyVault: config.keyVault,
      location: config.location,
      deployer: config.deployer,
    },
  };
}

/**
 * The platform decides how a tenant's intermediates are attested (its `tenants[].attestation`, else
 * `tenantDefaults.attestation`, exported as `capacity.tenants.<tenant>.attestation`). A group of the tenant's that
 * states another is a contradiction: refused, naming both values and where each is set, never silently overridden.
 */
function checkStatedAttestations(config: TenantStackConfig, facts: PlatformFacts): Problem[] {
  const reservation = facts.capacity.tenants[config.tenant];
  if (!reservation) return []; // an unlisted tenant is refused on its own
  const platforms = reservation.attestation ?? "caReference";
  const where = reservation.attestation
    ? `the platform stack's dps-x509:tenants entry "${config.tenant}" (attestation, else tenantDefaults.attestation), exported as capacity.tenants.${config.tenant}.attestation`
    : `the platform's outputs, which name no attestation for "${config.tenant}" (a platform before signing certificates: caReference)`;
  return (config.statedAttestations ?? []).flatMap((stated, i) =>
    stated === undefined || stated === platforms
      ? []
      : [{
          path: `enrollmentGroups[${i}].attestation`,
          value: stated,
          message: `is set to ${stated} in this tenant stack's config, but the platform ${config.platform} attests tenant ${config.tenant} by ${platforms} (set in ${where}); remove attestation here (the platform's choice applies) or ask the platform to change it`,
        }],
  );
}

function otherTenants(config: TenantStackConfig, facts: PlatformFacts): string[] {
  return Object.keys(facts.capacity.tenants).filter((name) => name !== config.tenant);
}

function checkTenantListed(config: TenantStackConfig, facts: PlatformFacts): Problem[] {
  const listed = Object.keys(facts.capacity.tenants);
  if (listed.includes(config.tenant)) return [];
  // A platform that lists no tenant serves none: it is not an open door.
  const serves = listed.length ? `it serves: ${listed.join(", ")}` : "it lists no tenants";
  return [{ path: "tenant", value: config.tenant, message: `is not a tenant of the platform ${config.platform}; ${serves} (the platform adds a tenant to dps-x509:tenants)` }];
}

/** Who owns a name in the shared DPS, if not this tenant: the platform or another tenant. */
function ownerOf(value: string, config: TenantStackConfig, platformNames: string[], facts: PlatformFacts): string | undefined {
  const lower = value.toLowerCase();
  if (platformNames.some((name) => name.toLowerCase() === lower)) return "the platform";
  const other = otherTenants(config, facts).find((tenant) => lower.startsWith(`${tenant}-`));
  return other === undefined ? undefined : `tenant ${other}`;
}

/** A tenant names only its own CAs and groups: never the platform's, never another tenant's. */
function checkIsolation(config: TenantStackConfig, intermediates: CaEntryConfig[], groups: EnrollmentGroupConfig[], facts: PlatformFacts): Problem[] {
  const problems: Problem[] = [];
  const ownCas = intermediates.map((entry) => entry.name);
  // What to offer instead depends on the key: a CA reference may name the tenant's own CAs; a name or id of its own
  // must simply be another one (it gets the tenant's prefix).
  const ownNameHint = (what: string) => `choose another ${what}: a tenant's ${what}s get its prefix "${config.tenant}-"`;
  const refuse = (path: string, written: string, resolved: string, platformNames: string[], what: string, hint: string) => {
    const owner = ownerOf(written, config, platformNames, facts) ?? ownerOf(resolved, config, platformNames, facts);
    if (owner) problems.push({ path, value: written, message: `is a ${what} of ${owner} on the shared DPS; ${hint}` });
  };
  const caReferenceHint = `a tenant stack may only use its own CAs: ${ownCas.join(", ")}`;
  config.ca.intermediates.forEach((entry, i) => refuse(`ca.intermediates[${i}].name`, entry.name, intermediates[i].name, facts.caNames, "CA", ownNameHint("CA name")));
  config.enrollmentGroups.forEach((group, i) => {
    refuse(`enrollmentGroups[${i}].enrollmentId`, group.enrollmentId, groups[i].enrollmentId, facts.enrollmentGroupIds, "group", ownNameHint("enrollment id"));
    refuse(`enrollmentGroups[${i}].caName`, group.caName, groups[i].caName, facts.caNames, "CA", caReferenceHint);
    if (group.secondaryCaName !== undefined) {
      refuse(`enrollmentGroups[${i}].secondaryCaName`, group.secondaryCaName, groups[i].secondaryCaName!, facts.caNames, "CA", caReferenceHint);
    }
  });
  return problems;
}

/** The shared DPS holds at most 25 CAs and 100 X.509 groups: the platform's own, other tenants' shares, and ours. */
function checkCapacity(config: TenantStackConfig, intermediates: CaEntryConfig[], groups: EnrollmentGroupConfig[], facts: PlatformFacts): Problem[] {
  const problems: Problem[] = [];
  const { limits, used, tenants } = facts.capacity;
  const own = { caCertificates: intermediates.filter((entry) => entry.upload).length, enrollmentGroups: groups.length };
  const labels = { caCertificates: "CA certificates", enrollmentGroups: "enrollment groups" } as const;
  const paths = { caCertificates: "ca.intermediates", enrollmentGroups: "enrollmentGroups" } as const;
  for (const kind of ["caCertificates", "enrollmentGroups"] as const) {
    const reservation = tenants[config.tenant]?.[kind];
    if (reservation !== undefined && own[kind] > reservation) {
      problems.push({ path: paths[kind], value: own[kind], message: `${own[kind]} ${labels[kind]} exceed the ${reservation} the platform ${config.platform} reserves for tenant ${config.tenant}` });
      continue;
    }
    // A tenant held by signing certificates reserves no CA slot.
    const othersReserved = otherTenants(config, facts).reduce((sum, tenant) => sum + (kind === "caCertificates" ? reservedCaSlots(tenants[tenant]) : tenants[tenant][kind]), 0);
    const total = used[kind] + othersReserved + own[kind];
    // A tenant that takes none of this kind (its intermediates held as signing certificates) cannot overfill it.
    if (own[kind] > 0 && total > limits[kind]) {
      problems.push({
        path: paths[kind],
        value: own[kind],
        message: `${own[kind]} ${labels[kind]} would bring the shared DPS to ${total} (platform ${used[kind]}, other tenants ${othersReserved}); it holds at most ${limits[kind]}`,
      });
    }
  }
  return problems;
}
