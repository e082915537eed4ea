/**
 * A public key from its SubjectPublicKeyInfo DER, quickly for RSA. Node's SPKI import goes through OpenSSL 3's
 * decoder framework, about 0.1 ms a key; a platform of a thousand tenants reads a thousand CSR keys per plan. An
 * RSA key built from its modulus and exponent (the JWK import) takes a tenth of that. The fast path is taken only
 * when the key it builds exports to exactly the bytes given, so it is the same key as the DER names, by
 * construction; anything else (EC, unusual encodings, garbage) goes through Node's own SPKI import and its errors.
 */
import { createPublicKey, type KeyObject } from "crypto";
import { derOid, readTlv, TAG } from "./der";

/** AlgorithmIdentifier { rsaEncryption, NULL }, DER, as every RSA SPKI carries it. */
function rsaAlgorithmDer(): Buffer {
  return Buffer.concat([Buffer.from([TAG.SEQUENCE, 0x0d]), derOid("1.2.840.113549.1.1.1"), Buffer.from([TAG.NULL, 0x00])]);
}

/** The RSA key an SPKI holds, by its modulus and exponent; undefined when the DER is not a plain RSA SPKI. */
export function rsaKeyFromSpki(der: Buffer): KeyObject | undefined {
  try {
    const outer = readTlv(der, 0);
    const algorithm = readTlv(der, outer.start);
    if (outer.tag !== TAG.SEQUENCE || !der.subarray(outer.start, algorithm.end).equals(rsaAlgorithmDer())) return undefined;
    const bits = readTlv(der, algorithm.end);
    if (bits.tag !== TAG.BIT_STRING || der[bits.start] !== 0) return undefined;
    const rsaKey = readTlv(der, bits.start + 1);
    const modulus = readTlv(der, rsaKey.start);
    const exponent = readTlv(der, modulus.end);
    if (rsaKey.tag !== TAG.SEQUENCE || modulus.tag !== TAG.INTEGER || exponent.tag !== TAG.INTEGER) return undefined;
    // DER integers carry a leading zero when the top bit is set; a JWK's are unsigned big-endian without it.
    const unsigned = (start: number, end: number) => der.subarray(der[start] === 0 && end - start > 1 ? start + 1 : start, end).toString("base64url");
    const key = createPublicKey({ key: { kty: "RSA", n: unsigned(modulus.start, modulus.end), e: unsigned(exponent.start, exponent.end) }, format: "jwk" });
    return key.export({ type: "spki", format: "der" }).equals(der) ? key : undefined;
  } catch {
    return undefined;
  }
}

/** The public key of an SPKI DER; throws Node's error when the DER is not a key Node reads. */
export function publicKeyFromSpki(der: Buffer): KeyObject {
  return rsaKeyFromSpki(der) ?? createPublicKey({ key: der, format: "der", type: "spki" });
}
