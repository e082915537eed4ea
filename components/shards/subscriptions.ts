/**
 * Shards in other subscriptions. A shard may name its own `subscriptionId` (and `resourceGroupName`), so a platform
 * grows past the DPS instances one subscription holds. Its DPS (and private endpoint) is declared through an explicit
 * azure-native provider for that subscription: one provider per subscription, shared by every shard there, so a
 * shard added beside another renames nothing. The hubs stay in the stack's subscription; a shard links them by
 * connection string as the primary does (read through the default provider).
 */
import * as pulumi from "@pulumi/pulumi";
import { Provider } from "@pulumi/azure-native/provider";
import type { ShardConfig, StackConfig } from "../config/schema";

/** The stack's subscription as `subscriptionOf` keys it: "" (its id may be unknown offline). */
const STACK_SUBSCRIPTION = "";

/** The subscription a shard's DPS lives in, lower-cased; "" for the stack's own. */
export function shardSubscriptionKey(config: Pick<StackConfig, "shards" | "subscriptionId">, shardName: string): string {
  const shard = config.shards?.find((candidate) => candidate.name === shardName);
  const id = shard?.subscriptionId?.toLowerCase();
  return !id || id === config.subscriptionId?.toLowerCase() ? STACK_SUBSCRIPTION : id;
}

/** The subscriptions other than the stack's that shards live in, in the order shards name them first. */
export function otherSubscriptions(config: Pick<StackConfig, "shards" | "subscriptionId">): string[] {
  return [...new Set((config.shards ?? []).map((shard) => shardSubscriptionKey(config, shard.name)).filter((key) => key !== STACK_SUBSCRIPTION))];
}

/**
 * The settings of the default provider an explicit one must repeat: an explicit provider does not read the stack's
 * `azure-native:*` config, only its own arguments (and the ARM_* environment variables).
 */
const CARRIED_KEYS = ["environment", "tenantId", "clientId", "useOidc", "useMsi", "msiEndpoint", "oidcRequestUrl", "oidcTokenFilePath", "clientCertificatePath", "metadataHost", "location", "partnerId", "disablePulumiPartnerId"] as const;
const CARRIED_SECRETS = ["clientSecret", "clientCertificatePassword", "oidcToken", "oidcRequestToken"] as const;

function carriedSettings(): Record<string, pulumi.Input<string | boolean>> {
  const azure = new pulumi.Config("azure-native");
  const settings: Record<string, pulumi.Input<string | boolean>> = {};
  for (const key of CARRIED_KEYS) {
    const value = azure.get(key);
    if (value !== undefined) settings[key] = value === "true" || value === "false" ? value === "true" : value;
  }
  for (const key of CARRIED_SECRETS) {
    const value = azure.getSecret(key);
    if (value !== undefined) settings[key] = value;
  }
  return settings;
}

/** One azure-native provider per other subscription, named after it; none when every shard is in the stack's. */
export function declareSubscriptionProviders(parent: pulumi.Resource, name: string, config: Pick<StackConfig, "shards" | "subscriptionId">): Map<string, Provider> {
  const others = otherSubscriptions(config);
  if (!others.length) return new Map();
  const carried = carriedSettings();
  return new Map(others.map((subscriptionId) => [subscriptionId, new Provider(`${name}-subscription-${subscriptionId}`, { ...carried, subscriptionId }, { parent })]));
}

/** The provider a shard's resources are declared through, or undefined for the stack's subscription. */
export function providerOfShard(config: Pick<StackConfig, "shards" | "subscriptionId">, shard: ShardConfig, providers: Map<string, Provider>): Provider | undefined {
  return providers.get(shardSubscriptionKey(config, shard.name));
}
