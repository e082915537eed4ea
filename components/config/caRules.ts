/**
 * The CA chain, checked at plan time with the same functions the CA provider runs at check and create (certs/):
 * common names, distinct subjects, lifetimes against the issuer and renewal windows (certs/lifecycle.ts), and for a
 * brought CA every check of certs/checks.ts (key matches, is a CA, not expired, chains to its issuer).
 * Sources: RFC 5280 §4.1.2.5 (a certificate's validity; verifiers stop at the issuer's notAfter), §6.1 and RFC 4158
 * (path building matches an issuer by subject name, so equal subjects look self-issued), X.520 ub-common-name (64).
 */
import { X509Certificate } from "crypto";
import { assertCommonName, checkBroughtCaDetailed, lifecycleProblems, parseCertificatePem } from "../../certs";
import type { CaEntryAt } from "./schema";
import { SECRET_PLACEHOLDER } from "./limits";
import type { Problem } from "./problems";

/** A given (not placeholder) string. */
function given(value: string | undefined): value is string {
  return value !== undefined && value !== "" && value !== SECRET_PLACEHOLDER;
}

function notAfterOf(pem: string): Date | undefined {
  try {
    return parseCertificatePem(pem).notAfter;
  } catch {
    return undefined;
  }
}

/** The subject a CA will have, for comparing: a brought certificate's own, else `CN=<commonName>` as generated. */
function subjectOf(entry: CaEntryAt["entry"]): string | undefined {
  if (given(entry.certificatePem)) {
    try {
      return new X509Certificate(entry.certificatePem).subject.replace(/\n/g, ", ");
    } catch {
      return undefined;
    }
  }
  return `CN=${entry.commonName}`;
}

export interface ChainInput {
  /** The stack's own root, if it declares one. */
  root?: CaEntryAt;
  intermediates: CaEntryAt[];
  /** A root declared elsewhere (a tenant's platform): its certificate, when known. */
  externalRootPem?: string;
  now: Date;
}

export function checkCaChain({ root, intermediates, externalRootPem, now }: ChainInput): Problem[] {
  const problems: Problem[] = [];
  const all = [...(root ? [root] : []), ...intermediates];
  for (const { path, entry } of all) {
    try {
      assertCommonName(entry.commonName, "commonName");
    } catch (err) {
      problems.push({ path: `${path}.commonName`, value: entry.commonName, message: `${(err as Error).message.replace(/^commonName "[^"]*" /, "").replace(/^commonName /, "")}` });
    }
  }
  problems.push(...distinctSubjects(all, externalRootPem));
  for (const at of all) problems.push(...keyTypeProblems(at));

  // The issuer of the intermediates: the root as it will be (generated now, or brought), or the external root.
  let issuerNotAfter: Date | undefined;
  let issuerPem: string | undefined;
  let issuerLabel = "ca.root";
  if (root) {
    if (given(root.entry.certificatePem)) {
      issuerPem = root.entry.certificatePem;
      issuerNotAfter = notAfterOf(issuerPem);
      problems.push(...broughtProblems(root, undefined, now));
    } else {
      issuerNotAfter = new Date(now.getTime() + root.entry.validityDays * 24 * 60 * 60 * 1000);
      problems.push(...lifecycle(root, undefined, "", now));
    }
  } else if (given(externalRootPem)) {
    issuerPem = externalRootPem;
    issuerNotAfter = notAfterOf(externalRootPem);
    issuerLabel = "the platform's root";
  }
  for (const at of intermediates) {
    if (given(at.entry.certificatePem)) {
      if (root && !given(root.entry.certificatePem)) {
        problems.push({
          path: `${at.path}.certificatePem`,
          value: at.entry.certificatePem,
          message: "cannot chain to ca.root: the stack generates that root at `pulumi up`, so it signed no certificate yet; bring the root too (ca.root.certificatePem), or let the stack generate this intermediate",
        });
      } else {
        problems.push(...broughtProblems(at, issuerPem, now));
      }
    } else {
      problems.push(...lifecycle(at, issuerNotAfter, issuerLabel, now));
    }
  }
  return problems;
}

/** `curve` belongs to keyType EC; a brought certificate's key must be of the keyType the entry says. */
function keyTypeProblems({ path, entry }: CaEntryAt): Problem[] {
  const problems: Problem[] = [];
  if (entry.curve !== undefined && entry.keyType !== "EC") {
    problems.push({ path: `${path}.curve`, value: entry.curve, message: `is for keyType EC; this CA is ${entry.keyType ?? "RSA"} (set keyType: EC, or remove curve)` });
  }
  if (given(entry.certificatePem) && entry.keyType === "EC") {
    try {
      const type = new X509Certificate(entry.certificatePem).publicKey.asymmetricKeyType;
      if (type !== "ec") problems.push({ path: `${path}.keyType`, value: entry.keyType, message: `is EC, but the brought certificate's key is ${type?.toUpperCase()}` });
    } catch {
      // an unreadable certificate is reported by the brought-CA checks
    }
  }
  return problems;
}

function lifecycle({ path, entry }: CaEntryAt, issuerNotAfter: Date | undefined, issuerLabel: string, now: Date): Problem[] {
  return lifecycleProblems({ validityDays: entry.validityDays, renewBeforeDays: entry.renewBeforeDays, issuerNotAfter, issuerLabel, now }).map((problem) => ({
    path: `${path}.${problem.property}`,
    value: entry[problem.property],
    message: problem.message,
  }));
}

/** certs/checks.ts on a brought CA, as the provider runs it at check and create. */
function broughtProblems({ path, entry }: CaEntryAt, issuerPem: string | undefined, now: Date): Problem[] {
  const key = given(entry.privateKeyPem) ? entry.privateKeyPem : undefined;
  const paths = { certificatePem: `${path}.certificatePem`, privateKeyPem: `${path}.privateKeyPem`, issuerCertificatePem: "ca.root.certificatePem" } as const;
  return checkBroughtCaDetailed({ certificatePem: entry.certificatePem!, privateKeyPem: key, issuerCertificatePem: issuerPem, now }).map((problem) => ({
    path: paths[problem.property],
    value: problem.property === "privateKeyPem" ? undefined : problem.property === "issuerCertificatePem" ? issuerPem : entry.certificatePem,
    message: problem.message,
  }));
}

/** No two CAs of a chain share a subject: an intermediate named like its root looks self-issued. */
function distinctSubjects(all: CaEntryAt[], externalRootPem: string | undefined): Problem[] {
  const problems: Problem[] = [];
  const seen = new Map<string, string>();
  if (given(externalRootPem)) {
    try {
      seen.set(new X509Certificate(externalRootPem).subject.replace(/\n/g, ", ").toLowerCase(), "the platform's root");
    } catch {
      // An unreadable platform root is reported where it is read.
    }
  }
  for (const { path, entry } of all) {
    const subject = subjectOf(entry);
    if (subject === undefined) continue;
    const first = seen.get(subject.toLowerCase());
    if (first !== undefined) {
      const field = given(entry.certificatePem) ? "certificatePem" : "commonName";
      problems.push({
        path: `${path}.${field}`,
        value: field === "commonName" ? entry.commonName : entry.certificatePem,
        message: `has the same subject (${subject}) as ${first}: a CA named like its issuer looks self-issued and breaks chain building; give each CA of the chain its own commonName`,
      });
    } else {
      seen.set(subject.toLowerCase(), path);
    }
  }
  return problems;
}
