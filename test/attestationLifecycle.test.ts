/**
 * Signing-certificate groups and individual enrollments through their whole life against the strict local DPS
 * service, through Microsoft's SDK: create (a PUT without If-Match; an existing one is refused, 409), read and
 * drift (the service returns thumbprints, not certificates), update with the etag (rotation's secondary, then
 * promote), adopt, delete with If-Match.
 */
import { createDeviceCertificate, createIntermediateCa, createRootCa } from "../certs";
import { enrollmentGroupProvider, EnrollmentGroupProviderInputs, EnrollmentGroupProviderOutputs } from "../components/providers/enrollmentGroup";
import { individualEnrollmentProvider, IndividualEnrollmentProviderInputs, IndividualEnrollmentProviderOutputs } from "../components/providers/individualEnrollment";
import { FakeDpsServiceServer, startRoutedFakeDps } from "../azure-test-servers/dpsServiceServer";
import { X509Certificate } from "crypto";

const groups = enrollmentGroupProvider as Required<typeof enrollmentGroupProvider>;
const solos = individualEnrollmentProvider as Required<typeof individualEnrollmentProvider>;
let server: FakeDpsServiceServer;
let stop: () => Promise<void>;

const root = createRootCa({ commonName: "Lifecycle root", keySize: 2048, validityDays: 10 });
const current = createIntermediateCa({ issuer: root, commonName: "Lifecycle intermediate", keySize: 2048, validityDays: 10 });
const next = createIntermediateCa({ issuer: root, commonName: "Lifecycle next intermediate", keySize: 2048, validityDays: 10 });
const sha256 = (pem: string) => new X509Certificate(pem).fingerprint256.replace(/:/g, "");
const held = (id: string, slot: "primary" | "secondary") => server.group(id)?.attestation.x509.signingCertificates?.[slot]?.info?.sha256Thumbprint;

beforeAll(async () => {
  ({ server, stop } = await startRoutedFakeDps({ linkedHubs: ["hub-a.azure-devices.net", "hub-b.azure-devices.net"], caCertificates: { "root-ca": { verified: true } } }));
});
afterAll(async () => stop());
beforeEach(() => server.resetRequests());

const target = () => ({ serviceHostName: server.hostName, connectionString: server.connectionString(), providerVersion: "2" });
const common = { provisioningStatus: "enabled", allocationPolicy: "hashed", iotHubHostNames: ["hub-a.azure-devices.net"], reprovisionPolicy: "reprovisionandmigratedata", edgeEnabled: false } as const;

function signingGroup(id: string, extra: Partial<EnrollmentGroupProviderInputs> = {}): EnrollmentGroupProviderInputs {
  return { enrollmentId: id, primaryCaName: "line-ca", attestation: "signingCertificate", primaryCertificatePem: current.certificatePem, ...common, iotHubHostNames: [...common.iotHubHostNames], ...target(), ...extra };
}

