/**
 * Test infrastructure: how the local Device Registry server judges the chain of `POST …/activate` for an External ICA,
 * written from Learn's "how-to-create-policy-external-certificate" requirements:
 *   - PEM, leaf (the signed ICA) first, then its issuers; we ask for at least the issuer, so the signature is checked;
 *   - the leaf's key is the ICA's (the CSR's) key, EC on a named NIST curve (P-256/384/521), no RSA;
 *   - signed with ECDSA SHA-256/384/512 (no SHA-1), by the next certificate's key, each certificate by the next;
 *   - subject = the CSR's subject (case-insensitive, white space normalised);
 *   - X.509 v3, basicConstraints present, critical, CA:TRUE; keyUsage ⊇ digitalSignature, keyCertSign, cRLSign;
 *     extendedKeyUsage absent or holding clientAuth; subjectKeyIdentifier present;
 *   - notBefore not in the future, at least 365 days left;
 *   - path length: the ICA's own is not judged beyond being a CA (certs/externalIca.ts sets 1, Learn's "must be set to
 *     1"; 0 would do in RFC 5280 terms); its issuer must allow a CA below it (pathLen absent or ≥ 1).
 * Failures are a synchronous 400 `{error:{code,message}}` (open question 3: we chose synchronous).
 */
import { KeyObject, X509Certificate } from "crypto";
import { pemDecodeAll } from "../certs/der";
import { OID, parseCertificateDer } from "../certs/parse";

export class ActivationRefused extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const DAY_MS = 86_400_000;
const ECDSA = new Set<string>([OID.ecdsaWithSHA256, OID.ecdsaWithSHA384, OID.ecdsaWithSHA512]);
const CURVES = new Set(["prime256v1", "secp384r1", "secp521r1"]);
const normalise = (s: string) => s.replace(/\s+/g, " ").replace(/\s*,\s*/g, ",").trim().toLowerCase();

/** Checks the chain; returns it as PEM strings (leaf first) and the leaf. Throws `ActivationRefused`. */
export function checkActivationChain(o: { chain: unknown; caKey: KeyObject; csrSubject: string; now: number }): { pems: string[]; leaf: X509Certificate } {
  if (typeof o.chain !== "string" || !o.chain.includes("-----BEGIN CERTIFICATE-----")) {
    throw new ActivationRefused("InvalidCertificateChain", "certificateChain must be PEM certificates, the signed ICA first.");
  }
  let ders: Buffer[];
  try {
    ders = pemDecodeAll(o.chain.replace(/\\n/g, "\n"), "CERTIFICATE");
  } catch {
    throw new ActivationRefused("InvalidCertificateChain", "certificateChain holds a malformed PEM block.");
  }
  const certs = ders.map((d) => new X509Certificate(d));
  if (certs.length < 2) throw new ActivationRefused("IncompleteCertificateChain", "certificateChain must hold the signed ICA and its issuer chain.");
  const leaf = certs[0];
  const parsed = parseCertificateDer(ders[0]);
  const refuse = (code: string, message: string): never => {
    throw new ActivationRefused(code, message);
  };
  if (leaf.publicKey.asymmetricKeyType !== "ec" || !CURVES.has(leaf.publicKey.asymmetricKeyDetails?.namedCurve ?? "")) {
    refuse("InvalidKeyType", "The certificate's key must be ECC on P-256, P-384 or P-521 (named curve).");
  }
  if (!leaf.publicKey.equals(o.caKey)) refuse("CertificatePublicKeyMismatch", "The certificate does not hold the key of the certificate authority's CSR.");
  if (!ECDSA.has(parsed.signatureAlgorithmOid)) refuse("InvalidSignatureAlgorithm", "The certificate must be signed with ECDSA and SHA-256, SHA-384 or SHA-512.");
  if (normalise(leaf.subject.split("\n").join(",")) !== normalise(o.csrSubject)) {
    refuse("SubjectMismatch", `The certificate's subject must equal the CSR's subject '${o.csrSubject}'.`);
  }
  const bc = parsed.extensions.basicConstraints;
  if (!bc || !bc.critical || !bc.cA) refuse("InvalidBasicConstraints", "basicConstraints must be present, critical, with CA:TRUE.");
  const usages = parsed.extensions.keyUsage?.usages ?? [];
  for (const needed of ["digitalSignature", "keyCertSign", "cRLSign"]) {
    if (!usages.includes(needed)) refuse("InvalidKeyUsage", "keyUsage must include digitalSignature, keyCertSign and cRLSign.");
  }
  const eku = parsed.extensions.extKeyUsage;
  if (eku && !eku.includes(OID.clientAuth)) refuse("InvalidExtendedKeyUsage", "extendedKeyUsage, when present, must include clientAuth.");
  if (!parsed.extensions.subjectKeyId) refuse("MissingSubjectKeyIdentifier", "The certificate must carry a subject key identifier.");
  if (Date.parse(leaf.validFrom) > o.now) refuse("CertificateNotYetValid", "The certificate's notBefore is in the future.");
  if (Date.parse(leaf.validTo) - o.now < 365 * DAY_MS) refuse("InsufficientValidity", "The certificate must be valid for at least 365 more days.");
  for (let i = 0; i + 1 < certs.length; i++) {
    if (!certs[i].verify(certs[i + 1].publicKey) || !certs[i].checkIssued(certs[i + 1])) {
      refuse("InvalidCertificateChain", `Certificate ${i + 1} of the chain is not signed by certificate ${i + 2}.`);
    }
  }
  const issuerBc = parseCertificateDer(ders[1]).extensions.basicConstraints;
  if (!issuerBc?.cA || (issuerBc.pathLength !== undefined && issuerBc.pathLength < 1)) {
    refuse("InvalidPathLength", "The issuer of the ICA must be a CA whose path length allows the ICA below it (at least 1).");
  }
  const last = certs[certs.length - 1];
  if (last.checkIssued(last) && !last.verify(last.publicKey)) refuse("InvalidCertificateChain", "The chain's root does not verify with its own key.");
  return { pems: certs.map((c) => c.toString()), leaf };
}
