/**
 * What the enrollment-group, individual-enrollment and revoked-device providers share: their DPS client and
 * inputs (the service host, the unknown value of a preview, the spec keys, the record's dates in the outputs),
 * deleting only what is still as last seen (If-Match with the last known etag), and checking the DPS they go to.
 * Their create / update / adopt flow is one too: enrollmentProvider.ts.
 *
 * Loaded by the providers at run time, like the rest of components/; holds no credential.
 */
import { serviceApiVersionFor } from "../requests/deviceRegistryNames";
import { createDpsServiceClient, type DpsRecord, type DpsServiceClient, type DpsServiceError, parseDpsConnectionString } from "../azure/dpsServiceClient";

/** Pulumi's unknown value: what a provider sees during a preview for an input only `up` will know. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Whether a value, or anything inside it, is still unknown. */
export function containsUnknown(v: unknown): boolean {
  if (v === UNKNOWN) return true;
  if (Array.isArray(v)) return v.some(containsUnknown);
  if (v && typeof v === "object") return Object.values(v).some(containsUnknown);
  return false;
}

/** The spec part of a provider's inputs: the given keys that are set. */
export function pickSpec<T>(props: object, keys: readonly string[]): T {
  const spec: Record<string, unknown> = {};
  for (const k of keys) {
    const value = (props as Record<string, unknown>)[k];
    if (value !== undefined && value !== null) spec[k] = value;
  }
  return spec as T;
}

/**
 * The DPS service client for a provider's inputs: its host, the DPS key or the data role's assignment time, and the
 * API version: 2026-11-01 when the inputs (or the state it replaces, `also`) carry Device Registry names, so that
 * they are sent, read back and cleared at the version that knows them; 2021-10-01 for classic enrollments.
 */
export function dpsClientFor(props: { serviceHostName?: unknown; connectionString?: string; dataRoleAssignedAt?: string; deviceRegistry?: unknown }, also?: { deviceRegistry?: unknown }): DpsServiceClient {
  return createDpsServiceClient({
    serviceHostName: props.serviceHostName as string,
    connectionString: props.connectionString || undefined,
    dataRoleAssignedAt: props.dataRoleAssignedAt,
    apiVersion: serviceApiVersionFor(props, also),
  });
}

/** The outputs of a write or read: the inputs, the record's etag, and its dates when the service gives them. */
export function outputsWithRecord<T>(inputs: object, record: DpsRecord): T {
  const outs: Record<string, unknown> = { ...inputs, etag: record.etag };
  if (record.createdDateTimeUtc) outs.createdDateTimeUtc = record.createdDateTimeUtc;
  if (record.lastUpdatedDateTimeUtc) outs.lastUpdatedDateTimeUtc = record.lastUpdatedDateTimeUtc;
  return outs as T;
}

/**
 * Runs a DELETE sent with If-Match. 404 (already gone) is done; 412 means the record was changed in the DPS since
 * the stack last read it: never deleted silently.
 */
export async function deleteWithEtag(what: string, hostName: string, remove: () => Promise<boolean>): Promise<void> {
  try {
    await remove(); // false (404): already gone, which is what was asked
  } catch (err) {
    const e = err as DpsServiceError;
    if (e.statusCode !== 412) throw err;
    throw new Error(`${what} was changed in ${hostName} outside Pulumi since the stack last read it; not deleting it. `
      + `Run \`pulumi refresh\` to see the change, then \`pulumi up\` (or \`pulumi destroy\`) again if it should still go. (${e.message})`);
  }
}

const HOST_NAME = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/i;

/** The checks of where an enrollment goes: the DPS service host, and a connection string for that host. */
export function serviceTargetFailures(news: { serviceHostName?: unknown; connectionString?: unknown }, isUnknown: (v: unknown) => boolean): Array<{ property: string; reason: string }> {
  const failures: Array<{ property: string; reason: string }> = [];
  const host = news.serviceHostName;
  const hostOk = typeof host === "string" && HOST_NAME.test(host);
  if (!isUnknown(host) && !hostOk) failures.push({ property: "serviceHostName", reason: `${JSON.stringify(host)} is not a DPS service host name (<dps>.azure-devices-provisioning.net)` });
  const cs = news.connectionString;
  if (typeof cs === "string" && cs !== "" && !isUnknown(cs)) {
    try {
      const parsed = parseDpsConnectionString(cs);
      if (hostOk && parsed.hostName.toLowerCase() !== String(host).toLowerCase()) {
        failures.push({ property: "connectionString", reason: `is for DPS host ${parsed.hostName}, not serviceHostName ${host}` });
      }
    } catch (err) {
      failures.push({ property: "connectionString", reason: (err as Error).message });
    }
  }
  return failures;
}
