/**
 * Test infrastructure: the X.509 structures Azure's side of Device Registry makes, built byte by byte with EC keys and
 * signed with Node's crypto, independently of the project's certs/ (so the local servers do not judge the product's
 * certificates with the product's own code): the External ICA's key and CSR (armDeviceRegistry.ts), the Microsoft
 * Root and ICA, device certificates signed by an ICA key (adrIssuers.ts). Tests also use `issueCertificate` to stand
 * in for a stack's EC root, and to make the malformed chains the server must refuse.
 */
import { createHash, createPublicKey, KeyObject, randomBytes, sign as cryptoSign } from "crypto";
import { createCsr } from "../certs/csr";
import { derOid, derTlv, pemEncode, readTlv, TAG } from "../certs/der";
import { keyIdentifierFromSpki, spkiDer } from "../certs/keys";
import { OID } from "../certs/parse";
import { signatureAlgorithmFor } from "../certs/sign";
import { keyObjectSigner } from "../certs/signer";

const UTF8_STRING = 0x0c;
const SET = 0x31;
const BOOLEAN = 0x01;
const UTC_TIME = 0x17;
const GENERALIZED_TIME = 0x18;

/** Name ::= one RDN holding CN = commonName (UTF8String). */
export function nameDer(commonName: string): Buffer {
  return derTlv(TAG.SEQUENCE, derTlv(SET, derTlv(TAG.SEQUENCE, derOid(OID.commonName), derTlv(UTF8_STRING, Buffer.from(commonName, "utf8")))));
}

/** The subject Name of a certificate, as its DER bytes (so an issued certificate's issuer equals it byte for byte). */
export function subjectNameDerOf(certificateDer: Buffer): Buffer {
  const cert = readTlv(certificateDer, 0);
  const tbs = readTlv(certificateDer, cert.start);
  let at = tbs.start;
  const fields: Array<{ start: number; end: number; headerStart: number }> = [];
  while (at < tbs.end && fields.length < 6) {
    const f = readTlv(certificateDer, at);
    fields.push({ ...f, headerStart: at });
    at = f.end;
  }
  // [0] version (explicit, context tag 0xa0), serial, signature, issuer, validity, subject
  const subject = fields[0] && certificateDer[fields[0].headerStart] === 0xa0 ? fields[5] : fields[4];
  return certificateDer.subarray(subject.headerStart, subject.end);
}

function timeDer(date: Date): Buffer {
  const iso = date.toISOString().replace(/[-:T]/g, "").slice(0, 14); // YYYYMMDDHHMMSS
  return date.getUTCFullYear() < 2050 ? derTlv(UTC_TIME, Buffer.from(`${iso.slice(2)}Z`)) : derTlv(GENERALIZED_TIME, Buffer.from(`${iso}Z`));
}

function extension(oid: string, critical: boolean, value: Buffer): Buffer {
  return derTlv(TAG.SEQUENCE, derOid(oid), ...(critical ? [derTlv(BOOLEAN, Buffer.from([0xff]))] : []), derTlv(TAG.OCTET_STRING, value));
}

/** KeyUsage bits: digitalSignature 0, keyEncipherment 2, keyCertSign 5, cRLSign 6. */
function keyUsageDer(bits: number[]): Buffer {
  let byte = 0;
  for (const b of bits) byte |= 0x80 >> b;
  const unused = Math.min(...bits.map((b) => 7 - b));
  return derTlv(TAG.BIT_STRING, Buffer.from([unused, byte]));
}

export interface CertificateSpec {
  /** Subject Name DER (`nameDer(cn)`, or a CSR's subject). */
  readonly subjectName: Buffer;
  readonly subjectPublicKey: KeyObject;
  /** Issuer Name DER; the subject's when absent (self-signed). */
  readonly issuerName?: Buffer;
  /** Issuer's private key (EC or RSA). */
  readonly issuerKey: KeyObject;
  /** Issuer's public key, for the authority key id; the subject's when absent. */
  readonly issuerPublicKey?: KeyObject;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** A CA (CA:TRUE critical, pathlen when given, keyCertSign + cRLSign + digitalSignature) or a device leaf. */
  readonly profile: { readonly ca: true; readonly pathLength?: number } | { readonly ca: false };
  /** Leave out the subject key identifier (to test a refusal). */
  readonly omitSubjectKeyId?: boolean;
  /** Non-critical basicConstraints (to test a refusal). */
  readonly basicConstraintsNotCritical?: boolean;
}

