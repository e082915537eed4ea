/**
 * Dynamic provider: an Azure Device Registry namespace (Microsoft.DeviceRegistry 2026-11-01) and its link to the
 * DPS instances (`properties.provisioning.endpoints`, docs/device-registry.md "The link").
 *
 *   create  GET; a namespace of that name already there is taken over only when it carries our managed-by tag,
 *           else refused (nothing is overwritten). PUT (long-running, Azure-AsyncOperation). A link answered
 *           `linkingState: Failed` fails the create with its `linkingError` (the next `up` takes it over and retries).
 *   read    GET: identity, endpoints and link states as Azure has them (drift); 404 → gone.
 *   diff    local. Replace when subscription, resource group, name (case-insensitive) or location changes; update
 *           when identity, endpoints, providerVersion or armEndpoint change, or a link read Failed.
 *   update  PUT of the whole declared namespace (never a merge of a stale read).
 *   delete  DELETE (long-running, Location); 204/404 = already gone. The link goes with the namespace.
 * No secret, no credential captured (DefaultAzureCredential is built per call, armClient.ts).
 */
import type * as pulumi from "@pulumi/pulumi";
import { adrIds } from "../azure/deviceRegistryClient";
import { normalizeArmEndpoint } from "../azure/armClient";
import { adrClient, adrErrorText, adrFailures, MANAGED_BY_TAG, NAME_RULES, sameName, type AdrTarget } from "./adrCommon";

export const ADR_NAMESPACE_PROVIDER_VERSION = "1";

export interface AdrEndpoint {
  /** The DPS resource id. */
  resourceId: string;
  /** The identity the DPS calls the namespace with. */
  identityType: "SystemAssigned" | "UserAssigned";
  userAssignedIdentity?: string;
}

export interface AdrNamespaceInputs extends AdrTarget {
  /** The namespace's managed identity (linking needs one: open question 5). */
  identityType: "SystemAssigned" | "None";
  /** Provisioning endpoints by name (one per DPS and shard). */
  provisioningEndpoints: Record<string, AdrEndpoint>;
}

export interface AdrLinkState {
  linkingState: string;
  linkingError?: { code?: string; message?: string };
}

export interface AdrNamespaceOutputs extends AdrNamespaceInputs {
  uuid?: string;
  provisioningState?: string;
  principalId?: string;
  links: Record<string, AdrLinkState>;
}

interface NamespaceBody {
  tags?: Record<string, string>;
  identity?: { type?: string; principalId?: string };
  properties?: { uuid?: string; provisioningState?: string; provisioning?: { endpoints?: Record<string, { resourceId: string; inboundCallerIdentity?: { type: string; userAssignedIdentity?: string }; linkingState?: string; linkingError?: { code?: string; message?: string } }> } };
}

const idOf = (p: AdrNamespaceInputs) => adrIds.namespace(p);

function bodyOf(p: AdrNamespaceInputs): unknown {
  const endpoints: Record<string, unknown> = {};
  for (const [name, e] of Object.entries(p.provisioningEndpoints ?? {})) {
    endpoints[name] = {
      endpointType: "Microsoft.Devices/provisioningServices",
      resourceId: e.resourceId,
      inboundCallerIdentity: { type: e.identityType, ...(e.userAssignedIdentity ? { userAssignedIdentity: e.userAssignedIdentity } : {}) },
    };
  }
  return { location: p.location, tags: { ...MANAGED_BY_TAG }, identity: { type: p.identityType }, properties: { provisioning: { endpoints } } };
}

function outputsOf(p: AdrNamespaceInputs, b: NamespaceBody): AdrNamespaceOutputs {
  const links: Record<string, AdrLinkState> = {};
  const endpoints: Record<string, AdrEndpoint> = {};
  for (const [name, e] of Object.entries(b.properties?.provisioning?.endpoints ?? {})) {
    links[name] = { linkingState: e.linkingState ?? "Unknown", ...(e.linkingError ? { linkingError: e.linkingError } : {}) };
    endpoints[name] = { resourceId: e.resourceId, identityType: (e.inboundCallerIdentity?.type ?? "SystemAssigned") as AdrEndpoint["identityType"], ...(e.inboundCallerIdentity?.userAssignedIdentity ? { userAssignedIdentity: e.inboundCallerIdentity.userAssignedIdentity } : {}) };
  }
  return {
    ...p,
    identityType: (b.identity?.type ?? "None") as AdrNamespaceInputs["identityType"],
    provisioningEndpoints: endpoints,
    uuid: b.properties?.uuid,
    provisioningState: b.properties?.provisioningState,
    ...(b.identity?.principalId ? { principalId: b.identity.principalId } : {}),
    links,
  };
}

