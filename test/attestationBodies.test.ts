/**
 * Each X.509 attestation's request body against the DPS service schema 2021-10-01 (azure-rest-api-specs,
 * specification/deviceprovisioningservices/data-plane/Microsoft.Devices/stable/2021-10-01/service.json), and the
 * strict local server refusing what the schema or the service refuses.
 *
 * The schema fragments below are copied from service.json (definitions EnrollmentGroup, IndividualEnrollment,
 * AttestationMechanism, X509Attestation, X509Certificates, X509CertificateWithInfo, X509CAReferences,
 * DeviceCapabilities, ReprovisionPolicy, InitialTwin, CustomAllocationDefinition), not from the code under test.
 */
import { createDeviceCertificate, createIntermediateCa, createRootCa } from "../certs";
import { enrollmentGroupRequestBody, type EnrollmentGroupSpec } from "../components/requests/enrollmentGroupRequest";
import { individualEnrollmentRequestBody, individualEnrollmentSpecProblems, type IndividualEnrollmentSpec } from "../components/requests/individualEnrollmentRequest";
import { createDpsServiceClient } from "../components/azure/dpsServiceClient";
import { FakeDpsServiceServer, startRoutedFakeDps } from "../azure-test-servers/dpsServiceServer";
import { expiredDeviceCertificate } from "./support/deviceCertificates";

type Schema = { type?: string; required?: string[]; properties?: Record<string, Schema>; enum?: string[]; items?: Schema; additionalProperties?: Schema | boolean; $ref?: string };
const def = (name: string): Schema => ({ $ref: name });
const DEFINITIONS: Record<string, Schema> = {
  EnrollmentGroup: {
    type: "object",
    required: ["enrollmentGroupId", "attestation"],
    properties: {
      enrollmentGroupId: { type: "string" }, attestation: def("AttestationMechanism"), capabilities: def("DeviceCapabilities"), iotHubHostName: { type: "string" },
      initialTwin: def("InitialTwin"), etag: { type: "string" }, provisioningStatus: { type: "string", enum: ["enabled", "disabled"] },
      reprovisionPolicy: def("ReprovisionPolicy"), allocationPolicy: { type: "string", enum: ["hashed", "geoLatency", "static", "custom"] },
      iotHubs: { type: "array", items: { type: "string" } }, customAllocationDefinition: def("CustomAllocationDefinition"),
    },
  },
  IndividualEnrollment: {
    type: "object",
    required: ["registrationId", "attestation"],
    properties: {
      registrationId: { type: "string" }, deviceId: { type: "string" }, optionalDeviceInformation: { type: "object" }, attestation: def("AttestationMechanism"),
      capabilities: def("DeviceCapabilities"), iotHubHostName: { type: "string" }, initialTwin: def("InitialTwin"), etag: { type: "string" },
      provisioningStatus: { type: "string", enum: ["enabled", "disabled"] }, reprovisionPolicy: def("ReprovisionPolicy"),
      allocationPolicy: { type: "string", enum: ["hashed", "geoLatency", "static", "custom"] }, iotHubs: { type: "array", items: { type: "string" } },
      customAllocationDefinition: def("CustomAllocationDefinition"),
    },
  },
  AttestationMechanism: { type: "object", required: ["type"], properties: { type: { type: "string", enum: ["none", "tpm", "x509", "symmetricKey"] }, x509: def("X509Attestation") } },
  X509Attestation: { type: "object", properties: { clientCertificates: def("X509Certificates"), signingCertificates: def("X509Certificates"), caReferences: def("X509CAReferences") } },
  X509Certificates: { type: "object", properties: { primary: def("X509CertificateWithInfo"), secondary: def("X509CertificateWithInfo") } },
  X509CertificateWithInfo: { type: "object", properties: { certificate: { type: "string" }, info: { type: "object" } } },
  X509CAReferences: { type: "object", properties: { primary: { type: "string" }, secondary: { type: "string" } } },
  DeviceCapabilities: { type: "object", required: ["iotEdge"], properties: { iotEdge: { type: "boolean" } } },
  ReprovisionPolicy: { type: "object", required: ["updateHubAssignment", "migrateDeviceData"], properties: { updateHubAssignment: { type: "boolean" }, migrateDeviceData: { type: "boolean" } } },
  InitialTwin: { type: "object", properties: { tags: { type: "object", additionalProperties: true }, properties: def("InitialTwinProperties") } },
  InitialTwinProperties: { type: "object", properties: { desired: { type: "object", additionalProperties: true } } },
  CustomAllocationDefinition: { type: "object", required: ["webhookUrl", "apiVersion"], properties: { webhookUrl: { type: "string" }, apiVersion: { type: "string" } } },
};

