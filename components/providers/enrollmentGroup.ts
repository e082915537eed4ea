/**
 * Dynamic provider for a DPS X.509 CA enrollment group, through the DPS service API (2021-10-01).
 *
 * - check: the spec's rules (enrollmentGroupSpecProblems), the DPS host, the connection string's shape.
 * - diff: local and exact (no cloud call): the request bodies of old and new are compared; a new enrollment
 *   id or DPS host replaces the group.
 * - create: PUT of the body. A 409 after an ambiguous failure of the same PUT (5xx: it may have been applied)
 *   adopts the group if it is exactly what was sent; otherwise "already exists" is an error.
 * - read: GET, mapped back to the spec, so `pulumi refresh` shows drift and the next `up` puts it back.
 * - update: PUT with If-Match of the stored etag; on 412 the group is read again and the error names the
 *   fields that changed underneath instead of overwriting them. Credentials-only changes send nothing.
 * - create with `adopt`: GET; an existing group is taken over by a PUT of the stack's values with its etag, and
 *   `adoptedChanges` lists what that changed. Without `adopt`, an existing group is refused, saying how to adopt it.
 * - delete: DELETE with If-Match of the last known etag; 404 means done; 412 (changed since the last refresh) is
 *   never a silent delete: the error says so and points to `pulumi refresh`.
 *
 * Conventions (DESIGN.md): npm modules are required inside the methods, no credential is captured (the
 * connection string is an input, a secret, or DefaultAzureCredential is used), `providerVersion` is an input.
 */
import type * as pulumi from "@pulumi/pulumi";
import { adoptEnrollmentGroup, containsUnknown, deleteWithEtag, dpsClientFor, outputsWithRecord, pickSpec, UNKNOWN } from "./enrollmentCare";

/** Re-exported: the plan and the tests read the unknown value from here. */
export { UNKNOWN };
import { DpsRecord, DpsServiceError, parseDpsConnectionString } from "../azure/dpsServiceClient";
import {
  canonicalJson,
  changedEnrollmentGroupFields,
  comparableEnrollmentGroupBody,
  EnrollmentGroupSpec,
  enrollmentGroupRequestBody,
  enrollmentGroupSpecProblems,
  specFromEnrollmentGroupRecord,
} from "../requests/enrollmentGroupRequest";
import { thumbprintOf } from "../requests/x509Attestation";

/** Bump when the provider's behaviour changes, so that existing groups get the new code on the next `up`. */
export const ENROLLMENT_GROUP_PROVIDER_VERSION = "2"; // 2: state holds the provider shim; the in-place update rewrites its __provider

export interface EnrollmentGroupProviderInputs extends EnrollmentGroupSpec {
  serviceHostName: string;
  connectionString?: string;
  /** When this stack assigned the DPS data role (Entra ID): 401/403 are retried while it propagates. */
  dataRoleAssignedAt?: string;
  providerVersion: string;
  /** Take over an existing group of this id (docs/day-two.md). */
  adopt?: boolean;
}

export interface EnrollmentGroupProviderOutputs extends EnrollmentGroupProviderInputs {
  etag: string;
  /** Set when the group was adopted: the fields the stack's PUT changed. */
  adoptedChanges?: string[];
  createdDateTimeUtc?: string;
  lastUpdatedDateTimeUtc?: string;
}

const SPEC_KEYS = ["enrollmentId", "primaryCaName", "secondaryCaName", "attestation", "primaryCertificatePem", "secondaryCertificatePem", "primaryThumbprint", "secondaryThumbprint", "provisioningStatus", "allocationPolicy", "iotHubHostNames", "customAllocation", "initialTwin", "reprovisionPolicy", "edgeEnabled"] as const;

export function specOf(props: Partial<EnrollmentGroupProviderInputs>): EnrollmentGroupSpec {
  return pickSpec<EnrollmentGroupSpec>(props, SPEC_KEYS);
}

function outputsFrom(inputs: EnrollmentGroupProviderInputs, record: DpsRecord): EnrollmentGroupProviderOutputs {
  return outputsWithRecord<EnrollmentGroupProviderOutputs>(inputs, record);
}

const sameBody = (a: EnrollmentGroupSpec, b: EnrollmentGroupSpec) => canonicalJson(comparableEnrollmentGroupBody(a)) === canonicalJson(comparableEnrollmentGroupBody(b));
const sameHost = (a: unknown, b: unknown) => String(a ?? "").toLowerCase() === String(b ?? "").toLowerCase();

