/** The upload of one CA certificate to DPS, as a resource (the provider: components/providers/dpsCertificate.ts). */
import * as pulumi from "@pulumi/pulumi";
import type { DpsCertificateTargetArgs } from "../azure/dpsCertificates";
import { DPS_CERTIFICATE_PROVIDER_VERSION } from "../providers/dpsCertificate";
import { LEGACY_DPS_CERTIFICATE_TYPE } from "../providers/legacyDpsCertificate";
import { ProjectDynamicResource } from "../providers/shim";

export interface DpsCertificateUploadArgs extends DpsCertificateTargetArgs {
  /** Ask Azure to mark it verified on upload (`onUpload`); false leaves verification to proof of possession. */
  readonly isVerified: pulumi.Input<boolean>;
  /** Taking over a certificate already on the DPS (same thumbprint) is intended. */
  readonly adopt?: pulumi.Input<boolean>;
}

/** One CA certificate uploaded to DPS (see `dpsCertificateProvider`). */
export class DpsCertificateUpload extends ProjectDynamicResource {
  public readonly subscriptionId!: pulumi.Output<string>;
  public readonly resourceGroupName!: pulumi.Output<string>;
  public readonly dpsName!: pulumi.Output<string>;
  public readonly certificateName!: pulumi.Output<string>;
  public readonly certificatePem!: pulumi.Output<string>;
  public readonly providerVersion!: pulumi.Output<string>;
  /** The certificate's name as Azure reports it. */
  public readonly name!: pulumi.Output<string>;
  /** SHA-1 thumbprint, upper-case hex, as Azure reports it. */
  public readonly thumbprint!: pulumi.Output<string>;
  public readonly etag!: pulumi.Output<string>;
  /** As Azure reported it at the last create, update or refresh. */
  public readonly isVerified!: pulumi.Output<boolean>;
  /** The certificate's expiry as Azure reports it, ISO 8601. */
  public readonly expiry!: pulumi.Output<string>;
  public readonly requestedIsVerified!: pulumi.Output<boolean>;

  constructor(name: string, args: DpsCertificateUploadArgs, opts?: pulumi.CustomResourceOptions) {
    // The state holds a shim that loads dpsCertificateProvider from the project when called (shim.ts, registry.ts).
    super(
      "dpsCertificate",
      name,
      {
        ...args,
        providerVersion: DPS_CERTIFICATE_PROVIDER_VERSION,
        name: undefined,
        thumbprint: undefined,
        etag: undefined,
        expiry: undefined,
        requestedIsVerified: undefined,
      },
      // Until commit 686a1f2 the upload was azure-native's DpsCertificate, under the same name and parent: the
      // alias makes Pulumi (and `plan --against`) see one resource, not a create and a delete of one certificate.
      { ...opts, aliases: [...(opts?.aliases ?? []), { type: LEGACY_DPS_CERTIFICATE_TYPE }] },
      "dps-x509",
      "DpsCertificateUpload",
    );
  }
}
