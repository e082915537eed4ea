/**
 * The CA hierarchy: one root and its intermediates, each a CaCertificate (generated once and kept
 * in state, or brought from config). Intermediates are signed by the root.
 */
import * as pulumi from "@pulumi/pulumi";
import { compactKeyToPem, DEFAULT_ROOT_PATH_LENGTH, isCompactKey, type KeySpec } from "../../certs";
import { CA_PROVIDER_VERSION } from "../providers/caCertificate";
import { CaCertificate } from "./caCertificate";
import { caKeyName } from "../azure/keyVault";

/** One CA of the config (`ca.root` or `ca.intermediates[i]`). */
export interface CaEntryArgs {
  /** DPS certificate name; also names the child resource `${name}-${entry.name}`. */
  readonly name: string;
  /** Subject CN of a generated CA. */
  readonly commonName: string;
  /** The key of a generated CA: RSA bits, or an EC curve ("P-384"); config's keyType/curve (schema.ts caKeySpec). */
  readonly keySize: KeySpec;
  /** Validity of a generated CA in days (an intermediate never outlives the root). */
  readonly validityDays: number;
  /** Renew (replace) a generated CA once it is within this many days of expiry. */
  readonly renewBeforeDays?: number;
  /** A brought CA certificate PEM: import it instead of generating one. */
  readonly certificatePem?: string;
  /** The brought CA's private key PEM (a secret); without it the CA cannot sign. */
  readonly privateKeyPem?: pulumi.Input<string>;
  /** An intermediate: the name of the root that signs it (`root` or one of `additionalRoots`); default `root`. */
  readonly issuerName?: string;
  /** Where the key lives: state (default) or the component's `keyVault`. */
  readonly keyStore?: "state" | "keyVault";
}

