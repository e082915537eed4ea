/**
 * Dynamic provider for one CA certificate (root or intermediate): generated once and kept in
 * state (the private key as a secret), or brought (imported) and checked.
 *
 * How the certs code reaches the provider process (closure serialization):
 * Pulumi serializes this provider object into the resource's `__provider` input and runs it in a
 * separate plain-Node process (no ts-node there). Its serializer captures *local* modules by value
 * (it walks and emits the source of the functions used, here `certs/*`, transitively) and
 * *packages* by reference (`require("node-forge")`, `require("crypto")`, resolved from the
 * program's node_modules at run time). So the methods below call the certs functions through the
 * top-level import, and certs/ keeps to what survives that: named imports from packages, no
 * module-level mutable state or Buffers (a captured Buffer comes back as a broken object), and
 * exported constants declared `const X …; export { X }` (TypeScript compiles uses of an
 * `export const X` to `exports.X`, and Pulumi does not capture `exports` when it is a global, as
 * under `node -e`). We deliberately do not `require("../../certs")` inside the methods
 * (a relative path means nothing in the serialized text) nor an absolute path captured as a
 * string (it would be baked into state, break on any other checkout, and point at `.ts` files that
 * the provider process cannot load). test/caProviderSerialization.test.ts serializes this object
 * as Pulumi does and runs it in a fresh `node` process to prove it.
 *
 * No credentials are captured: the only secrets are the issuer's and a brought CA's private key,
 * passed as secret inputs and read inside the methods.
 */
import { createPrivateKey } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import {
  checkBroughtCaDetailed,
  createIntermediateCa,
  createRootCa,
  describeCertificate,
  DEFAULT_ROOT_PATH_LENGTH,
  assertCommonName,
  RSA_KEY_SIZES,
  MAX_VALIDITY_DAYS,
  lifecycleProblems,
  parseCertificatePem,
  renewalDue,
  renewalHelps,
} from "../../certs";
import type { KeyStore } from "./caSigning";
import { issueWithKeyStore, keyStoreFailures, keyStoreInPlace, keyStoreReplaces, moveKeyToVault } from "./caKeyStore";
import { ProjectDynamicResource } from "./shim";

/** Bump when the provider's behaviour changes, so the change is rolled out (an in-place update). */
export const CA_PROVIDER_VERSION = "2"; // 2: state holds the provider shim; the in-place update rewrites its __provider

/** The value Pulumi passes for inputs not known yet (during a preview). */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Inputs of a CA certificate resource, as the provider sees them (plain values). */
export interface CaCertificateInputs {
  role: "root" | "intermediate";
  commonName: string;
  keySize: 2048 | 3072 | 4096;
  validityDays: number;
  pathLength?: number;
  renewBeforeDays?: number;
  issuerCertificatePem?: string;
  issuerPrivateKeyPem?: string;
  providedCertificatePem?: string;
  providedPrivateKeyPem?: string;
  /** Where the CA's key lives (default state); with keyVault, `vaultUrl`, `keyName` and `hsm` name the key. */
  keyStore?: KeyStore;
  /** The CA's name in config: a vault key made for it is tagged with it. */
  caName?: string;
  vaultUrl?: string;
  keyName?: string;
  hsm?: boolean;
  /** The issuer's Key Vault key id (intermediates whose root's key is in a vault), instead of issuerPrivateKeyPem. */
  issuerKeyId?: string;
  providerVersion: string;
}

/** State of a CA certificate resource. Secret inputs (issuer key, brought key) are not repeated here. */
export interface CaCertificateOutputs {
  role: "root" | "intermediate";
  commonName: string;
  keySize: number;
  validityDays: number;
  pathLength: number;
  renewBeforeDays?: number;
  issuerCertificatePem?: string;
  providedCertificatePem?: string;
  providerVersion: string;
  keyStore?: KeyStore;
  vaultUrl?: string;
  keyName?: string;
  /** The Key Vault key id with its version (keyStore keyVault): all state holds of the key. */
  keyId?: string;
  /** The issuer's Key Vault key id, when its key is in a vault. */
  issuerKeyId?: string;
  certificatePem: string;
  /** PKCS#8 PEM; secret (additionalSecretOutputs); absent for a brought CA without its key. */
  privateKeyPem?: string;
  /** SHA-1 thumbprint, upper-case hex: what Azure shows. */
  thumbprint: string;
  sha256Thumbprint: string;
  /** ISO 8601. */
  notAfter: string;
  subjectKeyId: string;
}

/** Inputs whose change means a new certificate (and key). */
const REPLACE_ON_CHANGE = ["role", "commonName", "keySize", "validityDays", "pathLength", "issuerCertificatePem", "providedCertificatePem"] as const;


