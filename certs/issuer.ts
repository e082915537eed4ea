/**
 * Loads an issuer (CA certificate + private key) once: parsed name, key id, validity, and the
 * private key as a KeyObject. The result is cached on the KeyAndCert object itself (a hidden,
 * non-enumerable property, checked against the PEM strings), so signing many certificates with
 * the same issuer parses its PEM once. No module-level state: this code is also serialized into
 * a Pulumi dynamic provider, where module-level caches would not survive.
 */
import { X509Certificate } from "crypto";
import { keyIdentifierFromSpki, loadPrivateKey, publicKeyOf, spkiDer } from "./keys";
import { parseCertificatePem, ParsedCertificate } from "./parse";
import { SignatureAlgorithm, signatureAlgorithmFor, SigningKey } from "./sign";
import type { KeyAndCert } from "./types";

/** A loaded issuer, ready to sign. */
export interface IssuerContext extends SigningKey {
  certificatePem: string;
  parsed: ParsedCertificate;
  /** The issuer's SKI (or its key id computed from the key, when the certificate has no SKI). */
  keyId: Buffer;
  algorithm: SignatureAlgorithm;
}

const CACHE = "__dpsX509IssuerContext";

interface Cached {
  certificatePem: string;
  privateKeyPem: string;
  context: IssuerContext;
}

/** Remembers a context on its KeyAndCert object (ignored when the object is frozen). */
export function rememberIssuer(issuer: KeyAndCert, context: IssuerContext): void {
  const value: Cached = { certificatePem: issuer.certificatePem, privateKeyPem: issuer.privateKeyPem, context };
  try {
    Object.defineProperty(issuer, CACHE, { value, enumerable: false, configurable: true, writable: true });
  } catch {
    // frozen or sealed: no cache
  }
}

/** Parses and checks an issuer: a CA certificate whose key matches and may sign certificates. */
export function loadIssuer(issuer: KeyAndCert, what = "issuer"): IssuerContext {
  if (!issuer || typeof issuer !== "object") throw new Error(`${what} must be { certificatePem, privateKeyPem }`);
  const cached = (issuer as unknown as Record<string, Cached | undefined>)[CACHE];
  if (cached && cached.certificatePem === issuer.certificatePem && cached.privateKeyPem === issuer.privateKeyPem) {
    return cached.context;
  }
  let parsed: ParsedCertificate;
  try {
    parsed = parseCertificatePem(issuer.certificatePem);
  } catch (e) {
    throw new Error(`${what} certificate: ${(e as Error).message}`);
  }
  const privateKey = loadPrivateKey(issuer.privateKeyPem, `${what} private key`);
  if (!new X509Certificate(parsed.der).checkPrivateKey(privateKey)) {
    throw new Error(`${what} private key does not match the ${what} certificate`);
  }
  const bc = parsed.extensions.basicConstraints;
  if (!bc || !bc.cA) throw new Error(`${what} certificate is not a CA certificate (basicConstraints CA:TRUE missing)`);
  const ku = parsed.extensions.keyUsage;
  if (ku && !ku.usages.includes("keyCertSign")) throw new Error(`${what} certificate's keyUsage lacks keyCertSign`);
  const context: IssuerContext = {
    certificatePem: issuer.certificatePem,
    parsed,
    privateKey,
    keyId: parsed.extensions.subjectKeyId ?? keyIdentifierFromSpki(spkiDer(publicKeyOf(privateKey))),
    algorithm: signatureAlgorithmFor(privateKey),
    issuerName: parsed.subjectNameDer,
  };
  rememberIssuer(issuer, context);
  return context;
}