describe("signing-certificate group", () => {
  test("create, read without drift, rotate (stage, promote, retire) with the etag, delete with If-Match", async () => {
    const ins = signingGroup("sig-life");
    expect((await groups.check({} as never, ins)).failures).toEqual([]);
    const made = await groups.create(ins);
    let outs = made.outs as EnrollmentGroupProviderOutputs;
    expect(server.requests.map((r) => `${r.method} ${r.path} ${r.headers["if-match"] ?? "-"}`)).toEqual(["PUT /enrollmentGroups/sig-life -"]);
    expect(held("sig-life", "primary")).toBe(sha256(current.certificatePem));

    // Read: the service answers with the thumbprint; the state's PEM and CA name stand, so nothing differs.
    const read = (await groups.read("sig-life", outs)).props as EnrollmentGroupProviderOutputs;
    expect(read).toMatchObject({ primaryCaName: "line-ca", primaryCertificatePem: current.certificatePem, etag: outs.etag });
    expect(read.primaryThumbprint).toBeUndefined();
    expect(await groups.diff("sig-life", read, ins)).toMatchObject({ changes: false });

    // stage: the new CA as secondary; promote: primary new, secondary old; retire: the new one alone.
    const steps: Array<Partial<EnrollmentGroupProviderInputs>> = [
      { secondaryCaName: "line-ca-next", secondaryCertificatePem: next.certificatePem },
      { primaryCaName: "line-ca-next", primaryCertificatePem: next.certificatePem, secondaryCaName: "line-ca", secondaryCertificatePem: current.certificatePem },
      { primaryCaName: "line-ca-next", primaryCertificatePem: next.certificatePem },
    ];
    const expected = [[current, next], [next, current], [next, undefined]];
    for (const [i, step] of steps.entries()) {
      const news = signingGroup("sig-life", step);
      expect((await groups.diff("sig-life", outs, news)).changes).toBe(true);
      server.resetRequests();
      outs = (await groups.update("sig-life", outs, news)).outs as EnrollmentGroupProviderOutputs;
      const put = server.requests.find((r) => r.method === "PUT")!;
      expect(put.headers["if-match"]?.replace(/"/g, "")).not.toBe(outs.etag);
      expect(held("sig-life", "primary")).toBe(sha256(expected[i][0]!.certificatePem));
      expect(held("sig-life", "secondary")).toBe(expected[i][1] ? sha256(expected[i][1]!.certificatePem) : undefined);
      expect(outs.etag).toBe(server.group("sig-life")!.etag);
    }

    server.resetRequests();
    await groups.delete("sig-life", outs);
    expect(server.requests.map((r) => `${r.method} ${r.headers["if-match"]?.replace(/"/g, "")}`)).toEqual([`DELETE ${outs.etag}`]);
    expect(server.group("sig-life")).toBeUndefined();
  });

  test("drift: another certificate put in by hand shows on refresh, and the next up puts the configured one back", async () => {
    const ins = signingGroup("sig-drift");
    const outs = (await groups.create(ins)).outs as EnrollmentGroupProviderOutputs;
    server.editGroup("sig-drift", (g) => {
      g.attestation.x509.signingCertificates.primary.info.sha256Thumbprint = sha256(next.certificatePem);
    });
    const read = (await groups.read("sig-drift", outs)).props as EnrollmentGroupProviderOutputs;
    expect(read.primaryThumbprint).toBe(sha256(next.certificatePem));
    expect(read.primaryCertificatePem).toBeUndefined();
    expect(await groups.diff("sig-drift", read, ins)).toMatchObject({ changes: true, replaces: [] });
    const fixed = (await groups.update("sig-drift", read, ins)).outs as EnrollmentGroupProviderOutputs;
    expect(held("sig-drift", "primary")).toBe(sha256(current.certificatePem));
    expect(fixed.etag).toBe(server.group("sig-drift")!.etag);
  });

  test("an update over a change made by hand since the last read is refused (412), naming what changed", async () => {
    const ins = signingGroup("sig-412");
    const outs = (await groups.create(ins)).outs as EnrollmentGroupProviderOutputs;
    server.editGroup("sig-412", (g) => (g.provisioningStatus = "disabled"));
    await expect(groups.update("sig-412", outs, signingGroup("sig-412", { edgeEnabled: true }))).rejects.toThrow(/changed in .* outside Pulumi .*provisioningStatus/);
    expect(server.group("sig-412")!.provisioningStatus).toBe("disabled");
  });

  test("a group that exists is refused without adopt (409), and taken over with it", async () => {
    const ins = signingGroup("sig-adopt");
    server.seedGroup({ enrollmentGroupId: "sig-adopt", attestation: { type: "x509", x509: { caReferences: { primary: "root-ca" } } }, provisioningStatus: "enabled", etag: "AAAAAAAAAAE=" });
    await expect(groups.create(ins)).rejects.toThrow(/already exists .*adopt: true/s);
    server.resetRequests();
    const adopted = await groups.create({ ...ins, adopt: true });
    expect((adopted.outs as EnrollmentGroupProviderOutputs).adoptedChanges).toEqual(expect.arrayContaining(["attestation", "primaryCaName"]));
    const put = server.requests.find((r) => r.method === "PUT")!;
    expect(put.headers["if-match"]?.replace(/"/g, "")).toBe("AAAAAAAAAAE=");
    expect(held("sig-adopt", "primary")).toBe(sha256(current.certificatePem));
    // Adopting again what already matches writes nothing.
    server.resetRequests();
    await groups.create({ ...ins, adopt: true });
    expect(server.requests.map((r) => r.method)).toEqual(["GET"]);
  });
});

describe("individual enrollment", () => {
  const device = createDeviceCertificate({ issuer: current, registrationId: "press-1", keySize: 2048 });
  const rekeyed = createDeviceCertificate({ issuer: current, registrationId: "press-1", keySize: 2048 });
  const solo = (extra: Partial<IndividualEnrollmentProviderInputs> = {}): IndividualEnrollmentProviderInputs => ({
    registrationId: "press-1", certificatePem: device.certificatePem, deviceId: "press-one", ...common, iotHubHostNames: ["hub-b.azure-devices.net"], allocationPolicy: "static",
    initialTwin: { tags: { line: "1" } }, ...target(), ...extra,
  });

  test("create, read and drift, update with the etag, delete with If-Match", async () => {
    const ins = solo();
    expect((await solos.check({} as never, ins)).failures).toEqual([]);
    let outs = (await solos.create(ins)).outs as IndividualEnrollmentProviderOutputs;
    expect(server.enrollment("press-1")).toMatchObject({ deviceId: "press-one", allocationPolicy: "static", iotHubs: ["hub-b.azure-devices.net"], initialTwin: { tags: { line: "1" } } });
    expect(server.enrollment("press-1")!.attestation.x509.clientCertificates.primary.info.sha256Thumbprint).toBe(sha256(device.certificatePem));

    const read = (await solos.read("press-1", outs)).props as IndividualEnrollmentProviderOutputs;
    expect(read.certificatePem).toBe(device.certificatePem);
    expect(await solos.diff("press-1", read, ins)).toMatchObject({ changes: false });

    server.editEnrollment("press-1", (e) => (e.provisioningStatus = "disabled"));
    const drifted = (await solos.read("press-1", outs)).props as IndividualEnrollmentProviderOutputs;
    expect(drifted.provisioningStatus).toBe("disabled");
    expect(await solos.diff("press-1", drifted, ins)).toMatchObject({ changes: true, replaces: [] });
    outs = (await solos.update("press-1", drifted, ins)).outs as IndividualEnrollmentProviderOutputs;
    expect(server.enrollment("press-1")!.provisioningStatus).toBe("enabled");

    // A new certificate for the same device is an update, sent with the etag.
    server.resetRequests();
    const news = solo({ certificatePem: rekeyed.certificatePem, edgeEnabled: true });
    expect(await solos.diff("press-1", outs, news)).toMatchObject({ changes: true, replaces: [] });
    const etagBefore = server.enrollment("press-1")!.etag;
    outs = (await solos.update("press-1", outs, news)).outs as IndividualEnrollmentProviderOutputs;
    expect(String(server.requests[0].headers["if-match"]).replace(/^"(.*)"$/, "$1")).toBe(etagBefore);
    expect(server.enrollment("press-1")!.attestation.x509.clientCertificates.primary.info.sha256Thumbprint).toBe(sha256(rekeyed.certificatePem));
    expect(server.enrollment("press-1")!.capabilities).toEqual({ iotEdge: true });

    // A new registration id replaces it.
    expect((await solos.diff("press-1", outs, solo({ registrationId: "press-2" }))).replaces).toEqual(["registrationId"]);

    server.resetRequests();
    await solos.delete("press-1", outs);
    expect(server.requests.map((r) => `${r.method} ${r.headers["if-match"]?.replace(/"/g, "")}`)).toEqual([`DELETE ${outs.etag}`]);
    expect(server.enrollment("press-1")).toBeUndefined();
  });

  test("by CA reference; an existing enrollment is refused (409) unless adopted; a stale delete is refused (412)", async () => {
    const ins: IndividualEnrollmentProviderInputs = { registrationId: "special-1", caName: "root-ca", ...common, iotHubHostNames: ["hub-a.azure-devices.net"], ...target() };
    const outs = (await solos.create(ins)).outs as IndividualEnrollmentProviderOutputs;
    expect(server.enrollment("special-1")!.attestation.x509).toEqual({ caReferences: { primary: "root-ca" } });
    await expect(solos.create(ins)).rejects.toThrow(/already exists .*adopt: true/s);
    const adopted = await solos.create({ ...ins, edgeEnabled: true, adopt: true });
    expect((adopted.outs as IndividualEnrollmentProviderOutputs).adoptedChanges).toEqual(["edgeEnabled"]);
    await expect(solos.delete("special-1", outs)).rejects.toThrow(/changed .* outside Pulumi .*not deleting/s);
    expect(server.enrollment("special-1")).toBeDefined();
    await solos.delete("special-1", adopted.outs as IndividualEnrollmentProviderOutputs);
    expect(server.enrollment("special-1")).toBeUndefined();
  });

  test("check refuses a certificate of another device and two attestations, naming the key", async () => {
    const other = createDeviceCertificate({ issuer: current, registrationId: "press-9", keySize: 2048 });
    expect((await solos.check({} as never, solo({ certificatePem: other.certificatePem }))).failures!.map((f) => f.property)).toEqual(["registrationId"]);
    expect((await solos.check({} as never, solo({ caName: "root-ca" }))).failures!.map((f) => f.property)).toEqual(["certificatePem"]);
  });
});
