/** Proof of possession of one uploaded CA certificate, as a resource (the provider: components/providers/caVerification.ts). */
import * as pulumi from "@pulumi/pulumi";
import type { DpsCertificateTargetArgs } from "../azure/dpsCertificates";
import { CA_VERIFICATION_PROVIDER_VERSION } from "../providers/caVerification";
import { ProjectDynamicResource } from "../providers/shim";

export interface CaVerificationArgs extends DpsCertificateTargetArgs {
  /** The CA's private key, PEM; made secret here whatever the caller passes. Give this or `caKeyId`. */
  readonly caPrivateKeyPem?: pulumi.Input<string | undefined>;
  /** The CA's Key Vault key id (with version), when its key is in a vault. */
  readonly caKeyId?: pulumi.Input<string | undefined>;
}

/** The proof of possession of one uploaded CA certificate (see `caVerificationProvider`). */
export class CaVerification extends ProjectDynamicResource {
  public readonly subscriptionId!: pulumi.Output<string>;
  public readonly resourceGroupName!: pulumi.Output<string>;
  public readonly dpsName!: pulumi.Output<string>;
  public readonly certificateName!: pulumi.Output<string>;
  public readonly certificatePem!: pulumi.Output<string>;
  public readonly providerVersion!: pulumi.Output<string>;
  public readonly isVerified!: pulumi.Output<boolean>;
  public readonly thumbprint!: pulumi.Output<string>;
  public readonly etag!: pulumi.Output<string>;

  constructor(name: string, args: CaVerificationArgs, opts?: pulumi.CustomResourceOptions) {
    // The state holds a shim that loads caVerificationProvider from the project when called (shim.ts, registry.ts).
    super(
      "caVerification",
      name,
      {
        ...args,
        caPrivateKeyPem: args.caPrivateKeyPem === undefined ? undefined : pulumi.secret(args.caPrivateKeyPem),
        providerVersion: CA_VERIFICATION_PROVIDER_VERSION,
        isVerified: undefined,
        thumbprint: undefined,
        etag: undefined,
      },
      opts,
      "dps-x509",
      "CaVerification",
    );
  }
}