/** An X.509 v3 certificate, DER, signed by `issuerKey` with the hash its curve calls for (P-384 → SHA-384). */
export function issueCertificate(spec: CertificateSpec): Buffer {
  const algorithm = signatureAlgorithmFor(spec.issuerKey);
  const tbs = tbsDer(spec, algorithm);
  return derTlv(TAG.SEQUENCE, tbs, algorithm.der, derTlv(TAG.BIT_STRING, Buffer.from([0x00]), cryptoSign(algorithm.hash, tbs, spec.issuerKey)));
}

function tbsDer(spec: Omit<CertificateSpec, "issuerKey">, algorithm: { der: Buffer }): Buffer {
  const subjectSpki = spkiDer(spec.subjectPublicKey);
  const issuerKeyId = keyIdentifierFromSpki(spkiDer(spec.issuerPublicKey ?? spec.subjectPublicKey));
  const serial = randomBytes(16);
  serial[0] &= 0x7f;
  serial[0] |= 0x01;
  const extensions: Buffer[] = [];
  if (spec.profile.ca) {
    const pathLength = spec.profile.pathLength;
    const bc = derTlv(TAG.SEQUENCE, derTlv(BOOLEAN, Buffer.from([0xff])), ...(pathLength === undefined ? [] : [derTlv(TAG.INTEGER, Buffer.from([pathLength]))]));
    extensions.push(extension(OID.basicConstraints, !spec.basicConstraintsNotCritical, bc));
    extensions.push(extension(OID.keyUsage, true, keyUsageDer([0, 5, 6])));
  } else {
    extensions.push(extension(OID.basicConstraints, true, derTlv(TAG.SEQUENCE)));
    extensions.push(extension(OID.keyUsage, true, keyUsageDer([0])));
    extensions.push(extension(OID.extKeyUsage, false, derTlv(TAG.SEQUENCE, derOid(OID.clientAuth))));
  }
  if (!spec.omitSubjectKeyId) extensions.push(extension(OID.subjectKeyIdentifier, false, derTlv(TAG.OCTET_STRING, keyIdentifierFromSpki(subjectSpki))));
  extensions.push(extension(OID.authorityKeyIdentifier, false, derTlv(TAG.SEQUENCE, derTlv(0x80, issuerKeyId))));
  return derTlv(
    TAG.SEQUENCE,
    derTlv(0xa0, derTlv(TAG.INTEGER, Buffer.from([0x02]))),
    derTlv(TAG.INTEGER, serial),
    algorithm.der,
    spec.issuerName ?? spec.subjectName,
    derTlv(TAG.SEQUENCE, timeDer(spec.notBefore), timeDer(spec.notAfter)),
    spec.subjectName,
    subjectSpki,
    derTlv(0xa3, derTlv(TAG.SEQUENCE, ...extensions)),
  );
}

export function certificatePem(der: Buffer): string {
  return pemEncode("CERTIFICATE", der);
}

/** A PKCS#10 CSR, PEM, for an EC (or RSA) key, subject CN = commonName (certs/csr.ts builds it). */
export function csrPemFor(privateKey: KeyObject, commonName: string): Promise<string> {
  return createCsr({ commonName, signer: keyObjectSigner(privateKey) });
}

/** The same CSR, made synchronously (the ARM server's 201 answer already carries it). */
export function csrPemSync(privateKey: KeyObject, commonName: string): string {
  const algorithm = signatureAlgorithmFor(privateKey);
  const info = derTlv(TAG.SEQUENCE, derTlv(TAG.INTEGER, Buffer.from([0x00])), nameDer(commonName), spkiDer(createPublicKey(privateKey)), Buffer.from([0xa0, 0x00]));
  const signature = cryptoSign(algorithm.hash, info, privateKey);
  return pemEncode("CERTIFICATE REQUEST", derTlv(TAG.SEQUENCE, info, algorithm.der, derTlv(TAG.BIT_STRING, Buffer.from([0x00]), signature)));
}

/** SHA-1 of a certificate's DER, upper-case hex (ARM's `thumbprint`). */
export function sha1Thumbprint(der: Buffer): string {
  return createHash("sha1").update(der).digest("hex").toUpperCase();
}
