/**
 * Checks a brought (imported) CA before it is used: parsable, a CA, in its validity window, its key
 * matching, signed by the stated issuer. One job: list problems. Messages never carry key material.
 */
import { X509Certificate } from "crypto";
import { loadPrivateKey } from "./keys";
import { ParsedCertificate, parseCertificatePem } from "./parse";

/** One problem with a brought CA, and the input it is about. */
export interface BroughtCaProblem {
  property: "certificatePem" | "privateKeyPem" | "issuerCertificatePem";
  message: string;
}

/** Input of the brought-CA checks. */
export interface BroughtCa {
  certificatePem: string;
  privateKeyPem?: string;
  issuerCertificatePem?: string;
  now?: Date;
}

function load(pem: string): { parsed: ParsedCertificate; x509: X509Certificate } {
  const parsed = parseCertificatePem(pem);
  return { parsed, x509: new X509Certificate(parsed.der) };
}

/**
 * Whether a private key belongs to a certificate: undefined when it does, else why not (never echoing the key). The
 * brought-CA checks and the proof of possession (components/providers/caVerification.ts) both use it.
 */
export function privateKeyProblem(certificate: X509Certificate | string, privateKeyPem: string): string | undefined {
  let key;
  try {
    key = loadPrivateKey(privateKeyPem);
  } catch (e) {
    return (e as Error).message;
  }
  const x509 = typeof certificate === "string" ? new X509Certificate(certificate) : certificate;
  return x509.checkPrivateKey(key) ? undefined : "private key does not match the certificate's public key";
}

/** The problems with a brought CA, each tagged with the input it concerns; empty when it is fine. */
export function checkBroughtCaDetailed(o: BroughtCa): BroughtCaProblem[] {
  const problems: BroughtCaProblem[] = [];
  let cert: ReturnType<typeof load>;
  try {
    cert = load(o.certificatePem);
  } catch (e) {
    return [{ property: "certificatePem", message: `certificate PEM could not be parsed (${(e as Error).message})` }];
  }
  const { parsed, x509 } = cert;
  const bc = parsed.extensions.basicConstraints;
  if (!bc || !bc.cA) {
    problems.push({ property: "certificatePem", message: "certificate is not a CA certificate (basicConstraints CA:TRUE missing)" });
  }
  const ku = parsed.extensions.keyUsage;
  if (bc?.cA && ku && !ku.usages.includes("keyCertSign")) {
    problems.push({ property: "certificatePem", message: "certificate's keyUsage lacks keyCertSign: it cannot sign certificates" });
  }
  const now = (o.now ?? new Date()).getTime();
  if (now < parsed.notBefore.getTime()) {
    problems.push({ property: "certificatePem", message: `certificate is not yet valid (notBefore ${parsed.notBefore.toISOString()})` });
  }
  if (now >= parsed.notAfter.getTime()) {
    problems.push({ property: "certificatePem", message: `certificate expired (notAfter ${parsed.notAfter.toISOString()})` });
  }
  if (o.privateKeyPem !== undefined && o.privateKeyPem !== "") {
    const keyProblem = privateKeyProblem(x509, o.privateKeyPem);
    if (keyProblem) problems.push({ property: "privateKeyPem", message: keyProblem });
  }
  if (o.issuerCertificatePem !== undefined && o.issuerCertificatePem !== "") {
    let issuer: ReturnType<typeof load> | undefined;
    try {
      issuer = load(o.issuerCertificatePem);
    } catch (e) {
      problems.push({ property: "issuerCertificatePem", message: `issuer certificate PEM could not be parsed (${(e as Error).message})` });
    }
    if (issuer && !(x509.checkIssued(issuer.x509) && x509.verify(issuer.x509.publicKey))) {
      problems.push({ property: "certificatePem", message: `certificate is not signed by the given issuer (${issuer.x509.subject.replace(/\n/g, ", ")})` });
    }
  }
  return problems;
}

/** The problems with a brought CA, as messages; empty when it is fine. */
export function checkBroughtCa(o: BroughtCa): string[] {
  return checkBroughtCaDetailed(o).map((p) => p.message);
}
