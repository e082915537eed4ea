/**
 * What the Device Registry providers (adrNamespace.ts, adrCertificateAuthority.ts, adrCertificatePolicy.ts) share:
 * their client, the `check` of their identity inputs, and the tags every resource carries.
 */
import type * as pulumi from "@pulumi/pulumi";
import { DeviceRegistryClient, DeviceRegistryError } from "../azure/deviceRegistryClient";
import { isUnknown, scrub } from "../azure/dpsCertificates";

/** Tags on everything the stack makes in a namespace: who manages it (nothing else is touched). */
export const MANAGED_BY_TAG = { "managed-by": "dps-x509" } as const;

export interface AdrTarget {
  subscriptionId: string;
  resourceGroupName: string;
  namespaceName: string;
  location: string;
  armEndpoint?: string;
  providerVersion: string;
}

export function adrClient(t: { subscriptionId: string; armEndpoint?: string }): DeviceRegistryClient {
  return new DeviceRegistryClient({ subscriptionId: t.subscriptionId, endpoint: t.armEndpoint });
}

/** `check` failures for required string inputs, and names against the spec's patterns (values unknown in a preview are not judged). */
export function adrFailures(news: Record<string, unknown>, required: string[], names: Record<string, { pattern: RegExp; min: number; max: number }>): pulumi.dynamic.CheckFailure[] {
  const failures: pulumi.dynamic.CheckFailure[] = [];
  for (const key of required) {
    const v = news[key];
    if (isUnknown(v)) continue;
    if (typeof v !== "string" || v.trim() === "") failures.push({ property: key, reason: `${key} is required (a non-empty string)` });
  }
  for (const [key, rule] of Object.entries(names)) {
    const v = news[key];
    if (typeof v !== "string" || isUnknown(v)) continue;
    if (v.length < rule.min || v.length > rule.max || !rule.pattern.test(v)) {
      failures.push({ property: key, reason: `${key} '${v}' is not a valid name: ${rule.min}–${rule.max} characters matching ${rule.pattern.source}` });
    }
  }
  return failures;
}

export const NAME_RULES = {
  namespace: { pattern: /^[a-z0-9][a-z0-9-]*[a-z0-9]$/, min: 3, max: 64 },
  child: { pattern: /^[0-9a-zA-Z][a-zA-Z0-9-]*$/, min: 3, max: 63 },
};

/** A message for a failed call: what was done, Azure's code and message, never a PEM. */
export function adrErrorText(what: string, e: unknown): Error {
  const text = e instanceof DeviceRegistryError ? e.message : e instanceof Error ? e.message : String(e);
  return new Error(`${what}: ${scrub(text)}`);
}

/** Case-insensitive equality of ARM names. */
export function sameName(a: unknown, b: unknown): boolean {
  return typeof a === "string" && typeof b === "string" && a.toLowerCase() === b.toLowerCase();
}
