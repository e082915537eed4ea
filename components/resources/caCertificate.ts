/**
 * The CaCertificate dynamic resource: one CA certificate, generated once or brought. Its provider is
 * components/providers/caCertificate.ts, which the state reaches through the shim (shim.ts, registry.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import type { KeySpec } from "../../certs";
import { CA_PROVIDER_VERSION } from "../providers/caCertificate";
import type { KeyStore } from "../providers/caSigning";
import { ProjectDynamicResource } from "../providers/shim";

/** Arguments of a CaCertificate resource. */
export interface CaCertificateArgs {
  /** "root" (self-signed) or "intermediate" (signed by the issuer below). */
  readonly role: pulumi.Input<"root" | "intermediate">;
  /** Subject CN. */
  readonly commonName: pulumi.Input<string>;
  /** RSA key size in bits, or the EC curve ("P-256", "P-384", "P-521"). */
  readonly keySize: pulumi.Input<KeySpec>;
  /** Validity in days (never past the issuer's notAfter). */
  readonly validityDays: pulumi.Input<number>;
  /** basicConstraints path length of a root (default 1). */
  readonly pathLength?: pulumi.Input<number>;
  /** Replace the certificate once it is within this many days of its notAfter. */
  readonly renewBeforeDays?: pulumi.Input<number>;
  /** Issuer's certificate PEM (intermediates). */
  readonly issuerCertificatePem?: pulumi.Input<string | undefined>;
  /**
   * Issuer's private key (intermediates that are generated): the issuer CaCertificate's compact `privateKey`, or a
   * PEM; pass as a secret. The compact form keeps the intermediate's state small.
   */
  readonly issuerPrivateKey?: pulumi.Input<string | undefined>;
  /** A brought CA certificate PEM, used instead of generating one. */
  readonly providedCertificatePem?: pulumi.Input<string | undefined>;
  /** The brought CA's private key PEM; pass as a secret. */
  readonly providedPrivateKeyPem?: pulumi.Input<string | undefined>;
  /** Provider version; a change rolls out new provider code without replacing anything. */
  readonly providerVersion?: pulumi.Input<string>;
  /** Where the CA's key lives; keyVault: `vaultUrl`, `keyName`, `hsm` name the key (state then holds its id). */
  readonly keyStore?: KeyStore;
  /** The CA's name in config (tags its vault key). */
  readonly caName?: string;
  readonly vaultUrl?: pulumi.Input<string>;
  readonly keyName?: string;
  readonly hsm?: boolean;
  /** The issuer's Key Vault key id (its root's key is in a vault). */
  readonly issuerKeyId?: pulumi.Input<string | undefined>;
}

/** One CA certificate, generated once or brought; its private key output is a secret. */
export class CaCertificate extends ProjectDynamicResource {
  /** Certificate PEM. */
  public readonly certificatePem!: pulumi.Output<string>;
  /**
   * The private key, secret: compact (certs/compactKey.ts; `compactKeyToPem` gives the PEM) for RSA, PKCS#8 PEM for
   * a brought EC key; undefined for a brought CA without its key, or a key in Key Vault.
   */
  public readonly privateKey!: pulumi.Output<string | undefined>;
  /** SHA-1 thumbprint, upper-case hex. */
  public readonly thumbprint!: pulumi.Output<string>;
  /** SHA-256 thumbprint, upper-case hex. */
  public readonly sha256Thumbprint!: pulumi.Output<string>;
  /** notAfter, ISO 8601. */
  public readonly notAfter!: pulumi.Output<string>;
  /** Subject key identifier, upper-case hex. */
  public readonly subjectKeyId!: pulumi.Output<string>;
  /** The Key Vault key id with its version (keyStore keyVault); undefined for a key in state. */
  public readonly keyId!: pulumi.Output<string | undefined>;

  constructor(name: string, args: CaCertificateArgs, opts?: pulumi.CustomResourceOptions) {
    // The state holds a shim that loads caCertificateProvider from the project when called (shim.ts, registry.ts).
    // privateKeyPem is what state of provider version 2 and earlier holds: secret too, until the update converts it.
    super(
      "caCertificate",
      name,
      {
        ...args,
        providerVersion: args.providerVersion ?? CA_PROVIDER_VERSION,
        certificatePem: undefined,
        privateKey: undefined,
        thumbprint: undefined,
        sha256Thumbprint: undefined,
        notAfter: undefined,
        subjectKeyId: undefined,
        keyId: undefined,
      },
      { ...opts, additionalSecretOutputs: [...new Set([...(opts?.additionalSecretOutputs ?? []), "privateKey", "privateKeyPem"])] },
      "dps-x509",
      "CaCertificate",
    );
  }
}
