/**
 * Dynamic provider for a revoked device: a disabled X.509 individual enrollment carrying the device's
 * certificate. DPS matches a device to its individual enrollment before any group, so a disabled one blocks
 * the device even though its CA's enrollment group is enabled. Deleting the resource (removing the entry from
 * the configuration) deletes the enrollment, which un-revokes the device.
 *
 * The service does not return the certificate on GET, only its info (thumbprints): drift is judged on the
 * SHA-256 thumbprint and on provisioningStatus. Same conventions as the enrollment group provider. A revoked device is
 * the narrow case of an individual enrollment (individualEnrollment.ts): it shares that one's attestation body and
 * certificate facts (requests/x509Attestation.ts) and etag care (enrollmentCare.ts).
 */
import type * as pulumi from "@pulumi/pulumi";
import { deleteWithEtag, dpsClientFor, UNKNOWN } from "./enrollmentCare";
import { DpsRecord, DpsServiceError, parseDpsConnectionString } from "../azure/dpsServiceClient";
import { enrollmentIdRule, isValidEnrollmentId } from "../requests/enrollmentGroupRequest";
import { revokedDeviceProblems } from "../../certs/deviceCertificate";
import { certificateFacts, clientCertificatesAttestation, recordThumbprint } from "../requests/x509Attestation";

export const REVOKED_DEVICE_PROVIDER_VERSION = "2"; // 2: state holds the provider shim; the in-place update rewrites its __provider

export interface RevokedDeviceProviderInputs {
  registrationId: string;
  certificatePem: string;
  serviceHostName: string;
  connectionString?: string;
  /** When this stack assigned the DPS data role (Entra ID): 401/403 are retried while it propagates. */
  dataRoleAssignedAt?: string;
  providerVersion: string;
}

export interface RevokedDeviceProviderOutputs extends RevokedDeviceProviderInputs {
  etag: string;
  /** Upper-case hex, no separators, as the service reports it. */
  sha256Thumbprint: string;
  /** As last read: "disabled" unless someone enabled it by hand. */
  provisioningStatus: string;
}

/** The request body of `PUT /enrollments/{registrationId}`. */
export function revokedDeviceRequestBody(registrationId: string, certificatePem: string): Record<string, unknown> {
  return { registrationId, attestation: clientCertificatesAttestation(certificatePem), provisioningStatus: "disabled" };
}

/** The certificate's SHA-256 thumbprint and subject CN (shared with individual enrollments). */
export { certificateFacts };

function recordFacts(record: DpsRecord): { sha256Thumbprint?: string; provisioningStatus: string } {
  const thumb = recordThumbprint(record?.attestation?.x509?.clientCertificates?.primary);
  return { sha256Thumbprint: thumb, provisioningStatus: record?.provisioningStatus ?? "enabled" };
}

function outputsFrom(inputs: RevokedDeviceProviderInputs, record: DpsRecord): RevokedDeviceProviderOutputs {
  const facts = recordFacts(record);
  return { ...inputs, etag: record.etag, sha256Thumbprint: facts.sha256Thumbprint ?? certificateFacts(inputs.certificatePem).sha256Thumbprint, provisioningStatus: facts.provisioningStatus };
}

async function check(olds: RevokedDeviceProviderInputs, news: RevokedDeviceProviderInputs): Promise<pulumi.dynamic.CheckResult> {
  void olds;
  const failures: pulumi.dynamic.CheckFailure[] = [];
  const known = (v: unknown) => v !== UNKNOWN;
  if (known(news.registrationId) && !isValidEnrollmentId(news.registrationId)) {
    failures.push({ property: "registrationId", reason: `${JSON.stringify(news.registrationId)} is not a valid registration id: ${enrollmentIdRule}` });
  }
  if (known(news.certificatePem)) {
    // The same rule the plan runs (certs/deviceCertificate.ts).
    const registrationId = known(news.registrationId) && typeof news.registrationId === "string" ? news.registrationId : undefined;
    for (const problem of revokedDeviceProblems(registrationId ?? "", String(news.certificatePem ?? ""))) {
      if (problem.property === "certificatePem" || registrationId !== undefined) failures.push({ property: problem.property, reason: problem.reason });
    }
  }
  const host = news.serviceHostName;
  const hostOk = typeof host === "string" && /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/i.test(host);
  if (known(host) && !hostOk) failures.push({ property: "serviceHostName", reason: `${JSON.stringify(host)} is not a DPS service host name` });
  const cs = news.connectionString;
  if (cs && known(cs)) {
    try {
      const parsed = parseDpsConnectionString(cs);
      if (hostOk && parsed.hostName.toLowerCase() !== host.toLowerCase()) {
        failures.push({ property: "connectionString", reason: `is for DPS host ${parsed.hostName}, not serviceHostName ${host}` });
      }
    } catch (err) {
      failures.push({ property: "connectionString", reason: (err as Error).message });
    }
  }
  return { inputs: news, failures };
}

