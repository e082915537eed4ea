/**
 * Dynamic provider, platform side: a tenant's intermediate certificate, signed by the platform's root from the key
 * the tenant's CSR carries. The tenant's private key never comes here; neither does the root's (issue #26.2): the
 * certificate names its issuer by thumbprint, and the issuer's signing resource (tenantIssuer.ts, one per platform)
 * has loaded it in this process. State per tenant: the subject key, the certificate and a few names.
 *
 * A tenant is untrusted input (issue #26.5): the subject is the platform's choice (`subject`, the tenant's prefixed
 * CA name), never the CSR's text; the key must meet the key policy (certs/csr.ts `csrKeyProblem`). The program
 * checks the CSR itself (its self-signature) before declaring this, and gives only its public key.
 *
 * A tenant held back (`heldBack`: its outputs are wrong; components/tenant/tenantCsrs.ts) keeps its last signed
 * certificate: no change is made. Held back before its first certificate, it gets none (an empty certificate).
 *
 *   check   the subject key meets the key policy, the subject is a valid CN, the CA name carries the tenant's prefix
 *   create  sign: CA:TRUE pathlen 0, AKI = root's SKI, never outliving the root
 *   diff    replace on a new subject key (the tenant's new key), a new issuer, a new subject or validity
 *   read / delete  nothing remote
 *
 * State written before #26.2 (providerVersion 1: the CSR, the root's certificate and key among the inputs) moves
 * to this shape by an update that keeps its certificate: same key, same issuer, no new signature.
 */
import { createHash, X509Certificate, type KeyObject } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { assertCommonName, csrKeyProblem, signIntermediateCa } from "../../certs";
import { checkedCsr, subjectKey } from "../tenant/checkedCsr";
import { loadedIssuer, thumbprintOf } from "./tenantIssuer";
import { ProjectDynamicResource } from "./shim";

export const TENANT_CERTIFICATE_PROVIDER_VERSION = "2";

export interface TenantCertificateInputs {
  tenant: string;
  /** The tenant's CA name, `<tenant>-…`. */
  caName: string;
  /** The certificate's CN, the platform's choice (the tenant's prefixed CA name). */
  subject: string;
  /** The CSR's public key, SubjectPublicKeyInfo DER in base64 (the program has checked the CSR's self-signature). */
  subjectPublicKey: string;
  validityDays: number;
  /** The issuer (the platform root), by its certificate's SHA-1 thumbprint: its TenantIssuer holds certificate and key. */
  issuerThumbprint: string;
  /** Why this tenant is held back (its last certificate stays); absent when it is not. */
  heldBack?: string;
  providerVersion: string;
}

/**
 * Only what a later diff and the platform's outputs need (each byte is stored once per tenant): the tenant and CA
 * names are in the id, the subject key and the dates in the certificate itself.
 */
export interface TenantCertificateOutputs {
  subject: string;
  validityDays: number;
  issuerThumbprint: string;
  providerVersion: string;
  /** Empty while a tenant held back before its first certificate has none. */
  certificatePem: string;
  heldBack?: string;
}

/** What providerVersion 1 wrote (test/fixtures/tenant-certificate-state.json): read only to move it to this shape. */
interface LegacyOutputs {
  csrPem?: string;
  issuerCertificatePem?: string;
}

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const isSet = (value: unknown): value is string => typeof value === "string" && value !== "" && value !== UNKNOWN;
const sha256 = (der: Buffer) => createHash("sha256").update(der).digest("hex");

const subjectKeyOf = (base64: string): KeyObject => subjectKey(base64);

/** The SPKI DER (base64) of a CSR's key: what the program passes in `subjectPublicKey`. */
export function subjectPublicKeyOf(csrPem: string, what: string): string {
  return checkedCsr(csrPem, what).spkiDer.toString("base64");
}

/** The SHA-256 of the subject key (SPKI DER) the state's certificate holds; a legacy state without one, its CSR's. */
function oldSubjectKeySha256(olds: Partial<TenantCertificateOutputs> & LegacyOutputs): string | undefined {
  if (olds.certificatePem) return sha256(new X509Certificate(olds.certificatePem).publicKey.export({ format: "der", type: "spki" }));
  if (olds.csrPem) return sha256(checkedCsr(olds.csrPem, "the recorded CSR").spkiDer);
  return undefined;
}

function oldIssuerThumbprint(olds: Partial<TenantCertificateOutputs> & LegacyOutputs): string | undefined {
  return olds.issuerThumbprint ?? (olds.issuerCertificatePem ? thumbprintOf(olds.issuerCertificatePem) : undefined);
}

