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
 */
import { createPublicKey, generateKeyPairSync, randomUUID, X509Certificate, type KeyObject } from "crypto";
import { startArmServer, type ArmServer, type ArmServerOptions } from "./armServer";
import type { ExtraRouteAnswer, ExtraRouteRequest } from "./armSubscriptionRoutes";
import { adrIssuers as sharedIssuers, type AdrIssuers, type IssuerKey } from "./adrIssuers";
import { ActivationRefused, checkActivationChain } from "./adrActivation";
import { certificatePem, csrPemSync, issueCertificate, nameDer, sha1Thumbprint } from "./ecCertificates";

export const ADR_API_VERSION = "2026-11-01";
const DAY_MS = 86_400_000;
const NS_NAME = /^[a-z0-9][a-z0-9-]*[a-z0-9]$/;
const CHILD_NAME = /^[0-9a-zA-Z][a-zA-Z0-9-]*$/;

type Json = Record<string, unknown>;
interface Resource {
  id: string;
  name: string;
  type: string;
  location: string;
  tags?: Json;
  identity?: Json;
  properties: Json;
}
interface Ca extends Resource {
  key: KeyObject;
  certificatePem?: string;
  policies: Map<string, Resource>;
}
interface Namespace extends Resource {
  cas: Map<string, Ca>;
}
interface Operation {
  id: string;
  pollsLeft: number;
  done: () => void;
  error?: { code: string; message: string };
  status?: string;
}

export interface AdrServerState {
  /** The server's URL, for the status URLs (set by `startArmServerWithDeviceRegistry`). */
  baseUrl: string;
  retryAfterSeconds: number;
  /** Polls that answer InProgress before an operation finishes. */
  pollsUntilDone: number;
  renewalWindowDays: number;
  now: () => number;
  /** DPS resource ids (lower case) whose link fails. */
  failLinks: Set<string>;
  /** The next operation of this route ends Failed with this error (once). */
  failNext?: { route: string; code: string; message: string };
  /** Accept revokeAndRotate on an External ICA (the swagger's reading) instead of refusing it (Learn's). */
  externalRevokeAndRotate: boolean;
  readonly namespaces: Map<string, Namespace>;
  readonly issuers: AdrIssuers;
  /** Operations by id. */
  readonly operations: Map<string, Operation>;
  /** Thumbprints of ICA certificates revoked by revokeAndRotate. */
  readonly revoked: string[];
}

class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function newAdrServerState(issuers: AdrIssuers = sharedIssuers): AdrServerState {
  return {
    baseUrl: "https://management.azure.com",
    retryAfterSeconds: 0,
    pollsUntilDone: 1,
    renewalWindowDays: 30,
    now: () => Date.now(),
    failLinks: new Set(),
    externalRevokeAndRotate: false,
    namespaces: new Map(),
    issuers,
    operations: new Map(),
    revoked: [],
  };
}

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

