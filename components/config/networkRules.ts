/**
 * Checks of the hub and DPS hardening keys (networkSchema.ts): what the schema cannot say alone. Each problem names
 * the key, the value and what is allowed.
 */
import { isAzureRegion } from "./azureRegions";
import type { Problem } from "./problems";
import type { StackConfig } from "./schema";

/** An IPv4 address or CIDR range: what IoT Hub and DPS IP rules take (`ipMask`). */
const IPV4_OCTET = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
const IPV4_CIDR = new RegExp(`^${IPV4_OCTET}(?:\\.${IPV4_OCTET}){3}(?:/(?:3[0-2]|[12]?\\d))?$`);
/** ARM id of a subnet. */
const SUBNET_ID = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/virtualNetworks\/[^/]+\/subnets\/[^/]+$/i;
const RULE_NAME = /^\S{1,128}$/;

export function isIpv4Range(value: string): boolean {
  return IPV4_CIDR.test(value);
}

export function checkNetworkSettings(config: StackConfig): Problem[] {
  const problems: Problem[] = [];
  config.hubs.forEach((hub, i) => {
    const at = `hubs[${i}]`;
    if (hub.disableLocalAuth) {
      problems.push({
        path: `${at}.disableLocalAuth`,
        value: true,
        message:
          "would break the DPS's link to this hub: the DPS reaches its hubs with the hub's iothubowner connection string (a SAS key), and the DPS API in azure-native (2023-03-01-preview) has no managed-identity links; allowed: false (device and module SAS are off already: disableDeviceSAS, disableModuleSAS; see docs/network-and-auth.md#local-auth-and-the-dps-link)",
      });
    }
    problems.push(...ipRuleProblems(`${at}.ipAllowList`, hub.ipAllowList ?? [], hub.publicNetworkAccess ?? "Enabled"));
    problems.push(...privateEndpointProblems(`${at}.privateEndpoint`, hub.privateEndpoint));
  });
  problems.push(...ipRuleProblems("dps.ipFilterRules", config.dps.ipFilterRules ?? [], config.dps.publicNetworkAccess ?? "Enabled"));
  problems.push(...privateEndpointProblems("dps.privateEndpoint", config.dps.privateEndpoint));
  return problems;
}

export function ipRuleProblems(path: string, rules: ReadonlyArray<{ name: string; ipMask: string }>, publicNetworkAccess: string): Problem[] {
  const problems: Problem[] = [];
  if (rules.length && publicNetworkAccess === "Disabled") {
    problems.push({
      path,
      value: rules.map((rule) => rule.name),
      message: "are ignored by Azure while publicNetworkAccess is Disabled (only private endpoints reach the resource); allowed: remove the rules, or set publicNetworkAccess: Enabled",
    });
  }
  const seen = new Map<string, number>();
  rules.forEach((rule, j) => {
    if (!isIpv4Range(rule.ipMask)) {
      problems.push({ path: `${path}[${j}].ipMask`, value: rule.ipMask, message: "allowed: an IPv4 address or CIDR range, e.g. 203.0.113.0/24" });
    }
    if (!RULE_NAME.test(rule.name)) {
      problems.push({ path: `${path}[${j}].name`, value: rule.name, message: "allowed: 1–128 characters without white space" });
    }
    const first = seen.get(rule.name.toLowerCase());
    if (first !== undefined) {
      problems.push({ path: `${path}[${j}].name`, value: rule.name, message: `is already the name of ${path}[${first}]; each rule needs its own name` });
    } else seen.set(rule.name.toLowerCase(), j);
  });
  return problems;
}

export function privateEndpointProblems(path: string, endpoint: { subnetId: string; location?: string } | undefined): Problem[] {
  if (!endpoint) return [];
  const problems: Problem[] = [];
  if (!SUBNET_ID.test(endpoint.subnetId)) {
    problems.push({
      path: `${path}.subnetId`,
      value: endpoint.subnetId,
      message: "allowed: a subnet's ARM id, /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Network/virtualNetworks/<vnet>/subnets/<subnet> (`az network vnet subnet show --query id`)",
    });
  }
  if (endpoint.location !== undefined && !isAzureRegion(endpoint.location)) {
    problems.push({ path: `${path}.location`, value: endpoint.location, message: "is not an Azure region; allowed: the region of the subnet's virtual network, e.g. westeurope" });
  }
  return problems;
}
