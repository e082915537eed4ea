/**
 * Signs an External ICA's CSR with a CA of the stack, through `signExternalIcaCsr` (certs/externalIca.ts: the profile
 * ADR activates: subject = the CSR's, CA:TRUE critical, pathlen 1, keyCertSign + cRLSign + digitalSignature, SKI/AKI,
 * ECDSA, at least 365 days).
 *
 * The activation chain we send: the signed ICA, the issuer, the issuer's own chain up to and including the root.
 * Learn says "optionally the root"; DPS hands devices `issuedCertificateChain` "ending with the root CA", which it can
 * only do if ADR was given the root, so we include it (docs/device-registry.md, open question 3).
 */
import { signExternalIcaCsr } from "../../certs/externalIca";
import type { Signer } from "../../certs/signer";

/** The CSR as PEM with real line breaks (the spec's examples escape them as `\n`: open question 4). */
export function normaliseCsrPem(csr: string): string {
  return csr.replace(/\\n/g, "\n").replace(/\r\n/g, "\n").trim() + "\n";
}

export function signExternalIca(csrPem: string, issuer: { certificatePem: string; signer: Signer }, options?: { validityDays?: number; now?: Date }): Promise<string> {
  return signExternalIcaCsr(normaliseCsrPem(csrPem), issuer, options);
}
