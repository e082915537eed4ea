/**
 * Subscription-level ARM operations for the ARM test server (armServer.ts, option `extraRoutes`): what preflight
 * reads before a first `up`. Each route takes only its provider's api-version and answers with the shapes and error
 * bodies Azure documents:
 *
 *   provider.get              GET  /subscriptions/{s}/providers/{namespace}                                  2025-03-01
 *   hub.checkName             POST /subscriptions/{s}/providers/Microsoft.Devices/checkNameAvailability       2023-06-30
 *   dps.checkName             POST /subscriptions/{s}/providers/Microsoft.Devices/checkProvisioningServiceNameAvailability  2022-02-05
 *   vault.checkName           POST /subscriptions/{s}/providers/Microsoft.KeyVault/checkNameAvailability      2026-02-01
 *   hub.usages                GET  /subscriptions/{s}/providers/Microsoft.Devices/usages                      2023-06-30
 *   hub.listBySubscription    GET  /subscriptions/{s}/providers/Microsoft.Devices/IotHubs                     2023-06-30
 *   dps.listBySubscription    GET  /subscriptions/{s}/providers/Microsoft.Devices/provisioningServices        2022-02-05
 *   hub.get                   GET  …/resourceGroups/{rg}/providers/Microsoft.Devices/IotHubs/{name}           2023-06-30
 *   vault.get                 GET  …/resourceGroups/{rg}/providers/Microsoft.KeyVault/vaults/{name}           2026-02-01
 *   permissions.listForResourceGroup GET …/resourcegroups/{rg}/providers/Microsoft.Authorization/permissions 2022-04-01
 *   roleAssignments.listForSubscription GET /subscriptions/{s}/providers/Microsoft.Authorization/roleAssignments 2022-04-01
 *                             ($filter `atScope()`, `assignedTo('{objectId}')`, or both joined by ` and `)
 *   roleDefinitions.getById   GET  /subscriptions/{s}/providers/Microsoft.Authorization/roleDefinitions/{id}     2022-04-01
 *
 * Name availability: `{ nameAvailable, reason: "Invalid" | "AlreadyExists" (Key Vault: "AccountNameInvalid"),
 * message }`, a name taken when any subscription holds it (`state.taken`) or this one does. A body without `name`
 * (or, for Key Vault, without `type: "Microsoft.KeyVault/vaults"`) is refused with 400. `state.denied` makes a route
 * answer ARM's 403 AuthorizationFailed; a resource group not in `state.resourceGroups` answers
 * ResourceGroupNotFound; a resource not there ResourceNotFound.
 */
import type { Permission } from "@azure/arm-authorization";

export type SubscriptionRoute =
  | "provider.get"
  | "hub.checkName"
  | "dps.checkName"
  | "vault.checkName"
  | "hub.usages"
  | "hub.listBySubscription"
  | "dps.listBySubscription"
  | "hub.get"
  | "vault.get"
  | "permissions.listForResourceGroup"
  | "roleAssignments.listForSubscription"
  | "roleDefinitions.getById";

export interface SubscriptionArmState {
  /** Registration state by namespace (`Registered`, `NotRegistered`, `Registering`); a namespace not here is unknown. */
  providers: Record<string, string>;
  /** Resource groups that exist, by name. */
  resourceGroups: string[];
  /** Hubs in this subscription. */
  hubs: Array<{ resourceGroupName: string; name: string; sku: string }>;
  /**
   * DPS instances (the DPS resource itself is armServer's `state.dps`): one with a `subscriptionId` is listed in that
   * subscription only, one without in whichever subscription asks (a test with one subscription).
   */
  dpsInstances: Array<{ resourceGroupName: string; name: string; subscriptionId?: string }>;
  /** Vaults in this subscription. */
  vaults: Array<{ resourceGroupName: string; name: string }>;
  /** Names held in other subscriptions (or soft-deleted vaults): not available, not ours. */
  taken: { hub: string[]; dps: string[]; vault: string[] };
  /** FreeHubCount of Microsoft.Devices/usages. */
  freeHubs: { currentValue: number; limit: number };
  /** What `Microsoft.Authorization/permissions` lists in each resource group (by name). */
  permissions: Record<string, Permission[]>;
  /** Role assignments in the subscription: `scope` is `/subscriptions/{s}` (or `/`), or a resource group's id. */
  roleAssignments: Array<{ principalId: string; roleDefinitionName: string; scope: string }>;
  /** Role definitions by name (a GUID). */
  roleDefinitions: Record<string, { roleName: string; permissions: Permission[] }>;
  /** Routes that answer 403 AuthorizationFailed. */
  denied: Set<SubscriptionRoute>;
  /** The object id the 403 message names. */
  callerObjectId: string;
}

