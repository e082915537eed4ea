/**
 * Which DPS (shard) each tenant of a platform lives on. A tenant pinned with `tenants[].shard` lives there; any
 * other goes where rendezvous (highest-random-weight) hashing of its name over the shard names puts it. That
 * default depends only on the tenant's own name and the set of shards, so adding or removing a tenant never moves
 * another. Adding or removing a shard would move some unpinned tenants: the platform compares with where each
 * tenant is (its stack's `dpsName`) and refuses such a move unless a pin says so (moves.ts). Pure.
 */
import { createHash } from "crypto";
import type { StackConfig } from "../config/schema";

/** The shards of a platform, first the primary (`dps`, which also holds the platform's own CAs and groups). */
export function shardNames(config: Pick<StackConfig, "dps"> & { shards?: { name: string }[] }): string[] {
  return [config.dps.name, ...(config.shards ?? []).map((shard) => shard.name)];
}

/** The weight of a tenant on a shard: the first 48 bits of SHA-256 over both names. */
function weight(shard: string, tenant: string): number {
  return createHash("sha256").update(shard).update("\0").update(tenant).digest().readUIntBE(0, 6);
}

/** Rendezvous hashing: the shard with the highest weight for this tenant (ties, unlikely, go to the first name). */
export function defaultShard(tenant: string, shards: readonly string[]): string {
  let best = shards[0];
  let bestWeight = -1;
  for (const shard of shards) {
    const w = weight(shard, tenant);
    if (w > bestWeight || (w === bestWeight && shard < best)) {
      best = shard;
      bestWeight = w;
    }
  }
  return best;
}

export interface PlacedTenant {
  readonly name: string;
  readonly shard?: string;
}

/** Each tenant's shard: its pin, else the default. A pin naming no shard is left to the config check. */
export function placeTenants(tenants: readonly PlacedTenant[], shards: readonly string[]): Map<string, string> {
  return new Map(tenants.map((tenant) => [tenant.name, tenant.shard ?? defaultShard(tenant.name, shards)]));
}
