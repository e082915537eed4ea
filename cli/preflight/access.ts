/**
 * The identity's permissions where the stack needs them (`Microsoft.Authorization/permissions` at the resource
 * group), for what it will run (`--for preview|deploy`): a missing action fails `up` (or a live preview) halfway with
 * AuthorizationFailed; here it is named before anything is made.
 *
 * Scope: everything the stack makes lives in its resource group, so rights on the group suffice once it exists. A
 * group the stack creates needs `Microsoft.Resources/subscriptions/resourceGroups/write` on the subscription while it
 * does not exist yet, and inherits the subscription's roles: those are read from the role assignments there
 * (subscriptionRights.ts). A group someone else made (`resourceGroupExisting: true`) must exist: the stack only reads it.
 */
import type { Permission } from "@azure/arm-authorization";
import { azureError, statusOf, type PreflightClients } from "./clients";
import { HUB_KEY_ACTION, isActionAllowed, requiredActions, type Purpose } from "./permissions";
import { checkSubscriptionRights } from "./subscriptionRights";
import type { Finding, PreflightTarget } from "./types";

const ROLE_HINT: Record<string, string> = {
  "Microsoft.Authorization/roleAssignments/write": "Owner, User Access Administrator or Role Based Access Control Administrator on the resource group; or set dpsDataRoleAssignment: false and have the roles assigned by hand (docs/dps-auth.md)",
  [HUB_KEY_ACTION]: "the preview role of docs/least-privilege.md (Reader cannot list the hubs' keys), or Contributor",
};
const DEFAULT_ROLE_HINT: Record<Purpose, string> = {
  deploy: "the deploy role of docs/least-privilege.md, or Contributor, on the resource group",
  preview: "the preview role of docs/least-privilege.md on the resource group",
};

/** The permissions in the group; undefined when the group does not exist. */
async function permissionsIn(clients: PreflightClients, resourceGroupName: string): Promise<Permission[] | undefined> {
  const all: Permission[] = [];
  try {
    for await (const permission of clients.authorization().permissions.listForResourceGroup(resourceGroupName)) all.push(permission);
  } catch (err) {
    if (statusOf(err) === 404 && /ResourceGroupNotFound/i.test(String((err as { code?: unknown }).code ?? ""))) return undefined;
    throw err;
  }
  return all;
}

/** The permissions of a group could not be read: which right that takes. */
function unreadablePermissions(check: string, err: unknown): Finding {
  return { check, status: "problem", detail: azureError(err), fix: "needs Microsoft.Authorization/permissions/read (any role on the group grants it)" };
}

interface GroupCheck {
  readonly resourceGroupName: string;
  readonly needed: ReturnType<typeof requiredActions>;
  /** Someone else's group: it must exist. */
  readonly existing: boolean;
}

function groupChecks(target: PreflightTarget, purpose: Purpose): GroupCheck[] {
  const checks: GroupCheck[] = [];
  const vaultRg = target.vault?.resourceGroupName ?? target.resourceGroupName;
  const existing = target.resourceGroupExisting === true;
  const mainNeeded = requiredActions(
    { hubs: target.hubs, dpsName: target.dpsName, vaultCreate: !!target.vault?.create && vaultRg === target.resourceGroupName, assignsRoles: target.assignsRoles, caCount: target.caNames.length, resourceGroupExisting: existing, dpsKeys: target.dpsKeys },
    purpose,
  );
  if (target.resourceGroupName && mainNeeded.length) checks.push({ resourceGroupName: target.resourceGroupName, needed: mainNeeded, existing });
  if (target.vault?.create && vaultRg && vaultRg !== target.resourceGroupName) {
    checks.push({ resourceGroupName: vaultRg, needed: requiredActions({ hubs: [], vaultCreate: true, assignsRoles: true, caCount: 0 }, purpose), existing: false });
  }
  return checks;
}

/** A group that does not exist: someone else's (a problem), or one a preview of a new stack has nothing to read in. */
function missingGroup(check: string, group: GroupCheck): Finding {
  if (group.existing) {
    return {
      check,
      status: "problem",
      detail: `resourceGroupExisting: true, but resource group ${group.resourceGroupName} does not exist in this subscription (or this identity may not see it)`,
      fix: "ask its owner to create it and grant you the role of docs/least-privilege.md on it, or check the name and the subscription; or remove resourceGroupExisting and let the stack create it (rights on the subscription)",
    };
  }
  return { check, status: "ok", detail: `resource group ${group.resourceGroupName} does not exist yet: a preview has nothing in it to read` };
}

