/**
 * The doctor's hardening rows: each hub's SAS, TLS and network settings and the DPS's network settings, the stack's
 * (from the same functions that declare them, components/resources/networkSettings.ts) against what ARM reports.
 * Pure: expectations from config, live facts from networkGather.ts.
 */
import type { StackConfig, TenantStackConfig } from "../../components/config";
import { dpsNetworkProperties, hubSecurityProperties } from "../../components/resources/networkSettings";
import { importIds } from "../../components/adoption/importIds";
import { privateEndpointName } from "../../components/config/networkSchema";
import type { CheckResult, Read } from "./checks";

type HubProperties = ReturnType<typeof hubSecurityProperties>;
type DpsProperties = ReturnType<typeof dpsNetworkProperties>;

/** A DPS's expected network settings: the primary's (`dps`) or a shard's (`shards[i]`, where it lives: shardChecks.ts). */
export interface DpsExpectation {
  readonly name: string;
  readonly configPath: string;
  readonly properties: DpsProperties;
  readonly privateEndpoint: boolean;
  /** The Azure name of the stack's endpoint (networkSchema.ts privateEndpointName), when it declares one. */
  readonly privateEndpointName?: string;
}

export interface NetworkExpectations {
  /** `privateEndpointName`: the Azure name of the stack's endpoint (networkSchema.ts), when it declares one. */
  readonly hubs: ReadonlyArray<{ name: string; configPath: string; properties: HubProperties; privateEndpoint: boolean; privateEndpointName?: string }>;
  readonly dps: DpsExpectation;
}

/** One private endpoint connection of a hub or the DPS, in the state ARM reports. */
export interface LivePrivateEndpoint {
  /** ARM id of the connection (what `az network private-endpoint-connection approve --id` takes). */
  readonly connectionId: string;
  /** ARM id of the private endpoint. */
  readonly endpointId: string;
  /** `privateLinkServiceConnectionState.status`: Pending, Approved, Rejected or Disconnected. */
  readonly status: string;
  readonly description: string;
}

/** What ARM reports of a hub (`properties` of `IotHubs/{name}`) or of the DPS, and its private endpoint connections. */
export interface LiveNetwork {
  readonly properties: Record<string, any>;
  readonly privateEndpoints: ReadonlyArray<LivePrivateEndpoint>;
}

export interface LiveNetworkFacts {
  readonly hubs: Readonly<Record<string, Read<LiveNetwork>>>;
  readonly dps: Read<LiveNetwork>;
}

/** A platform stack's expectations; a tenant stack declares no hub or DPS (none). */
export function networkExpectations(config: StackConfig | TenantStackConfig): NetworkExpectations | undefined {
  if (config.role === "tenant") return undefined;
  // Adoption sends only what the config states (networkSettings.ts); importIds says which resources are adopted.
  const adopted = importIds({ ...config, subscriptionId: config.subscriptionId ?? "doctor" });
  return {
    hubs: config.hubs.map((hub, i) => ({
      name: hub.name,
      configPath: `hubs[${i}]`,
      properties: hubSecurityProperties(hub, adopted.hubs[hub.name] !== undefined),
      privateEndpoint: hub.privateEndpoint !== undefined,
      privateEndpointName: hub.privateEndpoint && privateEndpointName(hub.name, hub.privateEndpoint),
    })),
    dps: {
      name: config.dps.name,
      configPath: "dps",
      properties: dpsNetworkProperties(config.dps, adopted.dps !== undefined),
      privateEndpoint: config.dps.privateEndpoint !== undefined,
      privateEndpointName: config.dps.privateEndpoint && privateEndpointName(config.dps.name, config.dps.privateEndpoint),
    },
  };
}

const OUTSIDE = "was changed outside Pulumi: `pulumi up` puts the stack's value back (after `pulumi refresh` if it was changed by hand), or change the stack config to keep it.";

function row(check: string, pass: boolean, detail: string, fix: string): CheckResult {
  return pass ? { check, status: "pass", detail } : { check, status: "fail", detail, fix };
}

const show = (value: unknown) => (value === undefined ? "unset" : JSON.stringify(value));
const ipRules = (rules: unknown) =>
  JSON.stringify(((rules as Array<Record<string, unknown>>) ?? []).map((r) => [String(r.filterName).toLowerCase(), r.ipMask, r.action, r.target ?? null]));

/** One row per stated setting: the stack's value against the live one (Azure's default where ARM omits it). */
function settingRows(what: string, configPath: string, expected: Record<string, unknown>, live: Record<string, any>, defaults: Record<string, unknown>): CheckResult[] {
  const rows: CheckResult[] = [];
  for (const [key, want] of Object.entries(expected)) {
    if (key === "networkRuleSets" || key === "ipFilterRules") continue;
    const have = live[key] ?? defaults[key];
    const fix =
      key === "minTlsVersion"
        ? `Azure sets a hub's minimum TLS version only when the hub is created: create a new hub, or say what this one has (${configPath}.minTlsVersion: "1.0").`
        : key === "disableLocalAuth"
          ? `With local auth disabled the DPS cannot reach the hub (it links with the iothubowner key) and devices are not assigned to it: set it back to false. ${OUTSIDE}`
          : `${configPath}.${key} ${OUTSIDE}`;
    rows.push(row(`${what}: ${key}`, have === want, have === want ? `${show(have)}, as configured` : `${show(have)} in Azure, ${show(want)} in the stack`, fix));
  }
  return rows;
}

