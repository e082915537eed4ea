/**
 * What platform and tenant stacks declare alike on a DPS: each uploaded CA (with its proof of possession) and each
 * enrollment group with its revoked devices. A group depends on the verification of every CA it names and on
 * whatever the caller says (the DPS and its hub links, on a platform stack).
 */
import * as pulumi from "@pulumi/pulumi";
import type { DeviceRegistryNames } from "../requests/deviceRegistryNames";
import type { CertificateAuthority } from "./certificateAuthority";
import type { CaEntryConfig, EnrollmentGroupConfig, SmokeTestConfig } from "../config";
import { EnrollmentGroup } from "./enrollmentGroup";
import type { IndividualEnrollment } from "./individualEnrollment";
import { RevokedDevice } from "./revokedDevice";
import { SmokeTest } from "./smokeTest";
import { VerifiedCaCertificate } from "./verifiedCaCertificate";
import { adopts } from "../adoption/importIds";

/** The DPS the certificates go to (ARM). */
export interface DpsTarget {
  readonly subscriptionId: pulumi.Input<string>;
  readonly resourceGroupName: pulumi.Input<string>;
  readonly dpsName: pulumi.Input<string>;
  readonly armEndpoint?: string;
}

/** The DPS service API the groups go to. */
export interface DpsService {
  readonly serviceHostName: pulumi.Input<string>;
  /** The `provisioningserviceowner` connection string (secret); absent: DefaultAzureCredential (Azure RBAC). */
  readonly connectionString?: pulumi.Input<string>;
  /** When this stack assigned the DPS data role (its createdOn): 401/403 are retried while it propagates. */
  readonly dataRoleAssignedAt?: pulumi.Input<string>;
}

/** Uploads each CA with `upload: true` and proves possession where configured; keyed by DPS certificate name. */
export function declareVerifiedCas(
  parent: pulumi.Resource,
  name: string,
  entries: CaEntryConfig[],
  ca: CertificateAuthority,
  target: DpsTarget,
  dependsOn: pulumi.Input<pulumi.Resource>[],
  adoptExisting?: boolean,
): Map<string, VerifiedCaCertificate> {
  const verified = new Map<string, VerifiedCaCertificate>();
  for (const entry of entries.filter((candidate) => candidate.upload)) {
    const issued = ca.certificates[entry.name];
    verified.set(
      entry.name,
      new VerifiedCaCertificate(
        `${name}-cert-${entry.name}`,
        {
          certificateName: entry.name,
          subscriptionId: target.subscriptionId,
          resourceGroupName: target.resourceGroupName,
          dpsName: target.dpsName,
          certificatePem: issued.certificatePem,
          privateKeyPem: entry.keyStore === "keyVault" ? undefined : issued.privateKeyPem,
          keyId: entry.keyStore === "keyVault" ? issued.keyId : undefined,
          verification: entry.verification,
          armEndpoint: target.armEndpoint,
          ...(adopts(adoptExisting, entry.adopt) ? { adopt: true } : {}),
        },
        { parent, dependsOn },
      ),
    );
  }
  return verified;
}

export interface EnrollmentSet {
  readonly groups: Map<string, EnrollmentGroup>;
  readonly revokedDevices: RevokedDevice[];
  /** The individual enrollments by registration id (individualEnrollments.ts). */
  readonly individualEnrollments?: Map<string, IndividualEnrollment>;
}

/** What a group and an individual enrollment both take from their config: status, allocation, hubs, twin, … */
export function enrollmentFieldsOf(
  config: Pick<EnrollmentGroupConfig, "provisioningStatus" | "allocationPolicy" | "iotHubs" | "webhookUrl" | "apiVersion" | "initialTwin" | "reprovisionPolicy" | "edgeEnabled"> & { deviceRegistry?: DeviceRegistryNames },
  hubHostName: (hubName: string) => pulumi.Input<string>,
) {
  return {
    provisioningStatus: config.provisioningStatus,
    allocationPolicy: config.allocationPolicy,
    iotHubHostNames: config.iotHubs.map(hubHostName),
    // The URL carries a function key: secret from here on (the resources keep it so).
    customAllocation: config.webhookUrl !== undefined && config.apiVersion !== undefined ? { webhookUrl: pulumi.secret(config.webhookUrl), apiVersion: config.apiVersion } : undefined,
    initialTwin: config.initialTwin,
    reprovisionPolicy: config.reprovisionPolicy,
    edgeEnabled: config.edgeEnabled,
    // Only when set: classic enrollments keep the inputs they had (no diff on upgrade) and API 2021-10-01.
    ...(config.deviceRegistry ? { deviceRegistry: config.deviceRegistry } : {}),
  };
}

