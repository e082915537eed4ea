/**
 * The TBSCertificate, encoded natively in DER: names, validity, the subject's key as SubjectPublicKeyInfo DER
 * (any key type Node knows: RSA, EC P-256/384/521) and the extensions of extensions.ts. One job: fields in, TBS DER out.
 * (node-forge built this before; it holds RSA subject keys only, and an ADR External ICA's key is EC.)
 */
import { derOid, derTlv, TAG } from "./der";
import type { CertificateExtension } from "./extensions";

const UTF8_STRING = 0x0c;
const UTC_TIME = 0x17;
const GENERALIZED_TIME = 0x18;
const SET = 0x31;
const BOOLEAN_TRUE = "0101ff";
const COMMON_NAME = "2.5.4.3";

/** The fields of one TBSCertificate (v3). */
export interface TbsFields {
  /** Positive serial as DER INTEGER content in hex (validity.ts's randomSerialHex). */
  serialHex: string;
  /** The signature AlgorithmIdentifier DER (same as the outer one). */
  algorithmDer: Buffer;
  issuerNameDer: Buffer;
  notBefore: Date;
  notAfter: Date;
  subjectNameDer: Buffer;
  /** SubjectPublicKeyInfo DER, as `KeyObject.export({ type: "spki", format: "der" })` gives it. */
  spkiDer: Buffer;
  extensions: CertificateExtension[];
}

/** Name ::= SEQUENCE { SET { SEQUENCE { id-at-commonName, UTF8String } } } */
export function commonNameDer(commonName: string): Buffer {
  return derTlv(TAG.SEQUENCE, derTlv(SET, derTlv(TAG.SEQUENCE, derOid(COMMON_NAME), derTlv(UTF8_STRING, Buffer.from(commonName, "utf8")))));
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050; whole seconds, Zulu. */
export function timeDer(date: Date): Buffer {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = iso.slice(0, 19).replace(/[-T:]/g, "") + "Z"; // YYYYMMDDHHMMSSZ
  const year = date.getUTCFullYear();
  if (year >= 1950 && year < 2050) return derTlv(UTC_TIME, Buffer.from(digits.slice(2), "ascii"));
  return derTlv(GENERALIZED_TIME, Buffer.from(digits, "ascii"));
}

/** Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE (omitted when false), extnValue OCTET STRING } */
function extensionDer(e: CertificateExtension): Buffer {
  const parts = [derOid(e.oid)];
  if (e.critical) parts.push(Buffer.from(BOOLEAN_TRUE, "hex"));
  parts.push(derTlv(TAG.OCTET_STRING, e.value));
  return derTlv(TAG.SEQUENCE, ...parts);
}

/** TBSCertificate ::= SEQUENCE { [0] v3, serial, signature, issuer, validity, subject, spki, [3] extensions } */
export function tbsCertificateDer(f: TbsFields): Buffer {
  if (!/^([0-9a-f]{2})+$/i.test(f.serialHex)) throw new Error("serial must be hex octets");
  const parts = [
    Buffer.from("a003020102", "hex"), // version [0] EXPLICIT INTEGER 2 (v3)
    derTlv(TAG.INTEGER, Buffer.from(f.serialHex, "hex")),
    f.algorithmDer,
    f.issuerNameDer,
    derTlv(TAG.SEQUENCE, timeDer(f.notBefore), timeDer(f.notAfter)),
    f.subjectNameDer,
    f.spkiDer,
  ];
  if (f.extensions.length > 0) parts.push(derTlv(0xa3, derTlv(TAG.SEQUENCE, ...f.extensions.map(extensionDer))));
  return derTlv(TAG.SEQUENCE, ...parts);
}
