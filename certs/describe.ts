/**
 * A plain description of a certificate, as Azure and OpenSSL show it. One job: read, never judge.
 */
import { createHash, createPublicKey } from "crypto";
import { keySizeOf } from "./keys";
import { commonNameOf, NameAttribute, parseCertificatePem } from "./parse";

/** What `describeCertificate` returns. Hex values are upper-case without colons (as Azure shows thumbprints). */
export interface CertificateDescription {
  /** Distinguished name, RFC 4514 string order (most specific first), e.g. "CN=Device 1,O=Contoso". */
  subject: string;
  issuer: string;
  commonName: string;
  /** ISO 8601. */
  notBefore: string;
  notAfter: string;
  /** RSA modulus bits, or EC curve bits. */
  keySize: number;
  isCa: boolean;
  pathLength?: number;
  subjectKeyId?: string;
  authorityKeyId?: string;
  /** Serial number, upper-case hex, as `openssl x509 -serial` prints it. */
  serialNumber: string;
  sha1Thumbprint: string;
  sha256Thumbprint: string;
}

function escapeRdnValue(value: string): string {
  // RFC 4514 §2.4: the characters that must be escaped (as OpenSSL's RFC2253 output does)
  let out = value.replace(/[\\,+"<>;]/g, (c) => `\\${c}`);
  // A leading "#" is escaped unless it is the whole value: OpenSSL's -nameopt RFC2253 treats a one-character value
  // as "last" only, and users compare this string with OpenSSL's.
  if ((out.startsWith("#") && out.length > 1) || out.startsWith(" ")) out = `\\${out}`;
  if (out.endsWith(" ") && out.length > 1) out = `${out.slice(0, -1)}\\ `;
  return out;
}

/** RFC 4514 string of a name given in certificate order. */
export function formatName(attrs: NameAttribute[]): string {
  return attrs
    .slice()
    .reverse()
    .map((a) => `${a.shortName ?? a.oid}=${escapeRdnValue(a.value)}`)
    .join(",");
}

function hex(buf: Buffer | undefined): string | undefined {
  return buf ? buf.toString("hex").toUpperCase() : undefined;
}

/** Describes the first certificate of a PEM string. Throws "malformed certificate…" when it cannot. */
export function describeCertificate(pem: string): CertificateDescription {
  const parsed = parseCertificatePem(pem);
  const publicKey = createPublicKey({ key: parsed.spkiDer, format: "der", type: "spki" });
  const bc = parsed.extensions.basicConstraints;
  const description: CertificateDescription = {
    subject: formatName(parsed.subjectAttributes),
    issuer: formatName(parsed.issuerAttributes),
    commonName: commonNameOf(parsed.subjectAttributes),
    notBefore: parsed.notBefore.toISOString(),
    notAfter: parsed.notAfter.toISOString(),
    keySize: keySizeOf(publicKey),
    isCa: !!bc?.cA,
    serialNumber: parsed.serialHex,
    sha1Thumbprint: createHash("sha1").update(parsed.der).digest("hex").toUpperCase(),
    sha256Thumbprint: createHash("sha256").update(parsed.der).digest("hex").toUpperCase(),
  };
  if (bc?.cA && bc.pathLength !== undefined) description.pathLength = bc.pathLength;
  const ski = hex(parsed.extensions.subjectKeyId);
  const aki = hex(parsed.extensions.authorityKeyId);
  if (ski) description.subjectKeyId = ski;
  if (aki) description.authorityKeyId = aki;
  return description;
}
