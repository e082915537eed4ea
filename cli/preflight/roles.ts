/**
 * The smallest custom roles for the CI identities (docs/least-privilege.md prints them; a test keeps the page and
 * this list equal): the actions preflight checks (permissions.ts) for a stack that uses every feature, plus what a
 * deploy needs beyond a first `up`: deleting what a change replaces or removes (and `pulumi destroy`).
 */
import { requiredActions, type Purpose } from "./permissions";

/** Every feature on: hubs, a DPS, CA certificates, a vault the stack creates, role assignments, the DPS key. */
const EVERYTHING = { hubs: [{}], dpsName: "dps", vaultCreate: true, assignsRoles: true, caCount: 1, dpsKeys: true, resourceGroupExisting: true } as const;

/** Deleting what `up` replaces or removes, and `destroy`. */
const DELETES = [
  "Microsoft.Devices/IotHubs/delete",
  "Microsoft.Devices/provisioningServices/delete",
  "Microsoft.Devices/provisioningServices/certificates/delete",
  "Microsoft.KeyVault/vaults/delete",
  "Microsoft.Authorization/roleAssignments/delete",
];

/** The actions of the role, sorted: on a group someone else made (resourceGroupExisting), read, never written. */
export function roleActions(purpose: Purpose): string[] {
  const actions = requiredActions(EVERYTHING, purpose).map((entry) => entry.action);
  return [...new Set([...actions, ...(purpose === "deploy" ? DELETES : [])])].sort();
}

/** Azure's custom-role JSON (`az role definition create --role-definition @role.json`). */
export function customRole(purpose: Purpose): object {
  return {
    Name: purpose === "preview" ? "dps-x509 preview" : "dps-x509 deploy",
    Description:
      purpose === "preview"
        ? "Live pulumi preview of a dps-x509 stack: reads, and the IoT hubs' keys the DPS links them with"
        : "pulumi up of a dps-x509 stack in its resource group: hubs, DPS, CA certificates, Key Vault, role assignments to itself",
    Actions: roleActions(purpose),
    NotActions: [],
    DataActions: [],
    NotDataActions: [],
    AssignableScopes: ["/subscriptions/<subscription-id>/resourceGroups/<resource-group>"],
  };
}
