/**
 * Dynamic provider for an X.509 individual enrollment (one device), through the DPS service API (2021-10-01):
 * PUT|GET|DELETE /enrollments/{registrationId}. The same contract as the enrollment-group provider:
 *
 * - check: the spec's rules (individualEnrollmentSpecProblems), the DPS host, the connection string.
 * - diff: local (no cloud call), on the compared bodies (a certificate by thumbprint); a new registration id or DPS
 *   host replaces the enrollment.
 * - read: GET mapped back to the spec (each certificate slot as its thumbprint): `pulumi refresh` shows drift.
 * - create (409 recognition, `adopt`), update (the declared fields on the current record, with its etag) and delete
 *   (If-Match): the flow every enrollment provider shares (enrollmentProvider.ts).
 *
 * The device's certificate rolls through the secondary slot (`clientCertificates.secondary`), as Microsoft's "roll
 * certificates" how-to does: stage the new certificate as secondary, move it to primary once the device uses it.
 * A revoked device (revokedDevice.ts) is a disabled individual enrollment; it shares the attestation body and the
 * certificate facts (requests/x509Attestation.ts) and the flow with this one.
 */
import type * as pulumi from "@pulumi/pulumi";
import { containsUnknown, dpsClientFor, outputsWithRecord, pickSpec, serviceTargetFailures, UNKNOWN } from "./enrollmentCare";
import { type EnrollmentKind, enrollmentWrites } from "./enrollmentProvider";
import type { DpsRecord } from "../azure/dpsServiceClient";
import {
  changedIndividualEnrollmentFields,
  IndividualEnrollmentSpec,
  individualEnrollmentRequestBody,
  individualEnrollmentSpecProblems,
  sameIndividualEnrollment,
  specFromIndividualEnrollmentRecord,
} from "../requests/individualEnrollmentRequest";
import { thumbprintOf } from "../requests/x509Attestation";
import { DEVICE_REGISTRY_FIELDS } from "../requests/deviceRegistryNames";

/** Bump when the provider's behaviour changes, so that existing enrollments get the new code on the next `up`. */
export const INDIVIDUAL_ENROLLMENT_PROVIDER_VERSION = "1";

export interface IndividualEnrollmentProviderInputs extends IndividualEnrollmentSpec {
  serviceHostName: string;
  connectionString?: string;
  dataRoleAssignedAt?: string;
  providerVersion: string;
  adopt?: boolean;
}

export interface IndividualEnrollmentProviderOutputs extends IndividualEnrollmentProviderInputs {
  etag: string;
  adoptedChanges?: string[];
  createdDateTimeUtc?: string;
  lastUpdatedDateTimeUtc?: string;
}

const SPEC_KEYS = ["registrationId", "deviceId", "certificatePem", "secondaryCertificatePem", "certificateThumbprint", "secondaryCertificateThumbprint", "provisioningStatus", "allocationPolicy", "iotHubHostNames", "customAllocation", "initialTwin", "reprovisionPolicy", "edgeEnabled", "deviceRegistry"] as const;

function specOf(props: Partial<IndividualEnrollmentProviderInputs>): IndividualEnrollmentSpec {
  return pickSpec<IndividualEnrollmentSpec>(props, SPEC_KEYS);
}

function outputsFrom(inputs: IndividualEnrollmentProviderInputs, record: DpsRecord): IndividualEnrollmentProviderOutputs {
  return outputsWithRecord<IndividualEnrollmentProviderOutputs>(inputs, record);
}

async function check(olds: IndividualEnrollmentProviderInputs, news: IndividualEnrollmentProviderInputs): Promise<pulumi.dynamic.CheckResult> {
  void olds;
  const isUnknown = (v: unknown) => v === UNKNOWN;
  const failures: pulumi.dynamic.CheckFailure[] = [
    ...individualEnrollmentSpecProblems(news as never, isUnknown),
    ...serviceTargetFailures(news, isUnknown),
  ].map((p) => ({ property: p.property, reason: p.reason }));
  if (!isUnknown(news.providerVersion) && typeof news.providerVersion !== "string") failures.push({ property: "providerVersion", reason: "is required" });
  return { inputs: news, failures };
}

