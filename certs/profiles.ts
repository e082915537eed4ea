/**
 * The four certificate profiles: root CA, intermediate CA, device (leaf), and the
 * proof-of-possession verification certificate. One job: put names, keys, validity
 * and extensions together and have sign.ts sign them.
 */
import { pemEncode } from "./der";
import { caExtensions, deviceExtensions, verificationExtensions } from "./extensions";
import { IssuerContext, loadIssuer, rememberIssuer } from "./issuer";
import { assertKeySize, assertKeySpec, generateKeyPair, generateRsaKeyPair, isEcSpki, KeySpec, RsaKeySize, throwawayPublicKey } from "./keys";
import { assertCommonName, assertRegistrationId, assertVerificationCode } from "./names";
import { parseCertificateDer } from "./parse";
import { signatureAlgorithmFor, signCertificate, SubjectKey, subjectKeyOf } from "./sign";
import type { KeyAndCert } from "./types";
import { assertValidityDays, computeValidity, randomSerialHex } from "./validity";

/** Default path length of a root: it signs intermediates, which sign devices. */
const DEFAULT_ROOT_PATH_LENGTH = 1;
/** Default device certificate validity, in days. */
const DEFAULT_DEVICE_VALIDITY_DAYS = 365;
/** Validity of a proof-of-possession certificate, in days (clamped to the CA's notAfter). */
const VERIFICATION_VALIDITY_DAYS = 1;
export { DEFAULT_ROOT_PATH_LENGTH, DEFAULT_DEVICE_VALIDITY_DAYS, VERIFICATION_VALIDITY_DAYS };

function assertPathLength(value: unknown): asserts value is number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 8) {
    throw new Error(`pathLength must be a whole number from 0 to 8; got ${JSON.stringify(value)}`);
  }
}

/** A self-signed root CA: RSA keySize (SHA-256) or an EC curve (ECDSA, hash by curve), CA:TRUE with the given path length (default 1). */
export function createRootCa(o: {
  commonName: string;
  /** RSA modulus bits, or an EC curve ("P-384"). */
  keySize: KeySpec;
  validityDays: number;
  pathLength?: number;
  now?: Date;
}): KeyAndCert {
  assertCommonName(o.commonName);
  assertKeySpec(o.keySize, "keySize");
  assertValidityDays(o.validityDays);
  const pathLength = o.pathLength ?? DEFAULT_ROOT_PATH_LENGTH;
  assertPathLength(pathLength);
  const validity = computeValidity({ now: o.now, validityDays: o.validityDays });
  const keys = generateKeyPair(o.keySize);
  const subjectKey = subjectKeyOf(keys.publicKey);
  const algorithm = signatureAlgorithmFor(keys.privateKey);
  const { der, pem } = signCertificate(
    {
      serialHex: randomSerialHex(),
      ...validity,
      commonName: o.commonName,
      subjectKey,
      extensions: caExtensions({ pathLength, subjectKeyId: subjectKey.keyId, authorityKeyId: subjectKey.keyId }),
    },
    { privateKey: keys.privateKey, algorithm },
  );
  const result: KeyAndCert = { certificatePem: pem, privateKeyPem: keys.privateKeyPem };
  const parsed = parseCertificateDer(der);
  rememberIssuer(result, {
    certificatePem: pem,
    parsed,
    privateKey: keys.privateKey,
    keyId: subjectKey.keyId,
    algorithm,
    issuerName: parsed.subjectNameDer,
  });
  return result;
}