export function newSubscriptionArmState(): SubscriptionArmState {
  return {
    providers: { "microsoft.devices": "Registered", "microsoft.keyvault": "Registered" },
    resourceGroups: [],
    hubs: [],
    dpsInstances: [],
    vaults: [],
    taken: { hub: [], dps: [], vault: [] },
    freeHubs: { currentValue: 0, limit: 1 },
    permissions: {},
    roleAssignments: [],
    roleDefinitions: {},
    denied: new Set(),
    callerObjectId: "00000000-0000-0000-0000-0000000000aa",
  };
}

export interface ExtraRouteRequest {
  readonly method: string;
  readonly path: string;
  readonly apiVersion: string | null;
  readonly body: unknown;
  /** The query string (a `$filter`). */
  readonly query?: URLSearchParams;
}

/** `headers`: response headers (the Device Registry routes answer `Azure-AsyncOperation`, `Location`, `Retry-After`). */
export type ExtraRouteAnswer = { route: string; status: number; body: unknown; headers?: Record<string, string> };

const SUB = "/subscriptions/([^/]+)";
const RG = `${SUB}/resourcegroups/([^/]+)`;
const ROUTES: Array<{ route: SubscriptionRoute; method: string; path: RegExp; apiVersion: string }> = [
  { route: "hub.checkName", method: "POST", path: new RegExp(`^${SUB}/providers/microsoft\\.devices/checknameavailability$`, "i"), apiVersion: "2023-06-30" },
  { route: "dps.checkName", method: "POST", path: new RegExp(`^${SUB}/providers/microsoft\\.devices/checkprovisioningservicenameavailability$`, "i"), apiVersion: "2022-02-05" },
  { route: "vault.checkName", method: "POST", path: new RegExp(`^${SUB}/providers/microsoft\\.keyvault/checknameavailability$`, "i"), apiVersion: "2026-02-01" },
  { route: "hub.usages", method: "GET", path: new RegExp(`^${SUB}/providers/microsoft\\.devices/usages$`, "i"), apiVersion: "2023-06-30" },
  { route: "hub.listBySubscription", method: "GET", path: new RegExp(`^${SUB}/providers/microsoft\\.devices/iothubs$`, "i"), apiVersion: "2023-06-30" },
  { route: "dps.listBySubscription", method: "GET", path: new RegExp(`^${SUB}/providers/microsoft\\.devices/provisioningservices$`, "i"), apiVersion: "2022-02-05" },
  { route: "provider.get", method: "GET", path: new RegExp(`^${SUB}/providers/([^/]+)$`, "i"), apiVersion: "2025-03-01" },
  { route: "hub.get", method: "GET", path: new RegExp(`^${RG}/providers/microsoft\\.devices/iothubs/([^/]+)$`, "i"), apiVersion: "2023-06-30" },
  { route: "vault.get", method: "GET", path: new RegExp(`^${RG}/providers/microsoft\\.keyvault/vaults/([^/]+)$`, "i"), apiVersion: "2026-02-01" },
  { route: "permissions.listForResourceGroup", method: "GET", path: new RegExp(`^${RG}/providers/microsoft\\.authorization/permissions$`, "i"), apiVersion: "2022-04-01" },
  { route: "roleAssignments.listForSubscription", method: "GET", path: new RegExp(`^${SUB}/providers/microsoft\\.authorization/roleassignments$`, "i"), apiVersion: "2022-04-01" },
  { route: "roleDefinitions.getById", method: "GET", path: new RegExp(`^${SUB}/providers/microsoft\\.authorization/roledefinitions/([^/]+)$`, "i"), apiVersion: "2022-04-01" },
];

const error = (route: string, status: number, code: string, message: string): ExtraRouteAnswer => ({ route, status, body: { error: { code, message } } });
const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

