/**
 * The External ICA profile of Azure Device Registry: our CA signs the CSR of an ICA whose key Microsoft keeps, and ADR
 * activates the certificate only if it meets every requirement of Learn's "how-to-create-policy-external-certificate":
 * - ECDSA with SHA-256/384/512 by an EC key on P-256, P-384 or P-521 (RSA refused), a named-curve EC subject key;
 * - subject equal to the CSR's (copied byte for byte from the CSR);
 * - basicConstraints critical CA:TRUE with "path length … set to 1"; keyUsage digitalSignature, keyCertSign, cRLSign;
 * - subject key identifier (from the CSR's key; AKI = the issuer's SKI); no EKU; X.509 v3;
 * - at least 365 days left when activated (default here 365 days plus a margin for the time until activation).
 * One job: that one profile. The issuer's key is behind a `Signer` (in memory or in Key Vault).
 */
import { parseCsr } from "./csr";
import { pemDecode, readTlv } from "./der";
import { caExtensions } from "./extensions";
import { loadSignerIssuer } from "./signerProfiles";
import { assembleCertificate, buildTbsDer, subjectKeyOf } from "./sign";
import type { Signer } from "./signer";
import { signWith } from "./signer";
import { assertValidityDays, computeValidity, randomSerialHex } from "./validity";

/**
 * basicConstraints pathLenConstraint of the signed ICA. ADR's doc: "The path length for your CA must be set to 1".
 * The ICA itself only issues device (leaf) certificates, so 0 would be enough in RFC 5280 terms; the doc's sentence
 * sits among the requirements on the certificate we sign, so we read it as the ICA's own pathlen and follow it to the
 * letter (a pathlen of 1 never makes a chain fail that pathlen 0 passes). The other reading is this one line.
 */
const EXTERNAL_ICA_PATH_LENGTH = 1;
/** ADR refuses an External ICA certificate with fewer than 365 days left. */
const EXTERNAL_ICA_MIN_DAYS = 365;
/** Default validity: the minimum plus 30 days, the time a signed certificate may wait before `activate`. */
const EXTERNAL_ICA_DEFAULT_VALIDITY_DAYS = EXTERNAL_ICA_MIN_DAYS + 30;
export { EXTERNAL_ICA_PATH_LENGTH, EXTERNAL_ICA_MIN_DAYS, EXTERNAL_ICA_DEFAULT_VALIDITY_DAYS };

const DAY_MS = 24 * 60 * 60 * 1000;
/** Node's names of the curves ADR accepts. */
const ADR_CURVES: Record<string, string> = { prime256v1: "P-256", secp384r1: "P-384", secp521r1: "P-521" };

function curveOf(key: { asymmetricKeyType?: string; asymmetricKeyDetails?: { namedCurve?: string } }): string | undefined {
  return key.asymmetricKeyType === "ec" ? ADR_CURVES[key.asymmetricKeyDetails?.namedCurve ?? ""] : undefined;
}

/** The subject Name DER of a PKCS#10 request, tag and length included (CertificationRequestInfo's second field). */
function csrSubjectDer(csrPem: string): Buffer {
  const der = pemDecode(csrPem, "CERTIFICATE REQUEST");
  const info = readTlv(der, readTlv(der, 0).start);
  const version = readTlv(der, info.start);
  const subject = readTlv(der, version.end);
  return der.subarray(version.end, subject.end);
}

/**
 * Signs an ADR External ICA's CSR with `issuer` (a CA certificate and the signer of its key, EC only).
 * Returns the ICA certificate PEM. Refuses (with a message that quotes neither the CSR nor any key) an RSA or
 * non-ADR-curve issuer or subject key, an issuer that may not sign a CA, fewer than 365 days of validity, and an
 * issuer that expires within 365 days (the ICA never outlives its issuer).
 */
export async function signExternalIcaCsr(
  csrText: string,
  issuer: { certificatePem: string; signer: Signer },
  options: { validityDays?: number; now?: Date } = {},
): Promise<string> {
  // ARM's examples show the CSR with escaped line breaks ("\\n"): base64 has no backslash, so unescaping is safe.
  const csrPem = typeof csrText === "string" ? csrText.replace(/(?:\\r)?\\n/g, "\n") : csrText;
  const issuerCurve = curveOf(issuer.signer.publicKey);
  if (!issuerCurve) {
    const kind = issuer.signer.publicKey.asymmetricKeyType?.toUpperCase() ?? "unknown";
    throw new Error(`an External ICA must be signed with ECDSA (P-256, P-384 or P-521): the issuer key (${issuer.signer.location}) is ${kind}; Azure Device Registry refuses RSA`);
  }
  const loaded = loadSignerIssuer(issuer.certificatePem, issuer.signer, "External ICA issuer");
  const issuerPathLength = loaded.parsed.extensions.basicConstraints?.pathLength;
  if (issuerPathLength !== undefined && issuerPathLength < 1) {
    throw new Error(`External ICA issuer certificate has pathlen ${issuerPathLength}: it may not sign another CA (use a root, or an intermediate with pathlen 1 or more)`);
  }
  const csr = parseCsr(csrPem, "External ICA CSR");
  if (!curveOf(csr.publicKey)) {
    throw new Error(`External ICA CSR: its key must be EC on a named curve P-256, P-384 or P-521 (Azure Device Registry makes P-384); got ${csr.publicKey.asymmetricKeyType?.toUpperCase()}`);
  }
  const validityDays = options.validityDays ?? EXTERNAL_ICA_DEFAULT_VALIDITY_DAYS;
  assertValidityDays(validityDays, "External ICA validityDays");
  if (validityDays < EXTERNAL_ICA_MIN_DAYS) {
    throw new Error(`External ICA validityDays must be at least ${EXTERNAL_ICA_MIN_DAYS}: Azure Device Registry refuses a certificate with less than 365 days left; got ${validityDays}`);
  }
  const now = options.now ?? new Date();
  const validity = computeValidity({ now, validityDays, issuer: loaded.parsed });
  if (validity.notAfter.getTime() < now.getTime() + EXTERNAL_ICA_MIN_DAYS * DAY_MS) {
    throw new Error(`External ICA issuer certificate expires at ${loaded.parsed.notAfter.toISOString()}, within ${EXTERNAL_ICA_MIN_DAYS} days: the ICA may not outlive it and Azure Device Registry needs 365 days; renew the issuer first`);
  }
  const subjectKey = subjectKeyOf(csr.publicKey);
  const tbsDer = buildTbsDer(
    {
      serialHex: randomSerialHex(),
      ...validity,
      commonName: csr.commonName,
      subjectNameDer: csrSubjectDer(csrPem),
      subjectKey,
      extensions: caExtensions({ pathLength: EXTERNAL_ICA_PATH_LENGTH, subjectKeyId: subjectKey.keyId, authorityKeyId: loaded.keyId }),
    },
    issuer.signer.algorithm,
    loaded.parsed.subjectNameDer,
  );
  return assembleCertificate(tbsDer, issuer.signer.algorithm, await signWith(issuer.signer, tbsDer)).pem;
}