/** An intermediate CA signed by `issuer`: CA:TRUE pathlen 0, AKI = issuer's SKI, never outliving the issuer. */
export function createIntermediateCa(o: {
  issuer: KeyAndCert;
  commonName: string;
  /** RSA modulus bits, or an EC curve ("P-384"). */
  keySize: KeySpec;
  validityDays: number;
  now?: Date;
}): KeyAndCert {
  assertCommonName(o.commonName);
  assertKeySpec(o.keySize, "keySize");
  assertValidityDays(o.validityDays);
  const issuer = loadIssuer(o.issuer);
  const issuerPathLength = issuer.parsed.extensions.basicConstraints?.pathLength;
  if (issuerPathLength !== undefined && issuerPathLength < 1) {
    throw new Error(`issuer certificate has pathlen ${issuerPathLength}: it may not sign another CA`);
  }
  const validity = computeValidity({ now: o.now, validityDays: o.validityDays, issuer: issuer.parsed });
  const keys = generateKeyPair(o.keySize);
  const subjectKey = subjectKeyOf(keys.publicKey);
  const { der, pem } = signCertificate(
    {
      serialHex: randomSerialHex(),
      ...validity,
      commonName: o.commonName,
      subjectKey,
      extensions: caExtensions({ pathLength: 0, subjectKeyId: subjectKey.keyId, authorityKeyId: issuer.keyId }),
    },
    issuer,
  );
  const result: KeyAndCert = { certificatePem: pem, privateKeyPem: keys.privateKeyPem };
  const parsed = parseCertificateDer(der);
  rememberIssuer(result, {
    certificatePem: pem,
    parsed,
    privateKey: keys.privateKey,
    keyId: subjectKey.keyId,
    algorithm: signatureAlgorithmFor(keys.privateKey),
    issuerName: parsed.subjectNameDer,
  });
  return result;
}

/**
 * Signs a device certificate for an existing subject key with a loaded issuer: the hot path
 * (no key generation, no PEM parsing). Returns the certificate PEM.
 */
export function issueDeviceCertificate(o: {
  issuer: IssuerContext;
  registrationId: string;
  subjectKey: SubjectKey;
  validityDays?: number;
  now?: Date;
}): string {
  assertRegistrationId(o.registrationId);
  const validity = computeValidity({
    now: o.now,
    validityDays: o.validityDays ?? DEFAULT_DEVICE_VALIDITY_DAYS,
    issuer: o.issuer.parsed,
  });
  return signCertificate(
    {
      serialHex: randomSerialHex(),
      ...validity,
      commonName: o.registrationId,
      subjectKey: o.subjectKey,
      extensions: deviceExtensions({ subjectKeyId: o.subjectKey.keyId, authorityKeyId: o.issuer.keyId, ecSubjectKey: isEcSpki(o.subjectKey.spki) }),
    },
    o.issuer,
  ).pem;
}

/** A device (leaf) certificate: CN = registration id, clientAuth; with its key and the chain leaf + issuer. */
export function createDeviceCertificate(o: {
  issuer: KeyAndCert;
  registrationId: string;
  keySize?: RsaKeySize;
  validityDays?: number;
  now?: Date;
}): KeyAndCert & { fullChainPem: string } {
  assertRegistrationId(o.registrationId);
  const keySize = o.keySize ?? 2048;
  assertKeySize(keySize);
  assertValidityDays(o.validityDays ?? DEFAULT_DEVICE_VALIDITY_DAYS);
  const issuer = loadIssuer(o.issuer);
  const keys = generateRsaKeyPair(keySize);
  const certificatePem = issueDeviceCertificate({
    issuer,
    registrationId: o.registrationId,
    subjectKey: subjectKeyOf(keys.publicKey),
    validityDays: o.validityDays,
    now: o.now,
  });
  return {
    certificatePem,
    privateKeyPem: keys.privateKeyPem,
    fullChainPem: certificatePem + pemEncode("CERTIFICATE", issuer.parsed.der),
  };
}

/**
 * The proof-of-possession certificate: CN = the verification code DPS issued, signed by the CA
 * being proved (issuer = CA's subject, AKI = CA's SKI), valid 1 day and never past the CA's notAfter.
 * Its own key pair is thrown away: only the CA's signature matters.
 */
export function createVerificationCertificate(o: { issuer: KeyAndCert; code: string; now?: Date }): {
  certificatePem: string;
} {
  assertVerificationCode(o.code);
  const issuer = loadIssuer(o.issuer);
  const validity = computeValidity({ now: o.now, validityDays: VERIFICATION_VALIDITY_DAYS, issuer: issuer.parsed });
  const subjectKey = subjectKeyOf(throwawayPublicKey());
  const { pem } = signCertificate(
    {
      serialHex: randomSerialHex(),
      ...validity,
      commonName: o.code,
      subjectKey,
      extensions: verificationExtensions({ subjectKeyId: subjectKey.keyId, authorityKeyId: issuer.keyId }),
    },
    issuer,
  );
  return { certificatePem: pem };
}
