/**
 * What a CA certificate resource holds: its inputs and outputs as the CA provider sees them, and the few
 * reads of them that every part of the provider shares (components/providers/caCertificate.ts, caInputRules.ts,
 * caKeyStore.ts).
 *
 * State is kept small (docs/dynamic-providers.md): the outputs name the issuer's and a brought certificate by their
 * SHA-256 instead of repeating the PEM, and a key in state is in the compact form of certs/compactKey.ts. State
 * written by provider version 2 and earlier has the PEMs (`issuerCertificatePem`, `providedCertificatePem`,
 * `privateKeyPem`): every function here reads both, and the update of version 3 rewrites it (`currentOutputs`).
 */
import { X509Certificate, createHash } from "crypto";
import { DEFAULT_ROOT_PATH_LENGTH, encodeCompactKey, type KeySpec } from "../../certs";
import { loadPrivateKey } from "../../certs/keys";
import type { KeyStore } from "./caSigning";

/** The value Pulumi passes for inputs not known yet (during a preview). */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
export { UNKNOWN }; // not `export const`: see the note on serialization in caCertificate.ts

/** Inputs of a CA certificate resource, as the provider sees them (plain values). */
export interface CaCertificateInputs {
  role: "root" | "intermediate";
  commonName: string;
  /** RSA bits, or the EC curve of an EC CA ("P-384"): RSA state reads as before. */
  keySize: KeySpec;
  validityDays: number;
  pathLength?: number;
  renewBeforeDays?: number;
  issuerCertificatePem?: string;
  /** The issuer's private key: compact (certs/compactKey.ts, what the program passes) or PEM. Secret. */
  issuerPrivateKey?: string;
  /** The same, as programs before provider version 3 named it (PEM or compact). */
  issuerPrivateKeyPem?: string;
  providedCertificatePem?: string;
  providedPrivateKeyPem?: string;
  /** Where the CA's key lives (default state); with keyVault, `vaultUrl`, `keyName` and `hsm` name the key. */
  keyStore?: KeyStore;
  /** The CA's name in config: a vault key made for it is tagged with it. */
  caName?: string;
  vaultUrl?: string;
  keyName?: string;
  hsm?: boolean;
  /** The issuer's Key Vault key id (intermediates whose root's key is in a vault), instead of issuerPrivateKey. */
  issuerKeyId?: string;
  providerVersion: string;
}

/** State of a CA certificate resource. Secret inputs (issuer key, brought key) are not repeated here. */
export interface CaCertificateOutputs {
  role: "root" | "intermediate";
  commonName: string;
  keySize: KeySpec | number;
  validityDays: number;
  pathLength: number;
  renewBeforeDays?: number;
  /** SHA-256 of the issuer's certificate (`certificateSha256`): what diff compares. */
  issuerCertificateSha256?: string;
  /** SHA-256 of a brought certificate (which `certificatePem` holds): the CA was brought. */
  providedCertificateSha256?: string;
  /** Before provider version 3: the issuer's certificate PEM. */
  issuerCertificatePem?: string;
  /** Before provider version 3: the brought certificate PEM. */
  providedCertificatePem?: string;
  providerVersion: string;
  keyStore?: KeyStore;
  vaultUrl?: string;
  keyName?: string;
  /** The Key Vault key id with its version (keyStore keyVault): all state holds of the key. */
  keyId?: string;
  /** The issuer's Key Vault key id, when its key is in a vault. */
  issuerKeyId?: string;
  certificatePem: string;
  /**
   * The CA's private key, secret: an RSA key in compact form (certs/compactKey.ts), another (a brought EC key) as
   * PKCS#8 PEM; absent for a brought CA without its key, or a key in a vault.
   */
  privateKey?: string;
  /** Before provider version 3: the key as PKCS#8 PEM (secret). */
  privateKeyPem?: string;
  /** SHA-1 thumbprint, upper-case hex: what Azure shows. */
  thumbprint: string;
  sha256Thumbprint: string;
  /** ISO 8601. */
  notAfter: string;
  subjectKeyId: string;
}

export function isUnknown(value: unknown): boolean {
  return value === UNKNOWN;
}

export function isSet(value: unknown): value is string {
  return typeof value === "string" && value !== "";
}

