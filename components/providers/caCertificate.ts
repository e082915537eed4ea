/**
 * Dynamic provider for one CA certificate (root or intermediate): generated once and kept in
 * state (the private key as a secret, in compact form), or brought (imported) and checked.
 *
 * Files: this one makes and updates the certificate; caInputRules.ts holds the input checks and diff rules,
 * caCertificateState.ts the inputs and outputs (and how older state is read), caKeyStore.ts / caSigning.ts the
 * Key Vault paths; the resource class is components/resources/caCertificate.ts.
 *
 * How it runs: the resource's state holds only the provider shim, which loads this module from the project in
 * Pulumi's dynamic-provider host (shim.ts, registry.ts). The provider object also still survives Pulumi's own
 * closure serialization (test/caProviderSerialization.test.ts), which is why certs/ keeps to what a serialized
 * closure can capture: no module-level mutable state or Buffers, and exported constants as `const X; export { X }`.
 *
 * No credentials are captured: the only secrets are the issuer's and a brought CA's private key,
 * passed as secret inputs and read inside the methods.
 */
import * as pulumi from "@pulumi/pulumi";
import { createIntermediateCa, createRootCa, describeCertificate, lifecycleProblems } from "../../certs";
import { issueWithKeyStore, moveKeyToVault } from "./caKeyStore";
import { caDiff, caInputFailures, notAfterOf } from "./caInputRules";
import {
  certificateSha256,
  currentOutputs,
  effectivePathLength,
  issuerKeyOf,
  isSet,
  normalizePem,
  toStateKey,
  type CaCertificateInputs,
  type CaCertificateOutputs,
} from "./caCertificateState";

export type { CaCertificateInputs, CaCertificateOutputs } from "./caCertificateState";
export { caDiff, caInputFailures } from "./caInputRules";

/**
 * Bump when the provider's behaviour changes, so the change is rolled out (an in-place update).
 * 2: state holds the provider shim; the in-place update rewrites its __provider.
 * 3: outputs keep the SHA-256 of the issuer's and a brought certificate instead of their PEM, and the key in compact
 *    form (`privateKey`, certs/compactKey.ts) instead of `privateKeyPem`; the update rewrites older outputs so.
 */
export const CA_PROVIDER_VERSION = "3";

/** Outputs for a certificate + key (PEM or compact; kept compact), with the inputs worth keeping for later diffs. */
export function toOutputs(inputs: CaCertificateInputs, certificatePem: string, privateKeyPem: string | undefined): CaCertificateOutputs {
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
  if (isSet(inputs.issuerCertificatePem)) outs.issuerCertificateSha256 = certificateSha256(inputs.issuerCertificatePem);
  if (isSet(inputs.providedCertificatePem)) outs.providedCertificateSha256 = certificateSha256(inputs.providedCertificatePem);
  if (privateKeyPem !== undefined) outs.privateKey = toStateKey(privateKeyPem, "the CA's private key");
  if (inputs.keyStore === "keyVault") Object.assign(outs, { keyStore: inputs.keyStore, vaultUrl: inputs.vaultUrl, keyName: inputs.keyName });
  if (isSet(inputs.issuerKeyId)) outs.issuerKeyId = inputs.issuerKeyId;
  return outs;
}

/** Makes (or imports) the certificate. Throws with the failures' text, never with key material. */
async function issue(inputs: CaCertificateInputs): Promise<CaCertificateOutputs> {
  const failures = caInputFailures(inputs);
  if (failures.length) throw new Error(failures.map((f) => `${f.property}: ${f.reason}`).join("; "));
  // A key in Key Vault (the CA's or its issuer's): issued through signers (components/providers/caKeyStore.ts).
  const throughVault = await issueWithKeyStore(inputs, { toOutputs, pathLength: effectivePathLength(inputs), certificatePem: normalizePem(inputs.providedCertificatePem) });
  if (throughVault) return throughVault;
  if (isSet(inputs.providedCertificatePem)) {
    const key = isSet(inputs.providedPrivateKeyPem) ? inputs.providedPrivateKeyPem : undefined;
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
          // The issuer's key as given, compact or PEM (certs/keys.ts loadPrivateKey reads both).
          issuer: { certificatePem: inputs.issuerCertificatePem!, privateKeyPem: issuerKeyOf(inputs)! },
          commonName: inputs.commonName,
          keySize: inputs.keySize,
          validityDays: inputs.validityDays,
        });
  return toOutputs(inputs, ca.certificatePem, ca.privateKeyPem);
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
    // Only in-place changes reach here (renewBeforeDays, providerVersion, where keys live): the certificate and key
    // stay. Outputs of an older version get today's shape (digests, the same key in compact form).
    const current = currentOutputs(olds);
    const moving = olds.keyStore !== "keyVault" && news.keyStore === "keyVault";
    const outs: CaCertificateOutputs = { ...(moving ? await moveKeyToVault(current, news) : current), providerVersion: news.providerVersion };
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
