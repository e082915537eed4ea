/**
 * A strict local ARM server for Microsoft.DeviceRegistry 2026-11-01 (namespaces, certificateAuthorities,
 * certificatePolicies), written from the REST spec and its examples. It plugs into the ARM test server
 * (armServer.ts) as `extraRoutes`, after the bearer-token check; `startArmServerWithDeviceRegistry` does both.
 *
 *   adr.namespace.{get,put,patch,delete}  …/resourceGroups/{rg}/providers/Microsoft.DeviceRegistry/namespaces/{ns}
 *   adr.ca.{get,put,patch,delete,list}    …/namespaces/{ns}/certificateAuthorities[/{ca}]
 *   adr.ca.activate, adr.ca.revokeAndRotate POST …/certificateAuthorities/{ca}/activate | /revokeAndRotate
 *   adr.policy.{get,put,patch,delete,list} …/certificateAuthorities/{ca}/certificatePolicies[/{p}]
 *   adr.operationStatus                    GET /subscriptions/{s}/providers/Microsoft.DeviceRegistry/locations/{l}/operationStatuses/{id}
 *
 * Long-running: PUT of a new resource answers 201 + `Azure-AsyncOperation` (body `provisioningState: Accepted`),
 * of an existing one 200; PATCH, DELETE and the POST actions answer 202 + `Location`; a DELETE of nothing 204.
 * Every 201/202 carries `Retry-After` (`state.retryAfterSeconds`). The status URL answers `InProgress` for
 * `state.pollsUntilDone` polls, then `Succeeded` (or `Failed` with `error`); the resource's provisioningState
 * follows (a deleted one disappears only then). Refusals are ARM's `{error:{code,message}}`; codes are this fake's
 * choice where Azure's are not documented (docs/device-registry.md lists them).
 *
 * Rules (spec and Learn): names by the spec's patterns; `location` required; `keyType` ECC; one Root and at most
 * three ICAs per namespace; a Microsoft ICA names the namespace's Root; type, key type and issuer are create-only;
 * one policy per ICA, none under a Root, 1–90 days; a CA with policies and a Root an ICA names cannot be deleted.
 * External ICA: a real P-384 key and CSR (CN = the CA name), PendingActivation; activation checked by
 * adrActivation.ts; Active → ActiveButPendingRenewal when fewer than `state.renewalWindowDays` remain.
 * Microsoft Root and ICA: real keys and certificates (10 and 5 years). Keys and chains live in adrIssuers.ts.
 * The namespace's `provisioning.endpoints` link: `linkingState` Succeeded, or Failed with `linkingError` (and the
 * namespace Failed) when the namespace has no managed identity or the DPS id is in `state.failLinks`.
 * Here: routing, operation status, the namespace and its link; CAs and policies in adrCaRoutes.ts; the state and
 * helpers in adrServerModel.ts.
 */
import { randomUUID } from "crypto";
import { startArmServer, type ArmServer, type ArmServerOptions } from "./armServer";
import type { ExtraRouteAnswer, ExtraRouteRequest } from "./armSubscriptionRoutes";
import type { IssuerKey } from "./adrIssuers";
import { activate, putCa, putPolicy, revokeAndRotate } from "./adrCaRoutes";
import { ADR_API_VERSION, NS_NAME, Refusal, checkName, newAdrServerState, notFound, requireLocation, startOperation, view, type AdrServerState, type Json, type Namespace } from "./adrServerModel";

export { ADR_API_VERSION, newAdrServerState, type AdrServerState } from "./adrServerModel";

const NS_PATH = /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.deviceregistry\/namespaces\/([^/]+)(\/certificateauthorities(?:\/([^/]+)(?:\/(activate|revokeandrotate|certificatepolicies)(?:\/([^/]+))?)?)?)?$/i;
const STATUS_PATH = /^\/subscriptions\/([^/]+)\/providers\/microsoft\.deviceregistry\/locations\/([^/]+)\/(?:asyncO|o)perationStatuses\/([^/]+)$/i;

