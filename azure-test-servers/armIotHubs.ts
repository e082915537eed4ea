/**
 * The ARM server's IoT hubs and the DPS's network settings (an extension of armServer.ts, for `doctor`):
 *   iotHub.get   GET /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Devices/IotHubs/{name}
 *                api-version 2023-06-30 (what @azure/arm-iothub 6.x sends), the body shaped as the REST spec's
 *                example `iothub_get.json` (2023-06-30): SAS flags, minTlsVersion, publicNetworkAccess,
 *                networkRuleSets, privateEndpointConnections, hostName; 404 `ResourceNotFound` for a hub not seeded.
 * and, merged into the DPS resource GET, `publicNetworkAccess`, `ipFilterRules` and `privateEndpointConnections`.
 * Tests seed them "in the portal": `hubs.put(sub, rg, name, settings)`, `state.dps(...).setNetwork(settings)`.
 */

export const IOT_HUB_API_VERSIONS = ["2023-06-30"];
const HUB_PATH = /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.devices\/iothubs\/([^/]+)$/i;

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
}

/** The DPS's network settings as its GET returns them. */
export interface DpsNetworkSettings {
  readonly publicNetworkAccess?: "Enabled" | "Disabled";
  readonly ipFilterRules?: Array<{ filterName: string; action: "Accept" | "Reject"; ipMask: string; target?: string }>;
  readonly privateEndpointIds?: readonly string[];
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

/** An approved private endpoint connection of a hub or DPS, as ARM lists it in `properties.privateEndpointConnections`. */
function privateEndpointConnection(parentId: string, endpointId: string, type: string): Record<string, unknown> {
  const name = `${endpointId.split("/").pop()}.${Math.abs(hash(endpointId)).toString(16)}`;
  return {
    id: `${parentId}/privateEndpointConnections/${name}`,
    name,
    type,
    properties: {
      privateEndpoint: { id: endpointId },
      privateLinkServiceConnectionState: { status: "Approved", description: "Auto-Approved", actionsRequired: "None" },
    },
  };
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
    privateEndpointConnections: (network.privateEndpointIds ?? []).map((id) => privateEndpointConnection(dpsId, id, "Microsoft.Devices/ProvisioningServices/PrivateEndpointConnections")),
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
    const { location, privateEndpointIds, name: _name, ...flags } = hub;
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
          privateEndpointConnections: (privateEndpointIds ?? []).map((endpointId) => privateEndpointConnection(id, endpointId, "Microsoft.Devices/IotHubs/PrivateEndpointConnections")),
          features: "None",
        },
        sku: { name: "S1", tier: "Standard", capacity: 1 },
      },
    ];
  }
}