async function check(olds: EnrollmentGroupProviderInputs, news: EnrollmentGroupProviderInputs): Promise<pulumi.dynamic.CheckResult> {
  void olds;
  const isUnknown = (v: unknown) => v === UNKNOWN;
  const failures: pulumi.dynamic.CheckFailure[] = enrollmentGroupSpecProblems(news as never, isUnknown).map((p) => ({ property: p.property, reason: p.reason }));
  const host = news.serviceHostName;
  const hostOk = typeof host === "string" && /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/i.test(host);
  if (!isUnknown(host) && !hostOk) {
    failures.push({ property: "serviceHostName", reason: `${JSON.stringify(host)} is not a DPS service host name (<dps>.azure-devices-provisioning.net)` });
  }
  const cs = news.connectionString;
  if (cs !== undefined && cs !== null && cs !== "" && !isUnknown(cs)) {
    try {
      const parsed = parseDpsConnectionString(cs);
      if (hostOk && !sameHost(parsed.hostName, host)) {
        failures.push({ property: "connectionString", reason: `is for DPS host ${parsed.hostName}, not serviceHostName ${host}` });
      }
    } catch (err) {
      failures.push({ property: "connectionString", reason: (err as Error).message });
    }
  }
  if (!isUnknown(news.providerVersion) && typeof news.providerVersion !== "string") {
    failures.push({ property: "providerVersion", reason: "is required" });
  }
  return { inputs: news, failures };
}

async function diff(id: string, olds: EnrollmentGroupProviderOutputs, news: EnrollmentGroupProviderInputs): Promise<pulumi.dynamic.DiffResult> {
  void id;
  const replaces: string[] = [];
  let deleteBeforeReplace = false;
  if (news.enrollmentId === UNKNOWN || news.enrollmentId !== olds.enrollmentId) {
    replaces.push("enrollmentId");
    // DPS ids are case-insensitive: a change of case only is the same group, which must go first.
    if (typeof news.enrollmentId === "string" && news.enrollmentId.toLowerCase() === String(olds.enrollmentId).toLowerCase()) deleteBeforeReplace = true;
  }
  if (news.serviceHostName === UNKNOWN || !sameHost(news.serviceHostName, olds.serviceHostName)) replaces.push("serviceHostName");
  const bodyChanged = containsUnknown(specOf(news)) || !sameBody(specOf(olds), specOf(news));
  const otherChanged = news.providerVersion !== olds.providerVersion
    || (news.connectionString ?? "") !== (olds.connectionString ?? "")
    || news.serviceHostName !== olds.serviceHostName;
  const changes = replaces.length > 0 || bodyChanged || otherChanged;
  return { changes, replaces, deleteBeforeReplace: deleteBeforeReplace || undefined };
}

async function create(inputs: EnrollmentGroupProviderInputs): Promise<pulumi.dynamic.CreateResult> {
  const client = dpsClientFor(inputs);
  const spec = specOf(inputs);
  const body = enrollmentGroupRequestBody(spec);
  if (inputs.adopt === true) {
    const adopted = await adoptEnrollmentGroup(client, spec, body);
    if (adopted) {
      return { id: String(adopted.record.enrollmentGroupId ?? spec.enrollmentId), outs: { ...outputsFrom(inputs, adopted.record), adoptedChanges: adopted.changed } };
    }
  }
  let record: DpsRecord;
  try {
    record = await client.putEnrollmentGroup(body);
  } catch (err) {
    const e = err as DpsServiceError;
    if (e.statusCode !== 409) throw err;
    const existing = await client.getEnrollmentGroup(spec.enrollmentId);
    if (e.afterAmbiguousFailure && existing && sameBody(specFromEnrollmentGroupRecord(existing), spec)) {
      record = existing; // our own PUT went through before its answer was lost
    } else {
      throw new Error(`Enrollment group "${spec.enrollmentId}" already exists in ${client.hostName} and is not managed by this stack`
        + (existing ? ` (it differs in: ${changedEnrollmentGroupFields(specFromEnrollmentGroupRecord(existing), spec).join(", ") || "nothing"})` : "")
        + `. To take it over with the stack's values, set adopt: true on this group in the stack config (or adoptExisting: true on the stack); `
        + `or delete it, or choose another enrollmentId. (${e.message})`);
    }
  }
  return { id: String(record.enrollmentGroupId ?? spec.enrollmentId), outs: outputsFrom(inputs, record) };
}

