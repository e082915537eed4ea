/**
 * A compact text form of an RSA private key, for keys kept in Pulumi state: `rsa1.<e>.<p>.<q>`, each number
 * big-endian base64url without padding. The primes are the whole key; the rest (n, d, dp, dq, qi) is recomputed
 * with BigInt on decoding. About 700 characters for RSA-4096, against 3.3 KB of PKCS#8 PEM (4.4 KB once state
 * encrypts it), so a CA's state, and that of every intermediate it signs, stays small.
 *
 * One job: encode and decode. Pure, no Pulumi. Messages never carry key material. The form is a secret exactly as
 * the PEM is: whoever has it has the key.
 */
import { createPrivateKey, KeyObject } from "crypto";

/** The version tag: a later form gets another tag, and every form ever written must stay decodable. */
const TAG = "rsa1";
const COMPACT_KEY = /^rsa1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
export { COMPACT_KEY };

/** Whether a text is in the compact form (it says nothing of whether the numbers make a key). */
export function isCompactKey(text: unknown): text is string {
  return typeof text === "string" && COMPACT_KEY.test(text.trim());
}

/** A number from its base64url text; undefined unless the text is the canonical encoding of its bytes. */
const toBigInt = (b64url: string): bigint | undefined => {
  const bytes = Buffer.from(b64url, "base64url");
  if (bytes.toString("base64url") !== b64url) return undefined;
  const hex = bytes.toString("hex");
  return hex === "" ? 0n : BigInt(`0x${hex}`);
};

const toBase64Url = (n: bigint): string => {
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  return Buffer.from(hex, "hex").toString("base64url");
};

const mod = (a: bigint, m: bigint): bigint => ((a % m) + m) % m;

/** a⁻¹ mod m (extended Euclid); throws when there is none. */
function inverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [mod(a, m), m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  if (oldR !== 1n) throw new Error("no inverse");
  return mod(oldS, m);
}

const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? a : gcd(b, a % b));

/** The compact form of an RSA private key (a KeyObject, or a PEM Node can read). */
export function encodeCompactKey(key: KeyObject | string, what = "private key"): string {
  let object: KeyObject;
  try {
    object = typeof key === "string" ? createPrivateKey(key) : key;
  } catch {
    throw new Error(`${what} could not be parsed`);
  }
  if (object.type !== "private" || object.asymmetricKeyType !== "rsa") throw new Error(`${what} is not an RSA private key`);
  const jwk = object.export({ format: "jwk" });
  if (!jwk.e || !jwk.p || !jwk.q || jwk.oth) throw new Error(`${what} is not a two-prime RSA key`);
  return [TAG, jwk.e, jwk.p, jwk.q].join(".");
}

/** The key a compact form stands for, as a Node KeyObject; throws (naming `what`, no key material) when it is not one. */
export function decodeCompactKey(text: string, what = "private key"): KeyObject {
  if (!isCompactKey(text)) throw new Error(`${what} is not a compact private key (rsa1.<e>.<p>.<q>)`);
  const [, e64, p64, q64] = text.trim().split(".");
  const [e, p, q] = [toBigInt(e64), toBigInt(p64), toBigInt(q64)];
  const one = 1n;
  // One text per key: a non-canonical base64url (other trailing bits) is refused, not read as the same key.
  if (e === undefined || p === undefined || q === undefined || e < 3n || p < 3n || q < 3n || p === q) throw new Error(`${what} is not a valid RSA key`);
  const lambda = ((p - one) * (q - one)) / gcd(p - one, q - one);
  let d: bigint;
  let qi: bigint;
  try {
    // d as FIPS 186-4 and OpenSSL 3 make it: e⁻¹ mod λ(n).
    d = inverse(e, lambda);
    qi = inverse(q, p);
  } catch {
    throw new Error(`${what} is not a valid RSA key`);
  }
  const jwk = { kty: "RSA", n: toBase64Url(p * q), e: e64, d: toBase64Url(d), p: p64, q: q64, dp: toBase64Url(d % (p - one)), dq: toBase64Url(d % (q - one)), qi: toBase64Url(qi) };
  try {
    return createPrivateKey({ key: jwk, format: "jwk" });
  } catch {
    throw new Error(`${what} is not a valid RSA key`);
  }
}

/** The PKCS#8 PEM of a compact key (what tools and stack outputs hand to people). */
export function compactKeyToPem(text: string, what = "private key"): string {
  return decodeCompactKey(text, what).export({ type: "pkcs8", format: "pem" }).toString();
}
