/**
 * The X.509 code of dps-x509: keys generated natively (RSA, EC P-256/384/521), TBSCertificates encoded in DER here
 * (tbs.ts), signatures made natively with `crypto.sign` (RSA with SHA-256, ECDSA with the curve's hash) or through a
 * `Signer` (Key Vault). Pure functions, no Pulumi.
 *
 * Files, one job each: der (DER/PEM bytes), parse (read a certificate), keys, validity (serial and
 * validity window), names (CN/registration id/code rules), extensions (DER), tbs (TBSCertificate DER), sign,
 * ecdsa (r||s to DER), signer, issuer (load a CA once), profiles (root, intermediate, device, verification),
 * externalIca (Azure Device Registry's External ICA), describe, checks (brought CAs).
 *
 * This code is also serialized by value into the caCertificate dynamic provider (see the note at the
 * top of components/providers/caCertificate.ts): keep package imports named (`import { pki } from
 * "node-forge"`), no module-level mutable state or Buffers, and exported constants as
 * `const X = …; export { X }`. test/caProviderSerialization.test.ts checks this.
 */
export type { KeyAndCert, RsaKeySize } from "./types";
export {
  createRootCa,
  createIntermediateCa,
  createDeviceCertificate,
  createVerificationCertificate,
  issueDeviceCertificate,
  DEFAULT_ROOT_PATH_LENGTH,
  DEFAULT_DEVICE_VALIDITY_DAYS,
  VERIFICATION_VALIDITY_DAYS,
} from "./profiles";
export { describeCertificate, formatName } from "./describe";
export type { CertificateDescription } from "./describe";
export { checkBroughtCa, checkBroughtCaDetailed, privateKeyProblem } from "./checks";
export type { BroughtCa, BroughtCaProblem } from "./checks";
export { loadIssuer } from "./issuer";
export type { IssuerContext } from "./issuer";
export { subjectKeyOf } from "./sign";
export type { SubjectKey } from "./sign";
export { generateRsaKeyPair, generateKeyPair, describeKeySpec, keySpecOf, assertKeySpec, RSA_KEY_SIZES, EC_CURVES } from "./keys";
export type { EcCurve, KeySpec } from "./keys";
export { compactKeyToPem, decodeCompactKey, encodeCompactKey, isCompactKey } from "./compactKey";
export { assertCommonName, assertRegistrationId, assertVerificationCode, MAX_COMMON_NAME } from "./names";
export { CLOCK_SKEW_MS, MAX_VALIDITY_DAYS } from "./validity";
export { lifecycleProblems, plannedNotAfter, renewalDue, renewalHelps, wholeDaysBetween, LIFECYCLE_DAY_MS } from "./lifecycle";
export type { LifecycleInput, LifecycleProblem } from "./lifecycle";
export { parseCertificatePem } from "./parse";
export { keyObjectSigner, digestSigner, signWith } from "./signer";
export type { Signer } from "./signer";
export {
  loadSignerIssuer,
  signRootCa,
  signIntermediateCa,
  signVerificationCertificate,
  signDeviceCertificate,
  assertSubjectKeySize,
} from "./signerProfiles";
export type { SignerIssuer } from "./signerProfiles";
export { createCsr, csrKeyProblem, parseCsr } from "./csr";
export { publicKeyFromSpki } from "./spkiKey";
export type { ParsedCsr } from "./csr";
export { signExternalIcaCsr, EXTERNAL_ICA_PATH_LENGTH, EXTERNAL_ICA_MIN_DAYS, EXTERNAL_ICA_DEFAULT_VALIDITY_DAYS } from "./externalIca";
