/**
 * The v3 extensions of each profile, encoded in DER (tbs.ts wraps them). SKI and AKI carry explicit key ids:
 * the AKI is always the issuer's SKI (the certificate's own only when self-signed).
 */
import { derOid, derTlv, TAG } from "./der";

/** One extension: its OID, criticality and the DER of its value (what goes inside extnValue's OCTET STRING). */
export interface CertificateExtension {
  oid: string;
  critical: boolean;
  value: Buffer;
}

const BOOLEAN_TRUE = "0101ff";
const KEY_USAGE_BIT = { digitalSignature: 0, keyEncipherment: 2, keyCertSign: 5, cRLSign: 6 } as const;
export type KeyUsageName = keyof typeof KEY_USAGE_BIT;
const EXT = {
  subjectKeyIdentifier: "2.5.29.14",
  keyUsage: "2.5.29.15",
  basicConstraints: "2.5.29.19",
  authorityKeyIdentifier: "2.5.29.35",
  extKeyUsage: "2.5.29.37",
  clientAuth: "1.3.6.1.5.5.7.3.2",
} as const;

/** A small non-negative INTEGER. */
function smallInteger(n: number): Buffer {
  return derTlv(TAG.INTEGER, Buffer.from(n > 0x7f ? [0, n] : [n]));
}

/** basicConstraints: SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER OPTIONAL }; always critical here. */
export function basicConstraints(o: { cA: boolean; pathLength?: number }): CertificateExtension {
  const parts: Buffer[] = [];
  if (o.cA) parts.push(Buffer.from(BOOLEAN_TRUE, "hex"));
  if (o.cA && o.pathLength !== undefined) parts.push(smallInteger(o.pathLength));
  return { oid: EXT.basicConstraints, critical: true, value: derTlv(TAG.SEQUENCE, ...(parts.length ? parts : [Buffer.alloc(0)])) };
}

/** keyUsage BIT STRING (named bits: DER drops trailing zero bits); always critical here. */
export function keyUsage(usages: KeyUsageName[]): CertificateExtension {
  let byte = 0;
  let last = 0;
  for (const u of usages) {
    byte |= 0x80 >> KEY_USAGE_BIT[u];
    last = Math.max(last, KEY_USAGE_BIT[u]);
  }
  return { oid: EXT.keyUsage, critical: true, value: derTlv(TAG.BIT_STRING, Buffer.from([7 - last, byte])) };
}

/** extendedKeyUsage clientAuth (not critical). */
function clientAuthOnly(): CertificateExtension {
  return { oid: EXT.extKeyUsage, critical: false, value: derTlv(TAG.SEQUENCE, derOid(EXT.clientAuth)) };
}

/** subjectKeyIdentifier = the subject's key id (RFC 5280 method 1, computed by keys.ts). */
export function subjectKeyIdentifier(keyId: Buffer): CertificateExtension {
  return { oid: EXT.subjectKeyIdentifier, critical: false, value: derTlv(TAG.OCTET_STRING, keyId) };
}

/** authorityKeyIdentifier: SEQUENCE { [0] IMPLICIT keyIdentifier } = the issuer's SKI (the cert's own SKI when self-signed). */
export function authorityKeyIdentifier(issuerKeyId: Buffer): CertificateExtension {
  return { oid: EXT.authorityKeyIdentifier, critical: false, value: derTlv(TAG.SEQUENCE, derTlv(0x80, issuerKeyId)) };
}

/** Root and intermediate CAs: basicConstraints critical CA:TRUE pathlen, keyUsage critical keyCertSign cRLSign digitalSignature. */
export function caExtensions(o: { pathLength: number; subjectKeyId: Buffer; authorityKeyId: Buffer }): CertificateExtension[] {
  return [
    basicConstraints({ cA: true, pathLength: o.pathLength }),
    keyUsage(["digitalSignature", "keyCertSign", "cRLSign"]),
    subjectKeyIdentifier(o.subjectKeyId),
    authorityKeyIdentifier(o.authorityKeyId),
  ];
}

/**
 * Device (leaf): CA:FALSE, digitalSignature + keyEncipherment (RSA) or digitalSignature alone (EC: RFC 5480 §3 allows
 * no keyEncipherment on an EC key), extendedKeyUsage clientAuth.
 */
export function deviceExtensions(o: { subjectKeyId: Buffer; authorityKeyId: Buffer; ecSubjectKey?: boolean }): CertificateExtension[] {
  return [
    basicConstraints({ cA: false }),
    keyUsage(o.ecSubjectKey ? ["digitalSignature"] : ["digitalSignature", "keyEncipherment"]),
    clientAuthOnly(),
    subjectKeyIdentifier(o.subjectKeyId),
    authorityKeyIdentifier(o.authorityKeyId),
  ];
}

/** Proof-of-possession certificate: an end-entity certificate, CA:FALSE, digitalSignature. */
export function verificationExtensions(o: { subjectKeyId: Buffer; authorityKeyId: Buffer }): CertificateExtension[] {
  return [
    basicConstraints({ cA: false }),
    keyUsage(["digitalSignature"]),
    subjectKeyIdentifier(o.subjectKeyId),
    authorityKeyIdentifier(o.authorityKeyId),
  ];
}
