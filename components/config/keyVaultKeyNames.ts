/**
 * Two CAs whose keys live in the same Key Vault must get two keys. A CA's key is named after the CA
 * (`caKeyName`, components/azure/keyVault.ts: `dps-x509-<name>` with every character a key name cannot hold turned
 * into `-`), and Key Vault compares key names without case; so `edge.ca` and `edge_ca`, distinct DPS certificate
 * names, would share one key: the second CA's create would find a key it did not make and refuse, half way through
 * `pulumi up`. The new CA of a rotation gets a key of its own too.
 */
import { caKeyName } from "../azure/keyVault";
import type { Problem } from "./problems";
import type { CaEntryConfig } from "./schema";

/** A CA that keeps its key in the vault, under the name it will be declared with (a tenant's prefixed). */
export interface VaultCa {
  /** Config path of the CA's name, e.g. `ca.intermediates[1].name` or `ca.root.rotation.name`. */
  readonly path: string;
  /** The name as written. */
  readonly written: string;
  /** The name the CA is declared with (the key is named after it). */
  readonly declared: string;
}

/** The vault CAs of a list of entries, their rotations' new CAs included. */
export function vaultCas(entries: ReadonlyArray<{ path: string; entry: CaEntryConfig }>, declaredName: (name: string) => string = (name) => name): VaultCa[] {
  const found: VaultCa[] = [];
  for (const { path, entry } of entries) {
    if (entry.keyStore !== "keyVault") continue;
    found.push({ path: `${path}.name`, written: entry.name, declared: declaredName(entry.name) });
    if (entry.rotation) found.push({ path: `${path}.rotation.name`, written: entry.rotation.name, declared: declaredName(entry.rotation.name) });
  }
  return found;
}

export function checkKeyVaultKeyNames(cas: ReadonlyArray<VaultCa>): Problem[] {
  const problems: Problem[] = [];
  const first = new Map<string, VaultCa>();
  for (const ca of cas) {
    const keyName = caKeyName(ca.declared);
    const taken = first.get(keyName.toLowerCase());
    if (!taken) {
      first.set(keyName.toLowerCase(), ca);
      continue;
    }
    // The same name twice is a duplicate CA name, reported as such by the name checks.
    if (taken.declared.toLowerCase() === ca.declared.toLowerCase()) continue;
    problems.push({
      path: ca.path,
      value: ca.written,
      message: `would keep its key in Key Vault as ${keyName}, the key name of ${taken.path} (${JSON.stringify(taken.written)}): key names hold only letters, digits and -, so other characters become - and case is ignored; rename one CA so that the names differ in letters or digits (e.g. ${JSON.stringify(`${ca.written.replace(/[^A-Za-z0-9-]/g, "-")}-2`)})`,
    });
  }
  return problems;
}