/** The handler for armServer's `extraRoutes`; undefined for a path outside Microsoft.DeviceRegistry. */
export function deviceRegistryRoutes(state: AdrServerState): (request: ExtraRouteRequest) => ExtraRouteAnswer | undefined {
  return (request) => {
    const status = request.path.match(STATUS_PATH);
    const m = request.path.match(NS_PATH);
    if (!status && !m) return undefined;
    const route = status ? "adr.operationStatus" : routeOf(request.method, m!);
    try {
      if (request.apiVersion !== ADR_API_VERSION) {
        throw new Refusal(400, "InvalidApiVersionParameter", `The api-version '${request.apiVersion ?? ""}' is invalid. The supported versions are '${ADR_API_VERSION}'.`);
      }
      if (status) return operationStatus(state, status[1], status[2], status[3]);
      return { route, ...handle(state, route, request, m!) };
    } catch (e) {
      if (e instanceof Refusal) return { route, status: e.status, body: { error: { code: e.code, message: e.message } } };
      throw e;
    }
  };
}

function routeOf(method: string, m: RegExpMatchArray): string {
  const [, , , , caSegment, ca, action, policy] = m;
  const verb = ({ GET: "get", PUT: "put", PATCH: "patch", DELETE: "delete", POST: "post" } as Record<string, string>)[method] ?? method;
  if (!caSegment) return `adr.namespace.${verb}`;
  if (!ca) return method === "GET" ? "adr.ca.list" : `adr.ca.${verb}.collection`;
  if (action?.toLowerCase() === "certificatepolicies") return `adr.policy.${policy ? verb : "list"}`;
  if (action) return action.toLowerCase() === "activate" ? "adr.ca.activate" : "adr.ca.revokeAndRotate";
  return `adr.ca.${verb}`;
}

function operationStatus(state: AdrServerState, sub: string, location: string, id: string): ExtraRouteAnswer {
  const op = state.operations.get(id);
  const opId = `/subscriptions/${sub}/providers/Microsoft.DeviceRegistry/locations/${location}/operationStatuses/${id}`;
  if (!op) return { route: "adr.operationStatus", status: 404, body: { error: { code: "OperationNotFound", message: `Operation '${id}' was not found.` } } };
  if (!op.status && op.pollsLeft > 0) {
    op.pollsLeft -= 1;
    return { route: "adr.operationStatus", status: 200, body: { id: opId, name: id, status: "InProgress", percentComplete: 50 }, headers: { "retry-after": String(state.retryAfterSeconds) } };
  }
  if (!op.status) {
    op.status = op.error ? "Failed" : "Succeeded";
    op.done();
  }
  return { route: "adr.operationStatus", status: 200, body: { id: opId, name: id, status: op.status, percentComplete: 100, ...(op.error ? { error: op.error } : {}) } };
}

