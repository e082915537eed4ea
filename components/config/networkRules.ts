/**
 * Checks of the hub and DPS network keys (networkSchema.ts), as Azure checks them: what the schema cannot say alone.
 * Each problem names the key, the value and what is allowed.
 *
 * The functions take any network-settings object plus its config key path (`dps`, `shards[1]`, `hubs[0]`), so the
 * primary DPS, each shard and each hub are checked by the same code.
 */
import { isAzureRegion } from "./azureRegions";
import { ipRuleProblems } from "./ipRules";
import type { Problem } from "./problems";
import type { StackConfig } from "./schema";
import { privateEndpointName, type DpsNetworkSettings, type HubNetworkSettings, type PrivateEndpointConfig } from "./networkSchema";

/** ARM id of a subnet, its subscription a GUID as in every ARM id. */
const GUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const SUBNET_ID = new RegExp(`^/subscriptions/${GUID}/resourceGroups/[^/]+/providers/Microsoft\\.Network/virtualNetworks/[^/]+/subnets/[^/]+$`, "i");
const SUBNET_ID_ANY_SUBSCRIPTION = /^\/subscriptions\/([^/]+)\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/virtualNetworks\/[^/]+\/subnets\/[^/]+$/i;
/** Microsoft.Network/privateEndpoints names: 2–64 letters, digits, `_`, `.`, `-`; first a letter or digit, last a letter, digit or `_`. */
const PRIVATE_ENDPOINT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}[A-Za-z0-9_]$/;
const PRIVATE_ENDPOINT_NAME_RULE = "2–64 letters, digits, underscores, periods and hyphens, starting with a letter or digit and ending with a letter, digit or underscore (Azure's rule for Microsoft.Network/privateEndpoints)";

/** One private endpoint the stack declares, with where it is configured and where it lives. */
export interface PrivateEndpointUse {
  /** Config key path of the endpoint, e.g. `hubs[0].privateEndpoint`. */
  readonly path: string;
  /** The hub's or the DPS's name (the default endpoint name is `<it>-pe`). */
  readonly targetName: string;
  readonly endpoint: PrivateEndpointConfig;
  /** The resource group the endpoint is created in. */
  readonly resourceGroupName: string;
}

/** Every check of the stack's network settings: each hub, the DPS, each shard, and the endpoints' names together. */
export function checkNetworkSettings(config: StackConfig): Problem[] {
  const problems: Problem[] = [];
  const endpoints: PrivateEndpointUse[] = [];
  const endpointOf = (at: string, targetName: string, endpoint: PrivateEndpointConfig | undefined, resourceGroupName = config.resourceGroupName) => {
    if (endpoint) endpoints.push({ path: `${at}.privateEndpoint`, targetName, endpoint, resourceGroupName });
  };
  config.hubs.forEach((hub, i) => {
    problems.push(...hubNetworkProblems(hub, `hubs[${i}]`));
    endpointOf(`hubs[${i}]`, hub.name, hub.privateEndpoint);
  });
  problems.push(...dpsNetworkProblems(config.dps, "dps"));
  endpointOf("dps", config.dps.name, config.dps.privateEndpoint);
  (config.shards ?? []).forEach((shard, i) => {
    problems.push(...dpsNetworkProblems(shard, `shards[${i}]`));
    // A shard in a resource group of its own (issue #26.4) puts its endpoint there.
    endpointOf(`shards[${i}]`, shard.name, shard.privateEndpoint, shard.resourceGroupName);
  });
  problems.push(...privateEndpointNameProblems(endpoints));
  return problems;
}

