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

/** Reading one hub key by name (the DPS's link); Reader lacks it. */
export const HUB_KEY_ACTION = "Microsoft.Devices/IotHubs/IotHubKeys/listkeys/action";

/** What the identity runs: a live `pulumi preview` (reads, and the hubs' keys to link them), or `pulumi up`. */
export type Purpose = "preview" | "deploy";

export interface NeededAction {
  readonly action: string;
  readonly why: string;
}

/** What the stack makes, as far as its permissions go. */
export interface PermissionTarget {
  readonly hubs: readonly unknown[];
  readonly dpsName?: string;
  readonly vaultCreate: boolean;
  readonly assignsRoles: boolean;
  readonly caCount: number;
  /** `resourceGroupExisting: true`: the group is read, never written. */
  readonly resourceGroupExisting?: boolean;
  /** `dpsAuth: sas`: the program reads the DPS's own key (listkeys). */
  readonly dpsKeys?: boolean;
}

/**
 * The ARM actions a live preview of the stack needs at its resource group: what the program reads during a preview
 * (the existing group, the hubs' keys through `listIotHubResourceKeysForKeyName` to link them, the DPS key with
 * `dpsAuth: sas`) and what `pulumi preview --refresh` reads. `Reader` lacks the `listkeys` actions.
 */
export function previewActions(target: PermissionTarget): NeededAction[] {
  const needed: NeededAction[] = [];
  if (target.dpsName || target.resourceGroupExisting) needed.push({ action: "Microsoft.Resources/subscriptions/resourceGroups/read", why: "reading the resource group" });
  if (target.hubs.length) {
    needed.push({ action: "Microsoft.Devices/IotHubs/read", why: "reading the IoT hubs" });
    // The DPS links each hub by its connection string, read in preview too with listIotHubResourceKeysForKeyName:
    // POST …/IotHubs/{hub}/IotHubKeys/{keyName}/listkeys, ARM's action "Get IotHub Key for the given name".
    needed.push({ action: HUB_KEY_ACTION, why: "linking the hubs to the DPS (their connection strings, read in preview too)" });
  }
  if (target.dpsName) {
    needed.push({ action: "Microsoft.Devices/provisioningServices/read", why: "reading the DPS" });
    // listIotDpsResourceKeysForKeyName: POST …/provisioningServices/{dps}/keys/{keyName}/listkeys.
    if (target.dpsKeys) needed.push({ action: "Microsoft.Devices/provisioningServices/keys/listkeys/action", why: "the DPS key groups are written with (dpsAuth: sas)" });
    if (target.caCount) needed.push({ action: "Microsoft.Devices/provisioningServices/certificates/read", why: "reading the CA certificates" });
  }
  if (target.vaultCreate) needed.push({ action: "Microsoft.KeyVault/vaults/read", why: "reading the Key Vault" });
  if (target.assignsRoles) needed.push({ action: "Microsoft.Authorization/roleAssignments/read", why: "reading the role assignments" });
  return needed;
}

/** The ARM actions `pulumi up` of the stack needs at the resource group (and `previewActions`), each with what needs it. */
export function requiredActions(target: PermissionTarget, purpose: Purpose = "deploy"): NeededAction[] {
  const reads = previewActions(target);
  if (purpose === "preview") return reads;
  const needed: NeededAction[] = [];
  if (target.dpsName && !target.resourceGroupExisting) {
    needed.push({ action: "Microsoft.Resources/subscriptions/resourceGroups/write", why: "the resource group" });
  }
  if (target.hubs.length) {
    needed.push({ action: "Microsoft.Devices/IotHubs/write", why: "the IoT hubs" });
    needed.push({ action: HUB_KEY_ACTION, why: "linking the hubs to the DPS (their connection strings)" });
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
  const seen = new Set(needed.map((entry) => entry.action));
  return [...needed, ...reads.filter((entry) => !seen.has(entry.action))];
}