const NAME_RULES = {
  hub: { pattern: /^(?![0-9]+$)(?!-)[a-zA-Z0-9-]{3,50}(?<!-)$/, rule: "3 to 50 letters, digits and hyphens, not starting or ending with a hyphen" },
  dps: { pattern: /^[a-zA-Z0-9-]{3,64}$/, rule: "3 to 64 letters, digits and hyphens" },
  vault: { pattern: /^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/, rule: "3 to 24 letters, digits and hyphens, starting with a letter, ending with a letter or digit, no two hyphens in a row" },
};

/** The handler for armServer's `extraRoutes`: undefined for a path that is not one of these routes. */
export function subscriptionRoutes(state: SubscriptionArmState): (request: ExtraRouteRequest) => ExtraRouteAnswer | undefined {
  return (request) => {
    const found = ROUTES.map((entry) => ({ entry, m: request.path.match(entry.path) })).find(({ entry, m }) => m && entry.method === request.method);
    if (!found) return undefined;
    const { entry, m } = found;
    const route = entry.route;
    if (request.apiVersion !== entry.apiVersion) {
      return error(route, 400, "InvalidApiVersionParameter", `The api-version '${request.apiVersion ?? ""}' is invalid. The supported versions are '${entry.apiVersion}'.`);
    }
    const subscriptionId = m![1];
    if (state.denied.has(route)) {
      const scope = route === "permissions.listForResourceGroup" || route.endsWith(".get") ? `/subscriptions/${subscriptionId}/resourcegroups/${m![2]}` : `/subscriptions/${subscriptionId}`;
      return error(route, 403, "AuthorizationFailed", `The client '${state.callerObjectId}' with object id '${state.callerObjectId}' does not have authorization to perform action '${actionOf(route)}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`);
    }
    if (route === "roleAssignments.listForSubscription") return roleAssignments(state, route, subscriptionId, request.query?.get("$filter") ?? undefined);
    return answer(state, route, m!, request.body);
  };
}

function actionOf(route: SubscriptionRoute): string {
  return {
    "provider.get": "Microsoft.Resources/subscriptions/providers/read",
    "hub.checkName": "Microsoft.Devices/checkNameAvailability/action",
    "dps.checkName": "Microsoft.Devices/checkProvisioningServiceNameAvailability/action",
    "vault.checkName": "Microsoft.KeyVault/checkNameAvailability/read",
    "hub.usages": "Microsoft.Devices/usages/read",
    "hub.listBySubscription": "Microsoft.Devices/IotHubs/read",
    "dps.listBySubscription": "Microsoft.Devices/provisioningServices/read",
    "hub.get": "Microsoft.Devices/IotHubs/read",
    "vault.get": "Microsoft.KeyVault/vaults/read",
    "permissions.listForResourceGroup": "Microsoft.Authorization/permissions/read",
    "roleAssignments.listForSubscription": "Microsoft.Authorization/roleAssignments/read",
    "roleDefinitions.getById": "Microsoft.Authorization/roleDefinitions/read",
  }[route];
}

/**
 * Role assignments at the subscription, with ARM's `$filter`: `atScope()` keeps those at or above the subscription,
 * `assignedTo('{objectId}')` those of that principal; any other filter is refused as ARM refuses it.
 */
function roleAssignments(state: SubscriptionArmState, route: string, sub: string, filter: string | undefined): ExtraRouteAnswer {
  let atScope = false;
  let principal: string | undefined;
  for (const clause of (filter ?? "").split(/\s+and\s+/i).filter(Boolean)) {
    const assigned = /^assignedTo\('([^']+)'\)$/i.exec(clause.trim());
    if (/^atScope\(\)$/i.test(clause.trim())) atScope = true;
    else if (assigned) principal = assigned[1];
    else return error(route, 400, "InvalidFilterInQueryString", `The filter '${filter}' is not supported. Supported filters are either 'atScope()' or 'principalId eq {value} or assignedTo('{value}')'.`);
  }
  const subscriptionScope = `/subscriptions/${sub}`;
  const value = state.roleAssignments
    .filter((a) => !principal || same(a.principalId, principal))
    .filter((a) => !atScope || a.scope === "/" || same(a.scope, subscriptionScope))
    .map((a, i) => ({
      id: `${a.scope === "/" ? "" : a.scope}/providers/Microsoft.Authorization/roleAssignments/00000000-0000-0000-0000-${String(i).padStart(12, "0")}`,
      name: `00000000-0000-0000-0000-${String(i).padStart(12, "0")}`,
      type: "Microsoft.Authorization/roleAssignments",
      properties: { roleDefinitionId: `${subscriptionScope}/providers/Microsoft.Authorization/roleDefinitions/${a.roleDefinitionName}`, principalId: a.principalId, principalType: "ServicePrincipal", scope: a.scope },
    }));
  return { route, status: 200, body: { value } };
}

