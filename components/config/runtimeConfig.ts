/**
 * The running stack's config as the Pulumi SDK holds it, read once. `new pulumi.Config(ns).get(k)` parses the whole
 * config text on every read (1.2 MB with 1,000 tenants' CSRs; issue #26.1): this program, and the offline plan's
 * mocks, read it through stackConfigOnce instead.
 */
import * as pulumi from "@pulumi/pulumi";

// The SDK's config store (internal, but stable): `PULUMI_CONFIG` holds the whole config as one JSON text and
// `PULUMI_CONFIG_SECRET_KEYS` the secret keys.
const runtimeConfig: { configEnvKey: string; configSecretKeysEnvKey: string } = require("@pulumi/pulumi/runtime/config");
const runtimeState: { getStore(): { config: Record<string, string | undefined> } } = require("@pulumi/pulumi/runtime/state");

let parsedConfig: { text: string | undefined; config: Record<string, string> } | undefined;

/**
 * The running stack's whole config (full keys such as `azure-native:subscriptionId`), parsed once per config text:
 * once per process in a real run; again only when a test or the plan sets another config.
 */
export function stackConfigOnce(): Record<string, string> {
  const text = runtimeState.getStore().config[runtimeConfig.configEnvKey];
  if (parsedConfig === undefined || parsedConfig.text !== text) parsedConfig = { text, config: pulumi.runtime.allConfig() };
  return parsedConfig.config;
}

/** The keys Pulumi marked secret (`PULUMI_CONFIG_SECRET_KEYS`). */
export function secretConfigKeys(): string[] {
  const text = runtimeState.getStore().config[runtimeConfig.configSecretKeysEnvKey];
  const keys: unknown = text ? JSON.parse(text) : [];
  return Array.isArray(keys) ? keys.filter((key): key is string => typeof key === "string") : [];
}