/**
 * The rights where a shard's DPS lives, when that is not the stack's own resource group: a group of the shard's
 * (which must exist: the stack never creates it), in another subscription or in this one. Shards in the stack's own
 * group are covered by checkAccess.
 */
export async function checkShardAccess(clientsOf: (subscriptionId?: string) => PreflightClients, target: PreflightTarget, mainSubscriptionId: string, purpose: Purpose = "deploy"): Promise<Finding[]> {
  const places = new Map<string, { subscriptionId?: string; resourceGroupName: string; shards: string[] }>();
  for (const shard of target.shards ?? []) {
    const elsewhere = shard.subscriptionId !== undefined && shard.subscriptionId.toLowerCase() !== mainSubscriptionId.toLowerCase();
    const resourceGroupName = shard.resourceGroupName ?? target.resourceGroupName;
    if (!resourceGroupName || (!elsewhere && resourceGroupName.toLowerCase() === target.resourceGroupName?.toLowerCase())) continue;
    const subscriptionId = elsewhere ? shard.subscriptionId : undefined;
    const key = `${subscriptionId?.toLowerCase() ?? ""}/${resourceGroupName.toLowerCase()}`;
    const place = places.get(key) ?? { subscriptionId, resourceGroupName, shards: [] };
    place.shards.push(shard.name);
    places.set(key, place);
  }
  const findings: Finding[] = [];
  const what = purpose === "preview" ? "a live preview" : "up";
  for (const { subscriptionId, resourceGroupName, shards } of places.values()) {
    const inGroup = `resource group ${resourceGroupName}${subscriptionId ? ` (subscription ${subscriptionId})` : ""}`;
    const check = `permissions in ${inGroup}`;
    const needed = requiredActions({ hubs: [], dpsName: shards[0], vaultCreate: false, assignsRoles: false, caCount: 0, resourceGroupExisting: true }, purpose);
    let permissions: Permission[] | undefined;
    try {
      permissions = await permissionsIn(clientsOf(subscriptionId), resourceGroupName);
    } catch (err) {
      findings.push(unreadablePermissions(check, err));
      continue;
    }
    if (!permissions) {
      findings.push({ check, status: "problem", detail: `${inGroup} does not exist, or this identity may not see it: shard ${shards.join(", ")} lives there, and the stack does not create it`, fix: `create it (\`az group create${subscriptionId ? ` --subscription ${subscriptionId}` : ""} --name ${resourceGroupName} --location <region>\`) and grant ${DEFAULT_ROLE_HINT[purpose]}` });
      continue;
    }
    const missing = needed.filter(({ action }) => !isActionAllowed(permissions, action));
    if (!missing.length) {
      findings.push({ check, status: "ok", detail: `every action ${what} needs for shard ${shards.join(", ")} is allowed (${needed.length} checked)` });
      continue;
    }
    for (const { action, why } of missing) {
      findings.push({ check: `permission ${action} in ${inGroup}`, status: "problem", detail: `not allowed in ${inGroup}; ${what} needs it for ${why} of shard ${shards.join(", ")}`, fix: `grant ${DEFAULT_ROLE_HINT[purpose]}` });
    }
  }
  return findings;
}

export async function checkAccess(clients: PreflightClients, target: PreflightTarget, purpose: Purpose = "deploy", objectId?: string): Promise<Finding[]> {
  const findings: Finding[] = [];
  const what = purpose === "preview" ? "a live preview" : "up";
  for (const group of groupChecks(target, purpose)) {
    const { resourceGroupName, needed } = group;
    const check = `permissions in resource group ${resourceGroupName}`;
    let permissions: Permission[] | undefined;
    try {
      permissions = await permissionsIn(clients, resourceGroupName);
    } catch (err) {
      findings.push(unreadablePermissions(check, err));
      continue;
    }
    if (!permissions) {
      // A group up creates: the subscription's roles decide (they are what the new group inherits).
      if (!group.existing && purpose === "deploy") findings.push(...(await checkSubscriptionRights(clients, resourceGroupName, needed, objectId)));
      else findings.push(missingGroup(check, group));
      continue;
    }
    const missing = needed.filter(({ action }) => !isActionAllowed(permissions, action));
    if (!missing.length) {
      findings.push({ check, status: "ok", detail: `every action ${what} needs is allowed (${needed.length} checked${group.existing ? "; the group is read, never written" : ""})` });
      continue;
    }
    for (const { action, why } of missing) {
      findings.push({ check: `permission ${action}`, status: "problem", detail: `not allowed in resource group ${resourceGroupName}; ${what} needs it for ${why}`, fix: `grant ${ROLE_HINT[action] ?? DEFAULT_ROLE_HINT[purpose]}` });
    }
  }
  return findings;
}
