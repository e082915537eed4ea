/**
 * Azure's own rules that a stack file can break, checked at plan time so that `pulumi up` does not meet them first.
 * Each rule names its source.
 */
import { closestRegions, isAzureRegion } from "./azureRegions";
import { LIMITS, SECRET_PLACEHOLDER } from "./limits";
import type { Problem } from "./problems";
import type { HubConfig } from "./schema";

/**
 * Units per IoT hub by SKU, and one F1 hub per subscription. Source: "IoT Hub quotas and throttling"
 * (learn.microsoft.com/azure/iot-hub/iot-hub-devguide-quotas-throttling: at most 50 hubs per subscription, at most
 * one in the free tier) and "Azure subscription and service limits", IoT Hub limits
 * (learn.microsoft.com/azure/azure-resource-manager/management/azure-subscription-service-limits#iot-hub-limits:
 * F1 1 unit; B1, B2, S1, S2 200 units; B3, S3 10 units).
 */
export const HUB_MAX_UNITS: Readonly<Record<string, number>> = { F1: 1, B1: 200, B2: 200, S1: 200, S2: 200, B3: 10, S3: 10 };

export function checkHubSkus(hubs: HubConfig[]): Problem[] {
  const problems: Problem[] = [];
  hubs.forEach((hub, i) => {
    const max = HUB_MAX_UNITS[hub.sku];
    if (max !== undefined && hub.capacity > max) {
      problems.push({
        path: `hubs[${i}].capacity`,
        value: hub.capacity,
        message: hub.sku === "F1" ? "an F1 (free) hub has exactly 1 unit; allowed: 1" : `a ${hub.sku} hub has at most ${max} units (Azure's IoT Hub limit); allowed: 1–${max}`,
      });
    }
  });
  const free = hubs.map((hub, i) => ({ hub, i })).filter(({ hub }) => hub.sku === "F1");
  for (const { hub, i } of free.slice(1)) {
    problems.push({ path: `hubs[${i}].sku`, value: hub.sku, message: `Azure allows one F1 (free) hub per subscription, and hubs[${free[0].i}] is already F1; allowed: B1, B2, B3, S1, S2, S3` });
  }
  if (hubs.length > LIMITS.hubs) {
    problems.push({ path: "hubs", value: hubs.length, message: `a subscription holds at most ${LIMITS.hubs} IoT hubs, and a DPS links at most ${LIMITS.hubs}` });
  }
  return problems;
}

/** `azure-native:location` and each hub's `location` must be Azure regions, by canonical name. */
export function checkRegions(location: string | undefined, hubs: Array<{ location?: string }>): Problem[] {
  const problems: Problem[] = [];
  const check = (path: string, value: string) => {
    if (isAzureRegion(value)) return;
    problems.push({ path, value, message: `is not an Azure region (canonical names such as westeurope, as \`az account list-locations\` prints them); closest: ${closestRegions(value).join(", ")}` });
  };
  if (location) check("azure-native:location", location);
  hubs.forEach((hub, i) => {
    if (hub.location !== undefined) check(`hubs[${i}].location`, hub.location);
  });
  return problems;
}

/**
 * A DPS service API version for a custom allocation webhook: `YYYY-MM-DD`, optionally `-preview` (the versions DPS
 * sends to the webhook, e.g. 2021-10-01; learn.microsoft.com/azure/iot-dps/concepts-custom-allocation).
 */
export function isDpsApiVersion(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})(-preview)?$/.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day && year >= 2017;
}

/** A webhook URL DPS can call: an absolute https URL with a host, no white space, no user info. */
export function webhookUrlProblem(url: string): string | undefined {
  if (url === SECRET_PLACEHOLDER) return undefined;
  if (/\s/.test(url)) return "must be an https:// URL without white space";
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "must be a valid https:// URL (e.g. https://<app>.azurewebsites.net/api/<function>?code=<key>)";
  }
  if (parsed.protocol !== "https:") return `must be an https:// URL (DPS calls the webhook over TLS), not ${parsed.protocol.replace(/:$/, "")}://`;
  if (!parsed.hostname) return "must be an https:// URL with a host name";
  if (parsed.username || parsed.password) return "must not carry a user name or password: DPS sends the function key as the code= query value";
  return undefined;
}
