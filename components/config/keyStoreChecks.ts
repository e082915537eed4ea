/**
 * Checks of where CA keys live (`ca.*.keyStore`, `keyVault`) and of the retired `tenantSigning`. Pure, like checks.ts;
 * kept apart so the key-store rules stay in one place.
 */
import type { Problem } from "./problems";
import type { CaEntryConfig, KeyVaultConfig } from "./schema";

/** Key Vault names: 3–24 letters, digits and hyphens, starting with a letter, ending with a letter or digit, no "--". */
const KEY_VAULT_NAME = /^(?!.*--)[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]$/;

/** A CA's key is available to sign: generated (in state or in the vault), brought with its key, or in the vault. */
export function caKeyAvailable(entry: CaEntryConfig): boolean {
  return entry.certificatePem === undefined || entry.privateKeyPem !== undefined || entry.keyStore === "keyVault";
}

export function checkKeyStores(entries: Array<{ path: string; entry: CaEntryConfig }>, keyVault: KeyVaultConfig | undefined, role: "platform" | "tenant"): Problem[] {
  const problems: Problem[] = [];
  if (keyVault) {
    if (!KEY_VAULT_NAME.test(keyVault.name)) {
      problems.push({ path: "keyVault.name", value: keyVault.name, message: "allowed: 3–24 letters, digits and hyphens, starting with a letter, ending with a letter or digit, no two hyphens in a row" });
    }
    if (role === "tenant" && keyVault.create && keyVault.resourceGroupName === undefined) {
      problems.push({ path: "keyVault.resourceGroupName", value: undefined, message: "is needed to create a vault on a tenant stack (a tenant owns no resource group of the platform's); name the tenant's own resource group" });
    }
  }
  for (const { path, entry } of entries) {
    if (entry.keyStore !== "keyVault") continue;
    if (!keyVault) {
      problems.push({ path: `${path}.keyStore`, value: entry.keyStore, message: "needs dps-x509:keyVault { name, sku, create } to say which vault holds the key; or keyStore: state" });
    }
    if (entry.privateKeyPem !== undefined) {
      problems.push({ path: `${path}.privateKeyPem`, value: entry.privateKeyPem, message: "is given with keyStore: keyVault: the key belongs in the vault, not in config; import it (docs/key-vault.md) and remove privateKeyPem" });
    }
  }
  return problems;
}

/** `tenantSigning` exported the root's key to every tenant; tenants now send CSRs. */
export function checkTenantSigning(tenantSigning: boolean): Problem[] {
  if (!tenantSigning) return [];
  return [{
    path: "tenantSigning",
    value: tenantSigning,
    message: "is no longer supported: it exported the root's private key to every tenant. Remove it; list each tenant under tenants with its stack (tenants[i].stack) or its CSRs (tenants[i].csrs), and the platform signs the tenants' CSRs instead (docs/key-vault.md, \"Tenants\")",
  }];
}

/** A platform that signs its tenants' CSRs needs a root that can sign: generated, brought with its key, or in the vault. */
export function checkTenantSigningRoot(root: CaEntryConfig, tenants: Array<{ stack?: string; csrs?: Record<string, string> }>): Problem[] {
  const signs = tenants.findIndex((tenant) => tenant.stack !== undefined || tenant.csrs !== undefined);
  if (signs < 0 || caKeyAvailable(root)) return [];
  return [{
    path: `tenants[${signs}]`,
    value: undefined,
    message: "asks the platform to sign tenant CSRs, but ca.root was brought without its key: give ca.root.privateKeyPem (secret) or keep the root's key in Key Vault (keyStore: keyVault)",
  }];
}
