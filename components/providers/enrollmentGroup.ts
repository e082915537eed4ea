/**
 * Dynamic provider for a DPS X.509 CA enrollment group, through the DPS service API (2021-10-01).
 *
 * - check: the spec's rules (enrollmentGroupSpecProblems), the DPS host, the connection string's shape.
 * - diff: local and exact (no cloud call): the request bodies of old and new are compared; a new enrollment
 *   id or DPS host replaces the group.
 * - read: GET, mapped back to the spec, so `pulumi refresh` shows drift and the next `up` puts it back.
 * - create (409 recognition, `adopt`), update (the declared fields on the current record, with its etag; a change
 *   made underneath to a managed field is refused, naming it) and delete (If-Match): the flow every enrollment
 *   provider shares (enrollmentProvider.ts); this file gives it the group's body, comparisons and words.
 *
 * Conventions (DESIGN.md): npm modules are required inside the methods, no credential is captured (the
 * connection string is an input, a secret, or DefaultAzureCredential is used), `providerVersion` is an input.
 */
import type * as pulumi from "@pulumi/pulumi";
import { containsUnknown, dpsClientFor, outputsWithRecord, pickSpec, serviceTargetFailures, UNKNOWN } from "./enrollmentCare";
import { type EnrollmentKind, enrollmentWrites } from "./enrollmentProvider";

/** Re-exported: the plan and the tests read the unknown value from here. */
export { UNKNOWN };
import type { DpsRecord } from "../azure/dpsServiceClient";
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
import { DEVICE_REGISTRY_FIELDS } from "../requests/deviceRegistryNames";

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

const SPEC_KEYS = ["enrollmentId", "primaryCaName", "secondaryCaName", "attestation", "primaryCertificatePem", "secondaryCertificatePem", "primaryThumbprint", "secondaryThumbprint", "provisioningStatus", "allocationPolicy", "iotHubHostNames", "customAllocation", "initialTwin", "reprovisionPolicy", "edgeEnabled", "deviceRegistry"] as const;

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
  const failures: pulumi.dynamic.CheckFailure[] = [
    ...enrollmentGroupSpecProblems(news as never, isUnknown),
    ...serviceTargetFailures(news, isUnknown),
  ].map((p) => ({ property: p.property, reason: p.reason }));
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

/** What the shared flow needs to know of a group (enrollmentProvider.ts). */
const groupKind: EnrollmentKind<EnrollmentGroupProviderInputs, EnrollmentGroupProviderOutputs> = {
  what: (id) => `Enrollment group "${id}"`,
  idKey: "enrollmentId",
  adoptWhere: "this group",
  idOf: (inputs) => inputs.enrollmentId,
  get: (client, id) => client.getEnrollmentGroup(id),
  put: (client, body, etag) => client.putEnrollmentGroup(body, etag),
  remove: (client, id, etag) => client.deleteEnrollmentGroup(id, etag),
  body: (inputs) => enrollmentGroupRequestBody(specOf(inputs)),
  managedFields: ["enrollmentGroupId", "attestation", "capabilities", "initialTwin", "provisioningStatus", "reprovisionPolicy", "allocationPolicy", "iotHubs", "iotHubHostName", "customAllocationDefinition", ...DEVICE_REGISTRY_FIELDS],
  differences: (record, inputs) => {
    const [current, spec] = [specFromEnrollmentGroupRecord(record), specOf(inputs)];
    if (sameBody(current, spec)) return [];
    const changed = changedEnrollmentGroupFields(current, spec);
    return changed.length ? changed : ["enrollmentId"]; // only the id's case differs
  },
  changedSince: (olds, record) => changedEnrollmentGroupFields(specOf(olds), specFromEnrollmentGroupRecord(record)),
  unchanged: (olds, news) => sameBody(specOf(olds), specOf(news)),
  recordOutputs: ["createdDateTimeUtc", "lastUpdatedDateTimeUtc"],
  outputs: outputsFrom,
};

export const enrollmentGroupProvider: pulumi.dynamic.ResourceProvider = { check, diff, read, ...enrollmentWrites(groupKind) };
