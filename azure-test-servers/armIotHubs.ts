/**
 * The ARM server's IoT hubs and the DPS's network settings (an extension of armServer.ts, for `doctor`):
 *   iotHub.get   GET /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Devices/IotHubs/{name}
 *                api-version 2023-06-30 (what @azure/arm-iothub 6.x sends), the body shaped as the REST spec's
 *                example `iothub_get.json` (2023-06-30): SAS flags, minTlsVersion, publicNetworkAccess,
 *                networkRuleSets, privateEndpointConnections, hostName; 404 `ResourceNotFound` for a hub not seeded.
 * and, merged into the DPS resource GET, `publicNetworkAccess`, `ipFilterRules` and `privateEndpointConnections`.
 * Tests seed them "in the portal": `hubs.put(sub, rg, name, settings)`, `state.dps(...).setNetwork(settings)`.
 * A private endpoint connection can be in any state Azure reports (`privateLinkServiceConnectionState.status`:
 * Pending, Approved, Rejected, Disconnected; `description` always set, `actionsRequired` as ARM gives it).
 */

export const IOT_HUB_API_VERSIONS = ["2023-06-30"];
const HUB_PATH = /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.devices\/iothubs\/([^/]+)$/i;

/** The states of a private endpoint connection (Microsoft.Devices PrivateLinkServiceConnectionStatus). */
export const PRIVATE_ENDPOINT_CONNECTION_STATES = ["Pending", "Approved", "Rejected", "Disconnected"] as const;
export type PrivateEndpointConnectionStatus = (typeof PRIVATE_ENDPOINT_CONNECTION_STATES)[number];

/** A private endpoint connected to a hub or the DPS, in the state the resource owner left it. */
export interface PrivateEndpointSeed {
  /** ARM id of the private endpoint (Microsoft.Network/privateEndpoints/…). */
  readonly id: string;
  readonly status: PrivateEndpointConnectionStatus;
  /** The state's description; default what Azure writes for it (e.g. "Auto-Approved"). */
  readonly description?: string;
}

/** What Azure writes in `description` when nobody gave a message. */
const DEFAULT_DESCRIPTIONS: Record<PrivateEndpointConnectionStatus, string> = {
  Pending: "Please approve my connection.",
  Approved: "Auto-Approved",
  Rejected: "Rejected by the resource owner",
  Disconnected: "The private endpoint was deleted",
};

/** What a hub holds besides its name: every field optional, absent as Azure leaves it when not set. */
export interface IotHubSettings {
  readonly location?: string;
  readonly disableDeviceSAS?: boolean;
  readonly disableModuleSAS?: boolean;
  readonly disableLocalAuth?: boolean;
  readonly minTlsVersion?: string;
  readonly publicNetworkAccess?: "Enabled" | "Disabled";
  readonly networkRuleSets?: { defaultAction?: string; applyToBuiltInEventHubEndpoint: boolean; ipRules: Array<{ filterName: string; action?: string; ipMask: string }> };
  /** ARM ids of the private endpoints connected (approved) to the hub. */
  readonly privateEndpointIds?: readonly string[];
  /** Private endpoint connections in any state (listed after privateEndpointIds). */
  readonly privateEndpoints?: readonly PrivateEndpointSeed[];
}

/** The DPS's network settings as its GET returns them. */
export interface DpsNetworkSettings {
  readonly publicNetworkAccess?: "Enabled" | "Disabled";
  readonly ipFilterRules?: Array<{ filterName: string; action: "Accept" | "Reject"; ipMask: string; target?: string }>;
  readonly privateEndpointIds?: readonly string[];
  readonly privateEndpoints?: readonly PrivateEndpointSeed[];
}

export class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A private endpoint connection of a hub or DPS, as ARM lists it in `properties.privateEndpointConnections`. */
function privateEndpointConnection(parentId: string, seed: PrivateEndpointSeed, type: string): Record<string, unknown> {
  const name = `${seed.id.split("/").pop()}.${Math.abs(hash(seed.id)).toString(16)}`;
  return {
    id: `${parentId}/privateEndpointConnections/${name}`,
    name,
    type,
    properties: {
      privateEndpoint: { id: seed.id },
      privateLinkServiceConnectionState: { status: seed.status, description: seed.description ?? DEFAULT_DESCRIPTIONS[seed.status], actionsRequired: "None" },
    },
  };
}