export function tenantCertificateFailures(news: Partial<TenantCertificateInputs>): pulumi.dynamic.CheckFailure[] {
  const failures: pulumi.dynamic.CheckFailure[] = [];
  if (typeof news.caName !== "string" || !news.caName.toLowerCase().startsWith(`${news.tenant}-`)) {
    failures.push({ property: "caName", reason: `caName ${JSON.stringify(news.caName)} must start with "${news.tenant}-": a tenant names only its own CAs` });
  }
  if (news.heldBack) return failures; // nothing is signed for it
  if (isSet(news.subjectPublicKey)) {
    try {
      const problem = csrKeyProblem(subjectKeyOf(news.subjectPublicKey));
      if (problem) failures.push({ property: "subjectPublicKey", reason: `the CSR of ${news.caName}: ${problem}` });
    } catch {
      failures.push({ property: "subjectPublicKey", reason: `the CSR of ${news.caName}: its public key is malformed` });
    }
  } else if (news.subjectPublicKey !== UNKNOWN) {
    failures.push({ property: "subjectPublicKey", reason: `the CSR of ${news.caName}: no public key` });
  }
  if (news.subject !== UNKNOWN) {
    try {
      assertCommonName(news.subject ?? "");
    } catch (e) {
      failures.push({ property: "subject", reason: (e as Error).message });
    }
  }
  if (news.issuerThumbprint === undefined || news.issuerThumbprint === "") failures.push({ property: "issuerThumbprint", reason: "the platform's signing resource (TenantIssuer) is needed to sign" });
  return failures;
}

/** What the state keeps of the inputs (see TenantCertificateOutputs). */
function kept(inputs: TenantCertificateInputs, certificatePem: string): TenantCertificateOutputs {
  return {
    subject: inputs.subject,
    validityDays: inputs.validityDays,
    issuerThumbprint: inputs.issuerThumbprint,
    providerVersion: inputs.providerVersion,
    certificatePem,
    ...(inputs.heldBack ? { heldBack: inputs.heldBack } : {}),
  };
}

const idOf = (inputs: Pick<TenantCertificateInputs, "tenant" | "caName">) => `${inputs.tenant}/${inputs.caName}`;

export const tenantCertificateProvider: pulumi.dynamic.ResourceProvider<TenantCertificateInputs, TenantCertificateOutputs> = {
  async check(_olds, news) {
    return { inputs: news, failures: tenantCertificateFailures(news) };
  },
  async diff(id, olds, news) {
    const old = olds as TenantCertificateOutputs & LegacyOutputs;
    // Held back: the last certificate stays as it is, whatever the tenant sent.
    if (news.heldBack) return { changes: false };
    // A placeholder (held back before its first certificate) is replaced by a real one; nothing is lost.
    if (!old.certificatePem) return { changes: true, replaces: ["heldBack"], deleteBeforeReplace: false };
    const replaces: string[] = [];
    if (isSet(news.subjectPublicKey) && oldSubjectKeySha256(old) !== sha256(Buffer.from(news.subjectPublicKey, "base64"))) replaces.push("subjectPublicKey");
    if (isSet(news.issuerThumbprint) && oldIssuerThumbprint(old) !== news.issuerThumbprint) replaces.push("issuerThumbprint");
    if (id !== idOf(news)) replaces.push("caName");
    if (old.validityDays !== news.validityDays) replaces.push("validityDays");
    // A certificate signed before #26.2 keeps its CSR's CN until the tenant's next key (no new signature on upgrade).
    if (old.subject !== undefined && old.subject !== news.subject) replaces.push("subject");
    const updated = old.providerVersion !== news.providerVersion;
    return { changes: replaces.length > 0 || updated, replaces, deleteBeforeReplace: false };
  },
  async create(inputs) {
    const failures = tenantCertificateFailures(inputs);
    if (failures.length) throw new Error(failures.map((f) => f.reason).join("; "));
    if (inputs.heldBack) return { id: idOf(inputs), outs: kept(inputs, "") };
    const issuer = await loadedIssuer(inputs.issuerThumbprint, inputs.caName);
    const certificatePem = await signIntermediateCa({ issuer, subjectPublicKey: subjectKeyOf(inputs.subjectPublicKey), commonName: inputs.subject, validityDays: inputs.validityDays });
    return { id: idOf(inputs), outs: kept(inputs, certificatePem) };
  },
  async read(id, props) {
    return { id, props };
  },
  async update(_id, olds, news) {
    // Only the provider version changes in place: the certificate stays, in the compact shape.
    const old = olds as TenantCertificateOutputs & LegacyOutputs;
    return {
      outs: {
        ...kept(news, old.certificatePem),
        // A certificate signed before #26.2 keeps its CSR's CN; its state records the subject the platform asks for
        // now, so the upgrade signs nothing and the platform's subject comes with the tenant's next key.
        subject: old.subject ?? news.subject,
        issuerThumbprint: oldIssuerThumbprint(old) ?? news.issuerThumbprint,
      },
    };
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
  /** The certificate's CN: the platform's choice. */
  readonly subject: string;
  /** The CSR's public key (SPKI DER, base64); empty for a tenant held back with no usable CSR. */
  readonly subjectPublicKey: string;
  /** Validity in days (never past the root's notAfter). */
  readonly validityDays: number;
  /** The issuer's signing resource's thumbprint output. */
  readonly issuerThumbprint: pulumi.Input<string>;
  /** Why the tenant is held back, if it is. */
  readonly heldBack?: string;
}

/** One tenant intermediate, signed from its CSR's key. */
export class TenantCertificate extends ProjectDynamicResource {
  public readonly certificatePem!: pulumi.Output<string>;

  constructor(name: string, args: TenantCertificateArgs, opts?: pulumi.CustomResourceOptions) {
    // The state holds a shim that loads tenantCertificateProvider from the project when called (shim.ts, registry.ts).
    super(
      "tenantCertificate",
      name,
      { ...args, providerVersion: TENANT_CERTIFICATE_PROVIDER_VERSION, certificatePem: undefined },
      opts,
      "dps-x509",
      "TenantCertificate",
    );
  }
}