function handle(state: AdrServerState, route: string, request: ExtraRouteRequest, m: RegExpMatchArray): Omit<ExtraRouteAnswer, "route"> {
  const [, sub, rg, nsName, , caName, , policyName] = m;
  const body = (request.body ?? {}) as Json;
  const nsKey = `${sub}/${rg}/${nsName}`.toLowerCase();
  const ns = state.namespaces.get(nsKey);
  const nsId = `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.DeviceRegistry/namespaces/${nsName}`;
  const issuerKey = (ca: string): IssuerKey => ({ subscriptionId: sub, resourceGroup: rg, namespace: nsName, caName: ca });
  const mustNs = () => ns ?? notFound("Microsoft.DeviceRegistry/namespaces", nsName);
  const mustCa = () => mustNs().cas.get(caName.toLowerCase()) ?? notFound("Microsoft.DeviceRegistry/namespaces/certificateAuthorities", caName);

  switch (route) {
    case "adr.namespace.get":
      return { status: 200, body: view(state, mustNs()) };
    case "adr.namespace.put":
    case "adr.namespace.patch": {
      if (route === "adr.namespace.put") checkName(nsName, NS_NAME, 3, 64, "namespace");
      const existing = ns;
      if (!existing && route === "adr.namespace.patch") mustNs();
      const location = route === "adr.namespace.put" ? requireLocation(body) : existing!.location;
      const props = (body.properties ?? {}) as Json;
      const resource: Namespace = existing ?? { id: nsId, name: nsName, type: "Microsoft.DeviceRegistry/namespaces", location, properties: { uuid: randomUUID() }, cas: new Map() };
      if (body.tags !== undefined || route === "adr.namespace.put") resource.tags = body.tags as Json;
      if (body.identity !== undefined || route === "adr.namespace.put") resource.identity = identityOf(body.identity as Json | undefined);
      const provisioning = props.provisioning as { endpoints?: Record<string, Json> } | undefined;
      if (provisioning !== undefined || route === "adr.namespace.put") resource.properties.provisioning = { endpoints: checkEndpoints(provisioning?.endpoints ?? {}) };
      resource.properties.provisioningState = "Accepted";
      state.namespaces.set(nsKey, resource);
      const finish = () => link(state, resource);
      if (existing && route === "adr.namespace.put") {
        finish();
        return { status: 200, body: view(state, resource) };
      }
      const header = route === "adr.namespace.put" ? "azure-asyncoperation" : "location";
      const headers = startOperation(state, sub, route, header, finish, () => (resource.properties.provisioningState = "Failed"));
      return { status: existing ? 202 : 201, body: existing ? undefined : view(state, resource), headers };
    }
    case "adr.namespace.delete": {
      if (!ns) return { status: 204, body: undefined };
      ns.properties.provisioningState = "Deleting";
      const headers = startOperation(state, sub, route, "location", () => {
        for (const ca of ns.cas.values()) state.issuers.remove(issuerKey(ca.name));
        state.namespaces.delete(nsKey);
      });
      return { status: 202, body: undefined, headers };
    }
    case "adr.ca.list":
      return { status: 200, body: { value: [...mustNs().cas.values()].map((c) => view(state, c)) } };
    case "adr.ca.get":
      return { status: 200, body: view(state, mustCa()) };
    case "adr.ca.put":
      return putCa(state, sub, mustNs(), caName, body, issuerKey(caName));
    case "adr.ca.patch": {
      const ca = mustCa();
      const extra = Object.keys(body).filter((k) => k !== "tags");
      if (extra.length) throw new Refusal(400, "InvalidRequestContent", `Only tags can be updated on a certificate authority; got ${extra.join(", ")}.`);
      ca.tags = body.tags as Json;
      return { status: 202, body: undefined, headers: startOperation(state, sub, route, "location", () => undefined) };
    }
    case "adr.ca.delete": {
      const ns0 = mustNs();
      const ca = ns0.cas.get(caName.toLowerCase());
      if (!ca) return { status: 204, body: undefined };
      if (ca.policies.size > 0) throw new Refusal(409, "CertificateAuthorityInUse", `The certificate authority '${ca.name}' still has certificate policies; delete them first.`);
      const users = [...ns0.cas.values()].filter((c) => String((c.properties.issuer as Json | undefined)?.certificateAuthorityResourceId ?? "").toLowerCase() === ca.id.toLowerCase());
      if (users.length) throw new Refusal(409, "CertificateAuthorityInUse", `The root '${ca.name}' issues ${users.map((u) => u.name).join(", ")}; delete them first.`);
      ca.properties.provisioningState = "Deleting";
      const headers = startOperation(state, sub, route, "location", () => {
        ns0.cas.delete(caName.toLowerCase());
        state.issuers.remove(issuerKey(ca.name));
      });
      return { status: 202, body: undefined, headers };
    }
    case "adr.ca.activate":
      return activate(state, sub, mustCa(), body, issuerKey(caName));
    case "adr.ca.revokeAndRotate":
      return revokeAndRotate(state, sub, mustNs(), mustCa(), issuerKey(caName));
    case "adr.policy.list":
      return { status: 200, body: { value: [...mustCa().policies.values()].map((p) => view(state, p)) } };
    case "adr.policy.get":
      return { status: 200, body: view(state, mustCa().policies.get(policyName.toLowerCase()) ?? notFound("Microsoft.DeviceRegistry/namespaces/certificateAuthorities/certificatePolicies", policyName)) };
    case "adr.policy.put":
    case "adr.policy.patch":
      return putPolicy(state, sub, route, mustCa(), policyName, body, issuerKey(caName));
    case "adr.policy.delete": {
      const ca = mustCa();
      const policy = ca.policies.get(policyName.toLowerCase());
      if (!policy) return { status: 204, body: undefined };
      policy.properties.provisioningState = "Deleting";
      const headers = startOperation(state, sub, route, "location", () => {
        ca.policies.delete(policyName.toLowerCase());
        state.issuers.removePolicy(issuerKey(ca.name), policyName);
      });
      return { status: 202, body: undefined, headers };
    }
    default:
      throw new Refusal(405, "MethodNotAllowed", `${request.method} is not allowed on ${request.path}.`);
  }
}