/** Where a value breaks the schema: missing required, wrong type, a value outside an enum, a property the schema does not name. */
function violations(value: unknown, schema: Schema, at = "$"): string[] {
  if (schema.$ref) return violations(value, DEFINITIONS[schema.$ref], at);
  const out: string[] = [];
  const type = Array.isArray(value) ? "array" : value === null ? "null" : typeof value;
  if (schema.type && schema.type !== type) return [`${at}: ${type}, not ${schema.type}`];
  if (schema.enum && !schema.enum.includes(value as string)) out.push(`${at}: ${JSON.stringify(value)} not in ${schema.enum.join("|")}`);
  if (schema.type === "array" && schema.items) (value as unknown[]).forEach((v, i) => out.push(...violations(v, schema.items!, `${at}[${i}]`)));
  if (schema.type === "object") {
    const obj = value as Record<string, unknown>;
    for (const key of schema.required ?? []) if (obj[key] === undefined) out.push(`${at}.${key}: required`);
    for (const [key, v] of Object.entries(obj)) {
      if (schema.properties?.[key]) out.push(...violations(v, schema.properties[key], `${at}.${key}`));
      else if (!schema.additionalProperties) out.push(`${at}.${key}: not in the schema`);
    }
  }
  return out;
}

const root = createRootCa({ commonName: "Bodies root", keySize: 2048, validityDays: 10 });
const intermediate = createIntermediateCa({ issuer: root, commonName: "Bodies intermediate", keySize: 2048, validityDays: 10 });
const next = createIntermediateCa({ issuer: root, commonName: "Bodies next intermediate", keySize: 2048, validityDays: 10 });
const deviceCert = createDeviceCertificate({ issuer: intermediate, registrationId: "device-9", keySize: 2048 }).certificatePem;
const nextDeviceCert = createDeviceCertificate({ issuer: intermediate, registrationId: "device-9", keySize: 2048 }).certificatePem;
const expiredDeviceCert = expiredDeviceCertificate("device-9");

const fields = {
  provisioningStatus: "enabled", allocationPolicy: "static", iotHubHostNames: ["hub-a.azure-devices.net"],
  initialTwin: { tags: { line: "7" }, properties: { desired: { interval: 5 } } }, reprovisionPolicy: "reprovisionandresetdata", edgeEnabled: true,
} as const;
const groupSpec = (extra: Partial<EnrollmentGroupSpec>): EnrollmentGroupSpec => ({ enrollmentId: "line-7", primaryCaName: "int-ca", ...fields, iotHubHostNames: [...fields.iotHubHostNames], ...extra });
const soloSpec = (extra: Partial<IndividualEnrollmentSpec>): IndividualEnrollmentSpec => ({ registrationId: "device-9", ...fields, iotHubHostNames: [...fields.iotHubHostNames], ...extra });

