/**
 * The client for the DPS service (data-plane) API 2021-10-01, or 2026-11-01 for enrollments that carry Azure Device
 * Registry names (`apiVersion`): Microsoft's `azure-iot-provisioning-service` ProvisioningServiceClient, from a
 * `provisioningserviceowner` connection string or, without one, from a token credential (azureCredential() by default:
 * credential.ts). Every call goes through `withRetry` (429 and 5xx,
 * Retry-After honoured); every failure becomes an `Error` carrying Azure's error code and message, the HTTP
 * status and the enrollment id, and never the key, the connection string or a SAS token.
 *
 * npm packages are required inside the functions: this module is serialized into dynamic providers.
 */
import { redactSecretQueryValues } from "../config/redact";
import type { TokenCredential } from "@azure/identity";
import { httpStatusOf, isRetryableStatus, RetryOptions, withRetry } from "./retry";

export interface DpsServiceClientOptions {
  /** The DPS service host, `<dps>.azure-devices-provisioning.net`. Must match the connection string's HostName. */
  readonly serviceHostName: string;
  /** `HostName=...;SharedAccessKeyName=...;SharedAccessKey=...`. Absent: token credential. */
  readonly connectionString?: string;
  /**
   * The service API version (default 2021-10-01, the SDK's own). 2026-11-01 knows the Device Registry names. The SDK
   * (1.x) hard-codes its version in one method, `_versionQueryString()`, that every request path goes through; the
   * client overrides that method on its own SDK instance, so auth (SAS or Entra ID), retries and bodies stay the SDK's.
   */
  readonly apiVersion?: string;
  /** Used when there is no connection string (default: `azureCredential()`, credential.ts). */
  readonly credential?: TokenCredential;
  /**
   * Entra ID only: when this stack assigned the DPS data role to the running identity (ISO 8601, the assignment's
   * createdOn). Until ROLE_PROPAGATION.windowMs after it, 401 and 403 are retried every ROLE_PROPAGATION.intervalMs.
   */
  readonly dataRoleAssignedAt?: string;
  /** `sleep` and `now` also pace the role-propagation retries. */
  readonly retry?: RetryOptions;
  /** Told of the first wait for the role (default: one line on stderr, which Pulumi shows as the provider's output). */
  readonly onRoleWait?: (message: string) => void;
}

/** A new Azure role assignment takes minutes to reach the DPS; Microsoft documents up to 10 minutes. */
export const ROLE_PROPAGATION = { windowMs: 10 * 60_000, intervalMs: 15_000 } as const;

/** What a 401/403 with Entra ID means, said in the error. */
export const ENTRA_DENIED_HINT =
  'the identity running Pulumi needs the "Device Provisioning Service Data Contributor" role on this DPS (docs/dps-auth.md), or set dpsAuth: sas';

export type DpsRecord = Record<string, any>;

export interface DpsServiceClient {
  readonly hostName: string;
  /** Undefined when the group does not exist (404). */
  getEnrollmentGroup(id: string): Promise<DpsRecord | undefined>;
  /** PUT; with `etag`, sent as If-Match (412 when the group changed since). Without, the service answers 409 if it exists. */
  putEnrollmentGroup(body: DpsRecord, etag?: string): Promise<DpsRecord>;
  /** False when there was nothing to delete (404). With `etag`, sent as If-Match (412 when the group changed since). */
  deleteEnrollmentGroup(id: string, etag?: string): Promise<boolean>;
  getIndividualEnrollment(id: string): Promise<DpsRecord | undefined>;
  putIndividualEnrollment(body: DpsRecord, etag?: string): Promise<DpsRecord>;
  /** As deleteEnrollmentGroup. */
  deleteIndividualEnrollment(id: string, etag?: string): Promise<boolean>;
  /** All device registration states of a group, page after page (continuation token passed explicitly). */
  listGroupRegistrations(groupId: string, pageSize?: number): Promise<DpsRecord[]>;
}

/** What a failed DPS call throws. */
export interface DpsServiceError extends Error {
  readonly statusCode?: number;
  /** Azure's error code (e.g. 400004), when the service sent one. */
  readonly errorCode?: string | number;
  readonly trackingId?: string;
  readonly enrollmentId: string;
  readonly operation: string;
  /** True when an earlier attempt of the same call failed ambiguously (5xx or connection reset): it may have been applied. */
  readonly afterAmbiguousFailure?: boolean;
  readonly attempts?: number;
}

export interface DpsConnectionString {
  readonly hostName: string;
  readonly sharedAccessKeyName: string;
  readonly sharedAccessKey: string;
}

