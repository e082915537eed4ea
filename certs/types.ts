/** Shared shapes of the certs/ API. */
import type { RsaKeySize } from "./keys";

/** A certificate with its private key, both PEM (the key as PKCS#8, "BEGIN PRIVATE KEY"). */
export interface KeyAndCert {
  certificatePem: string;
  privateKeyPem: string;
}

export type { RsaKeySize };
