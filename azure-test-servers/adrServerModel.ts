/**
 * Test infrastructure: the model of the local Device Registry server (armDeviceRegistry.ts): its state, the resources
 * it holds, its long-running operations, ARM's refusal shape, and the small helpers every route uses.
 */
import { randomUUID, type KeyObject, type X509Certificate } from "crypto";
import { adrIssuers as sharedIssuers, type AdrIssuers } from "./adrIssuers";

export const ADR_API_VERSION = "2026-11-01";
export const DAY_MS = 86_400_000;
export const NS_NAME = /^[a-z0-9][a-z0-9-]*[a-z0-9]$/;
export const CHILD_NAME = /^[0-9a-zA-Z][a-zA-Z0-9-]*$/;

export type Json = Record<string, unknown>;
export interface Resource {
  id: string;
  name: string;
  type: string;
  location: string;
  tags?: Json;
  identity?: Json;
  properties: Json;
}
export interface Ca extends Resource {
  key: KeyObject;
  certificatePem?: string;
  policies: Map<string, Resource>;
}
export interface Namespace extends Resource {
  cas: Map<string, Ca>;
}
export interface Operation {
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

export class Refusal extends Error {
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


/** Starts an operation; returns the headers that point at its status. */
export function startOperation(state: AdrServerState, sub: string, route: string, header: "azure-asyncoperation" | "location", done: () => void, onFail?: () => void): Record<string, string> {
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


/** What GET answers: the resource, with an External ICA's status as of now (ActiveButPendingRenewal near expiry). */
export function view(state: AdrServerState, r: Resource): Json {
  const { id, name, type, location, tags, identity, properties } = r;
  const props = JSON.parse(JSON.stringify(properties)) as Json;
  const issuer = props.issuer as Json | undefined;
  if (issuer?.status === "Active" && Date.parse(String(props.validityNotAfter)) - state.now() < state.renewalWindowDays * DAY_MS) issuer.status = "ActiveButPendingRenewal";
  return { id, name, type, location, ...(tags ? { tags } : {}), ...(identity ? { identity } : {}), properties: props };
}

export function setValidity(ca: Ca, x: X509Certificate): void {
  ca.properties.validityNotBefore = new Date(x.validFrom).toISOString();
  ca.properties.validityNotAfter = new Date(x.validTo).toISOString();
}

export function checkName(name: string, pattern: RegExp, min: number, max: number, what: string): void {
  if (name.length < min || name.length > max || !pattern.test(name)) {
    throw new Refusal(400, "InvalidResourceName", `The ${what} name '${name}' is invalid: ${min}–${max} characters matching ${pattern.source}.`);
  }
}

export function requireLocation(body: Json): string {
  if (typeof body.location !== "string" || !body.location) throw new Refusal(400, "LocationRequired", "The location property is required for this definition.");
  return body.location;
}

export function notFound(type: string, name: string): never {
  throw new Refusal(404, "ResourceNotFound", `The Resource '${type}/${name}' was not found.`);
}

/** The ARM test server with the Device Registry routes (before `more`, e.g. armSubscriptionRoutes). */
