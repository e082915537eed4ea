import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as resources from "@pulumi/azure-native/resources";
import { CertificateAuthority, type CaEntryArgs } from "./certificateAuthority";
import type { CaEntryConfig, EnrollmentGroupConfig, StackConfig } from "./config";
import { EnrollmentGroup } from "./enrollmentGroup";
import { ProvisioningService } from "./provisioningService";
import { RevokedDevice } from "./revokedDevice";
import { VerifiedCaCertificate } from "./verifiedCaCertificate";

export interface DpsX509Args {
  /** The checked stack config (components/config.ts). */
  readonly config: StackConfig;
}

/**
 * The whole X.509 provisioning set-up of one stack: resource group, CA chain, hubs and DPS, the CAs uploaded and
 * proved, and the enrollment groups. Dependencies order `pulumi up`: hubs before the DPS that links them, a CA's
 * verification before any group that names it, groups deleted before their CA on destroy.
 */
export class DpsX509 extends pulumi.ComponentResource {
  readonly resourceGroup: resources.ResourceGroup;
  readonly ca: CertificateAuthority;
  readonly provisioning: ProvisioningService;
  /** Uploaded (and, where configured, proved) CA certificates by their DPS certificate name. */
  readonly verifiedCas: Map<string, VerifiedCaCertificate>;
  readonly enrollmentGroups: Map<string, EnrollmentGroup>;
  readonly revokedDevices: RevokedDevice[];
  /** The root CA's name: its key stays out of the stack outputs. */
  readonly rootCaName: string;

  constructor(name: string, args: DpsX509Args, opts?: pulumi.ComponentResourceOptions) {
    super("dps-x509:index:DpsX509", name, {}, opts);
    const config = args.config;
    this.rootCaName = config.ca.root.name;

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
      { resourceGroupName, location: config.location, dps: config.dps, hubs: config.hubs },
      { parent: this },
    );

    const clientConfig = authorization.getClientConfigOutput({ parent: this });
    this.verifiedCas = new Map();
    for (const entry of [config.ca.root, ...config.ca.intermediates].filter((ca) => ca.upload)) {
      const issued = this.ca.certificates[entry.name];
      this.verifiedCas.set(
        entry.name,
        new VerifiedCaCertificate(
          `${name}-cert-${entry.name}`,
          {
            certificateName: entry.name,
            subscriptionId: clientConfig.subscriptionId,
            resourceGroupName,
            dpsName: this.provisioning.dpsName,
            certificatePem: issued.certificatePem,
            privateKeyPem: issued.privateKeyPem,
            verification: entry.verification,
            armEndpoint: config.armEndpoint,
          },
          { parent: this, dependsOn: [this.provisioning.dps] },
        ),
      );
    }

    const service = {
      serviceHostName: this.provisioning.serviceHostName,
      connectionString: this.provisioning.serviceConnectionString,
    };
    this.enrollmentGroups = new Map();
    this.revokedDevices = [];
    for (const group of config.enrollmentGroups) {
      this.enrollmentGroups.set(group.enrollmentId, this.declareGroup(name, group, service));
      for (const device of group.revokedDevices) {
        this.revokedDevices.push(
          new RevokedDevice(
            `${name}-revoked-${device.registrationId}`,
            { registrationId: device.registrationId, certificatePem: device.certificatePem, ...service },
            { parent: this, dependsOn: [this.provisioning.dps] },
          ),
        );
      }
    }

    this.registerOutputs({
      idScope: this.provisioning.idScope,
      globalDeviceEndpoint: this.provisioning.globalDeviceEndpoint,
    });
  }

  /** One group, after the verification of each CA it names and after the DPS (with its hub links). */
  private declareGroup(
    name: string,
    group: EnrollmentGroupConfig,
    service: { serviceHostName: pulumi.Output<string>; connectionString: pulumi.Output<string> },
  ): EnrollmentGroup {
    const caNames = [group.caName, ...(group.secondaryCaName ? [group.secondaryCaName] : [])];
    const verifications = caNames.map((caName) => this.verifiedCas.get(caName)!);
    const hubHostNames = group.iotHubs.map((hubName) => this.provisioning.hubs.get(hubName)!.hostName);
    return new EnrollmentGroup(
      `${name}-group-${group.enrollmentId}`,
      {
        enrollmentId: group.enrollmentId,
        primaryCaName: verifications[0].certificateName,
        secondaryCaName: verifications[1]?.certificateName,
        provisioningStatus: group.provisioningStatus,
        allocationPolicy: group.allocationPolicy,
        iotHubHostNames: hubHostNames,
        customAllocation:
          group.webhookUrl !== undefined && group.apiVersion !== undefined
            ? { webhookUrl: pulumi.secret(group.webhookUrl), apiVersion: group.apiVersion }
            : undefined,
        initialTwin: group.initialTwin,
        reprovisionPolicy: group.reprovisionPolicy,
        edgeEnabled: group.edgeEnabled,
        ...service,
      },
      { parent: this, dependsOn: [...verifications.map((verified) => verified.ready), this.provisioning.dps] },
    );
  }
}

/** A CA entry of the config as the CertificateAuthority takes it; a brought private key is always a secret. */
function caEntryArgs(entry: CaEntryConfig): CaEntryArgs {
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

/** The stack outputs: what a user or a tenant stack reads. Public certificates in plain text, keys as secrets. */
export function stackOutputs(stack: DpsX509) {
  const certificates = stack.ca.certificates;
  return {
    resourceGroupName: stack.resourceGroup.name,
    dpsName: stack.provisioning.dpsName,
    idScope: stack.provisioning.idScope,
    globalDeviceEndpoint: stack.provisioning.globalDeviceEndpoint,
    serviceHostName: stack.provisioning.serviceHostName,
    hubHostNames: Object.fromEntries([...stack.provisioning.hubs].map(([hubName, hub]) => [hubName, hub.hostName])),
    caCertificates: Object.fromEntries(Object.entries(certificates).map(([caName, ca]) => [caName, ca.certificatePem])),
    caThumbprints: Object.fromEntries(Object.entries(certificates).map(([caName, ca]) => [caName, ca.thumbprint])),
    enrollmentGroupIds: [...stack.enrollmentGroups.keys()],
    /** Intermediates' keys, to issue device certificates (`npm run ca`). The root's key is not exported. */
    intermediatePrivateKeys: pulumi.secret(
      Object.fromEntries(
        Object.entries(certificates)
          .filter(([caName]) => caName !== stack.rootCaName)
          .map(([caName, ca]) => [caName, ca.privateKeyPem]),
      ),
    ),
    dpsConnectionString: stack.provisioning.serviceConnectionString,
  };
}
