/**
 * Where a CA's key lives, for the CA providers: in state (a PEM secret) or in Azure Key Vault (state holds the key
 * id with its version, never the key). One job: turn a provider's inputs into certs/ `Signer`s, find or make the
 * vault key of a CA, and issue CA certificates and proof-of-possession certificates through them.
 *
 * Key replacement never happens as a side effect: a CA whose vault key already exists (a renewal, a new common name,
 * a key imported from state) is signed with that key; a key of another size, or not made for this CA, is refused.
 * A new key is an explicit rotation.
 */
import {
  assertSubjectKeySize,
  generateKeyPair,
  keyObjectSigner,
  loadSignerIssuer,
  signIntermediateCa,
  signRootCa,
  signVerificationCertificate,
  type KeySpec,
  type Signer,
} from "../../certs";
import { loadPrivateKey } from "../../certs/keys";
import { CA_KEY_TAG, createVaultKey, getVaultKey, keyVaultSigner, type VaultKey } from "../azure/keyVault";

export type KeyStore = "state" | "keyVault";

/** The vault key of a CA, as the provider inputs name it. */
export interface CaVaultKeyRef {
  /** `https://<vault>.vault.azure.net` */
  readonly vaultUrl: string;
  readonly keyName: string;
  /** RSA-HSM / EC-HSM (premium vault) or RSA / EC. */
  readonly hsm: boolean;
}

/** The signer of an issuer: its key in state (PEM or compact, certs/compactKey.ts) or in the vault (key id); exactly one is given. */
export async function issuerSigner(o: { privateKeyPem?: string; keyId?: string; what: string }): Promise<Signer> {
  if (isSet(o.keyId)) return keyVaultSigner(o.keyId);
  if (isSet(o.privateKeyPem)) return keyObjectSigner(loadPrivateKey(o.privateKeyPem, `${o.what} private key`));
  throw new Error(`${o.what}: no key to sign with (neither a private key in state nor a Key Vault key id)`);
}

/**
 * The CA's key in the vault: the one already there (made or imported for this CA), or a new non-exportable one.
 * Refuses a key of that name not tagged for this CA, and a key of another size or type (that would be a rotation).
 */
export async function ensureCaVaultKey(ref: CaVaultKeyRef, caName: string, keySize: KeySpec): Promise<VaultKey> {
  const existing = await getVaultKey(ref.vaultUrl, ref.keyName);
  if (existing) {
    if (existing.tags[CA_KEY_TAG] !== caName) {
      throw new Error(
        `Key Vault ${ref.vaultUrl} already has a key ${ref.keyName} that dps-x509 did not make for CA "${caName}" (tag ${CA_KEY_TAG}=${existing.tags[CA_KEY_TAG] ?? "(none)"}); ` +
          `to use it, tag it ${CA_KEY_TAG}=${caName}, or remove it`,
      );
    }
    assertSubjectKeySize(existing.publicKey, keySize, `Key Vault key ${existing.keyId}`);
    return existing;
  }
  return createVaultKey({ vaultUrl: ref.vaultUrl, name: ref.keyName, keySize, hsm: ref.hsm, tags: { [CA_KEY_TAG]: caName } });
}

/** The vault key a brought (or migrated) certificate must already have: it is never created here. */
export async function existingCaVaultKey(ref: CaVaultKeyRef, certificatePublicKey: import("crypto").KeyObject, caName: string): Promise<VaultKey> {
  const existing = await getVaultKey(ref.vaultUrl, ref.keyName);
  if (!existing) {
    throw new Error(`CA "${caName}": Key Vault ${ref.vaultUrl} has no key ${ref.keyName}; import the CA's key first (npm run ca -- import-key, docs/key-vault.md)`);
  }
  if (!existing.publicKey.equals(certificatePublicKey)) {
    throw new Error(`CA "${caName}": Key Vault key ${existing.keyId} is not this certificate's key; import the CA's own key (npm run ca -- import-key)`);
  }
  return existing;
}

/** What a CA issued through signers gives back: its certificate, and its key where it lives. */
export interface IssuedWithSigners {
  certificatePem: string;
  /** Present for a key in state. */
  privateKeyPem?: string;
  /** Present for a key in the vault: the key id with its version. */
  keyId?: string;
}

/**
 * Issues a root or an intermediate when a vault is involved (the CA's key, its issuer's, or both). The subject key
 * is the CA's vault key, or a fresh key for state.
 */
export async function issueCaWithSigners(o: {
  role: "root" | "intermediate";
  caName: string;
  commonName: string;
  /** RSA bits, or the EC curve. */
  keySize: KeySpec;
  validityDays: number;
  pathLength: number;
  vaultKey?: CaVaultKeyRef;
  issuerCertificatePem?: string;
  issuerPrivateKeyPem?: string;
  issuerKeyId?: string;
}): Promise<IssuedWithSigners> {
  let subject: { publicKey: import("crypto").KeyObject; signer: () => Promise<Signer>; privateKeyPem?: string; keyId?: string };
  if (o.vaultKey) {
    const key = await ensureCaVaultKey(o.vaultKey, o.caName, o.keySize);
    subject = { publicKey: key.publicKey, signer: () => keyVaultSigner(key.keyId), keyId: key.keyId };
  } else {
    const generated = generateKeyPair(o.keySize);
    subject = { publicKey: generated.publicKey, signer: async () => keyObjectSigner(generated.privateKey), privateKeyPem: generated.privateKeyPem };
  }
  let certificatePem: string;
  if (o.role === "root") {
    certificatePem = await signRootCa({ signer: await subject.signer(), commonName: o.commonName, validityDays: o.validityDays, pathLength: o.pathLength, keySize: o.keySize });
  } else {
    const signer = await issuerSigner({ privateKeyPem: o.issuerPrivateKeyPem, keyId: o.issuerKeyId, what: "issuer" });
    certificatePem = await signIntermediateCa({
      issuer: loadSignerIssuer(o.issuerCertificatePem ?? "", signer),
      subjectPublicKey: subject.publicKey,
      commonName: o.commonName,
      validityDays: o.validityDays,
    });
  }
  return { certificatePem, privateKeyPem: subject.privateKeyPem, keyId: subject.keyId };
}

/**
 * Loads the CA's signer once, checked against its certificate, and returns the function that signs the
 * proof-of-possession certificate for a code. Loading first means a wrong key is found before any ARM call.
 */
export async function verificationSigner(o: { certificatePem: string; privateKeyPem?: string; keyId?: string }): Promise<(code: string) => Promise<string>> {
  const issuer = loadSignerIssuer(o.certificatePem, await issuerSigner({ ...o, what: "the CA" }), "the CA");
  return (code) => signVerificationCertificate({ issuer, code });
}

function isSet(value: unknown): value is string {
  return typeof value === "string" && value !== "";
}
