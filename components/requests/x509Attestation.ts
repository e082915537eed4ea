/**
 * The three X.509 attestations of the DPS service API (2021-10-01, `X509Attestation`), as request JSON, and what a
 * record returned by the service says about them. Pure: no I/O, no Pulumi.
 *
 *   caReferences        { primary, secondary? }: names of verified DPS CA certificates (a CA slot and a proof each)
 *   signingCertificates { primary: { certificate }, secondary? }: the CA's certificate held in an enrollment group
 *   clientCertificates  { primary: { certificate }, secondary? }: an individual enrollment's device certificate
 *
 * `certificate` is the PEM text, trailing white space removed: what `az iot dps enrollment(-group) create
 * --certificate-path` sends (azure-iot-cli-extension, certops.open_certificate). The service answers with the
 * certificate's `info` (X509CertificateInfo: thumbprints, subject, validity) instead of the certificate, so what was
 * sent is compared with what is read back by SHA-256 thumbprint.
 */
import { X509Certificate } from "crypto";

/** How an enrollment group attests its devices' chain. */
export const groupAttestations = ["caReference", "signingCertificate"] as const;
export type GroupAttestation = (typeof groupAttestations)[number];

export type X509AttestationBody = { type: "x509"; x509: Record<string, unknown> };

/** `X509CertificateWithInfo` as sent: the PEM, as `az` sends it. */
export function certificateWithInfo(certificatePem: string): { certificate: string } {
  return { certificate: String(certificatePem).trimEnd() };
}

/** `X509Certificates`: primary, and secondary only when given. */
function certificates(primaryPem: string, secondaryPem?: string): Record<string, { certificate: string }> {
  const out: Record<string, { certificate: string }> = { primary: certificateWithInfo(primaryPem) };
  if (secondaryPem) out.secondary = certificateWithInfo(secondaryPem);
  return out;
}

export function caReferencesAttestation(primary: string, secondary?: string): X509AttestationBody {
  const caReferences: Record<string, string> = { primary };
  if (secondary) caReferences.secondary = secondary;
  return { type: "x509", x509: { caReferences } };
}

export function signingCertificatesAttestation(primaryPem: string, secondaryPem?: string): X509AttestationBody {
  return { type: "x509", x509: { signingCertificates: certificates(primaryPem, secondaryPem) } };
}

export function clientCertificatesAttestation(primaryPem: string, secondaryPem?: string): X509AttestationBody {
  return { type: "x509", x509: { clientCertificates: certificates(primaryPem, secondaryPem) } };
}

/** A certificate's SHA-256 thumbprint (upper-case hex, no separators, as the service reports it) and subject CN. Throws on a PEM that is not a certificate. */
export function certificateFacts(pem: string): { sha256Thumbprint: string; commonName?: string; notAfter: string } {
  const cert = new X509Certificate(pem);
  const cn = /(?:^|\n)CN=([^\n]*)/.exec(cert.subject)?.[1];
  return { sha256Thumbprint: String(cert.fingerprint256).replace(/:/g, "").toUpperCase(), commonName: cn, notAfter: cert.validTo };
}

/** The thumbprint of a PEM, or undefined when it is not a certificate. */
export function thumbprintOf(pem: unknown): string | undefined {
  if (typeof pem !== "string" || !pem) return undefined;
  try {
    return certificateFacts(pem).sha256Thumbprint;
  } catch {
    return undefined;
  }
}

/** The SHA-256 thumbprint of one `X509CertificateWithInfo` as returned: from its info, else from its certificate. */
export function recordThumbprint(withInfo: unknown): string | undefined {
  const w = withInfo as { info?: { sha256Thumbprint?: unknown }; certificate?: unknown } | undefined;
  const fromInfo = w?.info?.sha256Thumbprint;
  if (typeof fromInfo === "string" && fromInfo) return fromInfo.replace(/:/g, "").toUpperCase();
  return thumbprintOf(w?.certificate);
}

/** What a returned record's X.509 attestation holds: CA names, or the thumbprints of held certificates. */
export interface RecordAttestation {
  readonly kind: "caReferences" | "signingCertificates" | "clientCertificates" | "none";
  readonly primary?: string;
  readonly secondary?: string;
}

export function attestationOfRecord(record: Record<string, any> | undefined): RecordAttestation {
  const x509 = record?.attestation?.x509 ?? {};
  if (x509.caReferences) return { kind: "caReferences", primary: x509.caReferences.primary ?? undefined, secondary: x509.caReferences.secondary ?? undefined };
  for (const kind of ["signingCertificates", "clientCertificates"] as const) {
    if (x509[kind]) return { kind, primary: recordThumbprint(x509[kind].primary), secondary: recordThumbprint(x509[kind].secondary) };
  }
  return { kind: "none" };
}
