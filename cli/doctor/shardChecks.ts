/**
 * The doctor's rows for a platform's shards (components/resources/dpsShard.ts): each shard's DPS read where it lives
 * (its own subscription and resource group, else the primary's), its network settings checked as the primary's are
 * (networkChecks.ts `dpsRows`, from the same functions that declare them), and each hub linked to it.
 */
import type { StackConfig, TenantStackConfig } from "../../components/config";
import { createDpsClient } from "../../components/azure/armClient";
import { dpsNetworkProperties } from "../../components/resources/networkSettings";
import type { CheckResult, Read } from "./checks";
import { dpsRows, type DpsExpectation, type LiveNetwork } from "./networkChecks";
import { endpoints, read } from "./networkGather";

export interface ShardExpectation extends DpsExpectation {
  readonly subscriptionId: string;
  readonly resourceGroupName: string;
}

/** Each shard of a platform stack, where it lives; the primary's subscription and resource group unless it names its own. */
export function shardExpectations(config: StackConfig | TenantStackConfig, primary: { subscriptionId: string; resourceGroupName: string }): ShardExpectation[] {
  if (config.role === "tenant") return [];
  return (config.shards ?? []).map((shard, i) => ({
    name: shard.name,
    configPath: `shards[${i}]`,
    properties: dpsNetworkProperties(shard),
    privateEndpoint: shard.privateEndpoint !== undefined,
    subscriptionId: shard.subscriptionId ?? primary.subscriptionId,
    resourceGroupName: shard.resourceGroupName ?? primary.resourceGroupName,
  }));
}

export interface LiveShard {
  readonly network: Read<LiveNetwork>;
  /** Host names of the hubs linked to the shard's DPS (from the same read). */
  readonly linkedHubs: readonly string[];
}

/** Reads each shard's DPS through ARM in its subscription, each on its own. Nothing is written. */
export async function gatherShards(shards: readonly ShardExpectation[], armEndpoint?: string): Promise<Record<string, LiveShard>> {
  const entries = await Promise.all(
    shards.map(async (shard) => {
      let linkedHubs: string[] = [];
      const network = await read(async () => {
        const live = await createDpsClient({ subscriptionId: shard.subscriptionId, endpoint: armEndpoint }).iotDpsResource.get(shard.name, shard.resourceGroupName);
        linkedHubs = (live.properties.iotHubs ?? []).map((hub) => String(hub.name ?? hub.connectionString.match(/HostName=([^;]+)/i)?.[1] ?? ""));
        return { properties: live.properties as Record<string, any>, privateEndpoints: endpoints(live.properties.privateEndpointConnections) };
      });
      return [shard.name, { network, linkedHubs }] as const;
    }),
  );
  return Object.fromEntries(entries);
}

/** Per shard: its network rows (or why it could not be read, naming where it was looked for), then a row per hub. */
export function shardChecks(shards: readonly ShardExpectation[], live: Record<string, LiveShard>, hubHostNames: readonly string[]): CheckResult[] {
  return shards.flatMap((shard) => {
    const found = live[shard.name];
    if (!found?.network.ok) {
      const where = `subscription ${shard.subscriptionId}, resource group ${shard.resourceGroupName}`;
      const error = found?.network.ok === false ? found.network.error : "not asked";
      return [{ check: `DPS ${shard.name} (ARM)`, status: "fail" as const, detail: `could not be read in ${where}: ${error}`, fix: `Sign in with an identity that can read it (Reader on that resource group); ${shard.configPath}.subscriptionId and .resourceGroupName say where it is.` }];
    }
    const linked = found.linkedHubs.map((host) => host.toLowerCase());
    const hubRows: CheckResult[] = hubHostNames.map((host) =>
      linked.includes(host.toLowerCase())
        ? { check: `DPS ${shard.name}: hub ${host} linked`, status: "pass", detail: `linked to shard ${shard.name}` }
        : { check: `DPS ${shard.name}: hub ${host} linked`, status: "fail", detail: `not linked to shard ${shard.name} (linked: ${found.linkedHubs.join(", ") || "none"})`, fix: "`pulumi up` links every hub to every shard; if it was unlinked by hand, `pulumi refresh` first." },
    );
    return [...dpsRows(shard, found.network), ...hubRows];
  });
}