/** The vault of the CAs with `keyStore: keyVault`. */
export interface CaKeyVaultRef {
  /** `https://<name>.vault.azure.net` (an output when this stack creates the vault: keys are made after it). */
  readonly vaultUrl: pulumi.Input<string>;
  /** RSA-HSM / EC-HSM keys (premium vault) or RSA / EC. */
  readonly hsm: boolean;
  /** What key operations wait for (the vault, its role assignments). */
  readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** A root CA declared elsewhere. */
export interface ExternalRoot {
  /** Its certificate PEM. */
  readonly certificatePem: pulumi.Input<string>;
  /** Its private key PEM (secret); needed only to generate intermediates. */
  readonly privateKeyPem?: pulumi.Input<string>;
}

/** Arguments of the CertificateAuthority component. */
export interface CertificateAuthorityArgs {
  /** The root CA (self-signed, path length 1); give this or `externalRoot`. */
  readonly root?: CaEntryArgs;
  /** A root owned by another stack (a tenant's platform): it signs the intermediates and is not declared here. */
  readonly externalRoot?: ExternalRoot;
  /** Intermediate CAs, signed by the root (path length 0). */
  readonly intermediates: CaEntryArgs[];
  /** More roots, declared like `root`: the new root during a root rotation's overlap (components/rotation/). */
  readonly additionalRoots?: CaEntryArgs[];
  /** The vault holding the keys of entries with `keyStore: keyVault`. */
  readonly keyVault?: CaKeyVaultRef;
}

/** A CA as the rest of the program sees it. */
export interface IssuedCa {
  /** The entry's (DPS certificate) name. */
  name: string;
  /** Certificate PEM. */
  certificatePem: pulumi.Output<string>;
  /** Private key PEM (PKCS#8), secret; undefined for a brought CA without its key (or with its key in the vault). */
  privateKeyPem: pulumi.Output<string | undefined>;
  /**
   * The same key as the CaCertificate keeps it in state (compact, certs/compactKey.ts, for RSA), secret: what the
   * intermediates it signs take, so that their state stays small.
   */
  privateKey: pulumi.Output<string | undefined>;
  /** SHA-1 thumbprint, upper-case hex (as Azure shows it). */
  thumbprint: pulumi.Output<string>;
  /** The certificate's notAfter, ISO 8601. */
  notAfter: pulumi.Output<string>;
  /** The CaCertificate resource (to depend on). */
  resource: pulumi.Resource;
  /** Whether the CA can sign (its key generated, brought, or in the vault). */
  hasPrivateKey: boolean;
  /** The Key Vault key id with its version (keyStore keyVault), else undefined. */
  keyId: pulumi.Output<string | undefined>;
  /** Whether the key is in the vault (then `privateKeyPem` is undefined and `keyId` names it). */
  inVault: boolean;
}

/** Problems with the arguments, each naming its config key; empty when fine. Pure: no Pulumi calls. */
export function certificateAuthorityArgsProblems(args: CertificateAuthorityArgs): string[] {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  if ((args.root === undefined) === (args.externalRoot === undefined)) problems.push("ca: give either a root or an external root");
  const entries: [string, CaEntryArgs][] = [
    ...(args.root ? [["ca.root", args.root] as [string, CaEntryArgs]] : []),
    ...(args.additionalRoots ?? []).map((e): [string, CaEntryArgs] => ["ca.root.rotation", e]),
    ...args.intermediates.map((e, i): [string, CaEntryArgs] => [`ca.intermediates[${i}]`, e]),
  ];
  for (const [key, entry] of entries) {
    if (!entry || typeof entry.name !== "string" || entry.name === "") {
      problems.push(`${key}.name must be a non-empty string`);
      continue;
    }
    const first = seen.get(entry.name);
    if (first) problems.push(`${key}.name "${entry.name}" is already used by ${first}; CA names must be unique`);
    else seen.set(entry.name, key);
    if (entry.privateKeyPem !== undefined && entry.certificatePem === undefined) {
      problems.push(`${key}.privateKeyPem is set without ${key}.certificatePem`);
    }
    if (entry.keyStore === "keyVault" && !args.keyVault) problems.push(`${key}.keyStore is keyVault, but no keyVault was given`);
  }
  const broughtWithoutKey = (root: CaEntryArgs) => root.certificatePem !== undefined && root.privateKeyPem === undefined && root.keyStore !== "keyVault";
  const rootsByName = new Map([args.root, ...(args.additionalRoots ?? [])].filter((r): r is CaEntryArgs => r !== undefined).map((r) => [r.name, r]));
  args.intermediates.forEach((entry, i) => {
    if (!entry) return;
    const issuer = entry.issuerName !== undefined ? rootsByName.get(entry.issuerName) : args.root;
    if (entry.issuerName !== undefined && !issuer) problems.push(`ca.intermediates[${i}] ("${entry.name}") names issuer "${entry.issuerName}", which is not a root here`);
    const rootBroughtWithoutKey = issuer ? broughtWithoutKey(issuer) : args.externalRoot?.privateKeyPem === undefined;
    if (rootBroughtWithoutKey && entry.certificatePem === undefined) {
      problems.push(
        `ca.intermediates[${i}] ("${entry.name}") must be generated, but the brought root ca.root has no private key to sign it: ` +
          `set ca.root.privateKeyPem, or bring this intermediate too (ca.intermediates[${i}].certificatePem and .privateKeyPem)`,
      );
    }
  });
  return problems;
}

/** Root + intermediates, as CaCertificate children; keys as secrets. */
export class CertificateAuthority extends pulumi.ComponentResource {
  /** The CAs by entry name. */
  readonly certificates: Record<string, IssuedCa>;