function nameAvailability(route: string, kind: "hub" | "dps" | "vault", body: unknown, takenHere: string[], taken: string[]): ExtraRouteAnswer {
  const name = (body as { name?: unknown } | undefined)?.name;
  if (typeof name !== "string" || !name) return error(route, 400, "InvalidRequestContent", "The request content was invalid: 'name' is required.");
  if (kind === "vault" && (body as { type?: unknown }).type !== "Microsoft.KeyVault/vaults") {
    return error(route, 400, "InvalidRequestContent", "The request content was invalid: 'type' must be 'Microsoft.KeyVault/vaults'.");
  }
  const rule = NAME_RULES[kind];
  if (!rule.pattern.test(name)) {
    const reason = kind === "vault" ? "AccountNameInvalid" : "Invalid";
    const label = { hub: "IotHub", dps: "Provisioning service", vault: "Vault" }[kind];
    return { route, status: 200, body: { nameAvailable: false, reason, message: `${label} name '${name}' is invalid: ${rule.rule}.` } };
  }
  if ([...takenHere, ...taken].some((other) => same(other, name))) {
    const message = {
      hub: `IotHub name '${name}' is not available`,
      dps: `Provisioning service name '${name}' is not available`,
      vault: `The vault name '${name}' is already in use. Vault names are globally unique so it is possible that the name is already taken. If you are sure that the vault name was not taken then it is possible that a vault with the same name was recently deleted but not purged after being placed in a recoverable state. If the vault is in a recoverable state then the vault will need to be purged before reusing the name. For more information on soft delete and purging a vault follow this link https://go.microsoft.com/fwlink/?linkid=2147740.`,
    }[kind];
    return { route, status: 200, body: { nameAvailable: false, reason: "AlreadyExists", message } };
  }
  return { route, status: 200, body: { nameAvailable: true, ...(kind === "vault" ? {} : { message: "" }) } };
}

