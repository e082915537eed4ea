/**
 * The doctor's rows for Azure Device Registry (`dps-x509:deviceRegistry`): the namespace and its link to each DPS
 * (linkingState, linkingError), each CA (present; an External ICA Active, not ActiveButPendingRenewal nor within its
 * renewal window; a Microsoft ICA and the Root present), each policy (present, with the configured days).
 * Reads ARM through components/azure/deviceRegistryClient.ts; writes nothing.
 */
import type { StackConfig, TenantStackConfig } from "../../components/config";
import { adrIds, DeviceRegistryClient } from "../../components/azure/deviceRegistryClient";
import { issuerOf } from "../../components/deviceRegistry/schema";
import { DEFAULT_RENEW_BEFORE_DAYS } from "../../components/providers/adrCertificateAuthority";
import type { CheckResult } from "./checks";

interface Body {
  properties?: {
    provisioningState?: string;
    validityNotAfter?: string;
    certificate?: { validityPeriodInDays?: number };
    issuer?: { status?: string };
    provisioning?: { endpoints?: Record<string, { resourceId?: string; linkingState?: string; linkingError?: { code?: string; message?: string } }> };
  };
}

/** What was read: by ARM id, the resource (undefined: 404) or the error text. */
export type AdrLive = Record<string, Body | undefined | { error: string }>;

export interface AdrTarget {
  readonly subscriptionId: string;
  readonly resourceGroupName: string;
  readonly armEndpoint?: string;
}

function idsOf(config: StackConfig, t: AdrTarget): string[] {
  const adr = config.deviceRegistry!;
  const base = { subscriptionId: t.subscriptionId, resourceGroupName: t.resourceGroupName, namespaceName: adr.namespace.name };
  const ids = [adrIds.namespace(base)];
  if (adr.certificateAuthorities.some((c) => issuerOf(c).kind === "microsoft")) ids.push(adrIds.certificateAuthority({ ...base, certificateAuthorityName: adr.rootName }));
  for (const ca of adr.certificateAuthorities) {
    ids.push(adrIds.certificateAuthority({ ...base, certificateAuthorityName: ca.name }));
    ids.push(adrIds.certificatePolicy({ ...base, certificateAuthorityName: ca.name, certificatePolicyName: ca.policy.name }));
  }
  return ids;
}

export async function gatherAdr(config: StackConfig | TenantStackConfig, t: AdrTarget): Promise<AdrLive> {
  if (config.role === "tenant" || !config.deviceRegistry) return {};
  const client = new DeviceRegistryClient({ subscriptionId: t.subscriptionId, endpoint: t.armEndpoint });
  const entries = await Promise.all(
    idsOf(config, t).map(async (id) => {
      try {
        return [id, await client.get<Body>(id)] as const;
      } catch (e) {
        return [id, { error: (e as Error).message.split("\n")[0] }] as const;
      }
    }),
  );
  return Object.fromEntries(entries);
}

const DAY_MS = 86_400_000;

