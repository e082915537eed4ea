/**
 * The DPS service API (2021-10-01) JSON of an X.509 individual enrollment (`IndividualEnrollment`), both ways: the
 * body PUT to /enrollments/{registrationId}, the spec read back from a returned record, the check before anything is
 * sent, and the fields by which two specs differ. The common fields (allocation, hubs, twin, reprovision, IoT Edge,
 * status) are an enrollment group's, built and read by the same functions. Pure: no I/O, no Pulumi.
 *
 * One device, attested by its own certificate only (`clientCertificates.primary`, and `.secondary` to roll it with no
 * gap), as `az iot dps enrollment create --attestation-type x509 --certificate-path --secondary-certificate-path` sends
 * it. DPS takes no CA reference on an individual enrollment (the service SDK's
 * attestationMechanism_createWithX509CAReference: "NOT VALID when attached to an Individual Enrollment").
 */
import {
  canonicalJson,
  type EnrollmentFields,
  enrollmentFieldsFromRecord,
  enrollmentGroupSpecProblems,
  enrollmentIdRule,
  enrollmentRequestFields,
  isValidEnrollmentId,
  type SpecProblem,
} from "./enrollmentGroupRequest";
import { attestationOfRecord, certificateFacts, clientCertificatesAttestation, thumbprintOf } from "./x509Attestation";

export interface IndividualEnrollmentSpec extends EnrollmentFields {
  registrationId: string;
  /** The IoT Hub device id; absent: the registration id. */
  deviceId?: string;
  /** The device's certificate (PEM): `clientCertificates.primary`. */
  certificatePem?: string;
  /** A second certificate of the same device (PEM): `clientCertificates.secondary`, to roll the device's certificate. */
  secondaryCertificatePem?: string;
  /** Read back: the thumbprint of the primary client certificate the enrollment holds (the service returns no certificate). */
  certificateThumbprint?: string;
  /** Read back: the thumbprint of the secondary client certificate. */
  secondaryCertificateThumbprint?: string;
}

export function individualEnrollmentRequestBody(spec: IndividualEnrollmentSpec): Record<string, unknown> {
  const attestation = clientCertificatesAttestation(spec.certificatePem as string, spec.secondaryCertificatePem);
  return { registrationId: spec.registrationId, ...(spec.deviceId ? { deviceId: spec.deviceId } : {}), attestation, ...enrollmentRequestFields(spec) };
}

/** The body as compared: each client certificate stands as its SHA-256 thumbprint (what the service gives back). */
export function comparableIndividualEnrollmentBody(spec: IndividualEnrollmentSpec): Record<string, unknown> {
  const thumb = (pem: string | undefined, read: string | undefined) => thumbprintOf(pem) ?? read ?? (pem ? `unparsable:${pem.length}` : undefined);
  const clientCertificates: Record<string, unknown> = { primary: { sha256Thumbprint: thumb(spec.certificatePem, spec.certificateThumbprint) ?? "" } };
  const secondary = thumb(spec.secondaryCertificatePem, spec.secondaryCertificateThumbprint);
  if (secondary) clientCertificates.secondary = { sha256Thumbprint: secondary };
  const attestation = { type: "x509", x509: { clientCertificates } };
  return { registrationId: spec.registrationId, ...(spec.deviceId ? { deviceId: spec.deviceId } : {}), attestation, ...enrollmentRequestFields(spec) };
}

export function sameIndividualEnrollment(a: IndividualEnrollmentSpec, b: IndividualEnrollmentSpec): boolean {
  return canonicalJson(comparableIndividualEnrollmentBody(a)) === canonicalJson(comparableIndividualEnrollmentBody(b));
}

/** The spec a returned record describes; a client certificate as its thumbprint. */
export function specFromIndividualEnrollmentRecord(record: Record<string, any>): IndividualEnrollmentSpec {
  const held = attestationOfRecord(record);
  const spec: IndividualEnrollmentSpec = { registrationId: record?.registrationId, ...enrollmentFieldsFromRecord(record) };
  if (record?.deviceId) spec.deviceId = record.deviceId;
  spec.certificateThumbprint = held.kind === "caReferences" ? `caReferences:${held.primary}` : held.primary ?? "";
  if (held.kind !== "caReferences" && held.secondary) spec.secondaryCertificateThumbprint = held.secondary;
  return spec;
}

/** The spec fields by which two specs differ, in a fixed order (values never included). */
export function changedIndividualEnrollmentFields(a: IndividualEnrollmentSpec, b: IndividualEnrollmentSpec): string[] {
  const x = comparableIndividualEnrollmentBody(a) as Record<string, any>;
  const y = comparableIndividualEnrollmentBody(b) as Record<string, any>;
  const fields: Array<[string, (body: Record<string, any>) => unknown]> = [
    ["registrationId", (e) => String(e.registrationId ?? "").toLowerCase()],
    ["deviceId", (e) => e.deviceId],
    ["certificatePem", (e) => e.attestation.x509.clientCertificates.primary],
    ["secondaryCertificatePem", (e) => e.attestation.x509.clientCertificates.secondary],
    ["provisioningStatus", (e) => e.provisioningStatus],
    ["allocationPolicy", (e) => e.allocationPolicy],
    ["iotHubHostNames", (e) => (e.iotHubs as string[]).map((h) => String(h).toLowerCase())],
    ["customAllocation", (e) => e.customAllocationDefinition],
    ["initialTwin", (e) => e.initialTwin],
    ["reprovisionPolicy", (e) => e.reprovisionPolicy],
    ["edgeEnabled", (e) => e.capabilities.iotEdge],
    ["deviceRegistry", (e) => [e.namespaceName, e.certificateAuthorityName, e.certificatePolicyName]],
  ];
  return fields.filter(([, get]) => canonicalJson(get(x)) !== canonicalJson(get(y))).map(([name]) => name);
}

