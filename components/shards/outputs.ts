/**
 * The platform outputs of a stack with shards: each DPS with what tenants on it need (name, ID scope, hosts, the
 * platform's own use of it, its subscription and resource group when not the platform's), and the DPS each tenant lives on. A stack with one DPS exports neither (its outputs
 * stay as they were).
 */
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../config/schema";
import type { ShardFacts } from "../resources/dpsShard";
import { shardUsage } from "./capacity";
import { capacityInput } from "./checks";
import type { PlatformFacts } from "../tenant/platformOutputs";

type PlatformShard = NonNullable<PlatformFacts["shards"]>[string];

export function shardOutputs(config: StackConfig, shards: Map<string, ShardFacts>, uploadedCas: number) {
  if (!config.shards?.length) return {};
  const input = capacityInput(config, uploadedCas);
  const usage = shardUsage(input);
  const entries = usage.map(({ shard, platform }) => {
    const facts = shards.get(shard)!;
    // Where a shard lives when not beside the primary: a tenant on it uploads its CAs there (tenant/shardFacts.ts).
    const own = config.shards?.find((candidate) => candidate.name === shard);
    const where = { ...(own?.subscriptionId ? { subscriptionId: own.subscriptionId } : {}), ...(own?.resourceGroupName ? { resourceGroupName: own.resourceGroupName } : {}) };
    return pulumi.all([facts.dpsName, facts.idScope, facts.serviceHostName, facts.globalDeviceEndpoint]).apply(([dpsName, idScope, serviceHostName, globalDeviceEndpoint]) => [
      shard,
      { dpsName, idScope, serviceHostName, globalDeviceEndpoint, used: platform, ...where },
    ] as const);
  });
  const shardFacts: pulumi.Output<Record<string, PlatformShard>> = pulumi.all(entries).apply((pairs) => Object.fromEntries(pairs));
  return { shards: shardFacts, tenantShards: Object.fromEntries(input.placement) as Record<string, string> };
}
