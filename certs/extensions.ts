/**
 * The v3 extensions of each profile, as node-forge extension specs.
 * SKI and AKI are given as explicit ASN.1 values: forge's `keyIdentifier: true` would write the
 * certificate's own key id into the AKI, which is wrong for anything not self-signed.
 */
import { asn1 } from "node-forge";

/** A forge extension spec (forge's typings leave these untyped). */
export type ForgeExtension = Record<string, unknown> & { name: string };

function octets(id: Buffer): string {
  return id.toString("binary");
}

/** subjectKeyIdentifier = the subject's key id (RFC 5280 method 1, computed by keys.ts). */
export function subjectKeyIdentifier(keyId: Buffer): ForgeExtension {
  return {
    name: "subjectKeyIdentifier",
    value: asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, octets(keyId)),
  };
}

/** authorityKeyIdentifier with keyIdentifier = the issuer's SKI (the cert's own SKI when self-signed). */
export function authorityKeyIdentifier(issuerKeyId: Buffer): ForgeExtension {
  return {
    name: "authorityKeyIdentifier",
    value: asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
      asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, false, octets(issuerKeyId)),
    ]),
  };
}

/** Root and intermediate CAs: basicConstraints critical CA:TRUE pathlen, keyUsage critical keyCertSign cRLSign digitalSignature. */
export function caExtensions(o: { pathLength: number; subjectKeyId: Buffer; authorityKeyId: Buffer }): ForgeExtension[] {
  return [
    { name: "basicConstraints", critical: true, cA: true, pathLenConstraint: o.pathLength },
    { name: "keyUsage", critical: true, keyCertSign: true, cRLSign: true, digitalSignature: true },
    subjectKeyIdentifier(o.subjectKeyId),
    authorityKeyIdentifier(o.authorityKeyId),
  ];
}

/** Device (leaf): CA:FALSE, digitalSignature + keyEncipherment, extendedKeyUsage clientAuth. */
export function deviceExtensions(o: { subjectKeyId: Buffer; authorityKeyId: Buffer }): ForgeExtension[] {
  return [
    { name: "basicConstraints", critical: true, cA: false },
    { name: "keyUsage", critical: true, digitalSignature: true, keyEncipherment: true },
    { name: "extKeyUsage", clientAuth: true },
    subjectKeyIdentifier(o.subjectKeyId),
    authorityKeyIdentifier(o.authorityKeyId),
  ];
}

/** Proof-of-possession certificate: an end-entity certificate, CA:FALSE, digitalSignature. */
export function verificationExtensions(o: { subjectKeyId: Buffer; authorityKeyId: Buffer }): ForgeExtension[] {
  return [
    { name: "basicConstraints", critical: true, cA: false },
    { name: "keyUsage", critical: true, digitalSignature: true },
    subjectKeyIdentifier(o.subjectKeyId),
    authorityKeyIdentifier(o.authorityKeyId),
  ];
}
