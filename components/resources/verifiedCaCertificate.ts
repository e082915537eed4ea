/**
 * One CA certificate on DPS, verified: uploaded with the DpsCertificateUpload dynamic resource (ARM, with the
 * If-Match etags that renewal and removal need), then either marked verified on upload (`onUpload`) or proven
 * with the CA's private key (`proofOfPossession`, the CaVerification dynamic resource). Enrollment groups must
 * depend on `ready`.
 */
import * as pulumi from "@pulumi/pulumi";
import { CaVerification } from "./caVerification";
import { DpsCertificateUpload } from "./dpsCertificateUpload";

export type CaVerificationMode = "proofOfPossession" | "onUpload";
export const CA_VERIFICATION_MODES: readonly CaVerificationMode[] = ["proofOfPossession", "onUpload"];

export interface VerifiedCaCertificateArgs {
  /** DPS certificate name. */
  readonly certificateName: string;
  /** Azure subscription of the DPS (for the ARM upload and verification calls). */
  readonly subscriptionId: pulumi.Input<string>;
  /** Resource group of the DPS. */
  readonly resourceGroupName: pulumi.Input<string>;
  /** DPS name. */
  readonly dpsName: pulumi.Input<string>;
  /** The CA certificate, PEM. */
  readonly certificatePem: pulumi.Input<string>;
  /** Secret; for proofOfPossession, this or `keyId`. */
  readonly privateKeyPem?: pulumi.Input<string | undefined>;
  /** The CA's Key Vault key id (its key is in a vault): proof of possession signs there. */
  readonly keyId?: pulumi.Input<string | undefined>;
  /** proofOfPossession: prove with the CA key; onUpload: Azure marks it verified on upload. */
  readonly verification: "proofOfPossession" | "onUpload";
  /** ARM endpoint for the upload and verification calls; default https://management.azure.com. */
  readonly armEndpoint?: string;
  /** Take over the certificate already on the DPS under this name (it must hold the same thumbprint). */
  readonly adopt?: boolean;
}

/** Pure validation of the arguments; throws an Error naming the component, the field, the value and what is allowed. */
export function validateVerifiedCaCertificateArgs(name: string, args: VerifiedCaCertificateArgs): void {
  const at = `VerifiedCaCertificate "${name}"`;
  if (!CA_VERIFICATION_MODES.includes(args.verification)) {
    throw new Error(`${at}: verification is ${JSON.stringify(args.verification)}; allowed: ${CA_VERIFICATION_MODES.join(", ")}`);
  }
  if (typeof args.certificateName !== "string" || args.certificateName.trim() === "" || args.certificateName.length > 256) {
    throw new Error(`${at}: certificateName is ${JSON.stringify(args.certificateName)}; allowed: a non-empty string of at most 256 characters`);
  }
  const noKey = (value: unknown) => value === undefined || value === null || value === "";
  if (args.verification === "proofOfPossession" && noKey(args.privateKeyPem) && noKey(args.keyId)) {
    throw new Error(
      `${at}: verification is "proofOfPossession" for certificate "${args.certificateName}" but no privateKeyPem was given; ` +
        `give the CA's private key, or use verification "onUpload"`,
    );
  }
}

export class VerifiedCaCertificate extends pulumi.ComponentResource {
  /** The DPS certificate name; resolves only once the certificate is verified, so users of it depend on that. */
  public readonly certificateName: pulumi.Output<string>;
  /** What enrollment groups must depend on: the verification (or, for onUpload, the upload). */
  public readonly ready: pulumi.Resource;
  /** SHA-1 thumbprint as Azure reports it. */
  public readonly thumbprint: pulumi.Output<string>;
  /** The uploaded certificate. */
  public readonly certificate: DpsCertificateUpload;
  /** The proof of possession, for proofOfPossession. */
  public readonly verification?: CaVerification;

  constructor(name: string, args: VerifiedCaCertificateArgs, opts?: pulumi.ComponentResourceOptions) {
    validateVerifiedCaCertificateArgs(name, args); // before super: a bad call registers nothing
    super("dps-x509:dps:VerifiedCaCertificate", name, {}, opts);

    // The certificate both the upload and the proof of possession address.
    const target = {
      subscriptionId: args.subscriptionId,
      resourceGroupName: args.resourceGroupName,
      dpsName: args.dpsName,
      certificateName: args.certificateName,
      certificatePem: args.certificatePem,
      armEndpoint: args.armEndpoint,
    };
    this.certificate = new DpsCertificateUpload(
      `${name}-cert`,
      {
        ...target,
        // false for proofOfPossession: the upload then leaves isVerified out (CaVerification proves it).
        isVerified: args.verification === "onUpload",
        ...(args.adopt ? { adopt: true } : {}),
      },
      { parent: this },
    );

    if (args.verification === "proofOfPossession") {
      // Runs after the upload (dependsOn), and is replaced whenever the uploaded certificate changes: its diff
      // replaces on a new certificate PEM (normalised), name, DPS, resource group or subscription, so a renewal
      // (an in-place update of the upload, which leaves it unverified) is proven again.
      this.verification = new CaVerification(
        `${name}-verification`,
        { ...target, caPrivateKeyPem: args.privateKeyPem, caKeyId: args.keyId },
        { parent: this, dependsOn: [this.certificate] },
      );
      this.ready = this.verification;
      this.certificateName = this.verification.certificateName;
      this.thumbprint = this.verification.thumbprint;
    } else {
      this.ready = this.certificate;
      this.certificateName = this.certificate.name;
      this.thumbprint = this.certificate.thumbprint;
    }

    this.registerOutputs({ certificateName: this.certificateName, thumbprint: this.thumbprint });
  }
}
