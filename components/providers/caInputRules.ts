/**
 * The CA provider's rules on its inputs (components/providers/caCertificate.ts calls these): which inputs it
 * refuses, and which changes replace the certificate, renew it, or update it in place. Pure: no key is made and
 * nothing outside the process is called. The plan runs the same rules (test/planCoversProviderChecks.test.ts).
 */
import type * as pulumi from "@pulumi/pulumi";
import {
  checkBroughtCaDetailed,
  assertCommonName,
  RSA_KEY_SIZES,
  EC_CURVES,
  MAX_VALIDITY_DAYS,
  lifecycleProblems,
  parseCertificatePem,
  renewalDue,
  renewalHelps,
} from "../../certs";
import { keyStoreFailures, keyStoreInPlace, keyStoreReplaces } from "./caKeyStore";
import {
  broughtDigestOf,
  certificateSha256,
  effectivePathLength,
  issuerDigestOf,
  issuerKeyOf,
  isSet,
  isUnknown,
  stateKeyOf,
  toStateKey,
  wasBrought,
  UNKNOWN,
  type CaCertificateInputs,
  type CaCertificateOutputs,
} from "./caCertificateState";

/** Input problems, each with the property it is about. Unknown (preview) values are not judged. */
export function caInputFailures(news: Partial<CaCertificateInputs>, now?: Date): { property: string; reason: string }[] {
  const failures: { property: string; reason: string }[] = [];
  const fail = (property: string, reason: string) => failures.push({ property, reason });
  if (news.role !== "root" && news.role !== "intermediate") fail("role", `role must be "root" or "intermediate"; got ${JSON.stringify(news.role)}`);
  if (!isUnknown(news.commonName)) {
    try {
      assertCommonName(news.commonName);
    } catch (e) {
      fail("commonName", (e as Error).message);
    }
  }
  if (!isUnknown(news.keySize) && !RSA_KEY_SIZES.includes(news.keySize as 2048) && !EC_CURVES.includes(news.keySize as "P-384")) {
    fail("keySize", `keySize must be RSA ${RSA_KEY_SIZES.join(", ")} or an EC curve ${EC_CURVES.join(", ")}; got ${JSON.stringify(news.keySize)}`);
  }
  const days = news.validityDays;
  if (!isUnknown(days) && !(typeof days === "number" && Number.isInteger(days) && days >= 1 && days <= MAX_VALIDITY_DAYS)) {
    fail("validityDays", `validityDays must be a whole number from 1 to ${MAX_VALIDITY_DAYS}; got ${JSON.stringify(days)}`);
  }
  if (news.pathLength !== undefined && !isUnknown(news.pathLength)) {
    if (news.role !== "root") fail("pathLength", "pathLength applies to a root only (intermediates get 0)");
    else if (!(Number.isInteger(news.pathLength) && news.pathLength >= 0 && news.pathLength <= 8)) {
      fail("pathLength", `pathLength must be a whole number from 0 to 8; got ${JSON.stringify(news.pathLength)}`);
    }
  }
  const renew = news.renewBeforeDays;
  if (renew !== undefined && !isUnknown(renew)) {
    if (!(typeof renew === "number" && Number.isInteger(renew) && renew >= 0)) {
      fail("renewBeforeDays", `renewBeforeDays must be a whole number of days, 0 or more; got ${JSON.stringify(renew)}`);
    } else if (typeof days === "number" && Number.isInteger(days)) {
      // The rule the plan runs too (certs/lifecycle.ts): against the validity the certificate really gets.
      for (const problem of lifecycleProblems({ validityDays: days, renewBeforeDays: renew, now: now ?? new Date() })) {
        if (problem.property === "renewBeforeDays") fail("renewBeforeDays", `renewBeforeDays ${problem.message}`);
      }
    }
  }
  if (!isSet(news.providerVersion)) fail("providerVersion", "providerVersion must be set");

  const provided = news.providedCertificatePem;
  if (isSet(provided) && !isUnknown(provided)) {
    const property = { certificatePem: "providedCertificatePem", privateKeyPem: "providedPrivateKeyPem", issuerCertificatePem: "issuerCertificatePem" };
    const key = isUnknown(news.providedPrivateKeyPem) ? undefined : news.providedPrivateKeyPem;
    const issuer = news.role === "intermediate" && !isUnknown(news.issuerCertificatePem) ? news.issuerCertificatePem : undefined;
    for (const problem of checkBroughtCaDetailed({ certificatePem: provided, privateKeyPem: key, issuerCertificatePem: issuer, now })) {
      fail(property[problem.property], problem.message);
    }
  } else if (news.providedPrivateKeyPem !== undefined && news.providedPrivateKeyPem !== "") {
    fail("providedPrivateKeyPem", "providedPrivateKeyPem is set without providedCertificatePem");
  } else if (news.role === "intermediate") {
    if (!isSet(news.issuerCertificatePem)) fail("issuerCertificatePem", "a generated intermediate needs its issuer's certificate");
    if (!isSet(issuerKeyOf(news)) && !isSet(news.issuerKeyId)) fail("issuerPrivateKey", "a generated intermediate needs its issuer's private key or Key Vault key id (the root was brought without one?)");
  }
  failures.push(...keyStoreFailures(news));
  return failures;
}

