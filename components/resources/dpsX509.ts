import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as resources from "@pulumi/azure-native/resources";
import { CertificateAuthority, type CaEntryArgs } from "./certificateAuthority";
import type { CaEntryConfig, StackConfig } from "../config";
import { declareEnrollmentGroups, declareSmokeTest, declareVerifiedCas, type EnrollmentSet } from "./dpsEnrollments";
import { ProvisioningService } from "./provisioningService";
import { assignDpsDataRole } from "./dpsDataRole";
import type { SmokeTest } from "./smokeTest";
import type { VerifiedCaCertificate } from "./verifiedCaCertificate";

export interface DpsX509Args {
  /** The checked config of a platform stack (components/config/). */
  readonly config: StackConfig;
}

/**
 * The whole X.509 provisioning set-up of a platform stack: resource group, CA chain, hubs and DPS, the CAs uploaded
 * and proved, and the enrollment groups. Dependencies order `pulumi up`: hubs before the DPS that links them, a CA's
 * verification before any group that names it, groups deleted before their CA on destroy.
 */
export class DpsX509 extends pulumi.ComponentResource {
  readonly config: StackConfig;
  readonly resourceGroup: resources.ResourceGroup;
  readonly ca: CertificateAuthority;
  readonly provisioning: ProvisioningService;
  /** The subscription of the deployment (and of the DPS). */
  readonly subscriptionId: pulumi.Output<string>;
  /** Uploaded (and, where configured, proved) CA certificates by their DPS certificate name. */
  readonly verifiedCas: Map<string, VerifiedCaCertificate>;
  readonly enrollments: EnrollmentSet;
  /** Present when `smokeTest` is configured. */
  readonly smokeTest?: SmokeTest;
  /** The DPS data-plane role of the running identity, when this stack assigns it (docs/dps-auth.md). */
  readonly dpsDataRole?: authorization.RoleAssignment;

  constructor(name: string, args: DpsX509Args, opts?: pulumi.ComponentResourceOptions) {
    super("dps-x509:index:DpsX509", name, {}, opts);
    const config = (this.config = args.config);

    this.resourceGroup = new resources.ResourceGroup(
      `${name}-rg`,
      { resourceGroupName: config.resourceGroupName, location: config.location },
      { parent: this },
    );
    const resourceGroupName = this.resourceGroup.name;

    this.ca = new CertificateAuthority(
      `${name}-ca`,
      { root: caEntryArgs(config.ca.root), intermediates: config.ca.intermediates.map(caEntryArgs) },
      { parent: this },
    );

    this.provisioning = new ProvisioningService(
      `${name}-provisioning`,
      { resourceGroupName, location: config.location, dps: config.dps, hubs: config.hubs, dpsAuth: config.dpsAuth },
      { parent: this },
    );

    const client = authorization.getClientConfigOutput({ parent: this });
    this.subscriptionId = client.subscriptionId;
    const dependsOnDps = [this.provisioning.dps];
    // Entra ID (default): the groups are written with the running identity, which gets the DPS data role here unless
    // the config says it is assigned by hand; the groups then wait for it, and retry 401/403 while it propagates.
    const entraId = (config.dpsAuth ?? "entraId") === "entraId";
    if (entraId && config.dpsDataRoleAssignment !== false) {
      this.dpsDataRole = assignDpsDataRole(
        `${name}-dps-data-role`,
        { subscriptionId: this.subscriptionId, dpsId: this.provisioning.dps.id, principalId: client.objectId },
        { parent: this },
      );
    }
    this.verifiedCas = declareVerifiedCas(
      this,
      name,
      [config.ca.root, ...config.ca.intermediates],
      this.ca,
      { subscriptionId: this.subscriptionId, resourceGroupName, dpsName: this.provisioning.dpsName, armEndpoint: config.armEndpoint },
      dependsOnDps,
    );
    const hubHostName = (hubName: string) => this.provisioning.hubs.get(hubName)!.hostName;
    this.enrollments = declareEnrollmentGroups(this, name, config.enrollmentGroups, {
      verifiedCas: this.verifiedCas,
      hubHostName,
      service: {
        serviceHostName: this.provisioning.serviceHostName,
        connectionString: this.provisioning.serviceConnectionString,
        dataRoleAssignedAt: this.dpsDataRole?.createdOn,
      },
      dependsOn: dependsOnDps,
    });
    this.smokeTest = declareSmokeTest(this, name, config.smokeTest, {
      groups: config.enrollmentGroups,
      enrollments: this.enrollments,
      ca: this.ca,
      idScope: this.provisioning.idScope,
      globalEndpoint: this.provisioning.globalDeviceEndpoint,
      hubHostName,
    });

    this.registerOutputs({
      idScope: this.provisioning.idScope,
      globalDeviceEndpoint: this.provisioning.globalDeviceEndpoint,
    });
  }
}

/** A CA entry of the config as the CertificateAuthority takes it; a brought private key is always a secret. */
export function caEntryArgs(entry: CaEntryConfig): CaEntryArgs {
  return {
    name: entry.name,
    commonName: entry.commonName,
    keySize: entry.keySize,
    validityDays: entry.validityDays,
    renewBeforeDays: entry.renewBeforeDays,
    certificatePem: entry.certificatePem,
    privateKeyPem: entry.privateKeyPem === undefined ? undefined : pulumi.secret(entry.privateKeyPem),
  };
}