  constructor(name: string, args: CertificateAuthorityArgs, opts?: pulumi.ComponentResourceOptions) {
    // Checked before anything is registered, so a bad config declares nothing.
    const problems = certificateAuthorityArgsProblems(args);
    if (problems.length) throw new Error(problems.join("\n"));
    super("dps-x509:ca:CertificateAuthority", name, {}, opts);

    const secretOrUndefined = (value: pulumi.Input<string> | undefined) => (value === undefined ? undefined : pulumi.secret(value));
    const vaultInputs = (entry: CaEntryArgs) =>
      entry.keyStore === "keyVault"
        ? { keyStore: "keyVault" as const, caName: entry.name, vaultUrl: args.keyVault!.vaultUrl, keyName: caKeyName(entry.name), hsm: args.keyVault!.hsm }
        : {};
    const vaultOptions = (entry: CaEntryArgs, issuerInVault: boolean) =>
      entry.keyStore === "keyVault" || issuerInVault ? { dependsOn: args.keyVault?.dependsOn ?? [] } : {};
    // The PEM for whoever needs one (proof of possession, the smoke test, tenants, stack outputs), made from the
    // state's form in the program; apply keeps it secret, pulumi.secret says so.
    const pemOf = (key: string | undefined) => (isCompactKey(key) ? compactKeyToPem(key) : key);
    const issued = (entry: CaEntryArgs, resource: CaCertificate, hasPrivateKey: boolean): IssuedCa => ({
      name: entry.name,
      certificatePem: resource.certificatePem,
      privateKeyPem: pulumi.secret(resource.privateKey.apply(pemOf)),
      privateKey: pulumi.secret(resource.privateKey),
      thumbprint: resource.thumbprint,
      notAfter: resource.notAfter,
      resource,
      hasPrivateKey,
      keyId: resource.keyId,
      inVault: entry.keyStore === "keyVault",
    });

    this.certificates = {};
    // An issuer's key: a root's as its state keeps it (compact), an external root's as given (PEM).
    type Issuer = { certificatePem: pulumi.Input<string>; privateKey: pulumi.Input<string | undefined>; keyId?: pulumi.Input<string | undefined>; inVault?: boolean };
    const roots = new Map<string, Issuer>();
    let issuer: Issuer | undefined;
    for (const rootEntry of [args.root, ...(args.additionalRoots ?? [])].filter((r): r is CaEntryArgs => r !== undefined)) {
      const root = new CaCertificate(
        `${name}-${rootEntry.name}`,
        {
          role: "root",
          commonName: rootEntry.commonName,
          keySize: rootEntry.keySize,
          validityDays: rootEntry.validityDays,
          pathLength: DEFAULT_ROOT_PATH_LENGTH,
          renewBeforeDays: rootEntry.renewBeforeDays,
          providedCertificatePem: rootEntry.certificatePem,
          providedPrivateKeyPem: secretOrUndefined(rootEntry.privateKeyPem),
          providerVersion: CA_PROVIDER_VERSION,
          ...vaultInputs(rootEntry),
        },
        { parent: this, ...vaultOptions(rootEntry, false) },
      );
      const rootHasKey = rootEntry.certificatePem === undefined || rootEntry.privateKeyPem !== undefined || rootEntry.keyStore === "keyVault";
      this.certificates[rootEntry.name] = issued(rootEntry, root, rootHasKey);
      roots.set(
        rootEntry.name,
        rootEntry.keyStore === "keyVault"
          ? { certificatePem: root.certificatePem, privateKey: undefined, keyId: root.keyId, inVault: true }
          : { certificatePem: root.certificatePem, privateKey: root.privateKey },
      );
      issuer ??= roots.get(rootEntry.name);
    }
    if (!issuer) {
      issuer = { certificatePem: args.externalRoot!.certificatePem, privateKey: args.externalRoot!.privateKeyPem };
    }

    for (const entry of args.intermediates) {
      const brought = entry.certificatePem !== undefined;
      const signer = entry.issuerName !== undefined ? roots.get(entry.issuerName)! : issuer;
      const intermediate = new CaCertificate(
        `${name}-${entry.name}`,
        {
          role: "intermediate",
          commonName: entry.commonName,
          keySize: entry.keySize,
          validityDays: entry.validityDays,
          renewBeforeDays: entry.renewBeforeDays,
          issuerCertificatePem: signer.certificatePem,
          // Only a generated intermediate needs the root's key to be signed.
          issuerPrivateKey: brought || signer.inVault ? undefined : pulumi.secret(signer.privateKey),
          issuerKeyId: brought ? undefined : signer.keyId,
          providedCertificatePem: entry.certificatePem,
          providedPrivateKeyPem: secretOrUndefined(entry.privateKeyPem),
          providerVersion: CA_PROVIDER_VERSION,
          ...vaultInputs(entry),
        },
        { parent: this, ...vaultOptions(entry, signer.inVault === true && !brought) },
      );
      this.certificates[entry.name] = issued(entry, intermediate, !brought || entry.privateKeyPem !== undefined || entry.keyStore === "keyVault");
    }

    this.registerOutputs({
      certificates: Object.fromEntries(
        Object.entries(this.certificates).map(([caName, ca]) => [caName, { certificatePem: ca.certificatePem, thumbprint: ca.thumbprint }]),
      ),
    });
  }
}
