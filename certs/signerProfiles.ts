/**
 * The certificate profiles of profiles.ts for an issuer behind a `Signer` (a key in Key Vault, or any key given as a
 * signer): the root's self-signature, an intermediate for a given public key (a Key Vault key, or a tenant's CSR),
 * the proof-of-possession verification certificate, and a device certificate. Async, one signature each.
 */
import { KeyObject, X509Certificate } from "crypto";
import { caExtensions, deviceExtensions, verificationExtensions } from "./extensions";
import { assertKeySpec, describeKeySpec, keyIdentifierFromSpki, keySpecOf, KeySpec, throwawayPublicKey, spkiDer } from "./keys";
import { assertCommonName, assertRegistrationId, assertVerificationCode } from "./names";
import { parseCertificatePem, ParsedCertificate } from "./parse";
import { assembleCertificate, buildTbsDer, CertificateTemplate, subjectKeyOf } from "./sign";
import type { Signer } from "./signer";
import { signWith } from "./signer";
import { assertValidityDays, computeValidity, randomSerialHex } from "./validity";

/** An issuer whose key is behind a signer: its certificate, parsed, and its key id. */
export interface SignerIssuer {
  readonly certificatePem: string;
  readonly parsed: ParsedCertificate;
  readonly keyId: Buffer;
  readonly signer: Signer;
}

/** Checks that `certificatePem` is a CA certificate for the signer's key; the message names the key's location only. */
export function loadSignerIssuer(certificatePem: string, signer: Signer, what = "issuer"): SignerIssuer {
  let parsed: ParsedCertificate;
  try {
    parsed = parseCertificatePem(certificatePem);
  } catch (e) {
    throw new Error(`${what} certificate: ${(e as Error).message}`);
  }
  if (!new X509Certificate(parsed.der).publicKey.equals(signer.publicKey)) {
    throw new Error(`${what} certificate does not belong to ${signer.location} (its public key differs)`);
  }
  if (!parsed.extensions.basicConstraints?.cA) throw new Error(`${what} certificate is not a CA certificate (basicConstraints CA:TRUE missing)`);
  const ku = parsed.extensions.keyUsage;
  if (ku && !ku.usages.includes("keyCertSign")) throw new Error(`${what} certificate's keyUsage lacks keyCertSign`);
  return { certificatePem, parsed, keyId: parsed.extensions.subjectKeyId ?? keyIdentifierFromSpki(parsed.spkiDer), signer };
}

async function signTemplate(t: CertificateTemplate, signer: Signer, issuerName?: Buffer) {
  const tbsDer = buildTbsDer(t, signer.algorithm, issuerName);
  return assembleCertificate(tbsDer, signer.algorithm, await signWith(signer, tbsDer)).pem;
}

/** A certificate for `subjectPublicKey` under `issuer`: a fresh serial, a validity that never outlives the issuer. */
function signUnderIssuer(
  issuer: SignerIssuer,
  o: { commonName: string; subjectPublicKey: KeyObject; validityDays: number; now?: Date },
  extensionsFor: (ids: { subjectKeyId: Buffer; authorityKeyId: Buffer }) => CertificateTemplate["extensions"],
): Promise<string> {
  const subjectKey = subjectKeyOf(o.subjectPublicKey);
  return signTemplate(
    {
      serialHex: randomSerialHex(),
      ...computeValidity({ now: o.now, validityDays: o.validityDays, issuer: issuer.parsed }),
      commonName: o.commonName,
      subjectKey,
      extensions: extensionsFor({ subjectKeyId: subjectKey.keyId, authorityKeyId: issuer.keyId }),
    },
    issuer.signer,
    issuer.parsed.subjectNameDer,
  );
}

/** A self-signed root for the signer's own key (CA:TRUE pathlen `pathLength`). */
export async function signRootCa(o: { signer: Signer; commonName: string; validityDays: number; pathLength: number; keySize?: KeySpec; now?: Date }): Promise<string> {
  assertCommonName(o.commonName);
  assertValidityDays(o.validityDays);
  if (o.keySize !== undefined) assertSubjectKeySize(o.signer.publicKey, o.keySize, o.signer.location);
  const subjectKey = subjectKeyOf(o.signer.publicKey);
  return signTemplate(
    {
      serialHex: randomSerialHex(),
      ...computeValidity({ now: o.now, validityDays: o.validityDays }),
      commonName: o.commonName,
      subjectKey,
      extensions: caExtensions({ pathLength: o.pathLength, subjectKeyId: subjectKey.keyId, authorityKeyId: subjectKey.keyId }),
    },
    o.signer,
  );
}

/** An intermediate (CA:TRUE pathlen 0) for `subjectPublicKey`, signed by the issuer; never outliving it. */
export async function signIntermediateCa(o: { issuer: SignerIssuer; subjectPublicKey: KeyObject; commonName: string; validityDays: number; now?: Date }): Promise<string> {
  assertCommonName(o.commonName);
  assertValidityDays(o.validityDays);
  const issuerPathLength = o.issuer.parsed.extensions.basicConstraints?.pathLength;
  if (issuerPathLength !== undefined && issuerPathLength < 1) {
    throw new Error(`issuer certificate has pathlen ${issuerPathLength}: it may not sign another CA`);
  }
  return signUnderIssuer(o.issuer, o, (ids) => caExtensions({ pathLength: 0, ...ids }));
}

/** The proof-of-possession certificate (CN = code, one day at most), signed by the CA being proved. */
export async function signVerificationCertificate(o: { issuer: SignerIssuer; code: string; now?: Date }): Promise<string> {
  assertVerificationCode(o.code);
  const subjectPublicKey = throwawayPublicKey();
  return signUnderIssuer(o.issuer, { commonName: o.code, subjectPublicKey, validityDays: 1, now: o.now }, verificationExtensions);
}

/** A device certificate (CN = registration id, clientAuth) for `subjectPublicKey`, signed by the issuer. */
export async function signDeviceCertificate(o: { issuer: SignerIssuer; registrationId: string; subjectPublicKey: KeyObject; validityDays: number; now?: Date }): Promise<string> {
  assertRegistrationId(o.registrationId);
  const ecSubjectKey = o.subjectPublicKey.asymmetricKeyType === "ec";
  return signUnderIssuer(o.issuer, { ...o, commonName: o.registrationId }, (ids) => deviceExtensions({ ...ids, ecSubjectKey }));
}

/** Throws unless the key is RSA of `keySize` bits or EC on that curve (a key in a vault keeps its kind: changing it is a rotation). */
export function assertSubjectKeySize(publicKey: KeyObject, keySize: KeySpec, location: string): void {
  assertKeySpec(keySize, "keySize");
  const actual = keySpecOf(publicKey);
  if (actual !== keySize) {
    const found = actual !== undefined ? describeKeySpec(actual) : `${publicKey.asymmetricKeyType?.toUpperCase() ?? "an unknown"} key of another size or curve`;
    throw new Error(`${location} is ${found}, not ${describeKeySpec(keySize)}: a new key size or type is a key rotation, not a change of this CA`);
  }
}

/** The SubjectPublicKeyInfo DER of a key (for comparing keys by value). */
export function spkiOf(publicKey: KeyObject): Buffer {
  return spkiDer(publicKey);
}