async function diff(id: string, olds: RevokedDeviceProviderOutputs, news: RevokedDeviceProviderInputs): Promise<pulumi.dynamic.DiffResult> {
  void id;
  const replaces: string[] = [];
  if (news.registrationId === UNKNOWN || news.registrationId !== olds.registrationId) replaces.push("registrationId");
  if (news.serviceHostName === UNKNOWN || String(news.serviceHostName).toLowerCase() !== String(olds.serviceHostName).toLowerCase()) replaces.push("serviceHostName");
  let certChanged = news.certificatePem === UNKNOWN;
  if (!certChanged) {
    try {
      certChanged = certificateFacts(news.certificatePem).sha256Thumbprint !== olds.sha256Thumbprint;
    } catch {
      certChanged = true;
    }
  }
  const changes = replaces.length > 0 || certChanged
    || olds.provisioningStatus !== "disabled"
    || news.certificatePem !== olds.certificatePem
    || news.providerVersion !== olds.providerVersion
    || (news.connectionString ?? "") !== (olds.connectionString ?? "")
    || news.serviceHostName !== olds.serviceHostName;
  const caseOnly = replaces.includes("registrationId") && typeof news.registrationId === "string" && news.registrationId.toLowerCase() === String(olds.registrationId).toLowerCase();
  return { changes, replaces, deleteBeforeReplace: caseOnly || undefined };
}

async function create(inputs: RevokedDeviceProviderInputs): Promise<pulumi.dynamic.CreateResult> {
  const client = dpsClientFor(inputs);
  const body = revokedDeviceRequestBody(inputs.registrationId, inputs.certificatePem);
  let record: DpsRecord;
  try {
    record = await client.putIndividualEnrollment(body);
  } catch (err) {
    const e = err as DpsServiceError;
    if (e.statusCode !== 409) throw err;
    const existing = await client.getIndividualEnrollment(inputs.registrationId);
    const facts = existing && recordFacts(existing);
    if (e.afterAmbiguousFailure && facts && facts.provisioningStatus === "disabled" && facts.sha256Thumbprint === certificateFacts(inputs.certificatePem).sha256Thumbprint) {
      record = existing!;
    } else {
      throw new Error(`An individual enrollment "${inputs.registrationId}" already exists in ${client.hostName} and is not managed by this stack`
        + (facts ? ` (provisioningStatus ${facts.provisioningStatus})` : "") + `. Delete it or import it. (${e.message})`);
    }
  }
  return { id: String(record.registrationId ?? inputs.registrationId), outs: outputsFrom(inputs, record) };
}

async function read(id: string, props?: RevokedDeviceProviderOutputs): Promise<pulumi.dynamic.ReadResult> {
  if (!props?.serviceHostName) throw new Error(`Cannot read revoked device "${id}": serviceHostName (and credentials) are not in the state`);
  const record = await dpsClientFor(props).getIndividualEnrollment(id);
  if (!record) return {}; // deleted outside Pulumi (device un-revoked by hand): refresh drops it, `up` revokes again
  const facts = recordFacts(record);
  return {
    id: String(record.registrationId ?? id),
    props: { ...props, etag: record.etag, provisioningStatus: facts.provisioningStatus, sha256Thumbprint: facts.sha256Thumbprint ?? "" },
  };
}

async function update(id: string, olds: RevokedDeviceProviderOutputs, news: RevokedDeviceProviderInputs): Promise<pulumi.dynamic.UpdateResult> {
  const newThumb = certificateFacts(news.certificatePem).sha256Thumbprint;
  if (newThumb === olds.sha256Thumbprint && olds.provisioningStatus === "disabled") {
    return { outs: { ...news, etag: olds.etag, sha256Thumbprint: olds.sha256Thumbprint, provisioningStatus: olds.provisioningStatus } };
  }
  const client = dpsClientFor(news);
  const body = revokedDeviceRequestBody(news.registrationId, news.certificatePem);
  try {
    return { outs: outputsFrom(news, await client.putIndividualEnrollment(body, olds.etag)) };
  } catch (err) {
    const e = err as DpsServiceError;
    if (e.statusCode !== 412 && e.statusCode !== 404) throw err;
    const current = await client.getIndividualEnrollment(id);
    if (!current) throw new Error(`The individual enrollment "${id}" was deleted from ${client.hostName} outside Pulumi. Run \`pulumi refresh\`, then \`pulumi up\`. (${e.message})`);
    const facts = recordFacts(current);
    const changed = [
      ...(facts.provisioningStatus !== olds.provisioningStatus ? ["provisioningStatus"] : []),
      ...(facts.sha256Thumbprint !== olds.sha256Thumbprint ? ["certificate"] : []),
    ];
    if (changed.length === 0) return { outs: outputsFrom(news, await client.putIndividualEnrollment(body, current.etag)) };
    throw new Error(`The individual enrollment "${id}" was changed in ${client.hostName} outside Pulumi since it was last read `
      + `(changed: ${changed.join(", ")}); not overwriting it. Run \`pulumi refresh\` to see the changes, then \`pulumi up\`. (${e.message})`);
  }
}

async function del(id: string, props: RevokedDeviceProviderOutputs): Promise<void> {
  const client = dpsClientFor(props);
  await deleteWithEtag(`The individual enrollment "${id}" (a revoked device)`, client.hostName, () => client.deleteIndividualEnrollment(id, props.etag || undefined));
}

export const revokedDeviceProvider: pulumi.dynamic.ResourceProvider = { check, diff, create, read, update, delete: del };
