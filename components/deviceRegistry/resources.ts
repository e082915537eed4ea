/** The Device Registry resources (providers: components/providers/adr*.ts), stored as provider shims (shim.ts). */
import * as pulumi from "@pulumi/pulumi";
import { ProjectDynamicResource } from "../providers/shim";
import { ADR_NAMESPACE_PROVIDER_VERSION, type AdrEndpoint } from "../providers/adrNamespace";
import { ADR_CERTIFICATE_AUTHORITY_PROVIDER_VERSION, type AdrCaKind } from "../providers/adrCertificateAuthority";
import { ADR_CERTIFICATE_POLICY_PROVIDER_VERSION } from "../providers/adrCertificatePolicy";

/** Where a Device Registry resource lives. */
export interface AdrTargetArgs {
  readonly subscriptionId: pulumi.Input<string>;
  readonly resourceGroupName: pulumi.Input<string>;
  readonly namespaceName: pulumi.Input<string>;
  readonly location: pulumi.Input<string>;
  /** ARM endpoint; default https://management.azure.com. */
  readonly armEndpoint?: pulumi.Input<string>;
}

export interface AdrNamespaceArgs extends AdrTargetArgs {
  /** The namespace's managed identity. */
  readonly identityType: pulumi.Input<"SystemAssigned" | "None">;
  /** The link: one provisioning endpoint per DPS. */
  readonly provisioningEndpoints: pulumi.Input<Record<string, pulumi.Input<AdrEndpoint>>>;
}

/** A Device Registry namespace and its link to the DPS instances. */
export class AdrNamespace extends ProjectDynamicResource {
  public readonly uuid!: pulumi.Output<string | undefined>;
  public readonly provisioningState!: pulumi.Output<string | undefined>;
  /** linkingState (and linkingError) by endpoint name, as Azure last reported them. */
  public readonly links!: pulumi.Output<Record<string, { linkingState: string; linkingError?: { code?: string; message?: string } }>>;

  constructor(name: string, args: AdrNamespaceArgs, opts?: pulumi.CustomResourceOptions) {
    super("adrNamespace", name, { ...args, providerVersion: ADR_NAMESPACE_PROVIDER_VERSION, uuid: undefined, provisioningState: undefined, links: undefined }, opts, "dps-x509", "AdrNamespace");
  }
}

export interface AdrCertificateAuthorityArgs extends AdrTargetArgs {
  readonly certificateAuthorityName: pulumi.Input<string>;
  readonly kind: pulumi.Input<AdrCaKind>;
  readonly rootCertificateAuthorityName?: pulumi.Input<string>;
  /** External ICA: the name of the stack's CA that signs it (for people: plan, doctor). */
  readonly issuerCaName?: pulumi.Input<string>;
  /** External ICA: the issuing CA of the stack and the chain above it (PEM). */
  readonly issuerCertificatePem?: pulumi.Input<string>;
  readonly issuerChainPem?: pulumi.Input<string>;
  /** External ICA: the issuing CA's key, secret, when it is in state. */
  readonly issuerPrivateKeyPem?: pulumi.Input<string | undefined>;
  /** External ICA: the issuing CA's Key Vault key id (signs in the vault). */
  readonly issuerKeyId?: pulumi.Input<string | undefined>;
  readonly renewBeforeDays?: pulumi.Input<number>;
  readonly rotation?: pulumi.Input<number>;
}

/** A CA of a namespace: the Microsoft-managed Root, a Microsoft ICA, or an External ICA the stack signs and activates. */
export class AdrCertificateAuthority extends ProjectDynamicResource {
  public readonly status!: pulumi.Output<string | undefined>;
  public readonly thumbprint!: pulumi.Output<string | undefined>;
  public readonly validityNotAfter!: pulumi.Output<string | undefined>;
  /** The signed External ICA (public). */
  public readonly certificatePem!: pulumi.Output<string | undefined>;

  constructor(name: string, args: AdrCertificateAuthorityArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      "adrCertificateAuthority",
      name,
      { ...args, providerVersion: ADR_CERTIFICATE_AUTHORITY_PROVIDER_VERSION, status: undefined, thumbprint: undefined, validityNotAfter: undefined, certificatePem: undefined, provisioningState: undefined },
      { ...opts, additionalSecretOutputs: [...new Set([...(opts?.additionalSecretOutputs ?? []), "issuerPrivateKeyPem"])] },
      "dps-x509",
      "AdrCertificateAuthority",
    );
  }
}

export interface AdrCertificatePolicyArgs extends AdrTargetArgs {
  readonly certificateAuthorityName: pulumi.Input<string>;
  readonly certificatePolicyName: pulumi.Input<string>;
  readonly validityPeriodInDays: pulumi.Input<number>;
}

/** The certificate policy of an ICA. */
export class AdrCertificatePolicy extends ProjectDynamicResource {
  public readonly provisioningState!: pulumi.Output<string | undefined>;

  constructor(name: string, args: AdrCertificatePolicyArgs, opts?: pulumi.CustomResourceOptions) {
    super("adrCertificatePolicy", name, { ...args, providerVersion: ADR_CERTIFICATE_POLICY_PROVIDER_VERSION, provisioningState: undefined, uuid: undefined }, opts, "dps-x509", "AdrCertificatePolicy");
  }
}
