/**
 * Dynamic provider for an X.509 individual enrollment (one device), through the DPS service API (2021-10-01):
 * PUT|GET|DELETE /enrollments/{registrationId}. The same contract as the enrollment-group provider:
 *
 * - check: the spec's rules (individualEnrollmentSpecProblems), the DPS host, the connection string.
 * - diff: local (no cloud call), on the compared bodies (a certificate by thumbprint); a new registration id or DPS
 *   host replaces the enrollment.
 * - create: PUT without If-Match: an enrollment that exists is refused by the service (409) and here, saying how to
 *   adopt it, unless our own earlier attempt made it (an ambiguous failure, then exactly our body). With `adopt`: GET,
 *   then a PUT of the stack's body with its etag.
 * - read: GET mapped back to the spec (a certificate as its thumbprint): `pulumi refresh` shows drift.
 * - update: PUT with If-Match of the stored etag; on 412 the error names what changed underneath.
 * - delete: DELETE with If-Match; 404 is done; 412 is never a silent delete.
 *
 * A revoked device (revokedDevice.ts) is a disabled individual enrollment; it shares the attestation body and the
 * certificate facts (requests/x509Attestation.ts) and the etag care (enrollmentCare.ts) with this one.
 */
import type * as pulumi from "@pulumi/pulumi";
import { adoptIndividualEnrollment, containsUnknown, deleteWithEtag, dpsClientFor, outputsWithRecord, pickSpec, serviceTargetFailures, UNKNOWN } from "./enrollmentCare";
import { DpsRecord, DpsServiceError } from "../azure/dpsServiceClient";
import {
  changedIndividualEnrollmentFields,
  IndividualEnrollmentSpec,
  individualEnrollmentRequestBody,
  individualEnrollmentSpecProblems,
  sameIndividualEnrollment,
  specFromIndividualEnrollmentRecord,
} from "../requests/individualEnrollmentRequest";
import { thumbprintOf } from "../requests/x509Attestation";

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

const SPEC_KEYS = ["registrationId", "deviceId", "certificatePem", "caName", "certificateThumbprint", "provisioningStatus", "allocationPolicy", "iotHubHostNames", "customAllocation", "initialTwin", "reprovisionPolicy", "edgeEnabled"] as const;

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
    || (news.certificatePem ?? "") !== (olds.certificatePem ?? "");
  return { changes: replaces.length > 0 || bodyChanged || otherChanged, replaces, deleteBeforeReplace: deleteBeforeReplace || undefined };
}

async function create(inputs: IndividualEnrollmentProviderInputs): Promise<pulumi.dynamic.CreateResult> {
  const client = dpsClientFor(inputs);
  const spec = specOf(inputs);
  const body = individualEnrollmentRequestBody(spec);
  if (inputs.adopt === true) {
    const adopted = await adoptIndividualEnrollment(client, spec, body);
    if (adopted) return { id: String(adopted.record.registrationId ?? spec.registrationId), outs: { ...outputsFrom(inputs, adopted.record), adoptedChanges: adopted.changed } };
  }
  let record: DpsRecord;
  try {
    record = await client.putIndividualEnrollment(body);
  } catch (err) {
    const e = err as DpsServiceError;
    if (e.statusCode !== 409) throw err;
    const existing = await client.getIndividualEnrollment(spec.registrationId);
    const current = existing && specFromIndividualEnrollmentRecord(existing);
    if (e.afterAmbiguousFailure && current && sameIndividualEnrollment(current, spec)) {
      record = existing!; // our own PUT went through before its answer was lost
    } else {
      throw new Error(`Individual enrollment "${spec.registrationId}" already exists in ${client.hostName} and is not managed by this stack`
        + (current ? ` (it differs in: ${changedIndividualEnrollmentFields(current, spec).join(", ") || "nothing"})` : "")
        + ". To take it over with the stack's values, set adopt: true on this enrollment in the stack config (or adoptExisting: true on the stack); "
        + `or delete it, or choose another registrationId. (${e.message})`);
    }
  }
  return { id: String(record.registrationId ?? spec.registrationId), outs: outputsFrom(inputs, record) };
}

async function read(id: string, props?: IndividualEnrollmentProviderOutputs): Promise<pulumi.dynamic.ReadResult> {
  if (!props?.serviceHostName) throw new Error(`Cannot read individual enrollment "${id}": serviceHostName (and credentials) are not in the state`);
  const record = await dpsClientFor(props).getIndividualEnrollment(id);
  if (!record) return {}; // deleted outside Pulumi: refresh drops it, the next `up` creates it again
  const current = specFromIndividualEnrollmentRecord(record);
  // The certificate the state holds stands while the enrollment still holds it (the service returns its thumbprint).
  if (current.certificateThumbprint !== undefined && props.certificatePem && thumbprintOf(props.certificatePem) === current.certificateThumbprint) {
    delete current.certificateThumbprint;
    current.certificatePem = props.certificatePem;
  }
  const out: Record<string, unknown> = { ...props };
  for (const k of SPEC_KEYS) delete out[k];
  Object.assign(out, current, { etag: record.etag });
  if (record.createdDateTimeUtc) out.createdDateTimeUtc = record.createdDateTimeUtc;
  if (record.lastUpdatedDateTimeUtc) out.lastUpdatedDateTimeUtc = record.lastUpdatedDateTimeUtc;
  return { id: String(record.registrationId ?? id), props: out };
}

async function update(id: string, olds: IndividualEnrollmentProviderOutputs, news: IndividualEnrollmentProviderInputs): Promise<pulumi.dynamic.UpdateResult> {
  const spec = specOf(news);
  if (sameIndividualEnrollment(specOf(olds), spec)) {
    // Only credentials, the provider version or the PEM's text (same certificate) changed: nothing to send.
    return { outs: { ...news, etag: olds.etag, createdDateTimeUtc: olds.createdDateTimeUtc, lastUpdatedDateTimeUtc: olds.lastUpdatedDateTimeUtc } };
  }
  const client = dpsClientFor(news);
  const body = individualEnrollmentRequestBody(spec);
  try {
    return { outs: outputsFrom(news, await client.putIndividualEnrollment(body, olds.etag)) };
  } catch (err) {
    const e = err as DpsServiceError;
    if (e.statusCode !== 412 && e.statusCode !== 404) throw err;
    const current = await client.getIndividualEnrollment(id);
    if (!current) throw new Error(`Individual enrollment "${id}" was deleted from ${client.hostName} outside Pulumi. Run \`pulumi refresh\`, then \`pulumi up\` to create it again. (${e.message})`);
    const changed = changedIndividualEnrollmentFields(specOf(olds), specFromIndividualEnrollmentRecord(current));
    if (changed.length === 0) return { outs: outputsFrom(news, await client.putIndividualEnrollment(body, current.etag)) };
    throw new Error(`Individual enrollment "${id}" was changed in ${client.hostName} outside Pulumi since it was last read `
      + `(changed: ${changed.join(", ")}); not overwriting it. Run \`pulumi refresh\` to see the changes, then \`pulumi up\` `
      + `to apply the configuration again. (${e.message})`);
  }
}

async function del(id: string, props: IndividualEnrollmentProviderOutputs): Promise<void> {
  const client = dpsClientFor(props);
  await deleteWithEtag(`Individual enrollment "${id}"`, client.hostName, () => client.deleteIndividualEnrollment(id, props.etag || undefined));
}

export const individualEnrollmentProvider: pulumi.dynamic.ResourceProvider = { check, diff, create, read, update, delete: del };
