/**
 * Which DPS (shard) each tenant of a platform lives on. A tenant pinned with `tenants[].shard` lives there; any
 * other goes where rendezvous (highest-random-weight) hashing of its name over the shard names puts it. That
 * default depends only on the tenant's own name and the set of shards, so adding or removing a tenant never moves
 * another. Adding or removing a shard would move some unpinned tenants: the platform compares with where each
 * tenant is (its stack's `dpsName`) and refuses such a move unless a pin says so (moves.ts). Pure.
 *
 * Hashing alone fills shards unevenly (1,000 names land 84–116 on each of 10), so a shard can be full while others
 * have room. The plan does not balance by itself: a placement that looked at the other tenants would move one when
 * another is added or removed. Pins are the state that makes balancing safe: `npm run tenant -- onboard` pins each
 * new tenant to the first shard of its ranking with room (roomyShard.ts, cli/tenant/placementPin.ts), and a pin
 * never changes when others come and go.
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

/**
 * Every shard in this tenant's order of preference: highest weight first, so the first is `defaultShard`. Onboarding
 * pins a new tenant to the first of these with room (roomyShard.ts): where hashing alone would put it unless full.
 */
export function rankShards(tenant: string, shards: readonly string[]): string[] {
  const weighed = shards.map((shard) => ({ shard, w: weight(shard, tenant) }));
  return weighed.sort((a, b) => b.w - a.w || (a.shard < b.shard ? -1 : a.shard > b.shard ? 1 : 0)).map(({ shard }) => shard);
}

export interface PlacedTenant {
  readonly name: string;
  readonly shard?: string;
}

/** Each tenant's shard: its pin, else the default. A pin naming no shard is left to the config check. */
export function placeTenants(tenants: readonly PlacedTenant[], shards: readonly string[]): Map<string, string> {
  return new Map(tenants.map((tenant) => [tenant.name, tenant.shard ?? defaultShard(tenant.name, shards)]));
}
