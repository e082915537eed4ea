/**
 * Key pairs: generated natively, exported as PKCS#8 PEM, loaded once into KeyObjects,
 * and the RFC 5280 key identifier. One job: keys. Error messages never carry key material.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject } from "crypto";
import { decodeCompactKey, isCompactKey } from "./compactKey";
import { readTlv, TAG } from "./der";

/** RSA modulus sizes this project issues. */
export type RsaKeySize = 2048 | 3072 | 4096;
const RSA_KEY_SIZES: readonly RsaKeySize[] = [2048, 3072, 4096];
export { RSA_KEY_SIZES };

/** NIST curves of EC CA keys (JOSE / Key Vault names); Azure Device Registry signs with these only. */
export type EcCurve = "P-256" | "P-384" | "P-521";
const EC_CURVES: readonly EcCurve[] = ["P-256", "P-384", "P-521"];
/** OpenSSL's names of the same curves (what `asymmetricKeyDetails.namedCurve` says). */
const OPENSSL_CURVE: Record<EcCurve, string> = { "P-256": "prime256v1", "P-384": "secp384r1", "P-521": "secp521r1" };
export { EC_CURVES };

/** What key a CA has: an RSA modulus size, or an EC curve. */
export type KeySpec = RsaKeySize | EcCurve;

/** Throws unless `spec` is 2048, 3072, 4096, "P-256", "P-384" or "P-521". */
export function assertKeySpec(spec: unknown, what = "key"): asserts spec is KeySpec {
  if (!RSA_KEY_SIZES.includes(spec as RsaKeySize) && !EC_CURVES.includes(spec as EcCurve)) {
    throw new Error(`${what} must be RSA ${RSA_KEY_SIZES.join(", ")} or EC ${EC_CURVES.join(", ")}; got ${JSON.stringify(spec)}`);
  }
}

/** "RSA 4096" or "EC P-384", for plans and messages. */
export function describeKeySpec(spec: KeySpec): string {
  return typeof spec === "number" ? `RSA ${spec}` : `EC ${spec}`;
}

/** The spec of a public key ("P-384", 4096), or undefined for a key this project does not make. */
export function keySpecOf(publicKey: KeyObject): KeySpec | undefined {
  if (publicKey.asymmetricKeyType === "rsa") {
    const bits = publicKey.asymmetricKeyDetails?.modulusLength;
    return RSA_KEY_SIZES.find((size) => size === bits);
  }
  if (publicKey.asymmetricKeyType === "ec") {
    const curve = publicKey.asymmetricKeyDetails?.namedCurve;
    return EC_CURVES.find((c) => OPENSSL_CURVE[c] === curve);
  }
  return undefined;
}

/** Generates a key pair of either kind natively: RSA (exponent 65537) or EC on a named curve. */
export function generateKeyPair(spec: KeySpec): GeneratedKeyPair {
  assertKeySpec(spec);
  if (typeof spec === "number") return generateRsaKeyPair(spec);
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: OPENSSL_CURVE[spec] });
  return { privateKey, publicKey, privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString() };
}

/** A generated key pair: KeyObjects for signing, and the private key as PKCS#8 PEM for storage. */
export interface GeneratedKeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
  privateKeyPem: string;
}

/** Throws unless `keySize` is 2048, 3072 or 4096. */
export function assertKeySize(keySize: unknown, what = "keySize"): asserts keySize is RsaKeySize {
  if (!RSA_KEY_SIZES.includes(keySize as RsaKeySize)) {
    throw new Error(`${what} must be one of ${RSA_KEY_SIZES.join(", ")}; got ${JSON.stringify(keySize)}`);
  }
}

/** Generates an RSA key pair natively (OpenSSL under Node), public exponent 65537. */
export function generateRsaKeyPair(keySize: RsaKeySize): GeneratedKeyPair {
  assertKeySize(keySize);
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: keySize, publicExponent: 0x10001 });
  const privateKeyPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  return { privateKey, publicKey, privateKeyPem };
}

let throwaway: KeyObject | undefined;
/**
 * The public key of a certificate whose own key is never used: the proof of possession's, where only the CA's
 * signature over `CN=<code>` counts and the private half is thrown away. Made once a process and reused: a fresh
 * RSA-2048 key cost 0.1–0.3 s of CPU a proof, for nothing.
 */
export function throwawayPublicKey(): KeyObject {
  return (throwaway ??= generateRsaKeyPair(2048).publicKey);
}

/**
 * Loads a private key once: a PEM (PKCS#8, PKCS#1 or SEC1), or the compact form CA keys have in state
 * (compactKey.ts). The thrown message names no key material.
 */
export function loadPrivateKey(pem: string, what = "private key"): KeyObject {
  if (isCompactKey(pem)) return decodeCompactKey(pem, what);
  if (typeof pem !== "string" || !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
    throw new Error(`${what} is not a PEM private key`);
  }
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(pem)) throw new Error(`${what} is encrypted; give it unencrypted`);
  try {
    return createPrivateKey({ key: pem, format: "pem" });
  } catch {
    throw new Error(`${what} could not be parsed`);
  }
}

/** The public half of a private key. */
export function publicKeyOf(privateKey: KeyObject): KeyObject {
  return createPublicKey(privateKey);
}

/** SubjectPublicKeyInfo DER of a public key. */
export function spkiDer(publicKey: KeyObject): Buffer {
  return publicKey.export({ type: "spki", format: "der" });
}

/**
 * RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING's value (without the unused-bits byte).
 * Works for any key type, from the SPKI DER.
 */
export function keyIdentifierFromSpki(spki: Buffer): Buffer {
  const outer = readTlv(spki, 0);
  const algorithm = readTlv(spki, outer.start);
  const bitString = readTlv(spki, algorithm.end);
  if (outer.tag !== TAG.SEQUENCE || bitString.tag !== TAG.BIT_STRING) throw new Error("malformed SubjectPublicKeyInfo");
  return createHash("sha1").update(spki.subarray(bitString.start + 1, bitString.end)).digest();
}

/** Whether a SubjectPublicKeyInfo DER is an EC key (its algorithm is id-ecPublicKey, 1.2.840.10045.2.1). */
export function isEcSpki(spki: Buffer): boolean {
  const outer = readTlv(spki, 0);
  const algorithm = readTlv(spki, outer.start);
  const oid = readTlv(spki, algorithm.start);
  return spki.subarray(oid.start, oid.end).equals(Buffer.from("2a8648ce3d0201", "hex"));
}

/** Key size in bits: RSA modulus length, or the EC curve size. 0 when unknown. */
export function keySizeOf(publicKey: KeyObject): number {
  const details = publicKey.asymmetricKeyDetails ?? {};
  if (details.modulusLength) return details.modulusLength;
  const curves: Record<string, number> = { prime256v1: 256, "P-256": 256, secp384r1: 384, "P-384": 384, secp521r1: 521, "P-521": 521 };
  if (details.namedCurve) return curves[details.namedCurve] ?? 0;
  if (publicKey.asymmetricKeyType === "ed25519") return 256;
  return 0;
}
