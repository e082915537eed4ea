/**
 * Room in the subscription for what the stack adds: IoT hubs against `Microsoft.Devices/usages` (TotalIotHubs, and
 * FreeIotHubs: one F1 hub per subscription), and DPS instances against the limit of 10 per subscription (counted by
 * listing them; a support ticket raises it).
 */
import { azureError, type PreflightClients } from "./clients";
import type { Finding, PlannedHub } from "./types";

export const DPS_PER_SUBSCRIPTION = 10;

export async function checkHubQuota(clients: PreflightClients, newHubs: readonly PlannedHub[]): Promise<Finding[]> {
  const check = "IoT Hub quota";
  let usages;
  try {
    usages = (await clients.iotHub().resourceProviderCommon.getSubscriptionQuota()).value ?? [];
  } catch (err) {
    return [{ check, status: "problem", detail: azureError(err), fix: "needs Microsoft.Devices/usages/read on the subscription (Reader)" }];
  }
  const usage = (name: string) => usages.find((entry) => entry.name?.value?.toLowerCase() === name.toLowerCase());
  const findings: Finding[] = [];
  const total = usage("TotalIotHubs");
  if (total?.limit !== undefined) {
    const used = total.currentValue ?? 0;
    const free = total.limit - used;
    findings.push(
      newHubs.length <= free
        ? { check, status: "ok", detail: `${used} of ${total.limit} hubs used; the stack adds ${newHubs.length}` }
        : {
            check,
            status: "problem",
            detail: `${used} of ${total.limit} hubs used; the stack adds ${newHubs.length}, ${newHubs.length - free} more than there is room for`,
            fix: "delete hubs you no longer use, deploy to another subscription, or ask Azure support to raise the limit",
          },
    );
  } else {
    findings.push({ check, status: "warning", detail: "Microsoft.Devices/usages has no TotalIotHubs entry", fix: "check the hub count in the portal (Subscriptions > Usage + quotas)" });
  }
  const newFree = newHubs.filter((hub) => hub.sku === "F1");
  if (newFree.length) {
    const freeUsage = usage("FreeIotHubs");
    const used = freeUsage?.currentValue ?? 0;
    const limit = freeUsage?.limit ?? 1;
    findings.push(
      used + newFree.length <= limit
        ? { check: "free (F1) IoT hub", status: "ok", detail: `${used} of ${limit} free hubs used; the stack adds ${newFree.map((hub) => hub.name).join(", ")}` }
        : {
            check: "free (F1) IoT hub",
            status: "problem",
            detail: `${used} of ${limit} free hubs used; the stack adds ${newFree.length} (${newFree.map((hub) => hub.name).join(", ")}): a subscription has one F1 hub`,
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
