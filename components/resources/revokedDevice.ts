import * as pulumi from "@pulumi/pulumi";
import { REVOKED_DEVICE_PROVIDER_VERSION } from "../providers/revokedDevice";
import { ProjectDynamicResource } from "../providers/shim";

export interface RevokedDeviceArgs {
  /** The device's registration id: its certificate's common name. Changing it replaces the enrollment. */
  readonly registrationId: pulumi.Input<string>;
  /** The device's certificate (PEM), carried by the disabled individual enrollment that blocks it. */
  readonly certificatePem: pulumi.Input<string>;
  /** The DPS service host, `<dps>.azure-devices-provisioning.net`. Changing it replaces the enrollment. */
  readonly serviceHostName: pulumi.Input<string>;
  /** The `provisioningserviceowner` connection string (made secret). Absent: DefaultAzureCredential. */
  readonly connectionString?: pulumi.Input<string>;
  /** When this stack assigned the DPS data role to its identity: 401/403 are retried while the role propagates. */
  readonly dataRoleAssignedAt?: pulumi.Input<string>;
  /** Take over the individual enrollment of this registration id that already exists: PUT these values with its etag. */
  readonly adopt?: boolean;
}

/**
 * A device blocked from provisioning: a disabled X.509 individual enrollment with its certificate. Removing
 * the resource deletes the enrollment and so un-revokes the device.
 */
export class RevokedDevice extends ProjectDynamicResource {
  public readonly registrationId!: pulumi.Output<string>;
  public readonly certificatePem!: pulumi.Output<string>;
  public readonly serviceHostName!: pulumi.Output<string>;
  public readonly connectionString!: pulumi.Output<string | undefined>;
  public readonly providerVersion!: pulumi.Output<string>;
  public readonly etag!: pulumi.Output<string>;
  /** When adopted: the fields the stack changed in the enrollment it took over (empty: it already matched). */
  public readonly adoptedChanges!: pulumi.Output<string[] | undefined>;
  /** SHA-256 thumbprint of the certificate, as DPS reports it. */
  public readonly sha256Thumbprint!: pulumi.Output<string>;
  /** As last read from DPS: `disabled`, unless it was enabled by hand since. */
  public readonly provisioningStatus!: pulumi.Output<string>;

  constructor(name: string, args: RevokedDeviceArgs, opts?: pulumi.CustomResourceOptions) {
    const props = {
      registrationId: args.registrationId,
      certificatePem: args.certificatePem,
      serviceHostName: args.serviceHostName,
      connectionString: args.connectionString === undefined ? undefined : pulumi.secret(args.connectionString),
      dataRoleAssignedAt: args.dataRoleAssignedAt,
      providerVersion: REVOKED_DEVICE_PROVIDER_VERSION,
      // Only when set: revoked devices made before adoption keep the inputs they had (no diff on upgrade).
      ...(args.adopt ? { adopt: true } : {}),
      adoptedChanges: undefined,
      etag: undefined,
      sha256Thumbprint: undefined,
      provisioningStatus: undefined,
    };
    // The state holds a shim that loads revokedDeviceProvider from the project when called (shim.ts, registry.ts).
    super("revokedDevice", name, props, {
      ...opts,
      additionalSecretOutputs: [...new Set([...(opts?.additionalSecretOutputs ?? []), "connectionString"])],
    }, "dps-x509", "RevokedDevice");
  }
}
