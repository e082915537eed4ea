/**
 * Preflight for `dps-x509:deviceRegistry`, read-only. The Microsoft.DeviceRegistry provider's registration is checked
 * with the others (run.ts). Here:
 * - the namespace name: the 2026-11-01 spec has no checkNameAvailability for Microsoft.DeviceRegistry (a namespace is
 *   named within its resource group), so the name is checked by GET: free, this stack's (managed-by tag), or someone
 *   else's (a problem: `up` would refuse to take it over);
 * - the namespace's quotas: one Root and at most three ICAs; CAs someone else made in an existing namespace count;
 * - the link's identity: the docs do not say which identity needs which role (open question 5); the stack gives the
 *   namespace a system-assigned identity and names the DPS's system-assigned identity as the caller, and says so.
 */
import type { AnyStackConfig } from "../../components/config";
import { adrIds, DeviceRegistryClient } from "../../components/azure/deviceRegistryClient";
import { ADR_LIMITS } from "../../components/deviceRegistry/checks";
import { issuerOf } from "../../components/deviceRegistry/schema";
import { MANAGED_BY_TAG } from "../../components/providers/adrCommon";
import type { Finding, PreflightContext } from "./types";

interface Listed {
  name?: string;
  tags?: Record<string, string>;
  properties?: { certificateAuthorityType?: string };
}

export const DEVICE_REGISTRY_PROVIDER = "Microsoft.DeviceRegistry";

export async function checkDeviceRegistry(context: PreflightContext, config: AnyStackConfig): Promise<Finding[]> {
  if (config.role === "tenant" || !config.deviceRegistry) return [];
  const adr = config.deviceRegistry;
  const client = new DeviceRegistryClient({ subscriptionId: context.subscriptionId, endpoint: context.armEndpoint, credential: context.credential, retryDelayInMs: context.retryDelayInMs });
  const id = adrIds.namespace({ subscriptionId: context.subscriptionId, resourceGroupName: config.resourceGroupName, namespaceName: adr.namespace.name });
  const check = `name of Device Registry namespace ${adr.namespace.name}`;
  const findings: Finding[] = [];
  let existing: Listed | undefined;
  try {
    existing = await client.get<Listed>(id);
  } catch (e) {
    return [{ check, status: "problem", detail: (e as Error).message, fix: "Sign in with an identity that can read the resource group (Reader)." }];
  }
  const ours = existing?.tags?.["managed-by"] === MANAGED_BY_TAG["managed-by"];
  if (!existing) findings.push({ check, status: "ok", detail: `free in resource group ${config.resourceGroupName} (checked by GET: Microsoft.DeviceRegistry has no checkNameAvailability)` });
  else if (ours) findings.push({ check, status: "ok", detail: "exists and carries this program's managed-by tag: `up` takes it over" });
  else findings.push({ check, status: "problem", detail: `a namespace of that name already exists in ${config.resourceGroupName} and is not managed by this program`, fix: "Choose another deviceRegistry.namespace.name, or delete the existing namespace." });

  const declared = adr.certificateAuthorities.map((c) => c.name.toLowerCase());
  const roots = adr.certificateAuthorities.some((c) => issuerOf(c).kind === "microsoft") ? 1 : 0;
  let otherRoots = 0;
  let otherIcas = 0;
  if (existing) {
    try {
      const listed = await client.get<{ value?: Listed[] }>(`${id}/certificateAuthorities`);
      for (const ca of listed?.value ?? []) {
        const name = String(ca.name ?? "").toLowerCase();
        if (declared.includes(name) || (roots && name === adr.rootName.toLowerCase())) continue;
        if (ca.properties?.certificateAuthorityType === "Root") otherRoots += 1;
        else otherIcas += 1;
      }
    } catch (e) {
      findings.push({ check: "Device Registry quota", status: "warning", detail: `the namespace's CAs could not be listed: ${(e as Error).message}`, fix: "Sign in with Reader on the resource group." });
    }
  }
  const icas = adr.certificateAuthorities.length + otherIcas;
  const quotaCheck = "Device Registry quota";
  if (roots + otherRoots > ADR_LIMITS.roots) findings.push({ check: quotaCheck, status: "problem", detail: `the namespace already holds a root not declared by this stack; a namespace holds ${ADR_LIMITS.roots}`, fix: "Use the namespace's root (rootName) or another namespace." });
  else if (icas > ADR_LIMITS.icas) findings.push({ check: quotaCheck, status: "problem", detail: `${adr.certificateAuthorities.length} declared + ${otherIcas} already there = ${icas} intermediate CAs; a namespace holds ${ADR_LIMITS.icas}`, fix: "Remove CAs from deviceRegistry.certificateAuthorities, or use another namespace." });
  else findings.push({ check: quotaCheck, status: "ok", detail: `${icas} of ${ADR_LIMITS.icas} intermediate CAs, ${roots + otherRoots} of ${ADR_LIMITS.roots} root` });

  if (adr.link) {
    findings.push({
      check: "Device Registry link identity",
      status: "warning",
      detail: "the namespace gets a system-assigned identity and each DPS calls it with its own system-assigned identity; Azure's docs do not yet say which role either needs",
      fix: "After `up`, `npm run doctor` shows each link's linkingState; a LinkInitiateFailed names the identity Azure refused (docs/device-registry.md#the-link).",
    });
  }
  return findings;
}
