/**
 * What each shard (DPS) of a platform would hold, counted in one place: the platform's own CAs and groups on the
 * primary, and on each shard the reservations of the tenants placed there. Azure's limits (components/config/
 * limits.ts): 25 CA certificates and 100 X.509 enrollment groups per DPS, 10 DPS instances per subscription.
 *
 * A tenant's CAs cost CA slots only when its groups attest through verified DPS certificates (caReferences): the
 * caller says which tenants do (`costsCaSlot`), so that a tenant attested another way (the intermediate held in
 * its group, no DPS certificate) can be counted without a slot.
 */
import { LIMITS } from "../config/limits";
import type { Problem } from "../config/problems";
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

/** Refusals, with the numbers: per shard over 25 CAs or 100 groups, and more DPS instances than a subscription holds. */
export function checkShardCapacity(input: CapacityInput): Problem[] {
  const problems: Problem[] = [];
  if (input.shards.length > LIMITS.dpsPerSubscription) {
    problems.push({
      path: "shards",
      value: input.shards.length,
      message: `declares ${input.shards.length} DPS instances (dps and ${input.shards.length - 1} shards); a subscription holds at most ${LIMITS.dpsPerSubscription} (a support ticket can raise it)`,
    });
  }
  for (const usage of shardUsage(input)) {
    for (const kind of ["caCertificates", "enrollmentGroups"] as const) {
      if (usage[kind] <= LIMITS[kind]) continue;
      problems.push({
        path: "tenants",
        value: usage[kind],
        message: `shard ${usage.shard} would hold ${usage[kind]} ${LABELS[kind]} (platform ${usage.platform[kind]}, ${largest(usage, kind)}); a DPS holds at most ${LIMITS[kind]}: pin some of its tenants to another shard (tenants[].shard) or add a shard (shards)`,
      });
    }
  }
  return problems;
}
