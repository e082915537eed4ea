/**
 * The one shape through which certificates are signed, whatever holds the key: a `Signer` has the issuer's public
 * key, the AlgorithmIdentifier it signs with, and `sign(tbsDer)`. A key in memory signs natively (and synchronously
 * under the hood: `signSync`, used by the hot path); a key in Azure Key Vault signs remotely (RS256 over the SHA-256
 * digest of the TBS DER), implemented in components/azure/keyVault.ts through `digestSigner`. certs/ never knows
 * where a key lives and imports no Azure SDK.
 */
import { createHash, KeyObject, sign as cryptoSign } from "crypto";
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

/**
 * A signer for an RSA key held elsewhere that signs a SHA-256 digest (RSASSA-PKCS1-v1_5, "RS256" in JOSE terms, as
 * Key Vault's `sign` does). `signDigest` gets the 32-byte digest and returns the signature.
 */
export function digestSigner(o: { publicKey: KeyObject; location: string; signDigest: (digest: Buffer) => Promise<Buffer> }): Signer {
  if (o.publicKey.asymmetricKeyType !== "rsa") throw new Error(`${o.location}: only RSA keys sign with RS256`);
  const algorithm = signatureAlgorithmFor(o.publicKey);
  return {
    publicKey: o.publicKey,
    algorithm,
    sign: (toBeSigned) => o.signDigest(createHash("sha256").update(toBeSigned).digest()),
    location: o.location,
  };
}

/** Signs with `signSync` when the signer has it (no promise per certificate), else through `sign`. */
export async function signWith(signer: Signer, toBeSigned: Buffer): Promise<Buffer> {
  return signer.signSync ? signer.signSync(toBeSigned) : signer.sign(toBeSigned);
}
