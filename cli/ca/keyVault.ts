/**
 * `npm run ca` commands for CA keys in Azure Key Vault (your Azure sign-in, DefaultAzureCredential):
 *
 *   ca import-key --vault <name> --ca-name <name> --key <file> [--sku premium|standard]
 *       moves a CA's key from a file (or `pulumi stack output`/state) into the vault, non-exportable, tagged for
 *       that CA, under the name the stack uses (dps-x509-<ca-name>); then set keyStore: keyVault (docs/key-vault.md)
 *   ca verification-cert --ca-cert <file> --ca-key-id <key id> --code <code> --out <file>
 *       the proof-of-possession certificate, signed in the vault
 *
 * Prints ids and certificates only, never a key.
 */
import { readFileSync, writeFileSync } from "fs";
import { assertVerificationCode, describeCertificate, loadSignerIssuer, signVerificationCertificate } from "../../certs";
import { CA_KEY_TAG, caKeyName, importVaultKey, keyVaultSigner, vaultUrlOf } from "../../components/azure/keyVault";

export interface VaultCommandIo {
  stdout: { write(text: string): unknown };
}

/** Imports the key; returns the key id it got. */
export async function importKeyCommand(o: { vault: string; caName: string; keyFile: string; sku?: string }, io: VaultCommandIo): Promise<string> {
  if (o.sku !== undefined && o.sku !== "premium" && o.sku !== "standard") throw new Error(`--sku must be premium or standard; got ${o.sku}`);
  const privateKeyPem = readFileSync(o.keyFile, "utf8");
  const key = await importVaultKey({ vaultUrl: vaultUrlOf(o.vault), name: caKeyName(o.caName), privateKeyPem, hsm: (o.sku ?? "premium") === "premium", tags: { [CA_KEY_TAG]: o.caName } });
  io.stdout.write(`imported the key of CA ${o.caName} as ${key.keyId} (${key.keyType}, not exportable)\nnow set keyStore: keyVault on that CA and delete ${o.keyFile}\n`);
  return key.keyId;
}

/** The verification certificate for `code`, signed with the vault key `keyId`. */
export async function vaultVerificationCert(o: { certificatePem: string; keyId: string; code: string; out: string }, io: VaultCommandIo): Promise<void> {
  assertVerificationCode(o.code, "--code");
  const issuer = loadSignerIssuer(o.certificatePem, await keyVaultSigner(o.keyId), "--ca-cert");
  const pem = await signVerificationCertificate({ issuer, code: o.code });
  writeFileSync(o.out, pem, { mode: 0o644 });
  const d = describeCertificate(pem);
  io.stdout.write(`wrote ${o.out}: subject ${d.subject}, issuer ${d.issuer}, valid until ${d.notAfter} (signed in Key Vault)\n`);
}