/** Inputs whose change means a new certificate (and key), compared as outputs keep them. */
const REPLACE_ON_CHANGE = ["role", "commonName", "keySize", "validityDays", "pathLength"] as const;

/** The notAfter of a known, parsable certificate PEM (an issuer's); undefined otherwise. */
export function notAfterOf(pem: unknown): Date | undefined {
  if (!isSet(pem) || isUnknown(pem)) return undefined;
  try {
    return parseCertificatePem(pem).notAfter;
  } catch {
    return undefined;
  }
}

/** Same brought key as the one in state? (false when either does not parse; `check` reports a bad new one.) */
function sameKey(newKey: string, olds: CaCertificateOutputs): boolean {
  try {
    return toStateKey(newKey, "providedPrivateKeyPem") === stateKeyOf(olds);
  } catch {
    return false;
  }
}

/** A certificate input's digest, or UNKNOWN while it is not known (a preview). */
const digestOf = (pem: string | undefined) => (isUnknown(pem) ? UNKNOWN : certificateSha256(pem));

/** Which inputs force a new certificate, and whether the certificate is due for renewal at `now`. */
export function caDiff(olds: CaCertificateOutputs, news: CaCertificateInputs, now: Date = new Date()): pulumi.dynamic.DiffResult {
  const replaces: string[] = [];
  const oldComparable: Record<string, unknown> = { ...olds, pathLength: olds.pathLength ?? effectivePathLength(olds) };
  const newComparable: Record<string, unknown> = { ...news, pathLength: isUnknown(news.pathLength) ? UNKNOWN : effectivePathLength(news) };
  for (const key of REPLACE_ON_CHANGE) {
    if (oldComparable[key] !== newComparable[key]) replaces.push(key);
  }
  // The certificates by digest: outputs keep digests (version 3) or the PEMs (before), issuerDigestOf reads both.
  if (issuerDigestOf(olds) !== digestOf(news.issuerCertificatePem)) replaces.push("issuerCertificatePem");
  if (broughtDigestOf(olds) !== digestOf(news.providedCertificatePem)) replaces.push("providedCertificatePem");
  replaces.push(...keyStoreReplaces(olds, news));
  // A brought key: compare the new one with the one in state. A key moving into the vault is not a new key (update
  // checks the vault holds this very key).
  const brought = wasBrought(olds);
  if ((isSet(news.providedCertificatePem) || brought) && news.keyStore !== "keyVault") {
    const newKey = news.providedPrivateKeyPem;
    const stateHasKey = isSet(olds.privateKey) || isSet(olds.privateKeyPem);
    if (isUnknown(newKey)) replaces.push("providedPrivateKeyPem");
    else if (isSet(newKey) !== stateHasKey || (isSet(newKey) && !sameKey(newKey, olds))) replaces.push("providedPrivateKeyPem");
  }
  const renew = news.renewBeforeDays;
  if (replaces.length === 0 && typeof renew === "number" && isSet(olds.notAfter)) {
    if (renewalDue(new Date(olds.notAfter), renew, now)) {
      const issuerNotAfter = notAfterOf(news.issuerCertificatePem);
      if (!brought && !renewalHelps({ validityDays: news.validityDays, renewBeforeDays: renew, issuerNotAfter, now })) {
        // A new certificate would be capped by its issuer and due at once: replacing would churn on every `up`.
        console.error(`dps-x509: CA "${olds.commonName}" expires ${olds.notAfter}, within renewBeforeDays=${renew}, but its issuer expires ${issuerNotAfter?.toISOString()}: a renewed certificate could not last longer; renew the issuer`);
      } else if (brought) {
        // A brought CA cannot be renewed here: say so, do not churn.
        console.error(`dps-x509: brought CA "${olds.commonName}" expires ${olds.notAfter} (within renewBeforeDays=${renew}); bring a renewed certificate`);
      } else {
        console.error(`dps-x509: CA "${olds.commonName}" expires ${olds.notAfter}, within renewBeforeDays=${renew}: replacing it (replaces: notAfter)`);
        replaces.push("notAfter");
      }
    }
  }
  const inPlace = olds.renewBeforeDays !== renew || olds.providerVersion !== news.providerVersion || keyStoreInPlace(olds, news);
  return {
    changes: replaces.length > 0 || inPlace,
    replaces,
    deleteBeforeReplace: false,
    stables: replaces.length ? [] : ["certificatePem", "thumbprint", "sha256Thumbprint", "notAfter", "subjectKeyId"],
  };
}
