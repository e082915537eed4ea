/**
 * The identity's rights at the subscription, for a stack that creates its resource group: ARM lists
 * `Microsoft.Authorization/permissions` per resource group only, so they are read from the identity's role
 * assignments (`$filter=assignedTo('{objectId}')`, as `az role assignment list --include-groups` asks: the identity's
 * own and its groups', at, above and below the subscription), kept where they apply to the whole subscription (its
 * own scope, a management group, or the root), and their role definitions. A group created there inherits exactly these, so every action
 * `up` needs in the new group is evaluated against them. (Deny assignments are not read.)
 */
import type { Permission } from "@azure/arm-authorization";
import { azureError, type PreflightClients } from "./clients";
import { isActionAllowed, type NeededAction } from "./permissions";
import type { Finding } from "./types";

const CREATE_GROUP = "Microsoft.Resources/subscriptions/resourceGroups/write";

/** The roles (names) and their permissions at the subscription; throws what ARM answers. */
async function rolesAtSubscription(clients: PreflightClients, objectId: string): Promise<{ names: string[]; permissions: Permission[] }> {
  const client = clients.authorization();
  const definitionIds = new Set<string>();
  const subscription = `/subscriptions/${clients.subscriptionId}`.toLowerCase();
  for await (const assignment of client.roleAssignments.listForSubscription({ filter: `assignedTo('${objectId}')` })) {
    const scope = (assignment.scope ?? "").toLowerCase();
    const wholeSubscription = scope === "/" || scope === subscription || scope.startsWith("/providers/microsoft.management/managementgroups/");
    if (wholeSubscription && assignment.roleDefinitionId) definitionIds.add(assignment.roleDefinitionId);
  }
  const names: string[] = [];
  const permissions: Permission[] = [];
  for (const id of definitionIds) {
    // The SDK puts `/{roleId}` after the endpoint: without its own leading slash, the path has one, not two.
    const definition = await client.roleDefinitions.getById(id.replace(/^\/+/, ""));
    names.push(definition.roleName ?? id);
    permissions.push(...(definition.permissions ?? []));
  }
  return { names, permissions };
}

/** Findings for a group `up` will create: the right to create it, and every action it needs in it, at the subscription. */
export async function checkSubscriptionRights(clients: PreflightClients, resourceGroupName: string, needed: readonly NeededAction[], objectId: string | undefined): Promise<Finding[]> {
  const check = `permissions at the subscription for new resource group ${resourceGroupName}`;
  const fallback = `either have the group created (az group create --name ${resourceGroupName} --location <region>), set dps-x509:resourceGroupExisting: true and grant the roles on the group; or grant the deploy role (docs/least-privilege.md) with ${CREATE_GROUP} at the subscription`;
  if (!objectId) return [{ check, status: "warning", detail: "the token names no object id: the subscription's role assignments cannot be read", fix: fallback }];
  let roles: { names: string[]; permissions: Permission[] };
  try {
    roles = await rolesAtSubscription(clients, objectId);
  } catch (err) {
    return [{ check, status: "warning", detail: `resource group ${resourceGroupName} does not exist yet and the roles at the subscription could not be read: ${azureError(err)}`, fix: fallback }];
  }
  const held = roles.names.length ? `roles there: ${roles.names.join(", ")}` : "no role there";
  const missing = needed.filter(({ action }) => !isActionAllowed(roles.permissions, action));
  if (!missing.length) return [{ check, status: "ok", detail: `up creates ${resourceGroupName}, and every action it needs there is allowed at the subscription (${needed.length} checked; ${held})` }];
  return missing.map(({ action, why }) => ({
    check: `permission ${action}`,
    status: "problem" as const,
    detail: `not allowed at the subscription (${held}); up creates resource group ${resourceGroupName} and needs it for ${why}`,
    fix: fallback,
  }));
}