/** A hub's network keys, at `at` (e.g. `hubs[0]`). */
export function hubNetworkProblems(hub: HubNetworkSettings & { name: string }, at: string): Problem[] {
  const problems: Problem[] = [];
  if (hub.disableLocalAuth) {
    problems.push({
      path: `${at}.disableLocalAuth`,
      value: true,
      message:
        "would break the DPS's link to this hub: the DPS reaches its hubs with the hub's iothubowner connection string (a SAS key), and the DPS API in azure-native (2023-03-01-preview) has no managed-identity links; allowed: false (device and module SAS are off already: disableDeviceSAS, disableModuleSAS; see docs/network-and-auth.md#local-auth-and-the-dps-link)",
    });
  }
  const rules = (hub.ipAllowList ?? []).map((rule) => ({ ...rule, action: "Accept" as const, target: "all" as const }));
  problems.push(...ipRuleProblems({ path: `${at}.ipAllowList`, kind: "hub", rules, publicNetworkAccess: hub.publicNetworkAccess }));
  problems.push(...privateEndpointProblems(`${at}.privateEndpoint`, hub.name, hub.privateEndpoint));
  return problems;
}

/** A DPS's network keys, at `at` (`dps`, or `shards[i]`). */
export function dpsNetworkProblems(dps: DpsNetworkSettings & { name: string }, at: string): Problem[] {
  return [
    ...ipRuleProblems({ path: `${at}.ipFilterRules`, kind: "dps", rules: dps.ipFilterRules ?? [], publicNetworkAccess: dps.publicNetworkAccess }),
    ...privateEndpointProblems(`${at}.privateEndpoint`, dps.name, dps.privateEndpoint),
  ];
}

/** One endpoint on its own: its subnet id, its region, its name. */
export function privateEndpointProblems(path: string, targetName: string, endpoint: PrivateEndpointConfig | undefined): Problem[] {
  if (!endpoint) return [];
  const problems: Problem[] = [];
  if (!SUBNET_ID.test(endpoint.subnetId)) {
    const subscription = SUBNET_ID_ANY_SUBSCRIPTION.exec(endpoint.subnetId)?.[1];
    problems.push({
      path: `${path}.subnetId`,
      value: endpoint.subnetId,
      message:
        subscription !== undefined
          ? `names subscription "${subscription}", which is not a subscription id; allowed: the subscription's GUID, e.g. 00000000-0000-0000-0000-000000000000 (\`az network vnet subnet show --query id\` prints the whole id)`
          : "allowed: a subnet's ARM id, /subscriptions/<subscription GUID>/resourceGroups/<rg>/providers/Microsoft.Network/virtualNetworks/<vnet>/subnets/<subnet> (`az network vnet subnet show --query id`)",
    });
  }
  if (endpoint.location !== undefined && !isAzureRegion(endpoint.location)) {
    problems.push({ path: `${path}.location`, value: endpoint.location, message: "is not an Azure region; allowed: the region of the subnet's virtual network, e.g. westeurope" });
  }
  const name = privateEndpointName(targetName, endpoint);
  if (!PRIVATE_ENDPOINT_NAME.test(name)) {
    const derived = endpoint.name === undefined ? ` (the default, \`${targetName}-pe\`, ${name.length} characters: set ${path}.name)` : "";
    problems.push({ path: `${path}.name`, value: name, message: `is not a valid private endpoint name${derived}; allowed: ${PRIVATE_ENDPOINT_NAME_RULE}` });
  }
  return problems;
}

/** Endpoint names are unique in their resource group (Azure compares them case-insensitively). */
export function privateEndpointNameProblems(uses: ReadonlyArray<PrivateEndpointUse>): Problem[] {
  const problems: Problem[] = [];
  const seen = new Map<string, string>();
  for (const use of uses) {
    const name = privateEndpointName(use.targetName, use.endpoint);
    const key = `${use.resourceGroupName}/${name}`.toLowerCase();
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, use.path);
      continue;
    }
    problems.push({
      path: `${use.path}.name`,
      value: name,
      message: `is already the name of ${first}'s endpoint in resource group ${use.resourceGroupName}, and a private endpoint's name is unique in its resource group; allowed: another name (set ${use.path}.name)`,
    });
  }
  return problems;
}
