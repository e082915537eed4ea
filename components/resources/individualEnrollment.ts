import * as pulumi from "@pulumi/pulumi";
import type { DeviceRegistryNames } from "../requests/deviceRegistryNames";
import { INDIVIDUAL_ENROLLMENT_PROVIDER_VERSION } from "../providers/individualEnrollment";
import { ProjectDynamicResource } from "../providers/shim";
import type { EnrollmentGroupSpec } from "../requests/enrollmentGroupRequest";

export interface IndividualEnrollmentArgs {
  /** The device's registration id (its certificate's CN). Changing it replaces the enrollment. */
  readonly registrationId: pulumi.Input<string>;
  /** The IoT Hub device id; absent: the registration id. */
  readonly deviceId?: pulumi.Input<string>;
  /** The device's certificate (PEM), held as `clientCertificates.primary`. */
  readonly certificatePem: pulumi.Input<string>;
  /** The device's next certificate (PEM), held as `clientCertificates.secondary`: rolls the certificate with no gap. */
  readonly secondaryCertificatePem?: pulumi.Input<string>;
  readonly provisioningStatus: pulumi.Input<EnrollmentGroupSpec["provisioningStatus"]>;
  readonly allocationPolicy: pulumi.Input<EnrollmentGroupSpec["allocationPolicy"]>;
  /** Host names of linked IoT hubs (exactly one for `static`). */
  readonly iotHubHostNames: pulumi.Input<pulumi.Input<string>[]>;
  /** Custom allocation webhook (the URL is made secret: it carries a function key). */
  readonly customAllocation?: pulumi.Input<{ webhookUrl: pulumi.Input<string>; apiVersion: pulumi.Input<string> }>;
  readonly initialTwin?: pulumi.Input<{ tags?: Record<string, unknown>; properties?: { desired?: Record<string, unknown> } }>;
  readonly reprovisionPolicy: pulumi.Input<EnrollmentGroupSpec["reprovisionPolicy"]>;
  readonly edgeEnabled: pulumi.Input<boolean>;
  /** Azure Device Registry issuance (DPS service API 2026-11-01): the namespace, its CA and that CA's policy. */
  readonly deviceRegistry?: pulumi.Input<DeviceRegistryNames>;
  /** The DPS service host, `<dps>.azure-devices-provisioning.net`. Changing it replaces the enrollment. */
  readonly serviceHostName: pulumi.Input<string>;
  /** The `provisioningserviceowner` connection string (made secret). Absent: DefaultAzureCredential. */
  readonly connectionString?: pulumi.Input<string>;
  /** When this stack assigned the DPS data role to its identity: 401/403 are retried while the role propagates. */
  readonly dataRoleAssignedAt?: pulumi.Input<string>;
  /** Take over an enrollment of this registration id that already exists. */
  readonly adopt?: boolean;
}

/** One device's X.509 individual enrollment, managed through the DPS service API. */
export class IndividualEnrollment extends ProjectDynamicResource {
  public readonly registrationId!: pulumi.Output<string>;
  public readonly deviceId!: pulumi.Output<string | undefined>;
  public readonly certificatePem!: pulumi.Output<string>;
  public readonly secondaryCertificatePem!: pulumi.Output<string | undefined>;
  public readonly provisioningStatus!: pulumi.Output<EnrollmentGroupSpec["provisioningStatus"]>;
  public readonly iotHubHostNames!: pulumi.Output<string[]>;
  public readonly providerVersion!: pulumi.Output<string>;
  /** When adopted: the fields the stack changed in the enrollment it took over. */
  public readonly adoptedChanges!: pulumi.Output<string[] | undefined>;
  /** The service's etag as last written or read. */
  public readonly etag!: pulumi.Output<string>;

  constructor(name: string, args: IndividualEnrollmentArgs, opts?: pulumi.CustomResourceOptions) {
    const ca = args.customAllocation;
    const props = {
      registrationId: args.registrationId,
      deviceId: args.deviceId,
      certificatePem: args.certificatePem,
      // Only when set: enrollments made before the secondary slot keep the inputs they had (no diff on upgrade).
      ...(args.secondaryCertificatePem !== undefined ? { secondaryCertificatePem: args.secondaryCertificatePem } : {}),
      provisioningStatus: args.provisioningStatus,
      allocationPolicy: args.allocationPolicy,
      iotHubHostNames: args.iotHubHostNames,
      customAllocation: ca === undefined ? undefined : pulumi.secret(ca),
      initialTwin: args.initialTwin,
      reprovisionPolicy: args.reprovisionPolicy,
      edgeEnabled: args.edgeEnabled,
      ...(args.deviceRegistry !== undefined ? { deviceRegistry: args.deviceRegistry } : {}),
      serviceHostName: args.serviceHostName,
      connectionString: args.connectionString === undefined ? undefined : pulumi.secret(args.connectionString),
      dataRoleAssignedAt: args.dataRoleAssignedAt,
      providerVersion: INDIVIDUAL_ENROLLMENT_PROVIDER_VERSION,
      ...(args.adopt ? { adopt: true } : {}),
      adoptedChanges: undefined,
      etag: undefined,
    };
    // The state holds a shim that loads individualEnrollmentProvider from the project when called (shim.ts, registry.ts).
    super("individualEnrollment", name, props, {
      ...opts,
      additionalSecretOutputs: [...new Set([...(opts?.additionalSecretOutputs ?? []), "connectionString", "customAllocation"])],
    }, "dps-x509", "IndividualEnrollment");
  }
}
