import * as pulumi from "@pulumi/pulumi";
import type { DeviceRegistryNames } from "../requests/deviceRegistryNames";
import { ENROLLMENT_GROUP_PROVIDER_VERSION } from "../providers/enrollmentGroup";
import { ProjectDynamicResource } from "../providers/shim";
import type { EnrollmentGroupSpec } from "../requests/enrollmentGroupRequest";

export interface EnrollmentGroupArgs {
  /** The enrollment group id: 1–128 letters, digits and `- . _ :`, no special character first or last. Changing it replaces the group. */
  readonly enrollmentId: pulumi.Input<string>;
  /** Name of the verified DPS CA certificate devices chain to. */
  readonly primaryCaName: pulumi.Input<string>;
  /** Name of a second verified DPS CA certificate (CA rollover). */
  readonly secondaryCaName?: pulumi.Input<string>;
  /** `caReference` (default: the names above are verified DPS certificates) or `signingCertificate` (held in the group). */
  readonly attestation?: EnrollmentGroupSpec["attestation"];
  /** signingCertificate: the certificate (PEM) of the CA named primaryCaName. */
  readonly primaryCertificatePem?: pulumi.Input<string>;
  /** signingCertificate: the certificate (PEM) of the CA named secondaryCaName. */
  readonly secondaryCertificatePem?: pulumi.Input<string>;
  /** `enabled`, or `disabled` to stop devices of the group from provisioning. */
  readonly provisioningStatus: pulumi.Input<EnrollmentGroupSpec["provisioningStatus"]>;
  /** `hashed | geoLatency | static | custom` (the service's casing). */
  readonly allocationPolicy: pulumi.Input<EnrollmentGroupSpec["allocationPolicy"]>;
  /** Host names of linked IoT hubs devices may be assigned to (exactly one for `static`). */
  readonly iotHubHostNames: pulumi.Input<pulumi.Input<string>[]>;
  /** Custom allocation webhook (secret: the URL carries a function key); required for `custom`, only for `custom`. */
  readonly customAllocation?: pulumi.Input<{ webhookUrl: pulumi.Input<string>; apiVersion: pulumi.Input<string> }>;
  /** Initial device twin: tags and desired properties. */
  readonly initialTwin?: pulumi.Input<{ tags?: Record<string, unknown>; properties?: { desired?: Record<string, unknown> } }>;
  /** What happens when a device provisions again: `reprovisionandmigratedata | reprovisionandresetdata | never`. */
  readonly reprovisionPolicy: pulumi.Input<EnrollmentGroupSpec["reprovisionPolicy"]>;
  /** Whether devices of the group are IoT Edge devices. */
  readonly edgeEnabled: pulumi.Input<boolean>;
  /** Azure Device Registry issuance (DPS service API 2026-11-01): the namespace, its CA and that CA's policy. */
  readonly deviceRegistry?: pulumi.Input<DeviceRegistryNames>;
  /** The DPS service host, `<dps>.azure-devices-provisioning.net`. Changing it replaces the group. */
  readonly serviceHostName: pulumi.Input<string>;
  /** The `provisioningserviceowner` connection string (made secret). Absent: DefaultAzureCredential. */
  readonly connectionString?: pulumi.Input<string>;
  /** Take over a group of this id that already exists: read it and PUT these values with its etag. */
  readonly adopt?: boolean;
  /** When this stack assigned the DPS data role to its identity: 401/403 are retried while the role propagates. */
  readonly dataRoleAssignedAt?: pulumi.Input<string>;
}

