/**
 * The config checks of a platform with shards (several DPS instances): shard names valid and distinct, every pin
 * naming a shard, and every shard within Azure's limits with the tenants placed on it (capacity.ts counts). Run
 * with the other config checks, before anything is declared, in the plan as in preview and up.
 */
import type { Problem } from "../config/problems";
import type { StackConfig } from "../config/schema";
import { LIMITS } from "../config/limits";
import { reservedCaSlots } from "../config/caSlots";
import { checkShardCapacity, shardUsage, type CapacityInput } from "./capacity";
import { placeTenants, shardNames } from "./placement";

const DPS_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{1,62}[A-Za-z0-9]$/;

/** The capacity input of a platform config: its shards, its own use, its tenants where they are placed. */
export function capacityInput(config: StackConfig, platformCaCertificates: number): CapacityInput {
  const shards = shardNames(config);
  return {
    shards,
    platform: { caCertificates: platformCaCertificates, enrollmentGroups: config.enrollmentGroups.length },
    tenants: config.tenants,
    placement: placeTenants(config.tenants, shards),
    // A tenant attested by signing certificate (its own or the platform's default) takes no CA slot.
    costsCaSlot: (tenant) => reservedCaSlots(tenant, config.tenantDefaults?.attestation) > 0,
  };
}

export function checkShardConfig(config: StackConfig): Problem[] {
  const problems: Problem[] = [];
  const shards = shardNames(config);
  (config.shards ?? []).forEach((shard, i) => {
    if (!DPS_NAME.test(shard.name)) problems.push({ path: `shards[${i}].name`, value: shard.name, message: "allowed: 3–64 letters, digits and hyphens, starting and ending with a letter or digit" });
    const first = shards.findIndex((name) => name.toLowerCase() === shard.name.toLowerCase());
    if (shard.adopt) problems.push({ path: `shards[${i}].adopt`, value: true, message: "a shard cannot be adopted yet: remove adopt, or import the DPS by hand (`pulumi import`) under the shard's resource name" });
    if (first !== i + 1) problems.push({ path: `shards[${i}].name`, value: shard.name, message: `is already the name of ${first === 0 ? "dps" : `shards[${first - 1}]`}: each DPS needs its own name` });
  });
  config.tenants.forEach((tenant, i) => {
    if (tenant.shard !== undefined && !shards.includes(tenant.shard)) {
      problems.push({ path: `tenants[${i}].shard`, value: tenant.shard, message: `names no DPS of this stack; allowed: ${shards.join(", ")} (dps.name or a shards[].name)` });
    }
  });
  // With tenants, checkPlatformCapacity counts everything; without, only the number of DPS instances can be over.
  if (!config.tenants.length) problems.push(...checkShardCapacity({ shards, platform: { caCertificates: 0, enrollmentGroups: 0 }, tenants: [], placement: new Map() }));
  return problems;
}

/** Capacity refusals: with one DPS, as before shards existed; with several, per shard. */
export function checkPlatformCapacity(config: StackConfig, uploadedCas: number): Problem[] {
  const input = capacityInput(config, uploadedCas);
  if (input.shards.length > 1) return checkShardCapacity(input);
  // One DPS: the same counting, told as a reservation besides the platform's own use.
  const [usage] = shardUsage(input);
  const problems: Problem[] = [];
  const labels = { caCertificates: "CA certificates", enrollmentGroups: "enrollment groups" } as const;
  for (const kind of ["caCertificates", "enrollmentGroups"] as const) {
    const reserved = usage[kind] - usage.platform[kind];
    if (usage[kind] > LIMITS[kind]) {
      problems.push({ path: "tenants", value: reserved, message: `reserve ${reserved} ${labels[kind]} for tenants besides the platform's ${usage.platform[kind]}; a DPS holds at most ${LIMITS[kind]}` });
    }
  }
  return problems;
}
