/**
 * Reads what networkChecks.ts compares: each hub (`@azure/arm-iothub`, `iotHubResource.get`) and the DPS
 * (`iotDpsResource.get`) through ARM, each read on its own. Nothing is written.
 */
import { createDpsClient } from "../../components/azure/armClient";
import { createIotHubClient } from "../../components/azure/iotHubClient";
import type { Read } from "./checks";
import type { LiveNetwork, LiveNetworkFacts, LivePrivateEndpoint, NetworkExpectations } from "./networkChecks";

export interface NetworkTarget {
  readonly subscriptionId: string;
  readonly resourceGroupName: string;
  readonly dpsName: string;
  readonly armEndpoint?: string;
}

type Connection = { id?: string; properties?: { privateEndpoint?: { id?: string }; privateLinkServiceConnectionState?: { status?: string; description?: string } } };

/** Each private endpoint connection with its state (Pending, Approved, Rejected, Disconnected), as ARM lists them. */
export function endpoints(connections: Connection[] | undefined): LivePrivateEndpoint[] {
  return (connections ?? []).map((c) => ({
    connectionId: c.id ?? "",
    endpointId: c.properties?.privateEndpoint?.id ?? "",
    status: c.properties?.privateLinkServiceConnectionState?.status ?? "unknown",
    description: c.properties?.privateLinkServiceConnectionState?.description ?? "",
  }));
}

export async function read(what: () => Promise<LiveNetwork>): Promise<Read<LiveNetwork>> {
  try {
    return { ok: true, value: await what() };
  } catch (err) {
    const e = err as { statusCode?: number; code?: string; message?: string };
    const head = [e.statusCode !== undefined ? `HTTP ${e.statusCode}` : undefined, e.code].filter(Boolean).join(" ");
    const message = String(e.message ?? err).split("\n")[0];
    return { ok: false, error: head ? `${head}: ${message}` : message };
  }
}

export async function gatherNetworkFacts(target: NetworkTarget, expected: NetworkExpectations): Promise<LiveNetworkFacts> {
  const options = { subscriptionId: target.subscriptionId, endpoint: target.armEndpoint };
  const hubsClient = createIotHubClient(options);
  const dpsClient = createDpsClient(options);
  const hubs = Promise.all(
    expected.hubs.map(async (hub) => {
      const fact = await read(async () => {
        const live = await hubsClient.iotHubResource.get(target.resourceGroupName, hub.name);
        return { properties: (live.properties ?? {}) as Record<string, any>, privateEndpoints: endpoints(live.properties?.privateEndpointConnections) };
      });
      return [hub.name, fact] as const;
    }),
  );
  const dps = read(async () => {
    const live = await dpsClient.iotDpsResource.get(target.dpsName, target.resourceGroupName);
    return { properties: live.properties as Record<string, any>, privateEndpoints: endpoints(live.properties.privateEndpointConnections) };
  });
  return { hubs: Object.fromEntries(await hubs), dps: await dps };
}
