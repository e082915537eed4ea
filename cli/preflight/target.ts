/** What a stack's config would make, as preflight checks it (cli/preflight/types.ts). */
import type { AnyStackConfig } from "../../components/config";
import type { PreflightTarget } from "./types";

export function preflightTarget(config: AnyStackConfig): PreflightTarget {
  if (config.role === "tenant") {
    // A tenant stack makes no hub or DPS: only its vault (and the Crypto Officer role in it), and its groups on the
    // platform's DPS, which the platform's preflight covers.
    const vault = config.keyVault;
    return {
      resourceGroupName: vault?.resourceGroupName,
      hubs: [],
      vault: vault && { name: vault.name, resourceGroupName: vault.resourceGroupName, create: vault.create },
      assignsRoles: !!vault?.create,
      caNames: [],
      enrollmentGroupIds: [],
      adoptExisting: false,
    };
  }
  const entraId = (config.dpsAuth ?? "entraId") === "entraId";
  return {
    resourceGroupName: config.resourceGroupName,
    resourceGroupExisting: config.resourceGroupExisting === true,
    dpsKeys: !entraId,
    dpsName: config.dps.name,
    hubs: config.hubs.map((hub) => ({ name: hub.name, sku: hub.sku, capacity: hub.capacity })),
    vault: config.keyVault && { name: config.keyVault.name, resourceGroupName: config.keyVault.resourceGroupName, create: config.keyVault.create },
    assignsRoles: (entraId && config.dpsDataRoleAssignment !== false) || !!config.keyVault?.create,
    caNames: [config.ca.root, ...config.ca.intermediates].filter((entry) => entry.upload !== false).map((entry) => entry.name),
    enrollmentGroupIds: config.enrollmentGroups.map((group) => group.enrollmentId),
    adoptExisting: config.adoptExisting === true,
    shards: (config.shards ?? []).map((shard) => ({ name: shard.name, subscriptionId: shard.subscriptionId, resourceGroupName: shard.resourceGroupName ?? config.resourceGroupName })),
    quotas: config.quotas,
  };
}
