/**
 * Dynamic provider, platform side: a tenant's intermediate certificate, signed by the platform's root from the
 * tenant's CSR. The tenant's key never comes here: only its CSR (public) goes in, only the certificate comes out.
 * The root signs with its key in state (a secret input) or in Key Vault (its key id).
 *
 *   check   the CSR's own signature (the tenant holds the key), its CN, and the name carries the tenant's prefix
 *   create  sign: CA:TRUE pathlen 0, AKI = root's SKI, never outliving the root
 *   diff    replace on a new CSR (the tenant's new key or CN), a new root certificate, or a new validity
 *   read / delete  nothing remote
 */
import * as pulumi from "@pulumi/pulumi";
import { describeCertificate, loadSignerIssuer, signIntermediateCa, assertCommonName } from "../../certs";
import { checkedCsr } from "../tenant/checkedCsr";
import { issuerSigner } from "./caSigning";
import { ProjectDynamicResource } from "./shim";

export const TENANT_CERTIFICATE_PROVIDER_VERSION = "1"; // state holds the provider shim (shim.ts) from the start

export interface TenantCertificateInputs {
  tenant: string;
  /** The tenant's CA name, `<tenant>-…`. */
  caName: string;
  csrPem: string;
  validityDays: number;
  issuerCertificatePem: string;
  /** Secret; or `issuerKeyId`. */
  issuerPrivateKeyPem?: string;
  issuerKeyId?: string;
  providerVersion: string;
}

export interface TenantCertificateOutputs {
  tenant: string;
  caName: string;
  csrPem: string;
  validityDays: number;
  issuerCertificatePem: string;
  issuerKeyId?: string;
  providerVersion: string;
  certificatePem: string;
  commonName: string;
  thumbprint: string;
  notAfter: string;
}

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const norm = (pem: string | undefined) => (pem ?? "").replace(/\r\n/g, "\n").trim();

export function tenantCertificateFailures(news: Partial<TenantCertificateInputs>): pulumi.dynamic.CheckFailure[] {
  const failures: pulumi.dynamic.CheckFailure[] = [];
  if (typeof news.caName !== "string" || !news.caName.toLowerCase().startsWith(`${news.tenant}-`)) {
    failures.push({ property: "caName", reason: `caName ${JSON.stringify(news.caName)} must start with "${news.tenant}-": a tenant names only its own CAs` });
  }
  if (news.csrPem !== UNKNOWN) {
    try {
      assertCommonName(checkedCsr(news.csrPem ?? "", `the CSR of ${news.caName}`).commonName);
    } catch (e) {
      failures.push({ property: "csrPem", reason: (e as Error).message });
    }
  }
  if (!news.issuerPrivateKeyPem && !news.issuerKeyId) failures.push({ property: "issuerPrivateKeyPem", reason: "the root's key (in state) or its Key Vault key id is needed to sign" });
  return failures;
}

export const tenantCertificateProvider: pulumi.dynamic.ResourceProvider<TenantCertificateInputs, TenantCertificateOutputs> = {
  async check(_olds, news) {
    return { inputs: news, failures: tenantCertificateFailures(news) };
  },
  async diff(_id, olds, news) {
    const replaces: string[] = [];
    if (norm(olds.csrPem) !== norm(news.csrPem)) replaces.push("csrPem");
    if (norm(olds.issuerCertificatePem) !== norm(news.issuerCertificatePem)) replaces.push("issuerCertificatePem");
    for (const key of ["tenant", "caName", "validityDays"] as const) if (olds[key] !== news[key]) replaces.push(key);
    const updated = olds.providerVersion !== news.providerVersion || olds.issuerKeyId !== news.issuerKeyId;
    return { changes: replaces.length > 0 || updated, replaces, deleteBeforeReplace: false };
  },
  async create(inputs) {
    const failures = tenantCertificateFailures(inputs);
    if (failures.length) throw new Error(failures.map((f) => f.reason).join("; "));
    const csr = checkedCsr(inputs.csrPem, `the CSR of ${inputs.caName}`);
    const signer = await issuerSigner({ privateKeyPem: inputs.issuerPrivateKeyPem, keyId: inputs.issuerKeyId, what: "the platform root" });
    const certificatePem = await signIntermediateCa({
      issuer: loadSignerIssuer(inputs.issuerCertificatePem, signer, "the platform root"),
      subjectPublicKey: csr.publicKey,
      commonName: csr.commonName,
      validityDays: inputs.validityDays,
    });
    const d = describeCertificate(certificatePem);
    const { issuerPrivateKeyPem: _secret, ...kept } = inputs;
    return { id: `${inputs.tenant}/${inputs.caName}`, outs: { ...kept, certificatePem, commonName: csr.commonName, thumbprint: d.sha1Thumbprint, notAfter: d.notAfter } };
  },
  async read(id, props) {
    return { id, props };
  },
  async update(_id, olds, news) {
    return { outs: { ...olds, providerVersion: news.providerVersion, issuerKeyId: news.issuerKeyId } };
  },
  async delete() {
    // Nothing remote: the tenant's certificate lives in this state and the tenant's.
  },
};

export interface TenantCertificateArgs {
  /** The tenant's name (as listed in `tenants`). */
  readonly tenant: string;
  /** The tenant's CA name, `<tenant>-…`. */
  readonly caName: string;
  /** The tenant's CSR (PEM). */
  readonly csrPem: pulumi.Input<string>;
  /** Validity in days (never past the root's notAfter). */
  readonly validityDays: number;
  /** The platform root's certificate. */
  readonly issuerCertificatePem: pulumi.Input<string>;
  /** The platform root's key, when in state; made secret here. */
  readonly issuerPrivateKeyPem?: pulumi.Input<string | undefined>;
  /** The platform root's Key Vault key id, when in a vault. */
  readonly issuerKeyId?: pulumi.Input<string | undefined>;
}

/** One tenant intermediate, signed from its CSR. */
export class TenantCertificate extends ProjectDynamicResource {
  public readonly certificatePem!: pulumi.Output<string>;
  public readonly thumbprint!: pulumi.Output<string>;

  constructor(name: string, args: TenantCertificateArgs, opts?: pulumi.CustomResourceOptions) {
    // The state holds a shim that loads tenantCertificateProvider from the project when called (shim.ts, registry.ts).
    super(
      "tenantCertificate",
      name,
      {
        ...args,
        issuerPrivateKeyPem: args.issuerPrivateKeyPem === undefined ? undefined : pulumi.secret(args.issuerPrivateKeyPem),
        providerVersion: TENANT_CERTIFICATE_PROVIDER_VERSION,
        certificatePem: undefined,
        thumbprint: undefined,
      },
      opts,
      "dps-x509",
      "TenantCertificate",
    );
  }
}
