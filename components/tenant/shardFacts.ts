/**
 * A tenant of a platform with shards works on its own shard: the platform's facts as the tenant sees them, with its
 * shard's DPS name, ID scope and hosts, and capacity counted on that shard only (the platform's own use there, and
 * the reservations of the tenants placed there; every listed tenant stays listed, for the isolation rules). A
 * platform without shards: the facts as they are. Pure.
 */
import type { PlatformFacts } from "./platformOutputs";

export function factsOnTenantShard(facts: PlatformFacts, tenant: string): PlatformFacts {
  const shardName = facts.tenantShards?.[tenant];
  const shard = shardName === undefined ? undefined : facts.shards?.[shardName];
  if (!shard) return facts;
  const onShard = (name: string) => facts.tenantShards?.[name] === shardName;
  const tenants = Object.fromEntries(
    Object.entries(facts.capacity.tenants).map(([name, reserved]) => [name, onShard(name) ? reserved : { caCertificates: 0, enrollmentGroups: 0 }]),
  );
  return {
    ...facts,
    // A shard in another subscription or resource group: the tenant's CA uploads go there.
    subscriptionId: shard.subscriptionId ?? facts.subscriptionId,
    resourceGroupName: shard.resourceGroupName ?? facts.resourceGroupName,
    dpsName: shard.dpsName,
    idScope: shard.idScope,
    serviceHostName: shard.serviceHostName,
    globalDeviceEndpoint: shard.globalDeviceEndpoint,
    capacity: { ...facts.capacity, used: shard.used, tenants },
  };
}