function isUnknown(value: unknown): boolean {
  return value === UNKNOWN;
}

function isSet(value: unknown): value is string {
  return typeof value === "string" && value !== "";
}

/** The path length a root gets (intermediates always get 0). */
function effectivePathLength(inputs: { role: string; pathLength?: number }): number {
  return inputs.role === "root" ? inputs.pathLength ?? DEFAULT_ROOT_PATH_LENGTH : 0;
}

function normalizePem(pem: string | undefined): string | undefined {
  return pem === undefined || pem === "" ? undefined : pem.replace(/\r\n/g, "\n").trim();
}

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
  if (!isUnknown(news.keySize) && !RSA_KEY_SIZES.includes(news.keySize as 2048)) {
    fail("keySize", `keySize must be one of ${RSA_KEY_SIZES.join(", ")}; got ${JSON.stringify(news.keySize)}`);
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
    if (!isSet(news.issuerPrivateKeyPem) && !isSet(news.issuerKeyId)) fail("issuerPrivateKeyPem", "a generated intermediate needs its issuer's private key or Key Vault key id (the root was brought without one?)");
  }
  failures.push(...keyStoreFailures(news));
  return failures;
}

/** Outputs for a certificate + key, with the inputs worth keeping for later diffs. */
function toOutputs(inputs: CaCertificateInputs, certificatePem: string, privateKeyPem: string | undefined): CaCertificateOutputs {
  const d = describeCertificate(certificatePem);
  const outs: CaCertificateOutputs = {
    role: inputs.role,
    commonName: inputs.commonName,
    keySize: inputs.keySize,
    validityDays: inputs.validityDays,
    pathLength: effectivePathLength(inputs),
    providerVersion: inputs.providerVersion,
    certificatePem,
    thumbprint: d.sha1Thumbprint,
    sha256Thumbprint: d.sha256Thumbprint,
    notAfter: d.notAfter,
    subjectKeyId: d.subjectKeyId ?? "",
  };
  if (inputs.renewBeforeDays !== undefined) outs.renewBeforeDays = inputs.renewBeforeDays;
  if (isSet(inputs.issuerCertificatePem)) outs.issuerCertificatePem = normalizePem(inputs.issuerCertificatePem);
  if (isSet(inputs.providedCertificatePem)) outs.providedCertificatePem = normalizePem(inputs.providedCertificatePem);
  if (privateKeyPem !== undefined) outs.privateKeyPem = privateKeyPem;
  if (inputs.keyStore === "keyVault") Object.assign(outs, { keyStore: inputs.keyStore, vaultUrl: inputs.vaultUrl, keyName: inputs.keyName });
  if (isSet(inputs.issuerKeyId)) outs.issuerKeyId = inputs.issuerKeyId;
  return outs;
}

/** A brought key, re-encoded as PKCS#8 PEM like the generated ones. */
function toPkcs8(pem: string): string {
  return createPrivateKey(pem).export({ type: "pkcs8", format: "pem" }).toString();
}

/** Same key? (false when the new one does not parse; `check` reports that one.) */
function sameKey(newPem: string, statePem: string | undefined): boolean {
  try {
    return toPkcs8(newPem) === statePem;
  } catch {
    return false;
  }
}

/** Makes (or imports) the certificate. Throws with the failures' text, never with key material. */
async function issue(inputs: CaCertificateInputs): Promise<CaCertificateOutputs> {
  const failures = caInputFailures(inputs);
  if (failures.length) throw new Error(failures.map((f) => `${f.property}: ${f.reason}`).join("; "));
  // A key in Key Vault (the CA's or its issuer's): issued through signers (components/providers/caKeyStore.ts).
  const throughVault = await issueWithKeyStore(inputs, { toOutputs, pathLength: effectivePathLength(inputs), certificatePem: normalizePem(inputs.providedCertificatePem) });
  if (throughVault) return throughVault;
  if (isSet(inputs.providedCertificatePem)) {
    const key = isSet(inputs.providedPrivateKeyPem) ? toPkcs8(inputs.providedPrivateKeyPem) : undefined;
    return toOutputs(inputs, normalizePem(inputs.providedCertificatePem)! + "\n", key);
  }
  const ca =
    inputs.role === "root"
      ? createRootCa({
          commonName: inputs.commonName,
          keySize: inputs.keySize,
          validityDays: inputs.validityDays,
          pathLength: effectivePathLength(inputs),
        })
      : createIntermediateCa({
          issuer: { certificatePem: inputs.issuerCertificatePem!, privateKeyPem: inputs.issuerPrivateKeyPem! },
          commonName: inputs.commonName,
          keySize: inputs.keySize,
          validityDays: inputs.validityDays,
        });
  return toOutputs(inputs, ca.certificatePem, ca.privateKeyPem);
}

