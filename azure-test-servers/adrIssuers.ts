/**
 * Test infrastructure: the store of Azure Device Registry issuing CAs, shared in process between the local ARM
 * Device Registry server (armDeviceRegistry.ts, which makes the keys and takes the activations) and the local DPS
 * device server (which issues device certificates at registration, API 2026-11-01).
 *
 * Keyed by (subscriptionId, resourceGroup, namespace, caName), case-insensitively as ARM compares names. Each entry
 * holds the ICA's private key (what Azure keeps in its Managed HSM), its chain once activated (PEM, leaf first: the
 * ICA, then its issuers) and its policies' `validityPeriodInDays`.
 *
 * `issueDeviceCertificate(namespace, caName, policyName, csrDer)` makes what Learn says ADR issues: an ECDSA P-384
 * leaf signed with SHA-384 by the ICA key, subject CN = the CSR's CN (the registration id), valid for the policy's
 * days, and returns the chain DPS hands back in `issuedCertificateChain`: base64 DER, leaf first, then the ICA and
 * its issuers up to the root (DPS device API: "leaf first, then ICAs, ending with the root CA").
 */
import { createPublicKey, KeyObject, X509Certificate } from "crypto";
import { parseCsr } from "../certs/csr";
import { pemDecodeAll, pemEncode } from "../certs/der";
import { issueCertificate, nameDer, subjectNameDerOf } from "./ecCertificates";

export interface IssuerKey {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly namespace: string;
  readonly caName: string;
}

export interface IssuerEntry extends IssuerKey {
  /** The CA's private key (never leaves the store, as it never leaves Azure's HSM). */
  readonly privateKey: KeyObject;
  /** The activated chain, PEM each, leaf (this CA) first; undefined until activated. */
  chainPem?: string[];
  /** validityPeriodInDays by policy name (lower-case key). */
  readonly policies: Map<string, number>;
}

/** Why an issuance was refused; `code` is what the DPS device server turns into its error answer. */
export class IssuanceError extends Error {
  constructor(
    readonly code: "NamespaceOrCaNotFound" | "CertificateAuthorityNotActive" | "CertificatePolicyNotFound" | "InvalidCsr",
    message: string,
  ) {
    super(message);
  }
}

const keyOf = (k: IssuerKey) => [k.subscriptionId, k.resourceGroup, k.namespace, k.caName].join("/").toLowerCase();
const DAY_MS = 24 * 60 * 60 * 1000;

export class AdrIssuers {
  private readonly entries = new Map<string, IssuerEntry>();

  /** Stores (or replaces) a CA's key; its chain and policies start empty. */
  putKey(key: IssuerKey, privateKey: KeyObject): IssuerEntry {
    const entry: IssuerEntry = { ...key, privateKey, policies: new Map() };
    this.entries.set(keyOf(key), entry);
    return entry;
  }

  get(key: IssuerKey): IssuerEntry | undefined {
    return this.entries.get(keyOf(key));
  }

  /** Records the chain a CA was activated with (PEM, leaf first). */
  activate(key: IssuerKey, chainPem: readonly string[]): void {
    const entry = this.mustGet(key);
    entry.chainPem = [...chainPem];
  }

  setPolicy(key: IssuerKey, policyName: string, validityPeriodInDays: number): void {
    this.mustGet(key).policies.set(policyName.toLowerCase(), validityPeriodInDays);
  }

  removePolicy(key: IssuerKey, policyName: string): void {
    this.get(key)?.policies.delete(policyName.toLowerCase());
  }

  remove(key: IssuerKey): void {
    this.entries.delete(keyOf(key));
  }

  /** Every entry of one namespace (any subscription or resource group). */
  ofNamespace(namespace: string): IssuerEntry[] {
    return [...this.entries.values()].filter((e) => e.namespace.toLowerCase() === namespace.toLowerCase());
  }

  clear(): void {
    this.entries.clear();
  }

  /**
   * A device certificate for a CSR (DER, or base64 of DER as the device API carries it), issued by the CA `caName`
   * of `namespace` under its policy `policyName`. Returns the chain as base64 DER strings, leaf first.
   */
  issueDeviceCertificate(namespace: string, caName: string, policyName: string, csrDer: Buffer | string, now: Date = new Date()): string[] {
    const matches = this.ofNamespace(namespace).filter((e) => e.caName.toLowerCase() === caName.toLowerCase());
    if (matches.length !== 1) {
      throw new IssuanceError("NamespaceOrCaNotFound", `No certificate authority '${caName}' in namespace '${namespace}'${matches.length > 1 ? " (ambiguous)" : ""}.`);
    }
    const entry = matches[0];
    if (!entry.chainPem?.length) throw new IssuanceError("CertificateAuthorityNotActive", `The certificate authority '${caName}' is not active.`);
    const days = entry.policies.get(policyName.toLowerCase());
    if (days === undefined) throw new IssuanceError("CertificatePolicyNotFound", `No certificate policy '${policyName}' under certificate authority '${caName}'.`);
    const der = typeof csrDer === "string" ? Buffer.from(csrDer, "base64") : csrDer;
    let csr: ReturnType<typeof parseCsr>;
    try {
      csr = parseCsr(pemEncode("CERTIFICATE REQUEST", der), "the CSR");
    } catch (e) {
      throw new IssuanceError("InvalidCsr", (e as Error).message);
    }
    const curve = csr.publicKey.asymmetricKeyDetails?.namedCurve;
    if (csr.publicKey.asymmetricKeyType !== "ec" || curve !== "secp384r1") {
      throw new IssuanceError("InvalidCsr", "The CSR's key must be an EC key on NIST P-384.");
    }
    const chainDer = entry.chainPem.map((pem) => pemDecodeAll(pem, "CERTIFICATE")[0]);
    const ica = chainDer[0];
    const leaf = issueCertificate({
      subjectName: nameDer(csr.commonName),
      subjectPublicKey: csr.publicKey,
      issuerName: subjectNameDerOf(ica),
      issuerKey: entry.privateKey,
      issuerPublicKey: createPublicKey(entry.privateKey),
      notBefore: new Date(now.getTime() - 5 * 60 * 1000),
      notAfter: new Date(now.getTime() + days * DAY_MS),
      profile: { ca: false },
    });
    return [leaf, ...chainDer].map((d) => d.toString("base64"));
  }

  private mustGet(key: IssuerKey): IssuerEntry {
    const entry = this.get(key);
    if (!entry) throw new Error(`adrIssuers: no CA ${keyOf(key)}`);
    return entry;
  }
}

/** The store every server in this process shares (the ARM server writes it, the DPS device server issues from it). */
export const adrIssuers = new AdrIssuers();

/** The subject CN of a PEM or DER certificate (helper for the servers). */
export function commonNameOfCertificate(cert: string | Buffer): string | undefined {
  const x = new X509Certificate(cert);
  return x.subject.split("\n").find((l) => l.startsWith("CN="))?.slice(3);
}