async function diff(id: string, olds: IndividualEnrollmentProviderOutputs, news: IndividualEnrollmentProviderInputs): Promise<pulumi.dynamic.DiffResult> {
  void id;
  const replaces: string[] = [];
  let deleteBeforeReplace = false;
  if (news.registrationId === UNKNOWN || news.registrationId !== olds.registrationId) {
    replaces.push("registrationId");
    // Registration ids are case-insensitive: a change of case only is the same enrollment, which must go first.
    if (typeof news.registrationId === "string" && news.registrationId.toLowerCase() === String(olds.registrationId).toLowerCase()) deleteBeforeReplace = true;
  }
  const sameHost = String(news.serviceHostName ?? "").toLowerCase() === String(olds.serviceHostName ?? "").toLowerCase();
  if (news.serviceHostName === UNKNOWN || !sameHost) replaces.push("serviceHostName");
  const bodyChanged = containsUnknown(specOf(news)) || !sameIndividualEnrollment(specOf(olds), specOf(news));
  const otherChanged = news.providerVersion !== olds.providerVersion
    || (news.connectionString ?? "") !== (olds.connectionString ?? "")
    || news.serviceHostName !== olds.serviceHostName
    || (news.certificatePem ?? "") !== (olds.certificatePem ?? "")
    || (news.secondaryCertificatePem ?? "") !== (olds.secondaryCertificatePem ?? "");
  return { changes: replaces.length > 0 || bodyChanged || otherChanged, replaces, deleteBeforeReplace: deleteBeforeReplace || undefined };
}

async function read(id: string, props?: IndividualEnrollmentProviderOutputs): Promise<pulumi.dynamic.ReadResult> {
  if (!props?.serviceHostName) throw new Error(`Cannot read individual enrollment "${id}": serviceHostName (and credentials) are not in the state`);
  const record = await dpsClientFor(props).getIndividualEnrollment(id);
  if (!record) return {}; // deleted outside Pulumi: refresh drops it, the next `up` creates it again
  const current = keepHeldCertificates(specFromIndividualEnrollmentRecord(record), props);
  const out: Record<string, unknown> = { ...props };
  for (const k of SPEC_KEYS) delete out[k];
  Object.assign(out, current, { etag: record.etag });
  if (record.createdDateTimeUtc) out.createdDateTimeUtc = record.createdDateTimeUtc;
  if (record.lastUpdatedDateTimeUtc) out.lastUpdatedDateTimeUtc = record.lastUpdatedDateTimeUtc;
  return { id: String(record.registrationId ?? id), props: out };
}

/**
 * The certificate the state holds in a slot stands while the enrollment still holds it (the service returns only its
 * thumbprint); a slot that now holds another certificate keeps the thumbprint, so the next `up` shows the change.
 */
function keepHeldCertificates(current: IndividualEnrollmentSpec, props: Partial<IndividualEnrollmentSpec>): IndividualEnrollmentSpec {
  const out: IndividualEnrollmentSpec = { ...current };
  const slots = [["certificateThumbprint", "certificatePem"], ["secondaryCertificateThumbprint", "secondaryCertificatePem"]] as const;
  for (const [thumbKey, pemKey] of slots) {
    const pem = props[pemKey];
    if (pem && out[thumbKey] !== undefined && thumbprintOf(pem) === out[thumbKey]) {
      delete out[thumbKey];
      out[pemKey] = pem;
    }
  }
  return out;
}

/** What the shared flow needs to know of an individual enrollment (enrollmentProvider.ts). */
const individualKind: EnrollmentKind<IndividualEnrollmentProviderInputs, IndividualEnrollmentProviderOutputs> = {
  what: (id) => `Individual enrollment "${id}"`,
  idKey: "registrationId",
  adoptWhere: "this enrollment",
  idOf: (inputs) => inputs.registrationId,
  get: (client, id) => client.getIndividualEnrollment(id),
  put: (client, body, etag) => client.putIndividualEnrollment(body, etag),
  remove: (client, id, etag) => client.deleteIndividualEnrollment(id, etag),
  body: (inputs) => individualEnrollmentRequestBody(specOf(inputs)),
  managedFields: ["registrationId", "deviceId", "attestation", "capabilities", "initialTwin", "provisioningStatus", "reprovisionPolicy", "allocationPolicy", "iotHubs", "iotHubHostName", "customAllocationDefinition", ...DEVICE_REGISTRY_FIELDS],
  differences: (record, inputs) => {
    const [current, spec] = [specFromIndividualEnrollmentRecord(record), specOf(inputs)];
    if (sameIndividualEnrollment(current, spec)) return [];
    const changed = changedIndividualEnrollmentFields(current, spec);
    return changed.length ? changed : ["registrationId"]; // only the id's case differs
  },
  changedSince: (olds, record) => changedIndividualEnrollmentFields(specOf(olds), specFromIndividualEnrollmentRecord(record)),
  unchanged: (olds, news) => sameIndividualEnrollment(specOf(olds), specOf(news)),
  recordOutputs: ["createdDateTimeUtc", "lastUpdatedDateTimeUtc"],
  outputs: outputsFrom,
};

export const individualEnrollmentProvider: pulumi.dynamic.ResourceProvider = { check, diff, read, ...enrollmentWrites(individualKind) };