/** Starts an operation; returns the headers that point at its status. */
function startOperation(state: AdrServerState, sub: string, route: string, header: "azure-asyncoperation" | "location", done: () => void, onFail?: () => void): Record<string, string> {
  const id = randomUUID();
  const failure = state.failNext?.route === route ? state.failNext : undefined;
  if (failure) state.failNext = undefined;
  state.operations.set(id, {
    id,
    pollsLeft: state.pollsUntilDone,
    done: failure ? (onFail ?? (() => undefined)) : done,
    error: failure && { code: failure.code, message: failure.message },
  });
  const url = `${state.baseUrl}/subscriptions/${sub}/providers/Microsoft.DeviceRegistry/locations/eastus/operationStatuses/${id}?api-version=${ADR_API_VERSION}`;
  return { [header]: url, "retry-after": String(state.retryAfterSeconds) };
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

function putCa(state: AdrServerState, sub: string, ns: Namespace, caName: string, body: Json, key: IssuerKey): Omit<ExtraRouteAnswer, "route"> {
  checkName(caName, CHILD_NAME, 3, 63, "certificate authority");
  const location = requireLocation(body);
  const props = (body.properties ?? {}) as Json;
  const type = props.certificateAuthorityType;
  const issuer = props.issuer as Json | undefined;
  if (type !== "Root" && type !== "ICA") throw new Refusal(400, "InvalidCertificateAuthorityType", "properties.certificateAuthorityType must be 'Root' or 'ICA'.");
  if (props.keyType !== "ECC") throw new Refusal(400, "InvalidKeyType", "properties.keyType must be 'ECC'.");
  const existing = ns.cas.get(caName.toLowerCase());
  if (existing) {
    const was = existing.properties;
    const wasIssuer = (was.issuer ?? {}) as Json;
    if (was.certificateAuthorityType !== type || wasIssuer.issuerType !== issuer?.issuerType || String(wasIssuer.certificateAuthorityResourceId ?? "").toLowerCase() !== String(issuer?.certificateAuthorityResourceId ?? "").toLowerCase()) {
      throw new Refusal(400, "PropertyChangeNotAllowed", "certificateAuthorityType, keyType and issuer cannot be changed; delete and create the certificate authority.");
    }
    existing.tags = body.tags as Json;
    return { status: 200, body: view(state, existing) };
  }
  const others = [...ns.cas.values()];
  const id = `${ns.id}/certificateAuthorities/${caName}`;
  const now = state.now();
  const keys = generateKeyPairSync("ec", { namedCurve: "P-384" });
  const ca: Ca = { id, name: caName, type: "Microsoft.DeviceRegistry/namespaces/certificateAuthorities", location, tags: body.tags as Json, properties: { provisioningState: "Accepted", uuid: randomUUID(), certificateAuthorityType: type, keyType: "ECC", subject: `CN=${caName}` }, key: keys.privateKey, policies: new Map() };
  const entry = state.issuers.putKey(key, keys.privateKey);
  const selfSign = (years: number) => {
    ca.certificatePem = certificatePem(issueCertificate({ subjectName: nameDer(caName), subjectPublicKey: keys.publicKey, issuerKey: keys.privateKey, notBefore: new Date(now), notAfter: new Date(now + years * 365 * DAY_MS), profile: { ca: true, pathLength: 1 } }));
  };
  if (type === "Root") {
    if (others.some((c) => c.properties.certificateAuthorityType === "Root")) throw new Refusal(400, "QuotaExceeded", `Namespace '${ns.name}' already has a root certificate authority (at most one).`);
    selfSign(10);
    entry.chainPem = [ca.certificatePem!];
  } else {
    if (others.filter((c) => c.properties.certificateAuthorityType === "ICA").length >= 3) throw new Refusal(400, "QuotaExceeded", `Namespace '${ns.name}' already has three intermediate certificate authorities (at most three).`);
    if (issuer?.issuerType === "Microsoft") {
      const rootId = String(issuer.certificateAuthorityResourceId ?? "");
      const root = others.find((c) => c.id.toLowerCase() === rootId.toLowerCase() && c.properties.certificateAuthorityType === "Root");
      if (!root) throw new Refusal(400, "InvalidIssuer", `issuer.certificateAuthorityResourceId must be the root certificate authority of namespace '${ns.name}'.`);
      const rootX = new X509Certificate(root.certificatePem!);
      ca.certificatePem = certificatePem(issueCertificate({ subjectName: nameDer(caName), subjectPublicKey: keys.publicKey, issuerName: nameDer(root.name), issuerKey: root.key, issuerPublicKey: rootX.publicKey, notBefore: new Date(now), notAfter: new Date(now + 5 * 365 * DAY_MS), profile: { ca: true, pathLength: 0 } }));
      entry.chainPem = [ca.certificatePem, root.certificatePem!];
      ca.properties.issuer = { issuerType: "Microsoft", certificateAuthorityResourceId: root.id };
    } else if (issuer?.issuerType === "External") {
      ca.properties.issuer = { issuerType: "External", status: "PendingActivation" };
    } else {
      throw new Refusal(400, "InvalidIssuer", "An ICA needs properties.issuer with issuerType 'Microsoft' (and the root's resource id) or 'External'.");
    }
  }
  if (ca.certificatePem) setValidity(ca, new X509Certificate(ca.certificatePem));
  ns.cas.set(caName.toLowerCase(), ca);
  // Azure's 201 body already carries the CSR (example CreateOrReplace_CertificateAuthority_ICAExternalIssuer).
  if (issuer?.issuerType === "External") (ca.properties.issuer as Json).certificateSigningRequest = csrPemSync(keys.privateKey, caName);
  const headers = startOperation(state, sub, "adr.ca.put", "azure-asyncoperation", () => (ca.properties.provisioningState = "Succeeded"), () => (ca.properties.provisioningState = "Failed"));
  return { status: 201, body: view(state, ca), headers };
}

function activate(state: AdrServerState, sub: string, ca: Ca, body: Json, key: IssuerKey): Omit<ExtraRouteAnswer, "route"> {
  const issuer = (ca.properties.issuer ?? {}) as Json;
  if (ca.properties.certificateAuthorityType !== "ICA" || issuer.issuerType !== "External") {
    throw new Refusal(400, "InvalidCertificateAuthorityType", `Only an ICA with issuer type External can be activated; '${ca.name}' is not one.`);
  }
  if (body.certificateChain === undefined) throw new Refusal(400, "MissingRequiredProperty", "certificateChain is required.");
  let checked: ReturnType<typeof checkActivationChain>;
  try {
    checked = checkActivationChain({ chain: body.certificateChain, caKey: createPublicKey(ca.key), csrSubject: `CN=${ca.name}`, now: state.now() });
  } catch (e) {
    if (e instanceof ActivationRefused) throw new Refusal(400, e.code, e.message);
    throw e;
  }
  const headers = startOperation(state, sub, "adr.ca.activate", "location", () => {
    ca.certificatePem = checked.pems[0];
    issuer.status = "Active";
    issuer.thumbprint = sha1Thumbprint(checked.leaf.raw);
    setValidity(ca, checked.leaf);
    state.issuers.activate(key, checked.pems);
  });
  return { status: 202, body: undefined, headers };
}

function revokeAndRotate(state: AdrServerState, sub: string, ns: Namespace, ca: Ca, key: IssuerKey): Omit<ExtraRouteAnswer, "route"> {
  const issuer = (ca.properties.issuer ?? {}) as Json;
  const external = issuer.issuerType === "External";
  if (ca.properties.certificateAuthorityType !== "ICA" || (external && !state.externalRevokeAndRotate)) {
    throw new Refusal(400, "InvalidCertificateAuthorityType", `Revocation is not supported for '${ca.name}' (only an ICA Microsoft issued).`);
  }
  const headers = startOperation(state, sub, "adr.ca.revokeAndRotate", "location", () => {
    if (ca.certificatePem) state.revoked.push(sha1Thumbprint(new X509Certificate(ca.certificatePem).raw));
    const keys = generateKeyPairSync("ec", { namedCurve: "P-384" });
    ca.key = keys.privateKey;
    const entry = state.issuers.putKey(key, keys.privateKey);
    for (const [name, p] of ca.policies) entry.policies.set(name, Number((p.properties.certificate as Json).validityPeriodInDays));
    if (external) {
      ca.certificatePem = undefined;
      ca.properties.issuer = { issuerType: "External", status: "PendingActivation" };
      (ca.properties.issuer as Json).certificateSigningRequest = csrPemSync(keys.privateKey, ca.name);
      return;
    }
    const root = [...ns.cas.values()].find((c) => c.id.toLowerCase() === String(issuer.certificateAuthorityResourceId).toLowerCase())!;
    const now = state.now();
    ca.certificatePem = certificatePem(issueCertificate({ subjectName: nameDer(ca.name), subjectPublicKey: keys.publicKey, issuerName: nameDer(root.name), issuerKey: root.key, issuerPublicKey: new X509Certificate(root.certificatePem!).publicKey, notBefore: new Date(now), notAfter: new Date(now + 5 * 365 * DAY_MS), profile: { ca: true, pathLength: 0 } }));
    entry.chainPem = [ca.certificatePem, root.certificatePem!];
    setValidity(ca, new X509Certificate(ca.certificatePem));
  });
  return { status: 202, body: undefined, headers };
}

function putPolicy(state: AdrServerState, sub: string, route: string, ca: Ca, name: string, body: Json, key: IssuerKey): Omit<ExtraRouteAnswer, "route"> {
  const existing = ca.policies.get(name.toLowerCase());
  if (route === "adr.policy.patch" && !existing) notFound("Microsoft.DeviceRegistry/namespaces/certificateAuthorities/certificatePolicies", name);
  if (route === "adr.policy.put") checkName(name, CHILD_NAME, 3, 63, "certificate policy");
  if (ca.properties.certificateAuthorityType !== "ICA") throw new Refusal(400, "InvalidParentCertificateAuthority", "Certificate policies hang under an intermediate certificate authority, not a root.");
  if (!existing && ca.policies.size >= 1) throw new Refusal(400, "QuotaExceeded", `Certificate authority '${ca.name}' already has a certificate policy (one per ICA).`);
  const days = ((body.properties as Json | undefined)?.certificate as Json | undefined)?.validityPeriodInDays;
  if (days === undefined && route === "adr.policy.put") throw new Refusal(400, "MissingRequiredProperty", "properties.certificate.validityPeriodInDays is required.");
  if (days !== undefined && (typeof days !== "number" || !Number.isInteger(days) || days < 1 || days > 90)) {
    throw new Refusal(400, "InvalidValidityPeriod", `validityPeriodInDays must be an integer from 1 to 90; got ${JSON.stringify(days)}.`);
  }
  const location = route === "adr.policy.put" ? requireLocation(body) : existing!.location;
  const policy: Resource = existing ?? { id: `${ca.id}/certificatePolicies/${name}`, name, type: "Microsoft.DeviceRegistry/namespaces/certificateAuthorities/certificatePolicies", location, properties: { uuid: randomUUID() } };
  if (body.tags !== undefined || route === "adr.policy.put") policy.tags = body.tags as Json;
  if (days !== undefined) policy.properties.certificate = { validityPeriodInDays: days };
  ca.policies.set(name.toLowerCase(), policy);
  state.issuers.setPolicy(key, name, Number((policy.properties.certificate as Json).validityPeriodInDays));
  if (existing && route === "adr.policy.put") return { status: 200, body: view(state, { ...policy, properties: { ...policy.properties, provisioningState: "Succeeded" } }) };
  policy.properties.provisioningState = existing ? policy.properties.provisioningState : "Accepted";
  const header = existing ? "location" : "azure-asyncoperation";
  const headers = startOperation(state, sub, route, header, () => (policy.properties.provisioningState = "Succeeded"));
  return { status: existing ? 202 : 201, body: existing ? undefined : view(state, policy), headers };
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

/** What GET answers: the resource, with an External ICA's status as of now (ActiveButPendingRenewal near expiry). */
function view(state: AdrServerState, r: Resource): Json {
  const { id, name, type, location, tags, identity, properties } = r;
  const props = JSON.parse(JSON.stringify(properties)) as Json;
  const issuer = props.issuer as Json | undefined;
  if (issuer?.status === "Active" && Date.parse(String(props.validityNotAfter)) - state.now() < state.renewalWindowDays * DAY_MS) issuer.status = "ActiveButPendingRenewal";
  return { id, name, type, location, ...(tags ? { tags } : {}), ...(identity ? { identity } : {}), properties: props };
}

function setValidity(ca: Ca, x: X509Certificate): void {
  ca.properties.validityNotBefore = new Date(x.validFrom).toISOString();
  ca.properties.validityNotAfter = new Date(x.validTo).toISOString();
}

function checkName(name: string, pattern: RegExp, min: number, max: number, what: string): void {
  if (name.length < min || name.length > max || !pattern.test(name)) {
    throw new Refusal(400, "InvalidResourceName", `The ${what} name '${name}' is invalid: ${min}–${max} characters matching ${pattern.source}.`);
  }
}

function requireLocation(body: Json): string {
  if (typeof body.location !== "string" || !body.location) throw new Refusal(400, "LocationRequired", "The location property is required for this definition.");
  return body.location;
}

function notFound(type: string, name: string): never {
  throw new Refusal(404, "ResourceNotFound", `The Resource '${type}/${name}' was not found.`);
}

/** The ARM test server with the Device Registry routes (before `more`, e.g. armSubscriptionRoutes). */
export async function startArmServerWithDeviceRegistry(o: { adr?: AdrServerState; options?: ArmServerOptions } = {}): Promise<{ server: ArmServer; adr: AdrServerState }> {
  const adr = o.adr ?? newAdrServerState();
  const routes = deviceRegistryRoutes(adr);
  const more = o.options?.extraRoutes;
  const server = await startArmServer({ ...o.options, extraRoutes: (r) => routes(r) ?? more?.(r) });
  adr.baseUrl = server.url;
  return { server, adr };
}
