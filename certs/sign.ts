/**
 * Builds a TBSCertificate (natively, tbs.ts) and signs it natively with `crypto.sign`.
 * One job: template + signing key in, certificate out. Issuer keys: RSA (SHA-256) or EC (ECDSA, hash by curve);
 * subject keys: anything Node can export as SubjectPublicKeyInfo (RSA, EC).
 */
import { KeyObject, sign as cryptoSign } from "crypto";
import { derOid, derTlv, pemEncode, TAG } from "./der";
import type { CertificateExtension } from "./extensions";
import { keyIdentifierFromSpki, spkiDer } from "./keys";
import { OID } from "./parse";
import { commonNameDer, tbsCertificateDer } from "./tbs";

/** How a given issuer key signs: hash and AlgorithmIdentifier DER. */
export interface SignatureAlgorithm {
  hash: "sha256" | "sha384" | "sha512";
  oid: string;
  der: Buffer;
}

/** The subject's public key as SubjectPublicKeyInfo DER, with its key id. Build once per key and reuse. */
export interface SubjectKey {
  spki: Buffer;
  keyId: Buffer;
}

/** Everything one certificate needs besides its signer. */
export interface CertificateTemplate {
  serialHex: string;
  notBefore: Date;
  notAfter: Date;
  commonName: string;
  /** The subject Name DER, copied as it is (a CSR's subject); when absent the subject is CN=commonName (UTF8String). */
  subjectNameDer?: Buffer;
  subjectKey: SubjectKey;
  extensions: CertificateExtension[];
}

/** Who signs: the key, its algorithm, and the issuer's subject Name DER (absent when self-signed). */
export interface SigningKey {
  privateKey: KeyObject;
  algorithm: SignatureAlgorithm;
  issuerName?: Buffer;
}

/** sha256WithRSAEncryption for RSA keys; ecdsa-with-SHA256/384/512 by curve for EC keys (a brought CA may be EC). */
export function signatureAlgorithmFor(key: KeyObject): SignatureAlgorithm {
  let hash: SignatureAlgorithm["hash"];
  let oid: string;
  let der: Buffer;
  if (key.asymmetricKeyType === "rsa") {
    hash = "sha256";
    oid = OID.sha256WithRSAEncryption;
    der = derTlv(TAG.SEQUENCE, derOid(oid), Buffer.from([TAG.NULL, 0x00]));
  } else if (key.asymmetricKeyType === "ec") {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    hash = curve === "secp521r1" ? "sha512" : curve === "secp384r1" ? "sha384" : "sha256";
    oid = hash === "sha512" ? OID.ecdsaWithSHA512 : hash === "sha384" ? OID.ecdsaWithSHA384 : OID.ecdsaWithSHA256;
    der = derTlv(TAG.SEQUENCE, derOid(oid)); // ECDSA: parameters absent (RFC 5758)
  } else {
    throw new Error(`issuer key type ${key.asymmetricKeyType} is not supported (use RSA or EC)`);
  }
  return { hash, oid, der };
}

/** Converts a public key once for reuse across certificates. */
export function subjectKeyOf(publicKey: KeyObject): SubjectKey {
  const spki = spkiDer(publicKey);
  return { spki, keyId: keyIdentifierFromSpki(spki) };
}

/** Builds the TBSCertificate DER for `algorithm`, issued by `issuerName` (the subject's own name when absent). */
export function buildTbsDer(t: CertificateTemplate, algorithm: SignatureAlgorithm, issuerName?: Buffer): Buffer {
  const subjectNameDer = t.subjectNameDer ?? commonNameDer(t.commonName);
  return tbsCertificateDer({
    serialHex: t.serialHex,
    algorithmDer: algorithm.der,
    issuerNameDer: issuerName ?? subjectNameDer,
    notBefore: t.notBefore,
    notAfter: t.notAfter,
    subjectNameDer,
    spkiDer: t.subjectKey.spki,
    extensions: t.extensions,
  });
}

/** Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }. */
export function assembleCertificate(tbsDer: Buffer, algorithm: SignatureAlgorithm, signature: Buffer): { der: Buffer; pem: string } {
  const der = derTlv(TAG.SEQUENCE, tbsDer, algorithm.der, derTlv(TAG.BIT_STRING, Buffer.from([0x00]), signature));
  return { der, pem: pemEncode("CERTIFICATE", der) };
}

/** Builds the TBSCertificate, signs its DER natively, and assembles the Certificate. */
export function signCertificate(t: CertificateTemplate, signer: SigningKey): { der: Buffer; pem: string } {
  const tbsDer = buildTbsDer(t, signer.algorithm, signer.issuerName);
  return assembleCertificate(tbsDer, signer.algorithm, cryptoSign(signer.algorithm.hash, tbsDer, signer.privateKey));
}