describe("bodies match the 2021-10-01 schema", () => {
  test("group by CA reference: caReferences with the names, nothing else under x509", () => {
    const body = enrollmentGroupRequestBody(groupSpec({ secondaryCaName: "int-ca-next" }));
    expect(violations(body, DEFINITIONS.EnrollmentGroup)).toEqual([]);
    expect(body.attestation).toStrictEqual({ type: "x509", x509: { caReferences: { primary: "int-ca", secondary: "int-ca-next" } } });
  });

  test("group by signing certificate: the PEMs as `az --certificate-path` sends them (trailing white space removed), no CA name", () => {
    const body = enrollmentGroupRequestBody(groupSpec({ attestation: "signingCertificate", primaryCertificatePem: `${intermediate.certificatePem}\n\n`, secondaryCaName: "next", secondaryCertificatePem: next.certificatePem }));
    expect(violations(body, DEFINITIONS.EnrollmentGroup)).toEqual([]);
    expect(body.attestation).toStrictEqual({
      type: "x509",
      x509: { signingCertificates: { primary: { certificate: intermediate.certificatePem.replace(/\s+$/, "") }, secondary: { certificate: next.certificatePem.replace(/\s+$/, "") } } },
    });
    expect(JSON.stringify(body)).not.toContain("int-ca");
  });

  test("individual by client certificate, with a secondary to roll it: with the device id and every common field", () => {
    const byCert = individualEnrollmentRequestBody(soloSpec({ certificatePem: deviceCert, deviceId: "press-9" }));
    expect(violations(byCert, DEFINITIONS.IndividualEnrollment)).toEqual([]);
    expect(byCert).toMatchObject({
      registrationId: "device-9", deviceId: "press-9",
      attestation: { type: "x509", x509: { clientCertificates: { primary: { certificate: deviceCert.replace(/\s+$/, "") } } } },
      capabilities: { iotEdge: true }, provisioningStatus: "enabled", allocationPolicy: "static", iotHubs: ["hub-a.azure-devices.net"],
      reprovisionPolicy: { updateHubAssignment: true, migrateDeviceData: false }, initialTwin: { tags: { line: "7" }, properties: { desired: { interval: 5 } } },
    });
    // `az iot dps enrollment create --certificate-path --secondary-certificate-path`: clientCertificates.{primary,secondary}.certificate.
    const rolling = individualEnrollmentRequestBody(soloSpec({ certificatePem: deviceCert, secondaryCertificatePem: `${nextDeviceCert}\n` }));
    expect(violations(rolling, DEFINITIONS.IndividualEnrollment)).toEqual([]);
    expect(rolling.attestation).toStrictEqual({ type: "x509", x509: { clientCertificates: { primary: { certificate: deviceCert.replace(/\s+$/, "") }, secondary: { certificate: nextDeviceCert.replace(/\s+$/, "") } } } });
    expect(rolling).not.toHaveProperty("deviceId");
    expect(JSON.stringify(rolling)).not.toContain("caReferences");
  });

  test("the schema check itself fails a body that is off", () => {
    expect(violations({ enrollmentGroupId: "x", attestation: { type: "x509", x509: { signingCertificate: {} } } }, DEFINITIONS.EnrollmentGroup)).toEqual(["$.attestation.x509.signingCertificate: not in the schema"]);
    expect(violations({ registrationId: "x", attestation: { type: "X509" } }, DEFINITIONS.IndividualEnrollment)).toEqual(['$.attestation.type: "X509" not in none|tpm|x509|symmetricKey']);
  });
});

