/**
 * Where onboarding pins a new tenant: the first shard in the tenant's rendezvous ranking (placement.ts `rankShards`)
 * that has room for its reservation beside everyone already there (pinned, or placed by hashing), counted as the
 * plan counts (capacity.ts, with the stack's quotas): its groups, and its CA slots unless it is attested by signing
 * certificate. Only the new tenant's place is chosen; no other tenant's changes. Pure.
 */
import type { StackConfig } from "../config/schema";
import { shardUsage } from "./capacity";
import { capacityInput } from "./checks";
import { rankShards } from "./placement";

export type RoomyShard = { readonly ok: true; readonly shard: string } | { readonly ok: false; readonly reason: string };

/**
 * The shard for tenant `name` (listed in `config.tenants`), given the platform's own use of the primary
 * (`platformCaCertificates`: its uploaded CAs).
 */
export function roomyShard(config: StackConfig, name: string, platformCaCertificates: number): RoomyShard {
  const tenant = config.tenants.find((candidate) => candidate.name === name);
  if (!tenant) return { ok: false, reason: `the platform does not list tenant ${name} in tenants` };
  const others = { ...config, tenants: config.tenants.filter((candidate) => candidate !== tenant) };
  const input = capacityInput(others, platformCaCertificates);
  const limits = input.limits!;
  const costsCa = capacityInput(config, platformCaCertificates).costsCaSlot!(tenant);
  const need = { enrollmentGroups: tenant.enrollmentGroups, caCertificates: costsCa ? tenant.caCertificates : 0 };
  const usage = new Map(shardUsage(input).map((entry) => [entry.shard, entry]));
  const ranking = rankShards(name, input.shards);
  const fits = (shard: string) => {
    const used = usage.get(shard)!;
    return used.enrollmentGroups + need.enrollmentGroups <= limits.enrollmentGroups && used.caCertificates + need.caCertificates <= limits.caCertificates;
  };
  const shard = ranking.find(fits);
  if (shard) return { ok: true, shard };
  const room = ranking.map((candidate) => `${candidate} ${limits.enrollmentGroups - usage.get(candidate)!.enrollmentGroups} groups, ${limits.caCertificates - usage.get(candidate)!.caCertificates} CAs`).join("; ");
  return {
    ok: false,
    reason: `no shard has room for tenant ${name} (${need.enrollmentGroups} groups, ${need.caCertificates} CA slots); room left: ${room}: add a shard (shards), or state a raised quota (quotas)`,
  };
}
