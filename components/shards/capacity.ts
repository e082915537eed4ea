/**
 * What each shard (DPS) of a platform would hold, counted in one place: the platform's own CAs and groups on the
 * primary, and on each shard the reservations of the tenants placed there. Azure's limits (components/config/
 * limits.ts): 25 CA certificates and 100 X.509 enrollment groups per DPS, 10 DPS instances per subscription, or
 * the quotas the stack states it has been granted (components/config/quotas.ts).
 *
 * A tenant's CAs cost CA slots only when its groups attest through verified DPS certificates (caReferences): the
 * caller says which tenants do (`costsCaSlot`), so that a tenant attested another way (the intermediate held in
 * its group, no DPS certificate) can be counted without a slot.
 */
import type { Problem } from "../config/problems";
import { effectiveLimits, QUOTA_KEYS, type EffectiveLimits } from "../config/quotas";
import type { TenantReservation } from "../config/schema";

export interface ShardUsage {
  readonly shard: string;
  readonly caCertificates: number;
  readonly enrollmentGroups: number;
  /** The platform's own share (primary only) and each tenant's, for messages. */
  readonly platform: { caCertificates: number; enrollmentGroups: number };
  readonly tenants: { name: string; caCertificates: number; enrollmentGroups: number }[];
}

export interface CapacityInput {
  /** Shard names, the primary first. */
  readonly shards: readonly string[];
  /** The platform's own uploaded CAs and groups (they live on the primary). */
  readonly platform: { caCertificates: number; enrollmentGroups: number };
  readonly tenants: readonly TenantReservation[];
  readonly placement: ReadonlyMap<string, string>;
  /** Whether a tenant's CAs take CA slots on its DPS (default: every tenant's do). */
  readonly costsCaSlot?: (tenant: TenantReservation) => boolean;
  /** The limits to count against: the stack's stated quotas, else Azure's defaults. */
  readonly limits?: EffectiveLimits;
  /** The subscription each shard's DPS lives in (default: all in one), for the DPS-per-subscription limit. */
  readonly subscriptionOf?: (shard: string) => string;
}

/** The usage of every shard, in shard order. */
export function shardUsage(input: CapacityInput): ShardUsage[] {
  const costsCaSlot = input.costsCaSlot ?? (() => true);
  return input.shards.map((shard, index) => {
    const platform = index === 0 ? input.platform : { caCertificates: 0, enrollmentGroups: 0 };
    const tenants = input.tenants
      .filter((tenant) => input.placement.get(tenant.name) === shard)
      .map((tenant) => ({ name: tenant.name, caCertificates: costsCaSlot(tenant) ? tenant.caCertificates : 0, enrollmentGroups: tenant.enrollmentGroups }));
    const sum = (kind: "caCertificates" | "enrollmentGroups") => platform[kind] + tenants.reduce((total, tenant) => total + tenant[kind], 0);
    return { shard, caCertificates: sum("caCertificates"), enrollmentGroups: sum("enrollmentGroups"), platform, tenants };
  });
}

const LABELS = { caCertificates: "CA certificates", enrollmentGroups: "X.509 enrollment groups" } as const;

/** The biggest tenant shares, for a message that says where the numbers come from. */
function largest(usage: ShardUsage, kind: "caCertificates" | "enrollmentGroups"): string {
  const shares = [...usage.tenants].sort((a, b) => b[kind] - a[kind]).filter((tenant) => tenant[kind] > 0);
  const shown = shares.slice(0, 5).map((tenant) => `${tenant.name} ${tenant[kind]}`).join(", ");
  return `${shares.length} tenants${shown ? ` (${shown}${shares.length > 5 ? ", …" : ""})` : ""}`;
}

/** Refusals, with the numbers: per shard over its CA or group limit, and more DPS instances than a subscription holds. */
export function checkShardCapacity(input: CapacityInput): Problem[] {
  const problems: Problem[] = [];
  const limits = input.limits ?? effectiveLimits(undefined);
  const subscriptionOf = input.subscriptionOf ?? (() => "");
  const bySubscription = new Map<string, number>();
  for (const shard of input.shards) bySubscription.set(subscriptionOf(shard), (bySubscription.get(subscriptionOf(shard)) ?? 0) + 1);
  for (const [subscription, count] of bySubscription) {
    if (count <= limits.dpsPerSubscription) continue;
    const where = subscription ? ` in subscription ${subscription}` : ` (dps and ${input.shards.length - 1} shards)`;
    problems.push({
      path: "shards",
      value: count,
      message: `declares ${count} DPS instances${where}; a subscription holds at most ${limits.dpsPerSubscription} (${QUOTA_KEYS.dpsPerSubscription} states a raised quota; or give some shards their own shards[].subscriptionId)`,
    });
  }
  for (const usage of shardUsage(input)) {
    for (const kind of ["caCertificates", "enrollmentGroups"] as const) {
      if (usage[kind] <= limits[kind]) continue;
      problems.push({
        path: "tenants",
        value: usage[kind],
        message: `shard ${usage.shard} would hold ${usage[kind]} ${LABELS[kind]} (platform ${usage.platform[kind]}, ${largest(usage, kind)}); a DPS holds at most ${limits[kind]} (${QUOTA_KEYS[kind]}): pin some of its tenants to another shard (tenants[].shard, or let \`npm run tenant -- onboard\` pin new ones where there is room) or add a shard (shards)`,
      });
    }
  }
  return problems;
}