describe("the spec checks before anything is sent", () => {
  test("an individual enrollment needs the device's certificate (no CA reference), whose CN is the registration id, in each slot", () => {
    expect(individualEnrollmentSpecProblems(soloSpec({ certificatePem: deviceCert })).map((p) => p.property)).toEqual([]);
    expect(individualEnrollmentSpecProblems(soloSpec({ certificatePem: deviceCert, secondaryCertificatePem: nextDeviceCert })).map((p) => p.property)).toEqual([]);
    expect(individualEnrollmentSpecProblems(soloSpec({})).map((p) => p.property)).toEqual(["certificatePem"]);
    const withCa = individualEnrollmentSpecProblems({ ...soloSpec({ certificatePem: deviceCert }), caName: "int-ca" });
    expect(withCa.map((p) => p.property)).toEqual(["caName"]);
    expect(withCa[0].reason).toMatch(/"int-ca" is not allowed: .*device's own certificate only.*Allowed: certificatePem.*enrollment group/);
    expect(individualEnrollmentSpecProblems(soloSpec({ registrationId: "device-8", certificatePem: deviceCert })).map((p) => p.property)).toEqual(["registrationId"]);
    expect(individualEnrollmentSpecProblems(soloSpec({ registrationId: "device-8", certificatePem: createDeviceCertificate({ issuer: intermediate, registrationId: "device-8", keySize: 2048 }).certificatePem, secondaryCertificatePem: deviceCert })).map((p) => p.property)).toEqual(["registrationId"]);
    expect(individualEnrollmentSpecProblems(soloSpec({ certificatePem: deviceCert, secondaryCertificatePem: deviceCert })).map((p) => p.property)).toEqual(["secondaryCertificatePem"]);
    const expired = individualEnrollmentSpecProblems(soloSpec({ certificatePem: deviceCert, secondaryCertificatePem: expiredDeviceCert }));
    expect(expired.map((p) => p.property)).toEqual(["secondaryCertificatePem"]);
    expect(expired[0].reason).toMatch(/^expired on \d{4}-.*allowed: a certificate valid now/);
    const long = "d".repeat(65);
    expect(individualEnrollmentSpecProblems(soloSpec({ registrationId: long }), (v) => v === undefined).map((p) => p.reason)).toEqual([`"${long}" is 65 characters; allowed: at most 64, since with X.509 it is the certificate's common name`]);
    expect(individualEnrollmentSpecProblems(soloSpec({ certificatePem: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----" }))[0].reason).not.toContain("AAAA");
  });
});

describe("the strict local DPS refuses what the schema and the service refuse", () => {
  let server: FakeDpsServiceServer;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    ({ server, stop } = await startRoutedFakeDps({ linkedHubs: ["hub-a.azure-devices.net"], caCertificates: { "int-ca": { verified: true } } }));
  });
  afterAll(async () => stop());
  const client = () => createDpsServiceClient({ serviceHostName: server.hostName, connectionString: server.connectionString() });
  const x509Group = (x509: unknown) => ({ ...enrollmentGroupRequestBody(groupSpec({})), attestation: { type: "x509", x509 } });
  const x509Solo = (x509: unknown) => ({ ...individualEnrollmentRequestBody(soloSpec({ certificatePem: deviceCert })), attestation: { type: "x509", x509 } });
  const signing = { primary: { certificate: intermediate.certificatePem } };

  test.each([
    ["both a CA reference and signing certificates", { caReferences: { primary: "int-ca" }, signingCertificates: signing }],
    ["client certificates on a group", { clientCertificates: signing }],
    ["a misspelt kind", { signingCertificate: signing }],
    ["a certificate that does not parse", { signingCertificates: { primary: { certificate: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----" } } }],
    ["an unknown field in X509CertificateWithInfo", { signingCertificates: { primary: { certificate: intermediate.certificatePem, pem: "x" } } }],
    ["no primary", { signingCertificates: { secondary: { certificate: intermediate.certificatePem } } }],
  ])("group: %s → 400", async (_what, x509) => {
    await expect(client().putEnrollmentGroup(x509Group(x509))).rejects.toMatchObject({ statusCode: 400, errorCode: 400004 });
  });

  test.each([
    ["signing certificates on an individual enrollment", { signingCertificates: signing }],
    ["a client certificate whose CN is another device", { clientCertificates: { primary: { certificate: createDeviceCertificate({ issuer: intermediate, registrationId: "device-1", keySize: 2048 }).certificatePem } } }],
    ["a CA reference, even to a verified CA of the DPS", { caReferences: { primary: "int-ca" } }],
    ["a secondary client certificate whose CN is another device", { clientCertificates: { primary: { certificate: deviceCert }, secondary: { certificate: createDeviceCertificate({ issuer: intermediate, registrationId: "device-1", keySize: 2048 }).certificatePem } } }],
  ])("individual enrollment: %s → 400", async (_what, x509) => {
    await expect(client().putIndividualEnrollment(x509Solo(x509))).rejects.toMatchObject({ statusCode: 400, errorCode: 400004 });
  });

  test("a CA reference on an individual enrollment is refused as Azure refuses an invalid argument: 400, {errorCode, trackingId, message, timestampUtc}", async () => {
    const err = await client().putIndividualEnrollment(x509Solo({ caReferences: { primary: "int-ca" } })).catch((e) => e);
    expect(err).toMatchObject({ statusCode: 400, errorCode: 400004, trackingId: expect.stringMatching(/^[0-9A-F]{32}$/) });
    expect(err.message).toMatch(/individual enrollment cannot be attested by caReferences; allowed: clientCertificates/);
    expect(server.enrollment("device-9")).toBeUndefined();
  });

  test("an individual enrollment keeps the secondary certificate and the optional device information it was given", async () => {
    const body = { ...individualEnrollmentRequestBody(soloSpec({ registrationId: "device-9", certificatePem: deviceCert, secondaryCertificatePem: nextDeviceCert })), optionalDeviceInformation: { serial: "A-9" } };
    const record = await client().putIndividualEnrollment(body);
    const { X509Certificate } = await import("crypto");
    expect(record.attestation.x509.clientCertificates.secondary.info.sha256Thumbprint).toBe(new X509Certificate(nextDeviceCert).fingerprint256.replace(/:/g, ""));
    expect(record.optionalDeviceInformation).toEqual({ serial: "A-9" });
    expect(server.enrollmentCertificatePems("device-9")).toHaveLength(2);
    await client().deleteIndividualEnrollment("device-9");
  });

  test("held certificates come back as their info (thumbprints), not the certificate", async () => {
    const record = await client().putEnrollmentGroup(enrollmentGroupRequestBody(groupSpec({ enrollmentId: "held", attestation: "signingCertificate", primaryCertificatePem: intermediate.certificatePem })));
    const primary = record.attestation.x509.signingCertificates.primary;
    expect(primary.certificate).toBeUndefined();
    const { X509Certificate } = await import("crypto");
    expect(primary.info.sha256Thumbprint).toBe(new X509Certificate(intermediate.certificatePem).fingerprint256.replace(/:/g, ""));
    expect(server.groupSigningCertificatePems("held")).toEqual([intermediate.certificatePem.replace(/\s+$/, "")]);
  });
});
