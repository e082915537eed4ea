/**
 * Enrollments that carry Azure Device Registry names (DPS service API 2026-11-01), through the enrollment providers
 * and Microsoft's service SDK, against the strict local DPS: create, 409, update with the etag, drift on read, adopt,
 * delete; classic enrollments stay at 2021-10-01, and the server refuses the names there.
 */
import { enrollmentGroupProvider, EnrollmentGroupProviderInputs, EnrollmentGroupProviderOutputs } from "../components/providers/enrollmentGroup";
import { individualEnrollmentProvider } from "../components/providers/individualEnrollment";
import { createDpsServiceClient } from "../components/azure/dpsServiceClient";
import { FakeDpsServiceServer, startRoutedFakeDps } from "../azure-test-servers/dpsServiceServer";
import { createRootCa, createVerificationCertificate } from "../certs";

const provider = enrollmentGroupProvider as Required<typeof enrollmentGroupProvider>;
const individual = individualEnrollmentProvider as Required<typeof individualEnrollmentProvider>;
let server: FakeDpsServiceServer;
let stop: () => Promise<void>;

beforeAll(async () => {
  ({ server, stop } = await startRoutedFakeDps({ linkedHubs: ["hub-a.azure-devices.net"], caCertificates: { "onboarding-ca": { verified: true } } }));
});
afterAll(async () => stop());
beforeEach(() => server.resetRequests());

const adr = { namespaceName: "plant-ns", certificateAuthorityName: "devices-ica", certificatePolicyName: "devices-30d" };

function inputs(id: string, extra: Partial<EnrollmentGroupProviderInputs> = {}): EnrollmentGroupProviderInputs {
  return {
    enrollmentId: id, primaryCaName: "onboarding-ca", provisioningStatus: "enabled", allocationPolicy: "hashed",
    iotHubHostNames: ["hub-a.azure-devices.net"], reprovisionPolicy: "reprovisionandmigratedata", edgeEnabled: false,
    deviceRegistry: adr, serviceHostName: server.hostName, connectionString: server.connectionString(), providerVersion: "2", ...extra,
  };
}

test("create PUTs the three names at 2026-11-01 and the service stores them; a classic group stays at 2021-10-01", async () => {
  const res = await provider.create(inputs("adr-create"));
  const put = server.requests.find((r) => r.method === "PUT")!;
  expect(put.query["api-version"]).toBe("2026-11-01");
  expect(put.body).toMatchObject(adr);
  expect(server.group("adr-create")).toMatchObject(adr);
  expect((res.outs as EnrollmentGroupProviderOutputs).etag).toBe(server.group("adr-create")!.etag);
  server.resetRequests();
  await provider.create(inputs("classic-create", { deviceRegistry: undefined }));
  const classic = server.requests.find((r) => r.method === "PUT")!;
  expect(classic.query["api-version"]).toBe("2021-10-01");
  expect(Object.keys(classic.body as object)).not.toContain("namespaceName");
});

test("the strict server: names refused at 2021-10-01, hidden from a 2021-10-01 read, checked by the swagger's rules at 2026-11-01", async () => {
  await provider.create(inputs("adr-versions"));
  const classic = createDpsServiceClient({ serviceHostName: server.hostName, connectionString: server.connectionString() });
  const current = await classic.getEnrollmentGroup("adr-versions");
  expect(current).toBeDefined();
  expect(current).not.toHaveProperty("namespaceName");
  await expect(classic.putEnrollmentGroup({ ...inputs("x").deviceRegistry, enrollmentGroupId: "adr-old", attestation: { type: "x509", x509: { caReferences: { primary: "onboarding-ca" } } } }))
    .rejects.toMatchObject({ statusCode: 400, message: expect.stringMatching(/unknown propert.*namespaceName/) });
  const adrClient = createDpsServiceClient({ serviceHostName: server.hostName, connectionString: server.connectionString(), apiVersion: "2026-11-01" });
  const body = (names: Record<string, string>) => ({ enrollmentGroupId: "adr-bad", attestation: { type: "x509", x509: { caReferences: { primary: "onboarding-ca" } } }, ...names });
  await expect(adrClient.putEnrollmentGroup(body({ ...adr, namespaceName: "Plant_NS" }))).rejects.toMatchObject({ statusCode: 400, message: expect.stringContaining("Invalid namespaceName") });
  await expect(adrClient.putEnrollmentGroup(body({ ...adr, certificatePolicyName: "p" }))).rejects.toMatchObject({ statusCode: 400, message: expect.stringContaining("Invalid certificatePolicyName") });
  await expect(adrClient.putEnrollmentGroup(body({ namespaceName: "plant-ns" }))).rejects.toMatchObject({ statusCode: 400, message: expect.stringContaining("go together") });
  expect(server.group("adr-bad")).toBeUndefined();
});