function link(state: AdrServerState, ns: Namespace): void {
  const endpoints = ((ns.properties.provisioning as Json | undefined)?.endpoints ?? {}) as Record<string, Json>;
  const hasIdentity = typeof ns.identity?.type === "string" && ns.identity.type !== "None";
  let failed = false;
  for (const endpoint of Object.values(endpoints)) {
    const refused = !hasIdentity || state.failLinks.has(String(endpoint.resourceId).toLowerCase());
    endpoint.linkingState = refused ? "Failed" : "Succeeded";
    if (refused) {
      failed = true;
      endpoint.linkingError = { code: "LinkInitiateFailed", message: `The namespace's managed identity is not authorized to link ${String(endpoint.resourceId)}.` };
    } else delete endpoint.linkingError;
  }
  ns.properties.provisioningState = failed ? "Failed" : "Succeeded";
}

function checkEndpoints(endpoints: Record<string, Json>): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const [name, e] of Object.entries(endpoints)) {
    if (e.endpointType !== "Microsoft.Devices/provisioningServices") throw new Refusal(400, "InvalidEndpointType", `provisioning.endpoints.${name}.endpointType must be 'Microsoft.Devices/provisioningServices'.`);
    if (typeof e.resourceId !== "string" || !/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Devices\/provisioningServices\/[^/]+$/i.test(e.resourceId)) {
      throw new Refusal(400, "InvalidResourceId", `provisioning.endpoints.${name}.resourceId must be a DPS resource id.`);
    }
    const identity = e.inboundCallerIdentity as Json | undefined;
    if (identity?.type !== "SystemAssigned" && identity?.type !== "UserAssigned") throw new Refusal(400, "MissingRequiredProperty", `provisioning.endpoints.${name}.inboundCallerIdentity.type must be SystemAssigned or UserAssigned.`);
    out[name] = { endpointType: e.endpointType, resourceId: e.resourceId, inboundCallerIdentity: identity };
  }
  return out;
}

function identityOf(identity: Json | undefined): Json | undefined {
  if (!identity) return undefined;
  const type = identity.type;
  if (!["None", "SystemAssigned", "UserAssigned", "SystemAssigned,UserAssigned"].includes(String(type))) throw new Refusal(400, "InvalidIdentityType", `identity.type '${String(type)}' is not supported.`);
  return type === "None" ? { type } : { ...identity, principalId: randomUUID(), tenantId: "00000000-0000-0000-0000-0000000000aa" };
}

export async function startArmServerWithDeviceRegistry(o: { adr?: AdrServerState; options?: ArmServerOptions } = {}): Promise<{ server: ArmServer; adr: AdrServerState }> {
  const adr = o.adr ?? newAdrServerState();
  const routes = deviceRegistryRoutes(adr);
  const more = o.options?.extraRoutes;
  const server = await startArmServer({ ...o.options, extraRoutes: (r) => routes(r) ?? more?.(r) });
  adr.baseUrl = server.url;
  return { server, adr };
}