/** Parses a DPS connection string; errors name the missing part, never the value. */
export function parseDpsConnectionString(connectionString: string): DpsConnectionString {
  const parts = new Map<string, string>();
  for (const segment of String(connectionString ?? "").split(";")) {
    const at = segment.indexOf("=");
    if (at > 0) parts.set(segment.slice(0, at).trim().toLowerCase(), segment.slice(at + 1).trim());
  }
  const missing = ["HostName", "SharedAccessKeyName", "SharedAccessKey"].filter((k) => !parts.get(k.toLowerCase()));
  if (missing.length) {
    throw new Error(`the DPS connection string is missing ${missing.join(", ")} (expected HostName=<dps>.azure-devices-provisioning.net;SharedAccessKeyName=...;SharedAccessKey=...)`);
  }
  return { hostName: parts.get("hostname")!, sharedAccessKeyName: parts.get("sharedaccesskeyname")!, sharedAccessKey: parts.get("sharedaccesskey")! };
}

/** Removes secrets from a message: the given values, SAS tokens and signatures, connection-string keys, webhook keys (`code=`). */
export function redact(message: string, secrets: readonly (string | undefined)[] = []): string {
  let out = String(message);
  for (const s of secrets) {
    if (s && s.length >= 4) out = out.split(s).join("***");
  }
  return redactSecretQueryValues(out)
    .replace(/SharedAccessSignature\s+[^\s"',]+/gi, "SharedAccessSignature ***")
    .replace(/\bsig=[^&\s"',]+/gi, "sig=***")
    .replace(/(SharedAccessKey\s*=\s*)[^;\s"',]+/gi, "$1***")
    .replace(/(Bearer\s+)[A-Za-z0-9\-._~+/]+=*/g, "$1***");
}

/** Azure's error code, tracking id and message from a DPS error body (`{errorCode, trackingId, message}` or the older `{Message: "ErrorCode:X;text"}`). */
export function parseDpsErrorBody(body: unknown): { errorCode?: string | number; trackingId?: string; message?: string } {
  let parsed: any = body;
  if (typeof body === "string") {
    try {
      parsed = JSON.parse(body);
    } catch {
      return body.trim() ? { message: body.trim().slice(0, 500) } : {};
    }
  }
  if (!parsed || typeof parsed !== "object") return {};
  if (parsed.errorCode !== undefined || parsed.message !== undefined) {
    return { errorCode: parsed.errorCode, trackingId: parsed.trackingId, message: parsed.message };
  }
  if (typeof parsed.Message === "string") {
    const m = /^ErrorCode:([^;]*);(.*)$/s.exec(parsed.Message);
    const tracking = /Tracking ID:\s*([^\s-][^-\s]*)/i.exec(String(parsed.ExceptionMessage ?? ""));
    return m ? { errorCode: m[1], message: m[2], trackingId: tracking?.[1] } : { message: parsed.Message, trackingId: tracking?.[1] };
  }
  return {};
}

/** Turns whatever the SDK threw into a DpsServiceError (no response object, no headers, no secrets kept). */
export function toDpsServiceError(operation: string, enrollmentId: string, error: unknown, secrets: readonly (string | undefined)[] = []): DpsServiceError {
  const e = (error ?? {}) as any;
  const statusCode = httpStatusOf(e);
  const headerCode = e?.response?.headers?.["x-ms-error-code"];
  const fromBody = parseDpsErrorBody(e?.responseBody);
  const errorCode = fromBody.errorCode ?? headerCode;
  const azureMessage = fromBody.message ?? (statusCode === undefined ? e?.message : undefined);
  const statusText = statusCode !== undefined ? `HTTP ${statusCode}${e?.response?.statusMessage ? ` ${e.response.statusMessage}` : ""}` : (e?.code ? String(e.code) : "no response");
  const parts = [`DPS ${operation} "${enrollmentId}" failed: ${statusText}`];
  if (errorCode !== undefined) parts.push(`error ${errorCode}`);
  let message = parts.join(", ");
  if (azureMessage) message += `: ${azureMessage}`;
  if (fromBody.trackingId) message += ` (tracking id ${fromBody.trackingId})`;
  const out = new Error(redact(message, secrets)) as Error & Record<string, unknown>;
  out.name = "DpsServiceError";
  Object.assign(out, { statusCode, errorCode, trackingId: fromBody.trackingId, enrollmentId, operation });
  if (e?.attempts !== undefined) out.attempts = e.attempts;
  if (e?.afterAmbiguousFailure) out.afterAmbiguousFailure = true;
  return out as unknown as DpsServiceError;
}

/** A 5xx or a dropped connection: the request may or may not have been applied. */
function isAmbiguousFailure(error: unknown): boolean {
  const status = httpStatusOf(error);
  if (status !== undefined) return status >= 500;
  const code = (error as { code?: unknown })?.code;
  return code === "ECONNRESET" || code === "EPIPE" || code === "ETIMEDOUT";
}

function isRetryableDpsError(error: unknown): boolean {
  const status = httpStatusOf(error);
  if (status !== undefined) return isRetryableStatus(status);
  return isAmbiguousFailure(error);
}

/** The version azure-iot-provisioning-service 1.x sends. */
export const SDK_SERVICE_API_VERSION = "2021-10-01";

/**
 * The SDK client seen through an object whose `_versionQueryString` names another API version; everything else
 * (its REST client and token cache) is the shared instance's. Fails loudly if a later SDK drops the method.
 */
function withApiVersion(sdk: any, apiVersion: string): any {
  if (typeof sdk._versionQueryString !== "function" || sdk._versionQueryString() !== `?api-version=${SDK_SERVICE_API_VERSION}`) {
    throw new Error(`azure-iot-provisioning-service no longer builds its api-version the way this client expects; DPS service API ${apiVersion} (Device Registry enrollments) needs a client update`);
  }
  const view = Object.create(sdk);
  view._versionQueryString = () => `?api-version=${encodeURIComponent(apiVersion)}`;
  return view;
}

/** Creates the client. Nothing is sent until a method is called. */
export function createDpsServiceClient(options: DpsServiceClientOptions): DpsServiceClient {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { ProvisioningServiceClient } = require("azure-iot-provisioning-service");
  const serviceHostName = String(options.serviceHostName ?? "").trim();
  if (!serviceHostName) throw new Error("serviceHostName is required: the DPS service host, <dps>.azure-devices-provisioning.net");
  const secrets: string[] = [];
  let sdk: any;
  if (options.connectionString) {
    const cs = parseDpsConnectionString(options.connectionString);
    secrets.push(options.connectionString, cs.sharedAccessKey);
    if (cs.hostName.toLowerCase() !== serviceHostName.toLowerCase()) {
      throw new Error(`the DPS connection string is for host ${cs.hostName}, not ${serviceHostName}`);
    }
    try {
      sdk = ProvisioningServiceClient.fromConnectionString(options.connectionString);
    } catch (err) {
      throw new Error(redact(`the DPS connection string was refused: ${(err as Error)?.message}`, secrets));
    }
  } else if (options.credential) {
    sdk = ProvisioningServiceClient.fromTokenCredential(serviceHostName, options.credential);
  } else {
    // One credential (azureCredential), and one SDK client per host (it caches its access token until near expiry),
    // for the life of the process: a `pulumi up` of many groups would otherwise sign in once per operation.
    // Kept on globalThis, looked up at call time: a module-level cache would be captured by Pulumi's closure
    // serialization, with whatever access token it held, into the state.
    const g = globalThis as { __dpsX509DefaultCredentialClients?: { credential?: TokenCredential; clients: Record<string, any> } };
    const defaultCredentialClients = (g.__dpsX509DefaultCredentialClients ??= { clients: {} });
    const key = serviceHostName.toLowerCase();
    if (!defaultCredentialClients.clients[key]) {
      if (!defaultCredentialClients.credential) {
        // eslint-disable-next-line @typescript-eslint/no-var-requires
        defaultCredentialClients.credential = (require("./credential") as typeof import("./credential")).azureCredential();
      }
      defaultCredentialClients.clients[key] = ProvisioningServiceClient.fromTokenCredential(serviceHostName, defaultCredentialClients.credential);
    }
    sdk = defaultCredentialClients.clients[key];
  }

  const apiVersion = options.apiVersion ?? SDK_SERVICE_API_VERSION;
  if (apiVersion !== SDK_SERVICE_API_VERSION) sdk = withApiVersion(sdk, apiVersion);
  const entraId = !options.connectionString;
  const assignedAt = options.dataRoleAssignedAt ? Date.parse(options.dataRoleAssignedAt) : NaN;
  const now = options.retry?.now ?? Date.now;
  const sleep = options.retry?.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));

  async function call<T>(operation: string, id: string, fn: () => Promise<T>): Promise<T> {
    let ambiguous = false;
    let waitedMs = 0;
    for (;;) {
      try {
        return await withRetry(async () => {
          try {
            return await fn();
          } catch (err) {
            if (ambiguous && err && typeof err === "object") (err as Record<string, unknown>).afterAmbiguousFailure = true;
            if (isAmbiguousFailure(err)) ambiguous = true;
            throw err;
          }
        }, { isRetryable: isRetryableDpsError, ...options.retry });
      } catch (err) {
        const status = httpStatusOf(err);
        const denied = entraId && (status === 401 || status === 403);
        const left = Number.isNaN(assignedAt) ? 0 : assignedAt + ROLE_PROPAGATION.windowMs - now();
        if (denied && left > 0) {
          // The role this stack assigned may not have reached the DPS yet.
          const delay = Math.min(ROLE_PROPAGATION.intervalMs, left);
          if (waitedMs === 0) {
            (options.onRoleWait ?? ((m: string) => console.error(m)))(
              `dps-x509: DPS ${operation} "${id}" got HTTP ${status}: waiting up to ${Math.ceil(left / 1000)} s for the role this stack assigned at ${options.dataRoleAssignedAt} to propagate`,
            );
          }
          waitedMs += delay;
          await sleep(delay);
          continue;
        }
        const error = toDpsServiceError(operation, id, err, secrets);
        if (denied) {
          error.message += `; ${ENTRA_DENIED_HINT}`;
          if (!Number.isNaN(assignedAt)) {
            error.message += waitedMs > 0
              ? `. This stack assigned that role at ${options.dataRoleAssignedAt} and waited ${Math.round(waitedMs / 1000)} s for it to propagate (Azure takes up to 10 minutes): run \`pulumi up\` again in a few minutes`
              : `. This stack assigned that role at ${options.dataRoleAssignedAt}, more than 10 minutes ago: check the assignment`;
          }
        }
        throw error;
      }
    }
  }
  const notFoundAs = async <T>(p: Promise<T>, value: T): Promise<T> => {
    try {
      return await p;
    } catch (err) {
      if ((err as DpsServiceError).statusCode === 404) return value;
      throw err;
    }
  };
  /**
   * The SDK sets If-Match from the object's `etag` property and also JSON-serializes the object. The etag is
   * made non-enumerable so the body sent is exactly the body given (what the offline plan prints).
   */
  const withEtag = (body: DpsRecord, etag?: string): DpsRecord => {
    const copy = { ...body };
    delete copy.etag;
    if (etag) Object.defineProperty(copy, "etag", { value: etag, enumerable: false });
    return copy;
  };

  return {
    hostName: serviceHostName,
    getEnrollmentGroup: (id) =>
      notFoundAs(call("GET enrollment group", id, async () => (await sdk.getEnrollmentGroup(id)).responseBody as DpsRecord), undefined),
    putEnrollmentGroup: (body, etag) =>
      call("PUT enrollment group", String(body.enrollmentGroupId), async () => (await sdk.createOrUpdateEnrollmentGroup(withEtag(body, etag))).responseBody as DpsRecord),
    // The SDK's delete(id, etag) sends the etag as If-Match (provisioningserviceclient.js, _delete).
    deleteEnrollmentGroup: (id, etag) =>
      notFoundAs(call("DELETE enrollment group", id, async () => { await (etag ? sdk.deleteEnrollmentGroup(id, etag) : sdk.deleteEnrollmentGroup(id)); return true; }), false),
    getIndividualEnrollment: (id) =>
      notFoundAs(call("GET individual enrollment", id, async () => (await sdk.getIndividualEnrollment(id)).responseBody as DpsRecord), undefined),
    putIndividualEnrollment: (body, etag) =>
      call("PUT individual enrollment", String(body.registrationId), async () => (await sdk.createOrUpdateIndividualEnrollment(withEtag(body, etag))).responseBody as DpsRecord),
    deleteIndividualEnrollment: (id, etag) =>
      notFoundAs(call("DELETE individual enrollment", id, async () => { await (etag ? sdk.deleteIndividualEnrollment(id, etag) : sdk.deleteIndividualEnrollment(id)); return true; }), false),
    async listGroupRegistrations(groupId, pageSize) {
      const query = sdk.createEnrollmentGroupDeviceRegistrationStateQuery({ query: "*" }, groupId, pageSize);
      const items: DpsRecord[] = [];
      let token: string | undefined;
      for (let page = 0; ; page++) {
        if (page > 100_000) throw new Error(`DPS query of registrations of "${groupId}" did not end after ${page} pages`);
        // Query.next() without an argument drops the continuation token: always pass it explicitly.
        const res = await call("query registrations of enrollment group", groupId, () => query.next(token));
        const body = (res as any).responseBody;
        items.push(...(Array.isArray(body) ? body : Array.isArray(body?.items) ? body.items : []));
        const next = (res as any).httpResponse?.headers?.["x-ms-continuation"];
        if (!next) return items;
        token = String(next);
      }
    },
  };
}