test("409 on an existing group, adopt puts the names on it with its etag", async () => {
  await provider.create(inputs("adr-adopt", { deviceRegistry: undefined }));
  await expect(provider.create(inputs("adr-adopt"))).rejects.toThrow(/already exists.*differs in: deviceRegistry/s);
  const before = server.group("adr-adopt")!.etag;
  server.resetRequests();
  const adopted = await provider.create(inputs("adr-adopt", { adopt: true }));
  expect((adopted.outs as EnrollmentGroupProviderOutputs).adoptedChanges).toEqual(["deviceRegistry"]);
  const put = server.requests.find((r) => r.method === "PUT")!;
  expect(put.headers["if-match"]?.replace(/"/g, "")).toBe(before);
  expect(server.group("adr-adopt")).toMatchObject(adr);
});

test("drift on read, refused update over a change by hand, update with the etag, delete with the etag", async () => {
  const ins = inputs("adr-drift");
  const outs = (await provider.create(ins)).outs as EnrollmentGroupProviderOutputs;
  server.editGroup("adr-drift", (g) => (g.certificatePolicyName = "by-hand-7d"));
  const read = await provider.read("adr-drift", outs);
  expect((read.props as EnrollmentGroupProviderOutputs).deviceRegistry).toEqual({ ...adr, certificatePolicyName: "by-hand-7d" });
  expect((await provider.diff("adr-drift", read.props as EnrollmentGroupProviderOutputs, ins)).changes).toBe(true);
  // A config change on the state from before the change by hand: the update refuses, naming the field.
  await expect(provider.update("adr-drift", outs, { ...ins, provisioningStatus: "disabled" })).rejects.toThrow(/changed: deviceRegistry/);
  server.resetRequests();
  const updated = await provider.update("adr-drift", read.props as EnrollmentGroupProviderOutputs, ins);
  const put = server.requests.find((r) => r.method === "PUT")!;
  expect(put.query["api-version"]).toBe("2026-11-01");
  expect(put.headers["if-match"]?.replace(/"/g, "")).toBe((read.props as EnrollmentGroupProviderOutputs).etag);
  expect(server.group("adr-drift")).toMatchObject(adr);
  // Dropping the names: the update goes at 2026-11-01 (the state had them) and clears them.
  const classic = await provider.update("adr-drift", updated.outs as EnrollmentGroupProviderOutputs, inputs("adr-drift", { deviceRegistry: undefined }));
  expect(server.group("adr-drift")).not.toHaveProperty("namespaceName");
  server.resetRequests();
  await provider.delete("adr-drift", classic.outs as EnrollmentGroupProviderOutputs);
  expect(server.group("adr-drift")).toBeUndefined();
  expect(server.requests[0].headers["if-match"]).toBeDefined();
});

test("check refuses a partial or misspelt set of names, naming the key", async () => {
  const { failures } = await provider.check({} as never, inputs("adr-check", { deviceRegistry: { namespaceName: "Plant", certificateAuthorityName: "-ica" } as never }));
  expect(failures!.map((f) => f.property)).toEqual(["deviceRegistry.namespaceName", "deviceRegistry.certificateAuthorityName", "deviceRegistry.certificatePolicyName"]);
});

test("an individual enrollment carries the names too, at 2026-11-01", async () => {
  const issuer = createRootCa({ commonName: "ADR Onboarding", keySize: 2048, validityDays: 5 });
  const certificatePem = createVerificationCertificate({ issuer, code: "adr-press-1" }).certificatePem;
  const ins = {
    registrationId: "adr-press-1", certificatePem, provisioningStatus: "enabled", allocationPolicy: "hashed", iotHubHostNames: ["hub-a.azure-devices.net"],
    reprovisionPolicy: "never", edgeEnabled: false, deviceRegistry: adr, serviceHostName: server.hostName, connectionString: server.connectionString(), providerVersion: "1",
  };
  expect((await individual.check({}, ins)).failures).toEqual([]);
  const created = await individual.create(ins);
  expect(server.enrollment("adr-press-1")).toMatchObject(adr);
  expect(server.requests.find((r) => r.method === "PUT")!.query["api-version"]).toBe("2026-11-01");
  await individual.delete("adr-press-1", created.outs);
  expect(server.enrollment("adr-press-1")).toBeUndefined();
});