function answer(state: SubscriptionArmState, route: SubscriptionRoute, m: RegExpMatchArray, body: unknown): ExtraRouteAnswer {
  const sub = m[1];
  const rgExists = (rg: string) => state.resourceGroups.some((name) => same(name, rg));
  switch (route) {
    case "provider.get": {
      const namespace = decodeURIComponent(m[2]);
      const registrationState = Object.entries(state.providers).find(([name]) => same(name, namespace))?.[1];
      if (!registrationState) return error(route, 404, "InvalidResourceNamespace", `The resource namespace '${namespace}' is invalid.`);
      return { route, status: 200, body: { id: `/subscriptions/${sub}/providers/${namespace}`, namespace, registrationState, registrationPolicy: "RegistrationRequired", resourceTypes: [] } };
    }
    case "hub.checkName":
      return nameAvailability(route, "hub", body, state.hubs.map((hub) => hub.name), state.taken.hub);
    case "dps.checkName":
      return nameAvailability(route, "dps", body, state.dpsInstances.map((dps) => dps.name), state.taken.dps);
    case "vault.checkName":
      return nameAvailability(route, "vault", body, state.vaults.map((vault) => vault.name), state.taken.vault);
    case "hub.usages":
      return {
        route,
        status: 200,
        body: {
          value: [
            {
              id: `/subscription/${sub}/providers/Microsoft.Devices/usages/freeHubCount`,
              type: `/subscription/${sub}/providers/Microsoft.Devices/usages`,
              unit: "count",
              currentValue: state.freeHubs.currentValue,
              limit: state.freeHubs.limit,
              name: { value: "FreeHubCount", localizedValue: "Free Hub Count" },
            },
          ],
        },
      };
    case "hub.listBySubscription":
      return { route, status: 200, body: { value: state.hubs.map((hub) => hubBody(sub, hub)) } };
    case "dps.listBySubscription":
      return {
        route,
        status: 200,
        body: {
          value: state.dpsInstances.filter((dps) => dps.subscriptionId === undefined || same(dps.subscriptionId, sub)).map((dps) => ({
            id: `/subscriptions/${sub}/resourceGroups/${dps.resourceGroupName}/providers/Microsoft.Devices/provisioningServices/${dps.name}`,
            name: dps.name,
            type: "Microsoft.Devices/provisioningServices",
            location: "eastus",
            sku: { name: "S1", tier: "Standard", capacity: 1 },
            properties: { state: "Active", provisioningState: "Succeeded", allocationPolicy: "Hashed", serviceOperationsHostName: `${dps.name}.azure-devices-provisioning.net` },
          })),
        },
      };
    case "hub.get": {
      const [rg, name] = [decodeURIComponent(m[2]), decodeURIComponent(m[3])];
      if (!rgExists(rg)) return error(route, 404, "ResourceGroupNotFound", `Resource group '${rg}' could not be found.`);
      const hub = state.hubs.find((entry) => same(entry.resourceGroupName, rg) && same(entry.name, name));
      if (!hub) return error(route, 404, "ResourceNotFound", `The Resource 'Microsoft.Devices/IotHubs/${name}' under resource group '${rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`);
      return { route, status: 200, body: hubBody(sub, hub) };
    }
    case "vault.get": {
      const [rg, name] = [decodeURIComponent(m[2]), decodeURIComponent(m[3])];
      if (!rgExists(rg)) return error(route, 404, "ResourceGroupNotFound", `Resource group '${rg}' could not be found.`);
      const vault = state.vaults.find((entry) => same(entry.resourceGroupName, rg) && same(entry.name, name));
      if (!vault) return error(route, 404, "ResourceNotFound", `The Resource 'Microsoft.KeyVault/vaults/${name}' under resource group '${rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`);
      return {
        route,
        status: 200,
        body: {
          id: `/subscriptions/${sub}/resourceGroups/${vault.resourceGroupName}/providers/Microsoft.KeyVault/vaults/${vault.name}`,
          name: vault.name,
          type: "Microsoft.KeyVault/vaults",
          location: "eastus",
          properties: { tenantId: "00000000-0000-0000-0000-000000000003", sku: { family: "A", name: "premium" }, enableRbacAuthorization: true, vaultUri: `https://${vault.name}.vault.azure.net/` },
        },
      };
    }
    case "roleAssignments.listForSubscription":
      return roleAssignments(state, route, sub, undefined);
    case "roleDefinitions.getById": {
      const name = decodeURIComponent(m[2]);
      const definition = Object.entries(state.roleDefinitions).find(([key]) => same(key, name))?.[1];
      if (!definition) return error(route, 404, "RoleDefinitionDoesNotExist", `The specified role definition with ID '${name}' does not exist.`);
      return {
        route,
        status: 200,
        body: {
          id: `/subscriptions/${sub}/providers/Microsoft.Authorization/roleDefinitions/${name}`,
          name,
          type: "Microsoft.Authorization/roleDefinitions",
          properties: { roleName: definition.roleName, type: "CustomRole", permissions: definition.permissions.map((p) => ({ actions: p.actions ?? [], notActions: p.notActions ?? [], dataActions: p.dataActions ?? [], notDataActions: p.notDataActions ?? [] })), assignableScopes: [`/subscriptions/${sub}`] },
        },
      };
    }
    case "permissions.listForResourceGroup": {
      const rg = decodeURIComponent(m[2]);
      if (!rgExists(rg)) return error(route, 404, "ResourceGroupNotFound", `Resource group '${rg}' could not be found.`);
      const permissions = Object.entries(state.permissions).find(([name]) => same(name, rg))?.[1] ?? [];
      return { route, status: 200, body: { value: permissions.map((p) => ({ actions: p.actions ?? [], notActions: p.notActions ?? [], dataActions: p.dataActions ?? [], notDataActions: p.notDataActions ?? [] })) } };
    }
  }
}

function hubBody(sub: string, hub: { resourceGroupName: string; name: string; sku: string }) {
  return {
    id: `/subscriptions/${sub}/resourceGroups/${hub.resourceGroupName}/providers/Microsoft.Devices/IotHubs/${hub.name}`,
    name: hub.name,
    type: "Microsoft.Devices/IotHubs",
    location: "eastus",
    sku: { name: hub.sku, tier: hub.sku === "F1" ? "Free" : "Standard", capacity: 1 },
    properties: { state: "Active", provisioningState: "Succeeded", hostName: `${hub.name}.azure-devices.net` },
  };
}
