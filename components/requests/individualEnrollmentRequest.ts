/**
 * The DPS service API (2021-10-01) JSON of an X.509 individual enrollment (`IndividualEnrollment`), both ways: the
 * body PUT to /enrollments/{registrationId}, the spec read back from a returned record, the check before anything is
 * sent, and the fields by which two specs differ. The common fields (allocation, hubs, twin, reprovision, IoT Edge,
 * status) are an enrollment group's, built and read by the same functions. Pure: no I/O, no Pulumi.
 *
 * One device, attested by its own certificate (`clientCertificates`, as `az iot dps enrollment create
 * --attestation-type x509 --certificate-path` sends it) or by a CA reference (`caReferences`).
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
import { attestationOfRecord, caReferencesAttestation, certificateFacts, clientCertificatesAttestation, thumbprintOf } from "./x509Attestation";

export interface IndividualEnrollmentSpec extends EnrollmentFields {
  registrationId: string;
  /** The IoT Hub device id; absent: the registration id. */
  deviceId?: string;
  /** The device's certificate (PEM): `clientCertificates`. Exactly one of certificatePem and caName. */
  certificatePem?: string;
  /** A verified DPS CA certificate's name: `caReferences`. */
  caName?: string;
  /** Read back: the thumbprint of the client certificate the enrollment holds (the service returns no certificate). */
  certificateThumbprint?: string;
}

export function individualEnrollmentRequestBody(spec: IndividualEnrollmentSpec): Record<string, unknown> {
  const attestation = spec.certificatePem !== undefined ? clientCertificatesAttestation(spec.certificatePem) : caReferencesAttestation(spec.caName as string);
  return { registrationId: spec.registrationId, ...(spec.deviceId ? { deviceId: spec.deviceId } : {}), attestation, ...enrollmentRequestFields(spec) };
}

/** The body as compared: a client certificate stands as its SHA-256 thumbprint (what the service gives back). */
export function comparableIndividualEnrollmentBody(spec: IndividualEnrollmentSpec): Record<string, unknown> {
  if (spec.caName !== undefined && spec.certificatePem === undefined && spec.certificateThumbprint === undefined) return individualEnrollmentRequestBody(spec);
  const sha256Thumbprint = thumbprintOf(spec.certificatePem) ?? spec.certificateThumbprint ?? `unparsable:${String(spec.certificatePem ?? "").length}`;
  const attestation = { type: "x509", x509: { clientCertificates: { primary: { sha256Thumbprint } } } };
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
  if (held.kind === "caReferences") spec.caName = held.primary;
  else spec.certificateThumbprint = held.primary ?? "";
  return spec;
}

/** The spec fields by which two specs differ, in a fixed order (values never included). */
export function changedIndividualEnrollmentFields(a: IndividualEnrollmentSpec, b: IndividualEnrollmentSpec): string[] {
  const x = comparableIndividualEnrollmentBody(a) as Record<string, any>;
  const y = comparableIndividualEnrollmentBody(b) as Record<string, any>;
  const fields: Array<[string, (body: Record<string, any>) => unknown]> = [
    ["registrationId", (e) => String(e.registrationId ?? "").toLowerCase()],
    ["deviceId", (e) => e.deviceId],
    ["attestation", (e) => e.attestation],
    ["provisioningStatus", (e) => e.provisioningStatus],
    ["allocationPolicy", (e) => e.allocationPolicy],
    ["iotHubHostNames", (e) => (e.iotHubs as string[]).map((h) => String(h).toLowerCase())],
    ["customAllocation", (e) => e.customAllocationDefinition],
    ["initialTwin", (e) => e.initialTwin],
    ["reprovisionPolicy", (e) => e.reprovisionPolicy],
    ["edgeEnabled", (e) => e.capabilities.iotEdge],
  ];
  return fields.filter(([, get]) => canonicalJson(get(x)) !== canonicalJson(get(y))).map(([name]) => name);
}

/**
 * What is wrong with a spec before anything is sent: the id rule, exactly one attestation, a certificate that parses
 * and whose CN is the registration id (DPS requires it), and the group rules for the common fields.
 */
export function individualEnrollmentSpecProblems(spec: Partial<Record<keyof IndividualEnrollmentSpec, unknown>>, isUnknown: (v: unknown) => boolean = () => false): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const given = (v: unknown) => v !== undefined && v !== null && v !== "";
  const id = spec.registrationId;
  if (!isUnknown(id)) {
    if (!given(id)) problems.push({ property: "registrationId", reason: "is required" });
    else if (!isValidEnrollmentId(id)) problems.push({ property: "registrationId", reason: `${JSON.stringify(id)} is not a valid registration id: ${enrollmentIdRule}` });
  }
  if (spec.deviceId !== undefined && spec.deviceId !== null && !isUnknown(spec.deviceId) && (typeof spec.deviceId !== "string" || !/^[A-Za-z0-9\-:.+%_#*?!(),=@$']{1,128}$/.test(spec.deviceId))) {
    problems.push({ property: "deviceId", reason: `${JSON.stringify(spec.deviceId)} is not an IoT Hub device id: 1–128 letters, digits and - : . + % _ # * ? ! ( ) , = @ $ '` });
  }
  const pem = spec.certificatePem;
  const ca = spec.caName;
  if (!isUnknown(pem) && !isUnknown(ca)) {
    if (given(pem) === given(ca)) problems.push({ property: "certificatePem", reason: "give exactly one of certificatePem (the device's certificate) and caName (a CA reference)" });
    else if (given(pem)) {
      let cn: string | undefined;
      try {
        cn = certificateFacts(String(pem)).commonName;
      } catch {
        problems.push({ property: "certificatePem", reason: "is not an X.509 certificate in PEM (value not shown)" });
      }
      if (cn !== undefined && typeof id === "string" && !isUnknown(id) && cn.toLowerCase() !== id.toLowerCase()) {
        problems.push({ property: "registrationId", reason: `${JSON.stringify(id)} must be the certificate's common name (${JSON.stringify(cn)}): DPS registers an X.509 device under its CN` });
      }
    } else if (typeof ca !== "string" || ca.trim() === "") problems.push({ property: "caName", reason: `${JSON.stringify(ca)} must be a non-empty certificate name` });
  }
  // The common fields follow the group rules (the id and CA were checked above).
  const common = enrollmentGroupSpecProblems({ ...spec, enrollmentId: "x", primaryCaName: "x" } as never, isUnknown);
  return [...problems, ...common];
}
