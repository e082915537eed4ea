/**
 * The EC keys of the local Key Vault (keyVaultServer.ts): create (EC, EC-HSM on a premium vault only), import, and
 * `sign` with ES256 / ES384 / ES512, each only with its own curve (RFC 7518 §3.4), over a digest of the right length,
 * answered as r||s (ecdsaDigest.ts). Errors are Key Vault's 400 BadParameter.
 */
import { createPrivateKey, generateKeyPairSync, KeyObject } from "crypto";
import { signDigestEcdsa } from "./ecdsaDigest";
import { HttpError } from "./keyVaultAuth";

/** ECDSA by JOSE algorithm: the one curve each goes with and its digest length. */
const ES_ALGORITHMS: Record<string, { crv: string; length: number }> = {
  ES256: { crv: "P-256", length: 32 },
  ES384: { crv: "P-384", length: 48 },
  ES512: { crv: "P-521", length: 64 },
};
/** JOSE curve names → OpenSSL's. P-256K exists in Key Vault but signs nothing X.509 uses here. */
const EC_CURVES: Record<string, string> = { "P-256": "prime256v1", "P-384": "secp384r1", "P-521": "secp521r1" };
/** What Key Vault answers an HSM key asked of a standard vault (azure-sdk-for-net#6551). */
const HARDWARE_ON_STANDARD = "Hardware key operation not allowed on standard vault.";

function invalidCurve(crv: unknown): HttpError {
  return new HttpError(400, "BadParameter", `Invalid curve name: ${JSON.stringify(crv)} (P-256, P-384, P-521).`);
}

/** A new EC key for `keys/create` with kty EC or EC-HSM (crv default P-256, as Key Vault's). */
export function generateEcKey(body: Record<string, unknown>, kty: "EC" | "EC-HSM", sku: "standard" | "premium"): KeyObject {
  if (kty === "EC-HSM" && sku !== "premium") throw new HttpError(400, "BadParameter", HARDWARE_ON_STANDARD);
  const crv = body.crv ?? "P-256";
  if (typeof crv !== "string" || !EC_CURVES[crv]) throw invalidCurve(crv);
  if (body.key_size !== undefined) throw new HttpError(400, "BadParameter", "Property 'key_size' is not valid for EC keys: give 'crv'.");
  return generateKeyPairSync("ec", { namedCurve: EC_CURVES[crv] }).privateKey;
}

/** The private key of an EC JWK given to `keys/{name}` (import). */
export function importEcKey(key: Record<string, string>): KeyObject {
  if (!EC_CURVES[key.crv]) throw invalidCurve(key.crv);
  try {
    return createPrivateKey({ key: { kty: "EC", crv: key.crv, x: key.x, y: key.y, d: key.d }, format: "jwk" });
  } catch {
    throw new HttpError(400, "BadParameter", "The key material is not a complete EC private key (crv, x, y, d).");
  }
}

/** `sign` with an EC key: the algorithm must be the curve's, the digest its length; r||s. */
export function signEcDigest(privateKey: KeyObject, crv: string, alg: string, digest: Buffer): Buffer {
  const es = ES_ALGORITHMS[alg];
  if (!es || es.crv !== crv) throw new HttpError(400, "BadParameter", `Algorithm ${JSON.stringify(alg)} is not valid for a key on curve ${crv}.`);
  if (digest.length !== es.length) throw new HttpError(400, "BadParameter", `Invalid length of digest: ${alg} takes ${es.length} bytes, got ${digest.length}.`);
  return signDigestEcdsa(privateKey, crv, digest);
}
