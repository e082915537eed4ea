/**
 * Test helper: a local Key Vault (azure-test-servers/keyVaultServer.ts) with `*.vault.azure.net` routed to it in this
 * process, and components/azure/keyVault.ts pointed at it with a principal's credential.
 */
import { routeHostsToLoopback, uninstallLoopbackRouting } from "../../azure-test-servers/loopbackRouting";
import { startKeyVaultServer, type KeyVaultRole, type KeyVaultServer } from "../../azure-test-servers/keyVaultServer";
import { setKeyVaultTestOverrides } from "../../components/azure/keyVault";

export interface RoutedKeyVault {
  server: KeyVaultServer;
  /** Switches the client's identity to another principal. */
  signInAs(objectId: string): void;
  stop(): Promise<void>;
}

/** Starts the fake, declares the vaults, gives `officer` the Crypto Officer role and signs in as it. */
export async function startRoutedKeyVault(o: { vaults: Record<string, "standard" | "premium">; officer?: string; roles?: Array<[string, KeyVaultRole]> }): Promise<RoutedKeyVault> {
  const server = await startKeyVaultServer();
  for (const [name, sku] of Object.entries(o.vaults)) server.vault(name, { sku });
  const officer = o.officer ?? "officer-oid";
  server.assignRole(officer, "Key Vault Crypto Officer");
  for (const [oid, role] of o.roles ?? []) server.assignRole(oid, role);
  routeHostsToLoopback([{ host: "*.vault.azure.net", port: server.port }]);
  const signInAs = (objectId: string) => setKeyVaultTestOverrides({ credential: server.credential(objectId), baseDelayMs: 5 });
  signInAs(officer);
  return {
    server,
    signInAs,
    stop: async () => {
      setKeyVaultTestOverrides(undefined);
      uninstallLoopbackRouting();
      await server.close();
    },
  };
}
