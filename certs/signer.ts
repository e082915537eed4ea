/**
 * The one shape through which certificates are signed, whatever holds the key: a `Signer` has the issuer's public
 * key, the AlgorithmIdentifier it signs with, and `sign(tbsDer)`. A key in memory signs natively (and synchronously
 * under the hood: `signSync`, used by the hot path); a key in Azure Key Vault signs remotely over the digest of the TBS
 * DER (RS256 for RSA; ES256/ES384/ES512 by curve for EC), implemented in components/azure/keyVault.ts through `digestSigner`. certs/ never knows
 * where a key lives and imports no Azure SDK.
 */
import { createHash, KeyObject, sign as cryptoSign } from "crypto";
import { p1363ToDer } from "./ecdsa";
import { publicKeyOf } from "./keys";
import { SignatureAlgorithm, signatureAlgorithmFor } from "./sign";

/** Signs TBSCertificates (and CSRs) for one issuer key. */
export interface Signer {
  /** The public half of the signing key (subject key of a self-signed root; checked against the issuer certificate). */
  readonly publicKey: KeyObject;
  /** What its signatures are: hash and AlgorithmIdentifier. */
  readonly algorithm: SignatureAlgorithm;
  /** Signs the DER to be signed (the signer hashes it). */
  sign(toBeSigned: Buffer): Promise<Buffer>;
  /** Present when the key is in memory: signs without a round trip. */
  readonly signSync?: (toBeSigned: Buffer) => Buffer;
  /** Where the key lives, for messages: "a key in memory" or the Key Vault key id. Never key material. */
  readonly location: string;
}

/** A signer for a private key in memory (RSA or EC). */
export function keyObjectSigner(privateKey: KeyObject): Signer {
  const algorithm = signatureAlgorithmFor(privateKey);
  const signSync = (toBeSigned: Buffer) => cryptoSign(algorithm.hash, toBeSigned, privateKey);
  return {
    publicKey: publicKeyOf(privateKey),
    algorithm,
    signSync,
    sign: async (toBeSigned) => signSync(toBeSigned),
    location: "a key in memory",
  };
}

/** JOSE names of the signatures a remote key makes, by the hash of the algorithm this project signs with. */
const JWS_ALGORITHM = {
  rsa: { sha256: "RS256", sha384: "RS384", sha512: "RS512" },
  ec: { sha256: "ES256", sha384: "ES384", sha512: "ES512" },
} as const;
export type JwsAlgorithm = "RS256" | "RS384" | "RS512" | "ES256" | "ES384" | "ES512";

/**
 * A signer for a key held elsewhere that signs a digest, as Key Vault's `sign` does: RSA keys with RS256
 * (RSASSA-PKCS1-v1_5 over SHA-256); EC keys with ES256, ES384 or ES512 by curve (P-256, P-384, P-521). `signDigest`
 * gets the digest and the JOSE algorithm and returns the signature as JOSE gives it (for ECDSA r||s, turned into DER here).
 */
export function digestSigner(o: { publicKey: KeyObject; location: string; signDigest: (digest: Buffer, algorithm: JwsAlgorithm) => Promise<Buffer> }): Signer {
  const type = o.publicKey.asymmetricKeyType;
  if (type !== "rsa" && type !== "ec") throw new Error(`${o.location}: only RSA and EC keys sign certificates here; got ${type}`);
  const algorithm = signatureAlgorithmFor(o.publicKey);
  const jws = JWS_ALGORITHM[type][algorithm.hash];
  return {
    publicKey: o.publicKey,
    algorithm,
    sign: async (toBeSigned) => {
      const signature = await o.signDigest(createHash(algorithm.hash).update(toBeSigned).digest(), jws);
      return type === "ec" ? p1363ToDer(signature) : signature;
    },
    location: o.location,
  };
}

/** Signs with `signSync` when the signer has it (no promise per certificate), else through `sign`. */
export async function signWith(signer: Signer, toBeSigned: Buffer): Promise<Buffer> {
  return signer.signSync ? signer.signSync(toBeSigned) : signer.sign(toBeSigned);
}