/** The groups and their revoked devices. `hubHostName` maps a hub's config name to its host name. */
export function declareEnrollmentGroups(
  parent: pulumi.Resource,
  name: string,
  groups: EnrollmentGroupConfig[],
  context: {
    verifiedCas: Map<string, VerifiedCaCertificate>;
    hubHostName: (hubName: string) => pulumi.Input<string>;
    service: DpsService;
    dependsOn: pulumi.Input<pulumi.Resource>[];
    /** Stack-level `adoptExisting`. */
    adoptExisting?: boolean;
    /** A CA's certificate (PEM) by name: what a signing-certificate group holds. */
    caCertificatePem?: (caName: string) => pulumi.Input<string>;
  },
): EnrollmentSet {
  const declared = new Map<string, EnrollmentGroup>();
  const revokedDevices: RevokedDevice[] = [];
  for (const group of groups) {
    const caNames = [group.caName, ...(group.secondaryCaName ? [group.secondaryCaName] : [])];
    const signing = group.attestation === "signingCertificate";
    // A CA reference waits for the CA's proof; a signing certificate is held in the group (its PEM is the dependency).
    const verifications = signing ? [] : caNames.map((caName) => context.verifiedCas.get(caName)!.ready);
    const held = signing
      ? {
        attestation: "signingCertificate" as const,
        primaryCertificatePem: context.caCertificatePem!(group.caName),
        ...(group.secondaryCaName ? { secondaryCertificatePem: context.caCertificatePem!(group.secondaryCaName) } : {}),
      }
      : {};
    declared.set(
      group.enrollmentId,
      new EnrollmentGroup(
        `${name}-group-${group.enrollmentId}`,
        {
          enrollmentId: group.enrollmentId,
          // Plain names, known in a preview: the ordering comes from dependsOn on the verifications below.
          primaryCaName: group.caName,
          secondaryCaName: group.secondaryCaName,
          ...held,
          ...enrollmentFieldsOf(group, context.hubHostName),
          ...(adopts(context.adoptExisting, group.adopt) ? { adopt: true } : {}),
          ...context.service,
        },
        { parent, dependsOn: [...verifications, ...context.dependsOn] },
      ),
    );
    for (const device of group.revokedDevices) {
      revokedDevices.push(
        new RevokedDevice(
          `${name}-revoked-${device.registrationId}`,
          { registrationId: device.registrationId, certificatePem: device.certificatePem, ...(adopts(context.adoptExisting, device.adopt) ? { adopt: true } : {}), ...context.service },
          { parent, dependsOn: context.dependsOn },
        ),
      );
    }
  }
  return { groups: declared, revokedDevices };
}

/**
 * The smoke test, when the config asks for one: a throwaway device certificate from the group's CA, registered once
 * the group is in place, and again whenever the group or its CA changes.
 */
export function declareSmokeTest(
  parent: pulumi.Resource,
  name: string,
  smokeTest: SmokeTestConfig | undefined,
  context: {
    groups: EnrollmentGroupConfig[];
    enrollments: EnrollmentSet;
    ca: CertificateAuthority;
    idScope: pulumi.Input<string>;
    globalEndpoint: pulumi.Input<string>;
    hubHostName: (hubName: string) => pulumi.Input<string>;
  },
): SmokeTest | undefined {
  if (!smokeTest) return undefined;
  // The config checks made sure the group exists and its CA has a key.
  const group = context.groups.find((candidate) => candidate.enrollmentId === (smokeTest.enrollmentId ?? context.groups[0].enrollmentId))!;
  const groupResource = context.enrollments.groups.get(group.enrollmentId)!;
  const issuer = context.ca.certificates[group.caName];
  return new SmokeTest(
    `${name}-smoke-test`,
    {
      registrationId: smokeTest.registrationId,
      idScope: context.idScope,
      globalEndpoint: context.globalEndpoint,
      issuerCertificatePem: issuer.certificatePem,
      ...(issuer.inVault
        ? { issuerKeyId: issuer.keyId as pulumi.Output<string> }
        : { issuerPrivateKeyPem: issuer.privateKeyPem as pulumi.Output<string> }),
      triggers: [groupResource.etag, issuer.thumbprint],
      expectedHubHostNames: group.iotHubs.map(context.hubHostName),
      // Device Registry issuance: the issued chain is checked up to the stack's root (the CLI keeps the self-signed ones).
      ...((group as { deviceRegistry?: DeviceRegistryNames }).deviceRegistry
        ? { issuedCertificateRootsPem: pulumi.all(Object.values(context.ca.certificates).map((c) => c.certificatePem)).apply((pems) => pems.join("\n")) }
        : {}),
    },
    { parent, dependsOn: [groupResource] },
  );
}
