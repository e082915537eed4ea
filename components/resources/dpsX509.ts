import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as resources from "@pulumi/azure-native/resources";
import { CertificateAuthority, type CaEntryArgs } from "./certificateAuthority";
import type { CaEntryConfig, KeyVaultConfig, StackConfig } from "../config";
import { importIds } from "../adoption/importIds";
import { environmentTags } from "../config/environment";
import { caKeySpec } from "../config/schema";
import { warnExpiringCas } from "../expiry/warn";
import { applyRotation, declaredCas, type DeclaredCa, type RotatedStack } from "../rotation/apply";
import { declareEnrollmentGroups, declareSmokeTest, declareVerifiedCas, type EnrollmentSet } from "./dpsEnrollments";
import { ProvisioningService } from "./provisioningService";
import { declareIndividualEnrollments } from "./individualEnrollments";
import { declareShards, type ShardFacts } from "./dpsShard";
import { CaKeyVault } from "./caKeyVault";
import { declareTenantCertificates, type TenantCertificates } from "./tenantSigning";
import type { HeldBackTenants, TenantCsrs } from "../tenant/tenantCsrs";
import { assignDpsDataRole } from "./dpsDataRole";
import type { DeployerConfig } from "../config/deployer";
import { deployerPrincipal } from "../deployer/deployerPrincipal";
import type { SmokeTest } from "./smokeTest";
import type { VerifiedCaCertificate } from "./verifiedCaCertificate";
import { DeviceRegistry } from "../deviceRegistry/deviceRegistry";

export interface DpsX509Args {
  /** The checked config of a platform stack (components/config/). */
  readonly config: StackConfig;
  /** The listed tenants' CSRs, read and checked before anything is declared (components/tenant/tenantCsrs.ts). */
  readonly tenantCsrs?: TenantCsrs[];
  /** Tenants held back (their outputs are wrong): their certificates stay as last signed (components/tenant/tenantCsrs.ts). */
  readonly heldBack?: HeldBackTenants;
}

/**
 * The whole X.509 provisioning set-up of a platform stack: resource group, CA chain, hubs and DPS, the CAs uploaded
 * and proved, and the enrollment groups. Dependencies order `pulumi up`: hubs before the DPS that links them, a CA's
 * verification before any group that names it, groups deleted before their CA on destroy.
 */
/**
 * The resource group: created by the stack (`resourceGroupName`), or, with `resourceGroupExisting: true`, a group
 * someone else made, read by its ARM id (`ResourceGroup.get`: a read, shown as such by `pulumi preview` and the plan,
 * never created, changed or deleted by the stack; it needs Microsoft.Resources/subscriptions/resourceGroups/read).
 * Named differently from the declared group, so that Pulumi never takes one for the other.
 */
function declareResourceGroup(parent: pulumi.Resource, name: string, config: StackConfig, importId: string | undefined, subscriptionId: pulumi.Output<string>): resources.ResourceGroup {
  if (config.resourceGroupExisting) {
    const id = pulumi.interpolate`/subscriptions/${subscriptionId}/resourceGroups/${config.resourceGroupName}`;
    return resources.ResourceGroup.get(`${name}-rg-existing`, id, { parent });
  }
  return new resources.ResourceGroup(
    `${name}-rg`,
    { resourceGroupName: config.resourceGroupName, location: config.location, tags: environmentTags(config.environment) },
    { parent, import: importId },
  );
}

export class DpsX509 extends pulumi.ComponentResource {
  readonly config: StackConfig;
  /** The stack's resource group: declared, or read when `resourceGroupExisting` (never created or deleted then). */
  readonly resourceGroup: resources.ResourceGroup;
  readonly ca: CertificateAuthority;
  /** The vault of CA keys, when `keyVault` is configured. */
  readonly keyVault?: CaKeyVault;
  readonly provisioning: ProvisioningService;
  /** Every DPS by name: the primary (`provisioning`) first, then the shards (`shards` in config). */
  readonly shards: Map<string, ShardFacts>;
  /** The subscription of the deployment (and of the DPS). */
  readonly subscriptionId: pulumi.Output<string>;
  /** Uploaded (and, where configured, proved) CA certificates by their DPS certificate name. */
  readonly verifiedCas: Map<string, VerifiedCaCertificate>;
  readonly enrollments: EnrollmentSet;
  /** Present when `smokeTest` is configured. */
  readonly smokeTest?: SmokeTest;
  /** The CAs and group references of the rotations' current steps (components/rotation/). */
  readonly rotated: RotatedStack;
  /** The tenants' intermediates signed from their CSRs, by tenant then CA name. */
  readonly tenantCertificates: TenantCertificates;
  /** The DPS data-plane role of the running identity, when this stack assigns it (docs/dps-auth.md). */
  readonly dpsDataRole?: authorization.RoleAssignment;
  /** The Azure Device Registry namespace, CAs and policies, when `deviceRegistry` is configured. */
  readonly deviceRegistry?: DeviceRegistry;

