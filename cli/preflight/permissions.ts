/**
 * What the identity may do at a scope, from `Microsoft.Authorization/permissions` (the union of its role
 * assignments' permissions there), evaluated the way ARM does: an action is allowed when some permission entry has it
 * in `actions` and not in that entry's `notActions`; `*` in an action pattern matches any run of characters, and
 * operation names compare without regard to case. (Deny assignments are not in this list: ARM would still refuse
 * what one of them denies.)
 */
import type { Permission } from "@azure/arm-authorization";

function patternMatches(pattern: string, action: string): boolean {
  const regex = new RegExp(`^${pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, "\\$&")).join(".*")}$`, "i");
  return regex.test(action);
}

export function isActionAllowed(permissions: readonly Permission[], action: string): boolean {
  return permissions.some(
    (permission) => (permission.actions ?? []).some((pattern) => patternMatches(pattern, action)) && !(permission.notActions ?? []).some((pattern) => patternMatches(pattern, action)),
  );
}

/** The ARM actions `pulumi up` of the stack needs at the resource group, each with what needs it. */
export function requiredActions(target: { hubs: readonly unknown[]; dpsName?: string; vaultCreate: boolean; assignsRoles: boolean; caCount: number }): Array<{ action: string; why: string }> {
  const needed: Array<{ action: string; why: string }> = [];
  if (target.dpsName) {
    needed.push({ action: "Microsoft.Resources/subscriptions/resourceGroups/write", why: "the resource group" });
  }
  if (target.hubs.length) {
    needed.push({ action: "Microsoft.Devices/IotHubs/write", why: "the IoT hubs" });
    // The DPS links each hub by its connection string, read with listkeys.
    needed.push({ action: "Microsoft.Devices/IotHubs/listkeys/action", why: "linking the hubs to the DPS (their connection strings)" });
  }
  if (target.dpsName) {
    needed.push({ action: "Microsoft.Devices/provisioningServices/write", why: "the DPS" });
    if (target.caCount) {
      needed.push({ action: "Microsoft.Devices/provisioningServices/certificates/write", why: "uploading the CA certificates" });
      needed.push({ action: "Microsoft.Devices/provisioningServices/certificates/generateVerificationCode/action", why: "proof of possession" });
      needed.push({ action: "Microsoft.Devices/provisioningServices/certificates/verify/action", why: "proof of possession" });
    }
  }
  if (target.vaultCreate) needed.push({ action: "Microsoft.KeyVault/vaults/write", why: "the Key Vault" });
  if (target.assignsRoles) needed.push({ action: "Microsoft.Authorization/roleAssignments/write", why: "the role assignments to the identity running up" });
  return needed;
}