function failedLinks(o: AdrNamespaceOutputs): string[] {
  return Object.entries(o.links ?? {})
    .filter(([, l]) => l.linkingState === "Failed")
    .map(([name, l]) => `${name}: ${l.linkingError?.code ?? "Failed"}: ${l.linkingError?.message ?? ""}`);
}

const canonical = (e: Record<string, AdrEndpoint> | undefined) =>
  JSON.stringify(Object.entries(e ?? {}).sort(([a], [b]) => a.localeCompare(b)).map(([n, v]) => [n, v.resourceId.toLowerCase(), v.identityType, v.userAssignedIdentity ?? ""]));

async function put(p: AdrNamespaceInputs, creating: boolean): Promise<AdrNamespaceOutputs> {
  const client = adrClient(p);
  const where = `namespace ${p.namespaceName}`;
  try {
    if (creating) {
      const existing = await client.get<NamespaceBody>(idOf(p));
      if (existing && existing.tags?.["managed-by"] !== MANAGED_BY_TAG["managed-by"]) {
        throw new Error(`${where} already exists in resource group ${p.resourceGroupName} and is not managed by this stack (no managed-by: dps-x509 tag); nothing was changed`);
      }
    }
    const outs = outputsOf(p, await client.put<NamespaceBody>(idOf(p), bodyOf(p)));
    const failed = failedLinks(outs);
    if (failed.length) throw new Error(`the link to the DPS failed (${failed.join("; ")}); see docs/device-registry.md#the-link`);
    return outs;
  } catch (e) {
    throw adrErrorText(where, e);
  }
}

export const adrNamespaceProvider: pulumi.dynamic.ResourceProvider<AdrNamespaceInputs, AdrNamespaceOutputs> = {
  async check(_olds, news) {
    const failures = adrFailures(news as unknown as Record<string, unknown>, ["subscriptionId", "resourceGroupName", "namespaceName", "location", "providerVersion"], { namespaceName: NAME_RULES.namespace });
    return { inputs: news, failures };
  },
  async diff(_id, olds, news) {
    const replaces = (["subscriptionId", "resourceGroupName", "namespaceName", "location"] as const).filter((k) => !sameName(olds[k], news[k]));
    const updates: string[] = [];
    if (olds.identityType !== news.identityType) updates.push("identityType");
    if (canonical(olds.provisioningEndpoints) !== canonical(news.provisioningEndpoints)) updates.push("provisioningEndpoints");
    if (failedLinks(olds).length) updates.push("links");
    if (olds.providerVersion !== news.providerVersion) updates.push("providerVersion");
    if (normalizeArmEndpoint(olds.armEndpoint) !== normalizeArmEndpoint(news.armEndpoint)) updates.push("armEndpoint");
    return { changes: replaces.length + updates.length > 0, replaces, deleteBeforeReplace: true };
  },
  async create(inputs) {
    const outs = await put(inputs, true);
    return { id: idOf(inputs), outs };
  },
  async read(id, props) {
    if (!props) throw new Error(`read of ${id}: no state to read from`);
    const found = await adrClient(props).get<NamespaceBody>(idOf(props)).catch((e) => {
      throw adrErrorText(`namespace ${props.namespaceName}`, e);
    });
    if (!found) return { id: undefined, props: undefined };
    return { id, props: outputsOf(props, found) };
  },
  async update(_id, olds, news) {
    const onlyLocal = olds.identityType === news.identityType && canonical(olds.provisioningEndpoints) === canonical(news.provisioningEndpoints) && !failedLinks(olds).length;
    if (onlyLocal) return { outs: { ...olds, ...news, provisioningEndpoints: news.provisioningEndpoints, links: olds.links } };
    return { outs: await put(news, false) };
  },
  async delete(_id, props) {
    await adrClient(props).delete(idOf(props)).catch((e) => {
      throw adrErrorText(`namespace ${props.namespaceName}`, e);
    });
  },
};
