/**
 * Dynamic provider for a revoked device: a disabled X.509 individual enrollment carrying the device's
 * certificate. DPS matches a device to its individual enrollment before any group, so a disabled one blocks
 * the device even though its CA's enrollment group is enabled. Deleting the resource (removing the entry from
 * the configuration) deletes the enrollment, which un-revokes the device.
 *
 * The service does not return the certificate on GET, only its info (thumbprints): drift is judged on the
 * SHA-256 thumbprint and on provisioningStatus. A revoked device is the narrow case of an individual enrollment
 * (individualEnrollment.ts): it shares that one's attestation body and certificate facts (requests/x509Attestation.ts)
 * and the create (409 recognition, `adopt`) / update / delete flow (enrollmentProvider.ts). It manages only the
 * registration id, the certificate and the disabled status: whatever else the enrollment holds (a tag added in the
 * portal, hubs) is kept on every write.
 */
import type * as pulumi from "@pulumi/pulumi";
import { dpsClientFor, serviceTargetFailures, UNKNOWN } from "./enrollmentCare";
import { type EnrollmentKind, enrollmentWrites } from "./enrollmentProvider";
import type { DpsRecord } from "../azure/dpsServiceClient";
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
  /** Take over the individual enrollment of this registration id that already exists (docs/day-two.md). */
  adopt?: boolean;
}

export interface RevokedDeviceProviderOutputs extends RevokedDeviceProviderInputs {
  etag: string;
  /** Set when adopted: the fields the stack's PUT changed. */
  adoptedChanges?: string[];
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
  failures.push(...serviceTargetFailures(news, (v) => !known(v)));
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

/** The fields a revoked device manages by which a record differs from the given thumbprint and the disabled status. */
function differencesFrom(record: DpsRecord, sha256Thumbprint: string | undefined, provisioningStatus: string): string[] {
  const facts = recordFacts(record);
  return [
    ...(facts.provisioningStatus !== provisioningStatus ? ["provisioningStatus"] : []),
    ...(facts.sha256Thumbprint !== sha256Thumbprint ? ["certificate"] : []),
  ];
}

const thumbprintOfInputs = (inputs: RevokedDeviceProviderInputs) => certificateFacts(inputs.certificatePem).sha256Thumbprint;

/** What the shared flow needs to know of a revoked device (enrollmentProvider.ts). */
const revokedKind: EnrollmentKind<RevokedDeviceProviderInputs, RevokedDeviceProviderOutputs> = {
  what: (id) => `The individual enrollment "${id}" (a revoked device)`,
  idKey: "registrationId",
  adoptWhere: "this revoked device (enrollmentGroups[].revokedDevices[])",
  idOf: (inputs) => inputs.registrationId,
  get: (client, id) => client.getIndividualEnrollment(id),
  put: (client, body, etag) => client.putIndividualEnrollment(body, etag),
  remove: (client, id, etag) => client.deleteIndividualEnrollment(id, etag),
  body: (inputs) => revokedDeviceRequestBody(inputs.registrationId, inputs.certificatePem),
  managedFields: ["registrationId", "attestation", "provisioningStatus"],
  differences: (record, inputs) => differencesFrom(record, thumbprintOfInputs(inputs), "disabled"),
  changedSince: (olds, record) => differencesFrom(record, olds.sha256Thumbprint, olds.provisioningStatus),
  unchanged: (olds, news) => thumbprintOfInputs(news) === olds.sha256Thumbprint && olds.provisioningStatus === "disabled",
  recordOutputs: ["sha256Thumbprint", "provisioningStatus"],
  outputs: outputsFrom,
};

export const revokedDeviceProvider: pulumi.dynamic.ResourceProvider = { check, diff, read, ...enrollmentWrites(revokedKind) };
