/**
 * Room in the subscription for what the stack adds: IoT hubs against the subscription's hub limit, and the free hub
 * against `Microsoft.Devices/usages` (FreeHubCount: one F1 hub per subscription), and DPS instances against the limit of 10 per subscription (counted by
 * listing them; a support ticket raises it).
 */
import { azureError, type PreflightClients } from "./clients";
import type { Finding, PlannedHub } from "./types";

export const DPS_PER_SUBSCRIPTION = 10;

/** Azure's default: at most 50 IoT hubs in a subscription (a support ticket raises it). */
export const HUBS_PER_SUBSCRIPTION = 50;

export async function checkHubQuota(clients: PreflightClients, newHubs: readonly PlannedHub[]): Promise<Finding[]> {
  const check = "IoT Hub quota";
  let usages;
  try {
    usages = (await clients.iotHub().resourceProviderCommon.getSubscriptionQuota()).value ?? [];
  } catch (err) {
    return [{ check, status: "problem", detail: azureError(err), fix: "needs Microsoft.Devices/usages/read on the subscription (Reader)" }];
  }
  const isFree = (entry: (typeof usages)[number]) => /free/i.test(entry.name?.value ?? "");
  const findings: Finding[] = [];
  // Usages documents FreeHubCount; a count of the other hubs, when given, is used, else the hubs are listed.
  const paid = usages.find((entry) => !isFree(entry) && entry.limit !== undefined);
  let used: number;
  let limit: number;
  try {
    if (paid) {
      used = paid.currentValue ?? 0;
      limit = paid.limit!;
    } else {
      used = 0;
      for await (const _hub of clients.iotHub().iotHubResource.listBySubscription()) used += 1;
      limit = HUBS_PER_SUBSCRIPTION;
    }
  } catch (err) {
    return [{ check, status: "problem", detail: azureError(err), fix: "needs Microsoft.Devices/IotHubs/read on the subscription (Reader)" }];
  }
  const room = limit - used;
  findings.push(
    newHubs.length <= room
      ? { check, status: "ok", detail: `${used} of ${limit} hubs in the subscription; the stack adds ${newHubs.length}` }
      : {
          check,
          status: "problem",
          detail: `${used} of ${limit} hubs in the subscription; the stack adds ${newHubs.length}, ${newHubs.length - room} more than there is room for`,
          fix: "delete hubs you no longer use, deploy to another subscription, or ask Azure support to raise the limit",
        },
  );
  const newFree = newHubs.filter((hub) => hub.sku === "F1");
  if (newFree.length) {
    const freeUsage = usages.find(isFree);
    const freeUsed = freeUsage?.currentValue ?? 0;
    const freeLimit = freeUsage?.limit ?? 1;
    const names = newFree.map((hub) => hub.name).join(", ");
    findings.push(
      freeUsed + newFree.length <= freeLimit
        ? { check: "free (F1) IoT hub", status: "ok", detail: `${freeUsed} of ${freeLimit} free hubs used; the stack adds ${names}` }
        : {
            check: "free (F1) IoT hub",
            status: "problem",
            detail: `${freeUsed} of ${freeLimit} free hubs used (FreeHubCount); the stack adds ${newFree.length} (${names}): a subscription has one F1 hub`,
            fix: "use sku B1 or S1 for the hub, or delete the subscription's existing free hub",
          },
    );
  }
  return findings;
}

export async function checkDpsCount(clients: PreflightClients, addsDps: boolean): Promise<Finding> {
  const check = "DPS instances";
  try {
    let count = 0;
    for await (const _dps of clients.dps().iotDpsResource.listBySubscription()) count += 1;
    const after = count + (addsDps ? 1 : 0);
    return after <= DPS_PER_SUBSCRIPTION
      ? { check, status: "ok", detail: `${count} of ${DPS_PER_SUBSCRIPTION} in the subscription; the stack adds ${addsDps ? 1 : 0}` }
      : {
          check,
          status: "problem",
          detail: `${count} of ${DPS_PER_SUBSCRIPTION} in the subscription already; the stack adds one more`,
          fix: "reuse an existing DPS (dps.adopt: true, or a tenant stack on a platform), delete one, or ask Azure support to raise the limit",
        };
  } catch (err) {
    return { check, status: "problem", detail: azureError(err), fix: "needs Microsoft.Devices/provisioningServices/read on the subscription (Reader)" };
  }
}