  constructor(name: string, args: DpsX509Args, opts?: pulumi.ComponentResourceOptions) {
    super("dps-x509:index:DpsX509", name, {}, opts);
    const config = (this.config = args.config);
    const rotated = (this.rotated = applyRotation(config));
    const adopted = importIds(config);

    const client = authorization.getClientConfigOutput({ parent: this });
    this.subscriptionId = client.subscriptionId;
    this.resourceGroup = declareResourceGroup(this, name, config, adopted.resourceGroup, this.subscriptionId);
    const resourceGroupName = this.resourceGroup.name;

    this.keyVault = declareCaKeyVault(this, name, config.keyVault, { resourceGroupName, location: config.location, deployer: config.deployer });
    this.ca = new CertificateAuthority(
      `${name}-ca`,
      {
        root: caEntryArgs(rotated.roots[0]),
        additionalRoots: rotated.roots.slice(1).map(caEntryArgs),
        intermediates: rotated.intermediates.map(caEntryArgs),
        keyVault: this.keyVault?.forCertificateAuthority,
      },
      { parent: this },
    );

    // A DPS linked to a Device Registry namespace calls it with its system-assigned identity (docs/device-registry.md#the-link).
    const linksDeviceRegistry = config.deviceRegistry?.link === true;
    this.provisioning = new ProvisioningService(
      `${name}-provisioning`,
      { resourceGroupName, location: config.location, dps: config.dps, hubs: config.hubs, importIds: adopted, dpsAuth: config.dpsAuth, systemAssignedIdentity: linksDeviceRegistry },
      { parent: this },
    );

    const shards = declareShards(this, name, config, { resourceGroupName, location: config.location, hubs: config.hubs, linkedHubs: this.provisioning.hubs, hubsParent: this.provisioning, systemAssignedIdentity: linksDeviceRegistry });
    this.shards = new Map<string, ShardFacts>([[config.dps.name, this.provisioning], ...shards]);

    const dependsOnDps = [this.provisioning.dps];
    // Entra ID (default): the groups are written with the running identity, which gets the DPS data role here unless
    // the config says it is assigned by hand; the groups then wait for it, and retry 401/403 while it propagates.
    const entraId = (config.dpsAuth ?? "entraId") === "entraId";
    if (entraId && config.dpsDataRoleAssignment !== false) {
      this.dpsDataRole = assignDpsDataRole(
        `${name}-dps-data-role`,
        { subscriptionId: this.subscriptionId, dpsId: this.provisioning.dps.id, ...deployerPrincipal(this, config.deployer, client) },
        { parent: this },
      );
    }
    this.verifiedCas = declareVerifiedCas(
      this,
      name,
      declaredCas(rotated),
      this.ca,
      { subscriptionId: this.subscriptionId, resourceGroupName, dpsName: this.provisioning.dpsName, armEndpoint: config.armEndpoint },
      dependsOnDps,
      config.adoptExisting,
    );
    warnExpiringCas(declaredCas(rotated), this.ca, this.verifiedCas);
    if (config.deviceRegistry) {
      const dpsIds = new Map<string, pulumi.Input<string>>([[config.dps.name, this.provisioning.dps.id], ...[...shards].map(([n, s]): [string, pulumi.Input<string>] => [n, s.dps.id])]);
      this.deviceRegistry = new DeviceRegistry(`${name}-adr`, { config, subscriptionId: this.subscriptionId, resourceGroupName, dpsIds, stackCas: this.ca.certificates }, { parent: this });
    }
    // Enrollments wait for the Device Registry policies too (so they are deleted before them on destroy).
    const dependsOnEnrollments: pulumi.Resource[] = [...dependsOnDps, ...(this.deviceRegistry?.policies.values() ?? [])];
    const hubHostName = (hubName: string) => this.provisioning.hubs.get(hubName)!.hostName;
    const service = {
      serviceHostName: this.provisioning.serviceHostName,
      connectionString: this.provisioning.serviceConnectionString,
      dataRoleAssignedAt: this.dpsDataRole?.createdOn,
    };
    const groups = declareEnrollmentGroups(this, name, rotated.groups, {
      verifiedCas: this.verifiedCas,
      hubHostName,
      service,
      dependsOn: dependsOnEnrollments,
      adoptExisting: config.adoptExisting,
      caCertificatePem: (caName) => this.ca.certificates[caName].certificatePem,
    });
    const individualEnrollments = declareIndividualEnrollments(this, name, config.individualEnrollments ?? [], {
      hubHostName, service, dependsOn: dependsOnEnrollments, adoptExisting: config.adoptExisting,
    });
    this.enrollments = { ...groups, individualEnrollments };
    this.smokeTest = declareSmokeTest(this, name, config.smokeTest, {
      groups: rotated.groups,
      enrollments: this.enrollments,
      ca: this.ca,
      idScope: this.provisioning.idScope,
      globalEndpoint: this.provisioning.globalDeviceEndpoint,
      hubHostName,
    });

    this.tenantCertificates = declareTenantCertificates(this, name, args.tenantCsrs ?? [], this.ca.certificates[config.ca.root.name], config.ca.root.keyStore === "keyVault", args.heldBack);

    this.registerOutputs({
      idScope: this.provisioning.idScope,
      globalDeviceEndpoint: this.provisioning.globalDeviceEndpoint,
    });
  }
}

/** A CA entry of the config as the CertificateAuthority takes it; a brought private key is always a secret. */
export function caEntryArgs(entry: CaEntryConfig | DeclaredCa): CaEntryArgs {
  return {
    name: entry.name,
    commonName: entry.commonName,
    keySize: caKeySpec(entry),
    validityDays: entry.validityDays,
    renewBeforeDays: entry.renewBeforeDays,
    certificatePem: entry.certificatePem,
    privateKeyPem: entry.privateKeyPem === undefined ? undefined : pulumi.secret(entry.privateKeyPem),
    ...("issuerName" in entry && entry.issuerName !== undefined ? { issuerName: entry.issuerName } : {}),
    keyStore: entry.keyStore,
  };
}

/** The vault of CA keys, when the config names one. */
export function declareCaKeyVault(
  parent: pulumi.Resource,
  name: string,
  config: KeyVaultConfig | undefined,
  where: { resourceGroupName?: pulumi.Input<string>; location: string; deployer?: DeployerConfig },
): CaKeyVault | undefined {
  if (!config) return undefined;
  return new CaKeyVault(`${name}-keyvault`, { config, ...where }, { parent });
}