function hubRows(hub: NetworkExpectations["hubs"][number], read: Read<LiveNetwork> | undefined): CheckResult[] {
  const what = `hub ${hub.name}`;
  if (!read?.ok) return [row(`${what} (ARM)`, false, `could not be read: ${read?.ok === false ? read.error : "not asked"}`, "Sign in with an identity that can read the hub (Reader on its resource group) and check --subscription and --resource-group.")];
  const live = read.value.properties;
  const rows = settingRows(what, hub.configPath, hub.properties, live, { disableDeviceSAS: false, disableModuleSAS: false, disableLocalAuth: false, publicNetworkAccess: "Enabled" });
  // An allow list, or none: a deny-by-default rule set the stack does not declare also changes who may connect.
  const want = hub.properties.networkRuleSets;
  const have = live.networkRuleSets?.defaultAction === "Deny" ? live.networkRuleSets : undefined;
  if (want || have) {
    const same = !!want && !!have && ipRules(want.ipRules) === ipRules(have.ipRules) && want.applyToBuiltInEventHubEndpoint === have.applyToBuiltInEventHubEndpoint;
    const describe = (set: { ipRules?: unknown } | undefined) => (set ? ipRules(set.ipRules) : "none (any address)");
    rows.push(row(`${what}: IP allow list`, same, same ? `${describe(have)}, as configured` : `${describe(have)} in Azure, ${describe(want)} in the stack`, `${hub.configPath}.ipAllowList ${OUTSIDE}`));
  }
  if (hub.privateEndpoint) rows.push(endpointRow(what, read.value, `${hub.configPath}.privateEndpoint`, hub.privateEndpointName));
  return rows;
}

/** What to do about the stack's endpoint connection in each state that is not Approved. */
const ENDPOINT_FIXES: Record<string, string> = {
  Pending:
    "The connection waits for the resource owner's approval, and no traffic flows through it until then: approve it on the resource's Networking page (Private endpoint connections), or `az network private-endpoint-connection approve --id <connection id>`.",
  Rejected:
    "A rejected connection carries no traffic and is not approved later: delete the endpoint and create it again (`pulumi up --replace <the endpoint's URN>`), then have the owner approve the new connection.",
  Disconnected: "The endpoint behind the connection was deleted: `pulumi refresh`, then `pulumi up` creates it again.",
};

/**
 * The stack's private endpoint, by name, in the state ARM reports: only Approved passes (a Pending or Rejected
 * connection carries no traffic). Without a name (older expectations), any approved connection counts.
 */
function endpointRow(what: string, live: LiveNetwork, configPath: string, endpointName?: string): CheckResult {
  const check = `${what}: private endpoint`;
  const ours = live.privateEndpoints.filter((c) => endpointName === undefined || c.endpointId.split("/").pop()?.toLowerCase() === endpointName.toLowerCase());
  const label = endpointName ?? "private endpoint";
  const approved = ours.find((c) => c.status === "Approved");
  if (approved) return row(check, true, `${label}: Approved`, "");
  const other = ours[0];
  if (!other) {
    const others = live.privateEndpoints.length ? ` (connected: ${live.privateEndpoints.map((c) => `${c.endpointId.split("/").pop()} ${c.status}`).join(", ")})` : "";
    return row(check, false, `no connection from ${label}${others}`, `\`pulumi up\` creates it (${configPath}); then it is approved on the resource's Networking page if it waits for approval.`);
  }
  const fix = (ENDPOINT_FIXES[other.status] ?? `Azure reports an unknown state; see the resource's Networking page.`).replace("<connection id>", other.connectionId);
  return row(check, false, `${label}: ${other.status}${other.description ? ` ("${other.description}")` : ""}, not Approved`, fix);
}

export function dpsRows(dps: DpsExpectation, read: Read<LiveNetwork>): CheckResult[] {
  const what = `DPS ${dps.name}`;
  if (!read.ok) return [row(`${what} network (ARM)`, false, `could not be read: ${read.error}`, "Sign in with an identity that can read the DPS (`az login`; Reader on its resource group).")];
  const live = read.value.properties;
  const rows = settingRows(what, dps.configPath, dps.properties, live, { publicNetworkAccess: "Enabled" });
  const want = dps.properties.ipFilterRules;
  const have = (live.ipFilterRules ?? []).length ? live.ipFilterRules : undefined;
  if (want || have) {
    const same = ipRules(want) === ipRules((have ?? []).map((r: Record<string, unknown>) => ({ ...r, target: r.target ?? "all" })));
    rows.push(row(`${what}: IP filter rules`, same, same ? `${ipRules(want)}, as configured (in order)` : `${ipRules(have)} in Azure, ${ipRules(want)} in the stack`, `${dps.configPath}.ipFilterRules ${OUTSIDE}`));
  }
  if (dps.privateEndpoint) rows.push(endpointRow(what, read.value, `${dps.configPath}.privateEndpoint`, dps.privateEndpointName));
  return rows;
}

export function networkChecks(expected: NetworkExpectations, live: LiveNetworkFacts): CheckResult[] {
  return [...expected.hubs.flatMap((hub) => hubRows(hub, live.hubs[hub.name])), ...dpsRows(expected.dps, live.dps)];
}
