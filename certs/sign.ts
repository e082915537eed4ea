/**
 * Builds a TBSCertificate with node-forge and signs it natively with `crypto.sign`
 * (forge signs in pure JavaScript, 100× slower). One job: template + signing key in, certificate out.
 */
import { KeyObject, sign as cryptoSign } from "crypto";
import { asn1, pki } from "node-forge";
import { derOid, derTlv, pemEncode, TAG } from "./der";
import type { ForgeExtension } from "./extensions";
import { forgePublicKey, keyIdentifierFromSpki, spkiDer } from "./keys";
import { OID } from "./parse";

/** How a given issuer key signs: hash, AlgorithmIdentifier (DER and as a forge node). */
export interface SignatureAlgorithm {
  hash: "sha256" | "sha384" | "sha512";
  oid: string;
  der: Buffer;
  node: asn1.Asn1;
}

/** The subject's public key, ready for forge, with its key id. Build once per key and reuse. */
export interface SubjectKey {
  forgeKey: pki.rsa.PublicKey;
  keyId: Buffer;
}

/** Everything one certificate needs besides its signer. */
export interface CertificateTemplate {
  serialHex: string;
  notBefore: Date;
  notAfter: Date;
  commonName: string;
  subjectKey: SubjectKey;
  extensions: ForgeExtension[];
}

/** Who signs: the key, its algorithm, and the issuer's subject Name node (absent when self-signed). */
export interface SigningKey {
  privateKey: KeyObject;
  algorithm: SignatureAlgorithm;
  issuerName?: asn1.Asn1;
}

// forge has getTBSCertificate; its typings do not declare it.
const forgePki = pki as unknown as typeof pki & { getTBSCertificate(cert: pki.Certificate): asn1.Asn1 };

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
  return { hash, oid, der, node: asn1.fromDer(der.toString("binary")) };
}

/** Converts a public key once for reuse across certificates. */
export function subjectKeyOf(publicKey: KeyObject): SubjectKey {
  return { forgeKey: forgePublicKey(publicKey), keyId: keyIdentifierFromSpki(spkiDer(publicKey)) };
}

/** Builds the TBSCertificate DER (forge) for `algorithm`, issued by `issuerName` (the subject's own name when absent). */
export function buildTbsDer(t: CertificateTemplate, algorithm: SignatureAlgorithm, issuerName?: asn1.Asn1): Buffer {
  const cert = pki.createCertificate();
  cert.serialNumber = t.serialHex;
  cert.validity.notBefore = t.notBefore;
  cert.validity.notAfter = t.notAfter;
  // UTF8String, not forge's default PrintableString (which cannot hold "_" and others).
  const subject = [{ type: OID.commonName, value: t.commonName, valueTagClass: asn1.Type.UTF8 }];
  cert.setSubject(subject as unknown as pki.CertificateField[]);
  cert.setIssuer([]);
  cert.publicKey = t.subjectKey.forgeKey;
  cert.setExtensions(t.extensions);
  cert.siginfo.algorithmOid = algorithm.oid;
  const tbs = forgePki.getTBSCertificate(cert);
  const fields = tbs.value as asn1.Asn1[];
  // [0] version, [1] serial, [2] signature, [3] issuer, [4] validity, [5] subject, [6] SPKI, [7] extensions
  fields[2] = algorithm.node;
  fields[3] = issuerName ?? fields[5];
  return Buffer.from(asn1.toDer(tbs).getBytes(), "binary");
}

/** Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }. */
export function assembleCertificate(tbsDer: Buffer, algorithm: SignatureAlgorithm, signature: Buffer): { der: Buffer; pem: string } {
  const der = derTlv(TAG.SEQUENCE, tbsDer, algorithm.der, derTlv(TAG.BIT_STRING, Buffer.from([0x00]), signature));
  return { der, pem: pemEncode("CERTIFICATE", der) };
}

/** Builds the TBSCertificate (forge), signs its DER natively, and assembles the Certificate. */
export function signCertificate(t: CertificateTemplate, signer: SigningKey): { der: Buffer; pem: string } {
  const tbsDer = buildTbsDer(t, signer.algorithm, signer.issuerName);
  return assembleCertificate(tbsDer, signer.algorithm, cryptoSign(signer.algorithm.hash, tbsDer, signer.privateKey));
}