/** The path length a root gets (intermediates always get 0). */
export function effectivePathLength(inputs: { role: string; pathLength?: number }): number {
  return inputs.role === "root" ? inputs.pathLength ?? DEFAULT_ROOT_PATH_LENGTH : 0;
}

export function normalizePem(pem: string | undefined): string | undefined {
  return pem === undefined || pem === "" ? undefined : pem.replace(/\r\n/g, "\n").trim();
}

/**
 * SHA-256 of a certificate PEM: the certificate's fingerprint (upper-case hex, as `sha256Thumbprint`), so the same
 * certificate compares equal however its PEM is wrapped; for text that is no certificate (check refuses it), the
 * digest of its normalized text. Undefined for no certificate.
 */
export function certificateSha256(pem: string | undefined): string | undefined {
  const text = normalizePem(pem);
  if (text === undefined) return undefined;
  try {
    return new X509Certificate(text).fingerprint256.replace(/:/g, "");
  } catch {
    return `text:${createHash("sha256").update(text).digest("hex")}`;
  }
}

/** The issuer's key the inputs give (compact or PEM), under today's name or the old one. */
export function issuerKeyOf(inputs: Partial<CaCertificateInputs>): string | undefined {
  return isSet(inputs.issuerPrivateKey) ? inputs.issuerPrivateKey : inputs.issuerPrivateKeyPem;
}

/** The issuer certificate's digest the outputs keep (today's field, or the digest of the old PEM). */
export function issuerDigestOf(olds: CaCertificateOutputs): string | undefined {
  return olds.issuerCertificateSha256 ?? certificateSha256(olds.issuerCertificatePem);
}

/** The brought certificate's digest the outputs keep; undefined for a generated CA. */
export function broughtDigestOf(olds: CaCertificateOutputs): string | undefined {
  return olds.providedCertificateSha256 ?? certificateSha256(olds.providedCertificatePem);
}

/** Whether the CA of these outputs was brought (not generated). */
export function wasBrought(olds: CaCertificateOutputs): boolean {
  return broughtDigestOf(olds) !== undefined;
}

/**
 * A key (PEM or compact) as state keeps it: an RSA key in compact form; another key (a brought CA may be EC) as
 * PKCS#8 PEM, which is short for EC anyway. Throws, naming `what` only, when it does not parse.
 */
export function toStateKey(key: string, what: string): string {
  const object = loadPrivateKey(key, what);
  return object.asymmetricKeyType === "rsa" ? encodeCompactKey(object, what) : object.export({ type: "pkcs8", format: "pem" }).toString();
}

/** The key in state, as `toStateKey` gives it (converting a version-2 PEM); undefined when state holds none. */
export function stateKeyOf(olds: CaCertificateOutputs): string | undefined {
  if (isSet(olds.privateKey)) return olds.privateKey;
  return isSet(olds.privateKeyPem) ? toStateKey(olds.privateKeyPem, `CA "${olds.commonName}": the private key in state`) : undefined;
}

/**
 * Outputs in today's shape: digests in place of the repeated PEMs, the key in compact form (the very key: checked
 * against the certificate before the PEM is dropped). The certificate and everything else stay as they are.
 */
export function currentOutputs(olds: CaCertificateOutputs): CaCertificateOutputs {
  const { issuerCertificatePem: _issuer, providedCertificatePem: _provided, privateKeyPem: _pem, ...kept } = olds;
  const outs: CaCertificateOutputs = { ...kept };
  const issuerDigest = issuerDigestOf(olds);
  if (issuerDigest !== undefined) outs.issuerCertificateSha256 = issuerDigest;
  const broughtDigest = broughtDigestOf(olds);
  if (broughtDigest !== undefined) outs.providedCertificateSha256 = broughtDigest;
  if (!isSet(olds.privateKey) && isSet(olds.privateKeyPem)) {
    const what = `CA "${olds.commonName}": the private key in state`;
    const compact = stateKeyOf(olds)!;
    if (!new X509Certificate(olds.certificatePem).checkPrivateKey(loadPrivateKey(compact, what))) {
      throw new Error(`${what} does not match its certificate; the state was not changed`);
    }
    outs.privateKey = compact;
  }
  return outs;
}