/** A DPS X.509 enrollment group (CA reference or signing certificate), managed through the DPS service API. */
export class EnrollmentGroup extends ProjectDynamicResource {
  public readonly enrollmentId!: pulumi.Output<string>;
  public readonly primaryCaName!: pulumi.Output<string>;
  public readonly secondaryCaName!: pulumi.Output<string | undefined>;
  public readonly provisioningStatus!: pulumi.Output<EnrollmentGroupSpec["provisioningStatus"]>;
  public readonly allocationPolicy!: pulumi.Output<EnrollmentGroupSpec["allocationPolicy"]>;
  public readonly iotHubHostNames!: pulumi.Output<string[]>;
  public readonly customAllocation!: pulumi.Output<{ webhookUrl: string; apiVersion: string } | undefined>;
  public readonly initialTwin!: pulumi.Output<EnrollmentGroupSpec["initialTwin"]>;
  public readonly reprovisionPolicy!: pulumi.Output<EnrollmentGroupSpec["reprovisionPolicy"]>;
  public readonly edgeEnabled!: pulumi.Output<boolean>;
  public readonly serviceHostName!: pulumi.Output<string>;
  public readonly connectionString!: pulumi.Output<string | undefined>;
  public readonly providerVersion!: pulumi.Output<string>;
  /** When adopted: the fields the stack changed in the group it took over (empty: it already matched). */
  public readonly adoptedChanges!: pulumi.Output<string[] | undefined>;
  /** The service's etag of the group as last written or read. */
  public readonly etag!: pulumi.Output<string>;
  public readonly createdDateTimeUtc!: pulumi.Output<string>;
  public readonly lastUpdatedDateTimeUtc!: pulumi.Output<string>;

  constructor(name: string, args: EnrollmentGroupArgs, opts?: pulumi.CustomResourceOptions) {
    const props = {
      enrollmentId: args.enrollmentId,
      primaryCaName: args.primaryCaName,
      secondaryCaName: args.secondaryCaName,
      // Only when set: groups made before signing certificates keep the inputs they had (no diff on upgrade).
      ...(args.attestation === "signingCertificate"
        ? { attestation: args.attestation, primaryCertificatePem: args.primaryCertificatePem, secondaryCertificatePem: args.secondaryCertificatePem }
        : {}),
      provisioningStatus: args.provisioningStatus,
      allocationPolicy: args.allocationPolicy,
      iotHubHostNames: args.iotHubHostNames,
      customAllocation: secretWebhook(args.customAllocation),
      initialTwin: args.initialTwin,
      reprovisionPolicy: args.reprovisionPolicy,
      edgeEnabled: args.edgeEnabled,
      ...(args.deviceRegistry !== undefined ? { deviceRegistry: args.deviceRegistry } : {}),
      serviceHostName: args.serviceHostName,
      connectionString: args.connectionString === undefined ? undefined : pulumi.secret(args.connectionString),
      dataRoleAssignedAt: args.dataRoleAssignedAt,
      providerVersion: ENROLLMENT_GROUP_PROVIDER_VERSION,
      ...(args.adopt ? { adopt: true } : {}),
      adoptedChanges: undefined,
      etag: undefined,
      createdDateTimeUtc: undefined,
      lastUpdatedDateTimeUtc: undefined,
    };
    const secrets = ["connectionString", "customAllocation"];
    // The state holds a shim that loads enrollmentGroupProvider from the project when called (shim.ts, registry.ts).
    super("enrollmentGroup", name, props, {
      ...opts,
      additionalSecretOutputs: [...new Set([...(opts?.additionalSecretOutputs ?? []), ...secrets])],
    }, "dps-x509", "EnrollmentGroup");
  }
}

/**
 * The webhook URL made secret where it sits, so that the API version stays readable (in the offline plan, in
 * the state's inputs). An Output of the whole object can only be made secret as a whole.
 */
function secretWebhook(ca: EnrollmentGroupArgs["customAllocation"]): pulumi.Input<{ webhookUrl: pulumi.Input<string>; apiVersion: pulumi.Input<string> }> | undefined {
  if (ca === undefined || ca === null) return undefined;
  if (pulumi.Output.isInstance(ca) || typeof (ca as PromiseLike<unknown>).then === "function") return pulumi.secret(ca);
  const plain = ca as { webhookUrl: pulumi.Input<string>; apiVersion: pulumi.Input<string> };
  return { webhookUrl: pulumi.secret(plain.webhookUrl), apiVersion: plain.apiVersion };
}