async function read(id: string, props?: EnrollmentGroupProviderOutputs): Promise<pulumi.dynamic.ReadResult> {
  if (!props?.serviceHostName) throw new Error(`Cannot read enrollment group "${id}": serviceHostName (and credentials) are not in the state`);
  const client = dpsClientFor(props);
  const record = await client.getEnrollmentGroup(id);
  if (!record) return {}; // deleted outside Pulumi: refresh drops it, the next `up` creates it again
  const current = keepHeldCertificates(specFromEnrollmentGroupRecord(record), props);
  const out: Record<string, unknown> = { ...props };
  for (const k of SPEC_KEYS) delete out[k];
  Object.assign(out, current, { etag: record.etag });
  if (record.createdDateTimeUtc) out.createdDateTimeUtc = record.createdDateTimeUtc;
  if (record.lastUpdatedDateTimeUtc) out.lastUpdatedDateTimeUtc = record.lastUpdatedDateTimeUtc;
  return { id: String(record.enrollmentGroupId ?? id), props: out };
}

/**
 * A signing-certificate group reads back as thumbprints only. Where a thumbprint is still that of the certificate in
 * the state, the state's PEM and CA name stand (no drift); otherwise the thumbprint stays, so the next `up` shows the
 * change and puts the configured certificate back.
 */
function keepHeldCertificates(current: EnrollmentGroupSpec, props: Partial<EnrollmentGroupSpec>): EnrollmentGroupSpec {
  if (current.attestation !== "signingCertificate" || props.attestation !== "signingCertificate") return current;
  const out: EnrollmentGroupSpec = { ...current };
  const slots = [["primaryThumbprint", "primaryCertificatePem", "primaryCaName"], ["secondaryThumbprint", "secondaryCertificatePem", "secondaryCaName"]] as const;
  for (const [thumbKey, pemKey, nameKey] of slots) {
    const pem = props[pemKey];
    if (pem && out[thumbKey] && thumbprintOf(pem) === out[thumbKey]) {
      delete out[thumbKey];
      out[pemKey] = pem;
      if (props[nameKey]) (out as unknown as Record<string, unknown>)[nameKey] = props[nameKey];
    }
  }
  return out;
}

async function update(id: string, olds: EnrollmentGroupProviderOutputs, news: EnrollmentGroupProviderInputs): Promise<pulumi.dynamic.UpdateResult> {
  const spec = specOf(news);
  if (sameBody(specOf(olds), spec)) {
    // Only credentials or the provider version changed: nothing to send.
    return { outs: { ...news, etag: olds.etag, createdDateTimeUtc: olds.createdDateTimeUtc, lastUpdatedDateTimeUtc: olds.lastUpdatedDateTimeUtc } };
  }
  const client = dpsClientFor(news);
  const body = enrollmentGroupRequestBody(spec);
  try {
    return { outs: outputsFrom(news, await client.putEnrollmentGroup(body, olds.etag)) };
  } catch (err) {
    const e = err as DpsServiceError;
    if (e.statusCode !== 412 && e.statusCode !== 404) throw err;
    const current = await client.getEnrollmentGroup(id);
    if (!current) {
      throw new Error(`Enrollment group "${id}" was deleted from ${client.hostName} outside Pulumi. Run \`pulumi refresh\`, then \`pulumi up\` to create it again. (${e.message})`);
    }
    const changed = changedEnrollmentGroupFields(specOf(olds), specFromEnrollmentGroupRecord(current));
    if (changed.length === 0) {
      // The etag moved but nothing this stack manages changed: safe to apply on top of the current etag.
      return { outs: outputsFrom(news, await client.putEnrollmentGroup(body, current.etag)) };
    }
    throw new Error(`Enrollment group "${id}" was changed in ${client.hostName} outside Pulumi since it was last read `
      + `(changed: ${changed.join(", ")}); not overwriting it. Run \`pulumi refresh\` to see the changes, then \`pulumi up\` `
      + `to apply the configuration again. (${e.message})`);
  }
}

async function del(id: string, props: EnrollmentGroupProviderOutputs): Promise<void> {
  const client = dpsClientFor(props);
  await deleteWithEtag(`Enrollment group "${id}"`, client.hostName, () => client.deleteEnrollmentGroup(id, props.etag || undefined));
}

export const enrollmentGroupProvider: pulumi.dynamic.ResourceProvider = { check, diff, create, read, update, delete: del };
