/**
 * The identity's permissions at the stack's resource group (`Microsoft.Authorization/permissions`): it can create
 * what the stack declares, and assign roles when the stack assigns any. A missing action fails `up` halfway with
 * AuthorizationFailed; here it is named before anything is made.
 */
import type { Permission } from "@azure/arm-authorization";
import { azureError, statusOf, type PreflightClients } from "./clients";
import { isActionAllowed, requiredActions } from "./permissions";
import type { Finding, PreflightTarget } from "./types";

const ROLE_HINT: Record<string, string> = {
  "Microsoft.Authorization/roleAssignments/write": "Owner, User Access Administrator or Role Based Access Control Administrator on the resource group; or set dpsDataRoleAssignment: false and have the roles assigned by hand (docs/dps-auth.md)",
};
const DEFAULT_ROLE_HINT = "Contributor on the resource group (or a custom role with the action)";

/** The permissions in the group; undefined when the group does not exist yet. */
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

export async function checkAccess(clients: PreflightClients, target: PreflightTarget): Promise<Finding[]> {
  const checks: Array<{ resourceGroupName: string; needed: Array<{ action: string; why: string }> }> = [];
  const vaultRg = target.vault?.resourceGroupName ?? target.resourceGroupName;
  const mainNeeded = requiredActions({ hubs: target.hubs, dpsName: target.dpsName, vaultCreate: !!target.vault?.create && vaultRg === target.resourceGroupName, assignsRoles: target.assignsRoles, caCount: target.caNames.length });
  if (target.resourceGroupName && mainNeeded.length) checks.push({ resourceGroupName: target.resourceGroupName, needed: mainNeeded });
  if (target.vault?.create && vaultRg && vaultRg !== target.resourceGroupName) {
    checks.push({ resourceGroupName: vaultRg, needed: requiredActions({ hubs: [], vaultCreate: true, assignsRoles: true, caCount: 0 }) });
  }
  const findings: Finding[] = [];
  for (const { resourceGroupName, needed } of checks) {
    const check = `permissions in resource group ${resourceGroupName}`;
    let permissions: Permission[] | undefined;
    try {
      permissions = await permissionsIn(clients, resourceGroupName);
    } catch (err) {
      findings.push({ check, status: "problem", detail: azureError(err), fix: "needs Microsoft.Authorization/permissions/read (any role on the group grants it)" });
      continue;
    }
    if (!permissions) {
      findings.push({
        check,
        status: "warning",
        detail: "the resource group does not exist yet: up creates it, which needs Microsoft.Resources/subscriptions/resourceGroups/write on the subscription",
        fix: `have it created first (az group create --name ${resourceGroupName} --location <region>) and grant the roles there, then run preflight again to check them`,
      });
      continue;
    }
    const missing = needed.filter(({ action }) => !isActionAllowed(permissions, action));
    if (!missing.length) {
      findings.push({ check, status: "ok", detail: `every action up needs is allowed (${needed.length} checked)` });
      continue;
    }
    for (const { action, why } of missing) {
      findings.push({ check: `permission ${action}`, status: "problem", detail: `not allowed in resource group ${resourceGroupName}; up needs it for ${why}`, fix: `grant ${ROLE_HINT[action] ?? DEFAULT_ROLE_HINT}` });
    }
  }
  return findings;
}
