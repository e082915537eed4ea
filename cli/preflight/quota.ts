/**
 * Room in the subscription for what the stack adds: IoT hubs against the subscription's hub limit, and the free hub
 * against `Microsoft.Devices/usages` (FreeHubCount: one F1 hub per subscription), DPS instances in each subscription
 * the stack uses against its limit (10, or the stated quota; counted by listing them), and the stated quotas against
 * what `Microsoft.Devices/usages` reports of them.
 */
import { azureError, type PreflightClients } from "./clients";
import type { QuotasConfig } from "../../components/config/quotas";
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

/**
 * DPS instances in one subscription against its limit (Azure's 10, or the stack's stated `quotas.dpsPerSubscription`),
 * counted by listing them. `adds`: how many DPS the stack creates there; `where`: the subscription, for shards.
 */
export async function checkDpsCount(clients: PreflightClients, adds: number, limit = DPS_PER_SUBSCRIPTION, where?: string): Promise<Finding> {
  const check = where ? `DPS instances in subscription ${where}` : "DPS instances";
  try {
    let count = 0;
    for await (const _dps of clients.dps().iotDpsResource.listBySubscription()) count += 1;
    const stated = limit === DPS_PER_SUBSCRIPTION ? "" : " (quotas.dpsPerSubscription)";
    return count + adds <= limit
      ? { check, status: "ok", detail: `${count} of ${limit}${stated} in the subscription; the stack adds ${adds}` }
      : {
          check,
          status: "problem",
          detail: `${count} of ${limit}${stated} in the subscription already; the stack adds ${adds}, ${count + adds - limit} more than there is room for`,
          fix: "reuse an existing DPS (dps.adopt: true, or a tenant stack on a platform), delete one, put shards in another subscription (shards[].subscriptionId), or ask Azure support to raise the limit and state it in quotas.dpsPerSubscription",
        };
  } catch (err) {
    return { check, status: "problem", detail: azureError(err), fix: "needs Microsoft.Devices/provisioningServices/read on the subscription (Reader)" };
  }
}

/** Which `Microsoft.Devices/usages` entry would report each stated quota, were ARM to report it. */
const USAGE_NAMES: Record<keyof Omit<QuotasConfig, "linkedHubsPerDps">, RegExp> = {
  dpsPerSubscription: /^(provisioningService|dps)(es)?Count$/i,
  enrollmentGroupsPerDps: /enrollmentGroup/i,
  caCertificatesPerDps: /caCertificate|certificate/i,
};

/**
 * The stated quotas against `Microsoft.Devices/usages`: a stated quota ARM reports lower is a problem (the plan would
 * count on room Azure does not give); one ARM does not report (today it lists FreeHubCount only) is a warning that
 * says so, since only the support request's grant can confirm it.
 */
export async function checkStatedQuotas(clients: PreflightClients, quotas: QuotasConfig | undefined, where?: string): Promise<Finding[]> {
  const stated = Object.entries(quotas ?? {}).filter(([key, value]) => key !== "linkedHubsPerDps" && typeof value === "number") as Array<[keyof typeof USAGE_NAMES, number]>;
  if (!stated.length) return [];
  const suffix = where ? ` in subscription ${where}` : "";
  let usages;
  try {
    usages = (await clients.iotHub().resourceProviderCommon.getSubscriptionQuota()).value ?? [];
  } catch (err) {
    return [{ check: `stated quotas${suffix}`, status: "problem", detail: azureError(err), fix: "needs Microsoft.Devices/usages/read on the subscription (Reader)" }];
  }
  return stated.map(([key, value]) => {
    const check = `quotas.${key}${suffix}`;
    const reported = usages.find((entry) => USAGE_NAMES[key].test(entry.name?.value ?? ""));
    if (!reported || reported.limit === undefined) {
      const listed = usages.map((entry) => entry.name?.value).filter(Boolean).join(", ") || "nothing";
      return { check, status: "warning", detail: `${value} stated; Microsoft.Devices/usages does not report it (it lists ${listed})`, fix: "keep the support request that granted it: the plan counts on it, and only that grant confirms it" };
    }
    return value <= reported.limit
      ? { check, status: "ok", detail: `${value} stated, ${reported.limit} granted (Microsoft.Devices/usages ${reported.name?.value})` }
      : { check, status: "problem", detail: `${value} stated, but Microsoft.Devices/usages ${reported.name?.value} grants ${reported.limit}`, fix: `state what was granted (quotas.${key}: ${reported.limit}), or ask Azure support to raise it` };
  });
}
