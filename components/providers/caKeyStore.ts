/**
 * The CA provider's key-store rules (components/providers/caCertificate.ts calls these): what a CA with its key, or
 * its issuer's, in Key Vault needs as inputs, how it is issued, which changes replace it and which move it.
 *
 * - state → keyVault is an update: the key was imported (same key, same certificate); the update checks that the
 *   vault holds this very key, then drops the key from state.
 * - keyVault → state, or another vault or key name, is a new key: a replacement, shown in the plan.
 * - The issuer's key moving into the vault (issuerKeyId instead of the key) is an update, so that state stops
 *   holding the key input.
 */
import { issuerKeyOf, type CaCertificateInputs, type CaCertificateOutputs } from "./caCertificateState";
import { existingCaVaultKey, issueCaWithSigners, type CaVaultKeyRef } from "./caSigning";

const isSet = (value: unknown): value is string => typeof value === "string" && value !== "";

/** The vault key the inputs name, when the CA's key is in a vault. */
export function vaultKeyRef(inputs: Partial<CaCertificateInputs>): CaVaultKeyRef | undefined {
  return inputs.keyStore === "keyVault" ? { vaultUrl: inputs.vaultUrl!, keyName: inputs.keyName!, hsm: inputs.hsm === true } : undefined;
}

export function keyStoreFailures(news: Partial<CaCertificateInputs>): { property: string; reason: string }[] {
  const failures: { property: string; reason: string }[] = [];
  if (news.keyStore !== undefined && news.keyStore !== "state" && news.keyStore !== "keyVault") {
    failures.push({ property: "keyStore", reason: `keyStore must be "state" or "keyVault"; got ${JSON.stringify(news.keyStore)}` });
  }
  if (news.keyStore === "keyVault") {
    if (!isSet(news.vaultUrl)) failures.push({ property: "vaultUrl", reason: "keyStore keyVault needs the vault's URL" });
    if (!isSet(news.keyName)) failures.push({ property: "keyName", reason: "keyStore keyVault needs the key's name" });
    if (isSet(news.providedPrivateKeyPem)) failures.push({ property: "providedPrivateKeyPem", reason: "keyStore keyVault: the key is in the vault; give no private key" });
  }
  return failures;
}

/**
 * Issues the CA when a vault is involved (its key, or its issuer's); undefined when neither is (the state path).
 * A brought certificate in the vault: its key must be there already (imported), never made here.
 */
export async function issueWithKeyStore(
  inputs: CaCertificateInputs,
  o: { toOutputs: (inputs: CaCertificateInputs, certificatePem: string, privateKeyPem: string | undefined) => CaCertificateOutputs; pathLength: number; certificatePem?: string },
): Promise<CaCertificateOutputs | undefined> {
  const vaultKey = vaultKeyRef(inputs);
  const caName = inputs.caName ?? inputs.commonName;
  if (o.certificatePem !== undefined) {
    if (!vaultKey) return undefined;
    const pem = `${o.certificatePem}\n`;
    const crypto = require("crypto") as typeof import("crypto");
    const key = await existingCaVaultKey(vaultKey, new crypto.X509Certificate(pem).publicKey, caName);
    return { ...o.toOutputs(inputs, pem, undefined), keyId: key.keyId };
  }
  if (!vaultKey && !isSet(inputs.issuerKeyId)) return undefined;
  const issued = await issueCaWithSigners({
    role: inputs.role,
    caName,
    commonName: inputs.commonName,
    keySize: inputs.keySize,
    validityDays: inputs.validityDays,
    pathLength: o.pathLength,
    vaultKey,
    issuerCertificatePem: inputs.issuerCertificatePem,
    issuerPrivateKeyPem: issuerKeyOf(inputs),
    issuerKeyId: inputs.issuerKeyId,
  });
  return { ...o.toOutputs(inputs, issued.certificatePem, issued.privateKeyPem), ...(issued.keyId ? { keyId: issued.keyId } : {}) };
}

/** Replacements caused by where the key lives (see the note at the top). */
export function keyStoreReplaces(olds: CaCertificateOutputs, news: CaCertificateInputs): string[] {
  if (olds.keyStore !== "keyVault") return [];
  if (news.keyStore !== "keyVault") return ["keyStore"];
  return (["vaultUrl", "keyName"] as const).filter((key) => olds[key] !== news[key]);
}

/** In-place changes caused by where keys live: the CA's key moving in, or its issuer's. */
export function keyStoreInPlace(olds: CaCertificateOutputs, news: CaCertificateInputs): boolean {
  return (olds.keyStore ?? "state") !== (news.keyStore ?? "state") || (olds.issuerKeyId ?? "") !== (news.issuerKeyId ?? "");
}

/** The update that moves a CA's key from state to the vault: the vault must hold this certificate's key. */
export async function moveKeyToVault(olds: CaCertificateOutputs, news: CaCertificateInputs): Promise<CaCertificateOutputs> {
  const crypto = require("crypto") as typeof import("crypto");
  const key = await existingCaVaultKey(vaultKeyRef(news)!, new crypto.X509Certificate(olds.certificatePem).publicKey, news.caName ?? olds.commonName);
  const { privateKey: _dropped, privateKeyPem: _droppedPem, ...kept } = olds;
  return { ...kept, keyStore: "keyVault", vaultUrl: news.vaultUrl, keyName: news.keyName, keyId: key.keyId };
}