/** With X.509 the registration id is the certificate's CN, and a CN holds at most 64 characters (RFC 5280 ub-common-name). */
export const X509_REGISTRATION_ID_MAX = 64;

/** Why a CA reference is refused on an individual enrollment, and what to do instead. */
export const NO_CA_REFERENCE = "DPS attests an individual enrollment by the device's own certificate only; a CA reference is not valid there "
  + "(Microsoft's service SDK: attestationMechanism_createWithX509CAReference; `az iot dps enrollment create` has no --ca-name). "
  + "Allowed: certificatePem (and secondaryCertificatePem). Instead: give the device's certificatePem, or enroll the device through an enrollment group on that CA (enrollmentGroups[].caName)";

/**
 * What is wrong with a spec before anything is sent: the id rule (at most 64 characters: it is the certificate's CN),
 * the device's certificate in each slot (parses, its CN is the registration id, not expired, the two slots differ),
 * no CA reference, and the group rules for the common fields.
 */
export function individualEnrollmentSpecProblems(spec: Partial<Record<keyof IndividualEnrollmentSpec | "caName", unknown>>, isUnknown: (v: unknown) => boolean = () => false, now: Date = new Date()): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const given = (v: unknown) => v !== undefined && v !== null && v !== "";
  const id = spec.registrationId;
  if (!isUnknown(id)) {
    if (!given(id)) problems.push({ property: "registrationId", reason: "is required" });
    else if (!isValidEnrollmentId(id)) problems.push({ property: "registrationId", reason: `${JSON.stringify(id)} is not a valid registration id: ${enrollmentIdRule}` });
    else if (id.length > X509_REGISTRATION_ID_MAX) problems.push({ property: "registrationId", reason: `${JSON.stringify(id)} is ${id.length} characters; allowed: at most ${X509_REGISTRATION_ID_MAX}, since with X.509 it is the certificate's common name` });
  }
  if (spec.deviceId !== undefined && spec.deviceId !== null && !isUnknown(spec.deviceId) && (typeof spec.deviceId !== "string" || !/^[A-Za-z0-9\-:.+%_#*?!(),=@$']{1,128}$/.test(spec.deviceId))) {
    problems.push({ property: "deviceId", reason: `${JSON.stringify(spec.deviceId)} is not an IoT Hub device id: 1–128 letters, digits and - : . + % _ # * ? ! ( ) , = @ $ '` });
  }
  if (given(spec.caName) && !isUnknown(spec.caName)) problems.push({ property: "caName", reason: `${JSON.stringify(spec.caName)} is not allowed: ${NO_CA_REFERENCE}` });
  const thumbs: Record<string, string> = {};
  for (const key of ["certificatePem", "secondaryCertificatePem"] as const) {
    const pem = spec[key];
    if (isUnknown(pem)) continue;
    if (!given(pem)) {
      if (key === "certificatePem") problems.push({ property: key, reason: "is required: the device's certificate (PEM)" });
      continue;
    }
    const problem = deviceCertificateProblem(String(pem), typeof id === "string" && !isUnknown(id) ? id : undefined, now);
    if (problem) problems.push({ property: problem.property === "registrationId" ? "registrationId" : key, reason: problem.reason });
    const thumb = thumbprintOf(pem);
    if (thumb) thumbs[key] = thumb;
  }
  if (thumbs.secondaryCertificatePem && thumbs.secondaryCertificatePem === thumbs.certificatePem) {
    problems.push({ property: "secondaryCertificatePem", reason: "is the same certificate as certificatePem; allowed: the device's next certificate (same CN), to roll it" });
  }
  // The common fields follow the group rules (the id and attestation were checked above).
  // (Only the common fields: a group's own secondaryCertificatePem has rules of its own.)
  const { provisioningStatus, allocationPolicy, iotHubHostNames, customAllocation, initialTwin, reprovisionPolicy, edgeEnabled, deviceRegistry } = spec;
  const common = enrollmentGroupSpecProblems({ enrollmentId: "x", primaryCaName: "x", provisioningStatus, allocationPolicy, iotHubHostNames, customAllocation, initialTwin, reprovisionPolicy, edgeEnabled, deviceRegistry } as never, isUnknown);
  return [...problems, ...common];
}

/** One device certificate: it parses, it is not expired, and its CN is the registration id (when known). */
function deviceCertificateProblem(pem: string, registrationId: string | undefined, now: Date): SpecProblem | undefined {
  let facts: ReturnType<typeof certificateFacts>;
  try {
    facts = certificateFacts(pem);
  } catch {
    return { property: "certificatePem", reason: "is not an X.509 certificate in PEM (value not shown)" };
  }
  if (Date.parse(facts.notAfter) < now.getTime()) {
    return { property: "certificatePem", reason: `expired on ${new Date(facts.notAfter).toISOString()} (CN ${JSON.stringify(facts.commonName ?? "")}); allowed: a certificate valid now. DPS refuses a device whose certificate has expired: issue the device a new one and give it here (or as secondaryCertificatePem, to roll it)` };
  }
  if (registrationId !== undefined && (facts.commonName ?? "").toLowerCase() !== registrationId.toLowerCase()) {
    return { property: "registrationId", reason: `${JSON.stringify(registrationId)} must be the certificate's common name (${JSON.stringify(facts.commonName ?? "")}): DPS registers an X.509 device under its CN` };
  }
  return undefined;
}
