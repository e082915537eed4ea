/**
 * Adoption of what already exists in Azure (docs/day-two.md): the ARM ids that Pulumi's `import` resource option
 * takes for the resource group, the hubs and the DPS, and whether a CA certificate or a group is adopted. Pure.
 *
 * An import only succeeds when the declared inputs match what Azure holds: `pulumi preview` shows each difference
 * (as an import with a diff), and the stack file is changed until there is none. After the first `up` the import
 * option is inert (Pulumi ignores it for a resource already in the state), so `adopt` may stay in the file.
 */
import type { StackConfig } from "../config/schema";

export interface ImportIds {
  readonly resourceGroup?: string;
  readonly dps?: string;
  /** By hub name from config. */
  readonly hubs: Readonly<Record<string, string>>;
}

/** `adopt: true` on the thing, or `adoptExisting: true` on the stack unless the thing says `adopt: false`. */
export function adopts(stackWide: boolean | undefined, own: boolean | undefined): boolean {
  return own ?? stackWide === true;
}

export function resourceGroupArmId(subscriptionId: string, resourceGroupName: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroupName}`;
}

export function dpsArmId(subscriptionId: string, resourceGroupName: string, dpsName: string): string {
  return `${resourceGroupArmId(subscriptionId, resourceGroupName)}/providers/Microsoft.Devices/provisioningServices/${dpsName}`;
}

export function hubArmId(subscriptionId: string, resourceGroupName: string, hubName: string): string {
  return `${resourceGroupArmId(subscriptionId, resourceGroupName)}/providers/Microsoft.Devices/IotHubs/${hubName}`;
}

/**
 * The import ids of a platform stack. The resource group is adopted with `adoptExisting`, or when the DPS or a hub
 * is (they live in it, so it exists), unless `resourceGroupExisting` says it is someone else's: then it is only read.
 * The config checks made sure a subscription id is there when anything is.
 */
export function importIds(config: StackConfig): ImportIds {
  const sub = config.subscriptionId;
  const rg = config.resourceGroupName;
  const dps = adopts(config.adoptExisting, config.dps.adopt);
  const hubs = config.hubs.filter((hub) => adopts(config.adoptExisting, hub.adopt));
  if (!sub) return { hubs: {} };
  const group = !config.resourceGroupExisting && (config.adoptExisting === true || dps || hubs.length > 0);
  return {
    resourceGroup: group ? resourceGroupArmId(sub, rg) : undefined,
    dps: dps ? dpsArmId(sub, rg, config.dps.name) : undefined,
    hubs: Object.fromEntries(hubs.map((hub) => [hub.name, hubArmId(sub, rg, hub.name)])),
  };
}
