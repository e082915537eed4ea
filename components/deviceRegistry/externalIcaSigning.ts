/**
 * Signs an External ICA's CSR with a CA of the stack. The profile is `signExternalIcaCsr` of certs/externalIca.ts
 * (branch adr-certs, contract in OWNERS.md); until that file is in the checkout, a fallback with the same contract
 * signs here: subject = the CSR's, the CSR's key, CA:TRUE critical pathlen 0, keyUsage digitalSignature +
 * keyCertSign + cRLSign critical, SKI and AKI, ECDSA with the issuer curve's hash, 2 years (at least the 365 days
 * ADR asks for). TODO(integrator): once adr-certs is merged, delete the fallback (the require below then finds it).
 *
 * The activation chain we send: the signed ICA, the issuer, the issuer's own chain up to and including the root.
 * Learn says "optionally the root"; DPS hands devices `issuedCertificateChain` "ending with the root CA", which
 * it can only do if ADR was given the root, so we include it (docs/device-registry.md, open question 3).
 */
import { X509Certificate } from "crypto";
import { parseCsr } from "../../certs/csr";
import { pemDecode } from "../../certs/der";
import type { Signer } from "../../certs/signer";
import { certificatePem, issueCertificateWith, subjectNameDerOf } from "./ecCertificate";

export interface ExternalIcaIssuer {
  readonly certificatePem: string;
  readonly signer: Signer;
}

type SignExternalIcaCsr = (csrPem: string, issuer: ExternalIcaIssuer, options?: { validityDays?: number; now?: Date }) => Promise<string>;

const DAY_MS = 86_400_000;
/** Validity we ask of the signed ICA (ADR refuses fewer than 365 days left at activation). */
export const EXTERNAL_ICA_VALIDITY_DAYS = 730;

function signer(): SignExternalIcaCsr {
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    return (require("../../certs/externalIca") as { signExternalIcaCsr: SignExternalIcaCsr }).signExternalIcaCsr;
  } catch {
    return fallbackSignExternalIcaCsr;
  }
}

/** The CSR as PEM with real line breaks (the spec's examples escape them as `\n`: open question 4). */
export function normaliseCsrPem(csr: string): string {
  return csr.replace(/\\n/g, "\n").replace(/\r\n/g, "\n").trim() + "\n";
}

export function signExternalIca(csrPem: string, issuer: ExternalIcaIssuer, options?: { validityDays?: number; now?: Date }): Promise<string> {
  return signer()(normaliseCsrPem(csrPem), issuer, { validityDays: EXTERNAL_ICA_VALIDITY_DAYS, ...options });
}

export async function fallbackSignExternalIcaCsr(csrPem: string, issuer: ExternalIcaIssuer, options?: { validityDays?: number; now?: Date }): Promise<string> {
  const csr = parseCsr(csrPem, "the External ICA's CSR");
  const csrDer = pemDecode(csrPem, "CERTIFICATE REQUEST");
  const issuerCert = new X509Certificate(issuer.certificatePem);
  if (issuer.signer.publicKey.asymmetricKeyType !== "ec") throw new Error("an External ICA must be signed with ECDSA: the issuing CA's key must be EC (P-256, P-384 or P-521)");
  if (!issuerCert.publicKey.equals(issuer.signer.publicKey)) throw new Error("the issuing CA's key does not match its certificate");
  const now = options?.now ?? new Date();
  const days = options?.validityDays ?? EXTERNAL_ICA_VALIDITY_DAYS;
  const notAfter = Math.min(now.getTime() + days * DAY_MS, Date.parse(issuerCert.validTo));
  const der = await issueCertificateWith(
    {
      subjectName: csrSubjectDer(csrDer),
      subjectPublicKey: csr.publicKey,
      issuerName: subjectNameDerOf(issuerCert.raw),
      notBefore: new Date(now.getTime() - 5 * 60_000),
      notAfter: new Date(notAfter),
      profile: { ca: true, pathLength: 0 },
    },
    issuer.signer,
  );
  return certificatePem(der);
}

/** The subject Name of a CSR, DER bytes (so the signed subject equals it exactly). */
function csrSubjectDer(csrDer: Buffer): Buffer {
  const { readTlv } = require("../../certs/der") as typeof import("../../certs/der");
  const outer = readTlv(csrDer, 0);
  const info = readTlv(csrDer, outer.start);
  const version = readTlv(csrDer, info.start);
  const subject = readTlv(csrDer, version.end);
  return csrDer.subarray(version.end, subject.end);
}