export function adrChecks(config: StackConfig | TenantStackConfig, t: AdrTarget, live: AdrLive, now: Date = new Date()): CheckResult[] {
  if (config.role === "tenant" || !config.deviceRegistry) return [];
  const adr = config.deviceRegistry;
  const base = { subscriptionId: t.subscriptionId, resourceGroupName: t.resourceGroupName, namespaceName: adr.namespace.name };
  const rows: CheckResult[] = [];
  const found = (check: string, id: string, fix: string): Body | undefined => {
    const value = live[id];
    if (value && "error" in value) rows.push({ check, status: "fail", detail: `could not be read: ${value.error}`, fix: "Sign in with an identity that can read it (Reader on the resource group)." });
    else if (!value) rows.push({ check, status: "fail", detail: "not found", fix });
    else return value as Body;
    return undefined;
  };
  const ns = found(`Device Registry namespace ${adr.namespace.name}`, adrIds.namespace(base), "`pulumi up` creates it; if it was deleted by hand, `pulumi refresh` first.");
  if (ns) {
    const state = ns.properties?.provisioningState;
    rows.push({ check: `Device Registry namespace ${adr.namespace.name}`, status: state === "Succeeded" ? "pass" : "fail", detail: `provisioningState ${state ?? "unknown"}`, ...(state === "Succeeded" ? {} : { fix: "A failed link leaves the namespace Failed: see the link rows." }) });
    if (adr.link) {
      const endpoints = Object.values(ns.properties?.provisioning?.endpoints ?? {});
      const dpsNames = [config.dps.name, ...(config.shards ?? []).map((s) => s.name)];
      for (const dps of dpsNames) {
        const endpoint = endpoints.find((e) => String(e.resourceId ?? "").toLowerCase().endsWith(`/provisioningservices/${dps.toLowerCase()}`));
        const check = `Device Registry link to DPS ${dps}`;
        if (!endpoint) rows.push({ check, status: "fail", detail: "no provisioning endpoint names this DPS", fix: "`pulumi up` links it (deviceRegistry.link)." });
        else if (endpoint.linkingState === "Succeeded") rows.push({ check, status: "pass", detail: "linkingState Succeeded" });
        else rows.push({ check, status: "fail", detail: `linkingState ${endpoint.linkingState ?? "unknown"}${endpoint.linkingError ? `: ${endpoint.linkingError.code}: ${endpoint.linkingError.message}` : ""}`, fix: "See docs/device-registry.md#the-link for the identity the link needs; then `pulumi up` retries it." });
      }
    }
  }
  const cas = [
    ...(adr.certificateAuthorities.some((c) => issuerOf(c).kind === "microsoft") ? [{ name: adr.rootName, external: false, renewBeforeDays: undefined as number | undefined }] : []),
    ...adr.certificateAuthorities.map((c) => ({ name: c.name, external: issuerOf(c).kind === "external", renewBeforeDays: c.renewBeforeDays })),
  ];
  for (const ca of cas) {
    const check = `Device Registry CA ${ca.name}`;
    const body = found(check, adrIds.certificateAuthority({ ...base, certificateAuthorityName: ca.name }), "`pulumi up` creates it.");
    if (!body) continue;
    const notAfter = body.properties?.validityNotAfter;
    const status = body.properties?.issuer?.status;
    if (ca.external && status !== "Active") {
      rows.push({ check, status: "fail", detail: `status ${status ?? "unknown"}${notAfter ? `, expires ${notAfter.slice(0, 10)}` : ""}`, fix: "`pulumi up` signs and activates it (ActiveButPendingRenewal: re-signs it)." });
      continue;
    }
    const window = (ca.renewBeforeDays ?? DEFAULT_RENEW_BEFORE_DAYS) * DAY_MS;
    if (notAfter && Date.parse(notAfter) - now.getTime() < window) {
      rows.push({ check, status: "fail", detail: `expires ${notAfter.slice(0, 10)}, within ${ca.renewBeforeDays ?? DEFAULT_RENEW_BEFORE_DAYS} days`, fix: ca.external ? "`pulumi up` re-signs and re-activates it." : "ADR renews a Microsoft-issued CA; check the namespace in the portal." });
      continue;
    }
    rows.push({ check, status: "pass", detail: `${ca.external ? `status ${status}, ` : ""}${notAfter ? `expires ${notAfter.slice(0, 10)}` : "present"}` });
  }
  for (const ca of adr.certificateAuthorities) {
    const check = `Device Registry policy ${ca.name}/${ca.policy.name}`;
    const body = found(check, adrIds.certificatePolicy({ ...base, certificateAuthorityName: ca.name, certificatePolicyName: ca.policy.name }), "`pulumi up` creates it.");
    if (!body) continue;
    const days = body.properties?.certificate?.validityPeriodInDays;
    rows.push(days === ca.policy.validityDays
      ? { check, status: "pass", detail: `device certificates live ${days} days` }
      : { check, status: "fail", detail: `validityPeriodInDays ${days ?? "unset"}, the stack says ${ca.policy.validityDays}`, fix: "`pulumi refresh` then `pulumi up` puts the stack's value back." });
  }
  return rows;
}