/** The connections a resource lists: the approved ids, then the seeds in their own states. */
function connections(parentId: string, type: string, settings: { privateEndpointIds?: readonly string[]; privateEndpoints?: readonly PrivateEndpointSeed[] }): Record<string, unknown>[] {
  const seeds = [...(settings.privateEndpointIds ?? []).map((id) => ({ id, status: "Approved" as const })), ...(settings.privateEndpoints ?? [])];
  return seeds.map((seed) => privateEndpointConnection(parentId, seed, type));
}

function hash(text: string): number {
  let h = 0;
  for (const char of text) h = (h * 31 + char.charCodeAt(0)) | 0;
  return h;
}

/** The DPS GET's network fields. */
export function dpsNetworkBody(dpsId: string, network: DpsNetworkSettings | undefined): Record<string, unknown> {
  if (!network) return {};
  return {
    ...(network.publicNetworkAccess ? { publicNetworkAccess: network.publicNetworkAccess } : {}),
    ipFilterRules: network.ipFilterRules ?? [],
    privateEndpointConnections: connections(dpsId, "Microsoft.Devices/ProvisioningServices/PrivateEndpointConnections", network),
  };
}

export class ArmIotHubs {
  private readonly hubs = new Map<string, IotHubSettings & { name: string }>();

  private key(sub: string, rg: string, name: string): string {
    return `${sub}/${rg}/${name}`.toLowerCase();
  }

  /** Creates or replaces a hub, as if made (or changed) in the portal. */
  put(sub: string, rg: string, name: string, settings: IotHubSettings = {}): void {
    this.hubs.set(this.key(sub, rg, name), { name, ...settings });
  }

  remove(sub: string, rg: string, name: string): void {
    this.hubs.delete(this.key(sub, rg, name));
  }

  matches(path: string): boolean {
    return HUB_PATH.test(path);
  }

  /** `GET …/IotHubs/{name}`; throws HttpStatusError as ARM answers. */
  handle(method: string, path: string, apiVersion: string | null): [number, Record<string, unknown>] {
    const [, sub, rg, name] = HUB_PATH.exec(path)!;
    if (!apiVersion) throw new HttpStatusError(400, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.");
    if (!IOT_HUB_API_VERSIONS.includes(apiVersion)) {
      throw new HttpStatusError(400, "InvalidApiVersionParameter", `The api-version '${apiVersion}' is invalid. The supported versions are '${IOT_HUB_API_VERSIONS.join(",")}'.`);
    }
    if (method !== "GET") throw new HttpStatusError(405, "MethodNotAllowed", `The method ${method} is not allowed here.`);
    const hub = this.hubs.get(this.key(sub, rg, name));
    if (!hub) throw new HttpStatusError(404, "ResourceNotFound", `The Resource 'Microsoft.Devices/IotHubs/${name}' under resource group '${rg}' was not found.`);
    const id = `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Devices/IotHubs/${hub.name}`;
    const { location, privateEndpointIds, privateEndpoints, name: _name, ...flags } = hub;
    return [
      200,
      {
        id,
        name: hub.name,
        type: "Microsoft.Devices/IotHubs",
        location: location ?? "eastus",
        tags: {},
        etag: "AAAAAAFD6M4=",
        properties: {
          state: "Active",
          provisioningState: "Succeeded",
          ipFilterRules: [],
          hostName: `${hub.name}.azure-devices.net`,
          ...flags,
          privateEndpointConnections: connections(id, "Microsoft.Devices/IotHubs/PrivateEndpointConnections", { privateEndpointIds, privateEndpoints }),
          features: "None",
        },
        sku: { name: "S1", tier: "Standard", capacity: 1 },
      },
    ];
  }
}
