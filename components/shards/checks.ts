/**
 * The config checks of a platform with shards (several DPS instances): shard names valid and distinct, every pin
 * naming a shard (its network settings are checked with the primary's: networkRules.ts), where a shard lives
 * (subscription, resource group), the stated quotas, and every shard within its limits with the tenants placed on
 * it (capacity.ts counts). Run with the other config checks, before anything is declared, in the plan as in preview
 * and up.
 */
import type { Problem } from "../config/problems";
import type { StackConfig } from "../config/schema";
import { reservedCaSlots } from "../config/caSlots";
import { checkQuotas, effectiveLimits } from "../config/quotas";
import { checkShardCapacity, shardUsage, type CapacityInput } from "./capacity";
import { placeTenants, shardNames } from "./placement";
import { shardSubscriptionKey } from "./subscriptions";

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
    limits: effectiveLimits(config.quotas),
    subscriptionOf: (shard) => shardSubscriptionKey(config, shard),
  };
}

/** Where a shard lives: a resource group of its own in another subscription, its private endpoint's subnet there. */
function shardPlacementProblems(config: StackConfig, shard: NonNullable<StackConfig["shards"]>[number], at: string): Problem[] {
  const problems: Problem[] = [];
  const elsewhere = shard.subscriptionId !== undefined && shard.subscriptionId.toLowerCase() !== config.subscriptionId?.toLowerCase();
  if (elsewhere && shard.resourceGroupName === undefined) {
    problems.push({
      path: `${at}.resourceGroupName`,
      value: undefined,
      message: `is needed with ${at}.subscriptionId ${shard.subscriptionId}: the resource group (already there: \`az group create --subscription ${shard.subscriptionId}\`) that holds this shard's DPS`,
    });
  }
  const subnetSubscription = /^\/subscriptions\/([^/]+)\//i.exec(shard.privateEndpoint?.subnetId ?? "")?.[1];
  const own = shard.subscriptionId ?? config.subscriptionId;
  if (subnetSubscription && own && subnetSubscription.toLowerCase() !== own.toLowerCase()) {
    problems.push({
      path: `${at}.privateEndpoint.subnetId`,
      value: shard.privateEndpoint!.subnetId,
      message: `is in subscription ${subnetSubscription}, but the shard's DPS and its private endpoint are in ${own}: a private endpoint goes in its virtual network's subscription; allowed: a subnet in ${own}`,
    });
  }
  return problems;
}

export function checkShardConfig(config: StackConfig): Problem[] {
  const problems: Problem[] = [...checkQuotas(config.quotas)];
  const shards = shardNames(config);
  (config.shards ?? []).forEach((shard, i) => {
    const at = `shards[${i}]`;
    if (!DPS_NAME.test(shard.name)) problems.push({ path: `${at}.name`, value: shard.name, message: "allowed: 3–64 letters, digits and hyphens, starting and ending with a letter or digit" });
    const first = shards.findIndex((name) => name.toLowerCase() === shard.name.toLowerCase());
    if (shard.adopt) problems.push({ path: `${at}.adopt`, value: true, message: "a shard cannot be adopted yet: remove adopt, or import the DPS by hand (`pulumi import`) under the shard's resource name" });
    if (first !== i + 1) problems.push({ path: `${at}.name`, value: shard.name, message: `is already the name of ${first === 0 ? "dps" : `shards[${first - 1}]`}: each DPS needs its own name` });
    problems.push(...shardPlacementProblems(config, shard, at));
  });
  config.tenants.forEach((tenant, i) => {
    if (tenant.shard !== undefined && !shards.includes(tenant.shard)) {
      problems.push({ path: `tenants[${i}].shard`, value: tenant.shard, message: `names no DPS of this stack; allowed: ${shards.join(", ")} (dps.name or a shards[].name)` });
    }
  });
  // With tenants, checkPlatformCapacity counts everything; without, the platform's own groups and the number of DPS
  // instances can be over.
  if (!config.tenants.length) {
    const limit = effectiveLimits(config.quotas).enrollmentGroups;
    if (config.enrollmentGroups.length > limit) {
      problems.push({ path: "enrollmentGroups", value: config.enrollmentGroups.length, message: `declares ${config.enrollmentGroups.length} enrollment groups; a DPS holds at most ${limit} (quotas.enrollmentGroupsPerDps states a raised quota)` });
    }
    problems.push(...checkShardCapacity({ ...capacityInput(config, 0), platform: { caCertificates: 0, enrollmentGroups: 0 } }));
  }
  return problems;
}

/** Capacity refusals: with one DPS, as before shards existed; with several, per shard. */
export function checkPlatformCapacity(config: StackConfig, uploadedCas: number): Problem[] {
  const input = capacityInput(config, uploadedCas);
  if (input.shards.length > 1) return checkShardCapacity(input);
  // One DPS: the same counting, told as a reservation besides the platform's own use.
  const [usage] = shardUsage(input);
  const limits = input.limits!;
  const problems: Problem[] = [];
  const labels = { caCertificates: "CA certificates", enrollmentGroups: "enrollment groups" } as const;
  for (const kind of ["caCertificates", "enrollmentGroups"] as const) {
    const reserved = usage[kind] - usage.platform[kind];
    if (usage[kind] > limits[kind]) {
      problems.push({ path: "tenants", value: reserved, message: `reserve ${reserved} ${labels[kind]} for tenants besides the platform's ${usage.platform[kind]}; a DPS holds at most ${limits[kind]}` });
    }
  }
  return problems;
}