/** The notAfter of a known, parsable certificate PEM (an issuer's); undefined otherwise. */
function notAfterOf(pem: unknown): Date | undefined {
  if (!isSet(pem) || isUnknown(pem)) return undefined;
  try {
    return parseCertificatePem(pem).notAfter;
  } catch {
    return undefined;
  }
}

/** Which inputs force a new certificate, and whether the certificate is due for renewal at `now`. */
export function caDiff(olds: CaCertificateOutputs, news: CaCertificateInputs, now: Date = new Date()): pulumi.dynamic.DiffResult {
  const replaces: string[] = [];
  const oldComparable: Record<string, unknown> = { ...olds, pathLength: olds.pathLength ?? effectivePathLength(olds) };
  const newComparable: Record<string, unknown> = {
    ...news,
    pathLength: isUnknown(news.pathLength) ? UNKNOWN : effectivePathLength(news),
    issuerCertificatePem: isUnknown(news.issuerCertificatePem) ? UNKNOWN : normalizePem(news.issuerCertificatePem),
    providedCertificatePem: isUnknown(news.providedCertificatePem) ? UNKNOWN : normalizePem(news.providedCertificatePem),
  };
  for (const key of REPLACE_ON_CHANGE) {
    if (oldComparable[key] !== newComparable[key]) replaces.push(key);
  }
  replaces.push(...keyStoreReplaces(olds, news));
  // A brought key: compare the new one with the one in state (the state keeps it as PKCS#8). A key moving into
  // the vault is not a new key (update checks the vault holds this very key).
  if ((isSet(news.providedCertificatePem) || isSet(olds.providedCertificatePem)) && news.keyStore !== "keyVault") {
    const newKey = news.providedPrivateKeyPem;
    if (isUnknown(newKey)) replaces.push("providedPrivateKeyPem");
    else if (isSet(newKey) !== isSet(olds.privateKeyPem) || (isSet(newKey) && !sameKey(newKey, olds.privateKeyPem))) {
      replaces.push("providedPrivateKeyPem");
    }
  }
  const renew = news.renewBeforeDays;
  if (replaces.length === 0 && typeof renew === "number" && isSet(olds.notAfter)) {
    if (renewalDue(new Date(olds.notAfter), renew, now)) {
      const issuerNotAfter = notAfterOf(news.issuerCertificatePem);
      if (!isSet(olds.providedCertificatePem) && !renewalHelps({ validityDays: news.validityDays, renewBeforeDays: renew, issuerNotAfter, now })) {
        // A new certificate would be capped by its issuer and due at once: replacing would churn on every `up`.
        console.error(`dps-x509: CA "${olds.commonName}" expires ${olds.notAfter}, within renewBeforeDays=${renew}, but its issuer expires ${issuerNotAfter?.toISOString()}: a renewed certificate could not last longer; renew the issuer`);
      } else if (isSet(olds.providedCertificatePem)) {
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

/** The provider object (tests call its methods directly). */
export const caCertificateProvider: pulumi.dynamic.ResourceProvider<CaCertificateInputs, CaCertificateOutputs> = {
  async check(olds, news) {
    const failures = caInputFailures(news);
    // A certificate about to be made must not outlive its issuer (checked against the issuer's real notAfter; an
    // existing one keeps what it got).
    const isNew = Object.keys(olds ?? {}).length === 0;
    const issuerNotAfter = news.role === "intermediate" && !isSet(news.providedCertificatePem) ? notAfterOf(news.issuerCertificatePem) : undefined;
    if (isNew && issuerNotAfter && typeof news.validityDays === "number" && failures.length === 0) {
      const problems = lifecycleProblems({ validityDays: news.validityDays, renewBeforeDays: news.renewBeforeDays, issuerNotAfter, now: new Date() });
      for (const problem of problems) failures.push({ property: problem.property, reason: `${problem.property} ${problem.message}` });
    }
    return { inputs: news, failures };
  },

  async diff(_id, olds, news) {
    return caDiff(olds, news);
  },

  async create(inputs) {
    const outs = await issue(inputs);
    return { id: outs.sha256Thumbprint, outs };
  },

  async read(id, props) {
    // The certificate lives only in state: re-derive its descriptive fields, keep the rest.
    if (!props || !isSet(props.certificatePem)) return { id, props };
    const d = describeCertificate(props.certificatePem);
    return {
      id,
      props: { ...props, thumbprint: d.sha1Thumbprint, sha256Thumbprint: d.sha256Thumbprint, notAfter: d.notAfter, subjectKeyId: d.subjectKeyId ?? "" },
    };
  },

  async update(_id, olds, news) {
    // Only in-place changes reach here (renewBeforeDays, providerVersion): the certificate and key stay.
    const moving = olds.keyStore !== "keyVault" && news.keyStore === "keyVault";
    const outs: CaCertificateOutputs = { ...(moving ? await moveKeyToVault(olds, news) : olds), providerVersion: news.providerVersion };
    if (isSet(news.issuerKeyId)) outs.issuerKeyId = news.issuerKeyId;
    else delete outs.issuerKeyId;
    if (news.renewBeforeDays === undefined) delete outs.renewBeforeDays;
    else outs.renewBeforeDays = news.renewBeforeDays;
    return { outs };
  },

  async delete() {
    // Nothing outside the state to remove.
  },
};

/** Arguments of a CaCertificate resource. */
export interface CaCertificateArgs {
  /** "root" (self-signed) or "intermediate" (signed by the issuer below). */
  readonly role: pulumi.Input<"root" | "intermediate">;
  /** Subject CN. */
  readonly commonName: pulumi.Input<string>;
  /** RSA key size in bits. */
  readonly keySize: pulumi.Input<2048 | 3072 | 4096>;
  /** Validity in days (never past the issuer's notAfter). */
  readonly validityDays: pulumi.Input<number>;
  /** basicConstraints path length of a root (default 1). */
  readonly pathLength?: pulumi.Input<number>;
  /** Replace the certificate once it is within this many days of its notAfter. */
  readonly renewBeforeDays?: pulumi.Input<number>;
  /** Issuer's certificate PEM (intermediates). */
  readonly issuerCertificatePem?: pulumi.Input<string | undefined>;
  /** Issuer's private key PEM (intermediates that are generated); pass as a secret. */
  readonly issuerPrivateKeyPem?: pulumi.Input<string | undefined>;
  /** A brought CA certificate PEM, used instead of generating one. */
  readonly providedCertificatePem?: pulumi.Input<string | undefined>;
  /** The brought CA's private key PEM; pass as a secret. */
  readonly providedPrivateKeyPem?: pulumi.Input<string | undefined>;
  /** Provider version; a change rolls out new provider code without replacing anything. */
  readonly providerVersion?: pulumi.Input<string>;
  /** Where the CA's key lives; keyVault: `vaultUrl`, `keyName`, `hsm` name the key (state then holds its id). */
  readonly keyStore?: KeyStore;
  /** The CA's name in config (tags its vault key). */
  readonly caName?: string;
  readonly vaultUrl?: pulumi.Input<string>;
  readonly keyName?: string;
  readonly hsm?: boolean;
  /** The issuer's Key Vault key id (its root's key is in a vault). */
  readonly issuerKeyId?: pulumi.Input<string | undefined>;
}

/** One CA certificate, generated once or brought; its private key output is a secret. */
export class CaCertificate extends ProjectDynamicResource {
  /** Certificate PEM. */
  public readonly certificatePem!: pulumi.Output<string>;
  /** Private key PEM (PKCS#8), secret; undefined for a brought CA without its key. */
  public readonly privateKeyPem!: pulumi.Output<string | undefined>;
  /** SHA-1 thumbprint, upper-case hex. */
  public readonly thumbprint!: pulumi.Output<string>;
  /** SHA-256 thumbprint, upper-case hex. */
  public readonly sha256Thumbprint!: pulumi.Output<string>;
  /** notAfter, ISO 8601. */
  public readonly notAfter!: pulumi.Output<string>;
  /** Subject key identifier, upper-case hex. */
  public readonly subjectKeyId!: pulumi.Output<string>;
  /** The Key Vault key id with its version (keyStore keyVault); undefined for a key in state. */
  public readonly keyId!: pulumi.Output<string | undefined>;

  constructor(name: string, args: CaCertificateArgs, opts?: pulumi.CustomResourceOptions) {
    // The state holds a shim that loads caCertificateProvider from the project when called (shim.ts, registry.ts).
    super(
      "caCertificate",
      name,
      {
        ...args,
        providerVersion: args.providerVersion ?? CA_PROVIDER_VERSION,
        certificatePem: undefined,
        privateKeyPem: undefined,
        thumbprint: undefined,
        sha256Thumbprint: undefined,
        notAfter: undefined,
        subjectKeyId: undefined,
        keyId: undefined,
      },
      { ...opts, additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "privateKeyPem"] },
      "dps-x509",
      "CaCertificate",
    );
  }
}
