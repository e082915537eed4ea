/**
 * What the stack does not manage is never dropped (issue 24 point 8), and a device's certificate rolls through the
 * secondary slot (point 4), through the real providers against the strict local DPS service and Microsoft's SDK:
 *
 * - an update whose etag is stale (the record was saved in the portal since) re-applies the declared fields on the
 *   current record: a device's optionalDeviceInformation, a tag added by hand to a revoked device's initial twin stay;
 * - adoption keeps them too, and a revoked device can be adopted (the 409 says how);
 * - the secondary client certificate: staged, promoted, retired; drift in that slot shows on refresh and is put back;
 *   adopting an enrollment that holds only a primary names the secondary as what changed.
 */
import { X509Certificate } from "crypto";
import { createDeviceCertificate, createRootCa } from "../certs";
import { INDIVIDUAL_ENROLLMENT_PROVIDER_VERSION, individualEnrollmentProvider, type IndividualEnrollmentProviderInputs, type IndividualEnrollmentProviderOutputs } from "../components/providers/individualEnrollment";
import { revokedDeviceProvider, type RevokedDeviceProviderInputs, type RevokedDeviceProviderOutputs } from "../components/providers/revokedDevice";
import { individualEnrollmentRequestBody } from "../components/requests/individualEnrollmentRequest";
import { FakeDpsServiceServer, startRoutedFakeDps } from "../azure-test-servers/dpsServiceServer";

const solos = individualEnrollmentProvider as Required<typeof individualEnrollmentProvider>;
const revoked = revokedDeviceProvider as Required<typeof revokedDeviceProvider>;
let server: FakeDpsServiceServer;
let stop: () => Promise<void>;

const issuer = createRootCa({ commonName: "Unmanaged fields issuer", keySize: 2048, validityDays: 10 });
const certFor = (id: string) => createDeviceCertificate({ issuer, registrationId: id, keySize: 2048 }).certificatePem;
const sha256 = (pem: string) => new X509Certificate(pem).fingerprint256.replace(/:/g, "");

beforeAll(async () => {
  ({ server, stop } = await startRoutedFakeDps({ linkedHubs: ["hub-a.azure-devices.net", "hub-b.azure-devices.net"] }));
});
afterAll(async () => stop());
beforeEach(() => {
  server.clearFaults();
  server.resetRequests();
});

const target = () => ({ serviceHostName: server.hostName, connectionString: server.connectionString() });

function solo(id: string, certificatePem: string, extra: Partial<IndividualEnrollmentProviderInputs> = {}): IndividualEnrollmentProviderInputs {
  return {
    registrationId: id, certificatePem, provisioningStatus: "enabled", allocationPolicy: "hashed", iotHubHostNames: ["hub-a.azure-devices.net"],
    reprovisionPolicy: "reprovisionandmigratedata", edgeEnabled: false, initialTwin: { tags: { line: "1" } }, ...target(), providerVersion: INDIVIDUAL_ENROLLMENT_PROVIDER_VERSION, ...extra,
  };
}

function revokedDevice(id: string, certificatePem: string, extra: Partial<RevokedDeviceProviderInputs> = {}): RevokedDeviceProviderInputs {
  return { registrationId: id, certificatePem, ...target(), providerVersion: "2", ...extra };
}

describe("an update on a stale etag keeps what the stack does not manage", () => {
  test("a device's optionalDeviceInformation, set in the portal since the last read, survives a config change", async () => {
    const ins = solo("keep-info", certFor("keep-info"));
    const outs = (await solos.create(ins)).outs as IndividualEnrollmentProviderOutputs;
    server.editEnrollment("keep-info", (e) => (e.optionalDeviceInformation = { serial: "SN-1", site: "plant 4" }));
    server.resetRequests();
    const updated = (await solos.update("keep-info", outs, { ...ins, edgeEnabled: true })).outs as IndividualEnrollmentProviderOutputs;
    const put = server.requests.find((r) => r.method === "PUT")!;
    expect(put.body).toMatchObject({ optionalDeviceInformation: { serial: "SN-1", site: "plant 4" }, capabilities: { iotEdge: true } });
    expect(put.body).not.toHaveProperty("etag");
    expect(server.enrollment("keep-info")).toMatchObject({ optionalDeviceInformation: { serial: "SN-1", site: "plant 4" }, capabilities: { iotEdge: true } });
    expect(updated.etag).toBe(server.enrollment("keep-info")!.etag);

    // After a refresh (etag current) the next change keeps it as well: the update is made on the record as it is.
    const read = (await solos.read("keep-info", updated)).props as IndividualEnrollmentProviderOutputs;
    await solos.update("keep-info", read, { ...ins, edgeEnabled: false, initialTwin: { tags: { line: "2" } } });
    expect(server.enrollment("keep-info")).toMatchObject({ optionalDeviceInformation: { serial: "SN-1" }, initialTwin: { tags: { line: "2" } } });
  });

  test("a managed field changed in the portal is still refused, and nothing is written", async () => {
    const ins = solo("keep-refuse", certFor("keep-refuse"));
    const outs = (await solos.create(ins)).outs as IndividualEnrollmentProviderOutputs;
    server.editEnrollment("keep-refuse", (e) => {
      e.optionalDeviceInformation = { serial: "SN-2" };
      e.iotHubs = ["hub-b.azure-devices.net"];
    });
    server.resetRequests();
    await expect(solos.update("keep-refuse", outs, { ...ins, edgeEnabled: true })).rejects.toThrow(/Individual enrollment "keep-refuse" was changed .*\(changed: iotHubHostNames\); not overwriting/s);
    expect(server.requests.map((r) => r.method)).toEqual(["GET"]);
  });

  test("a tag added by hand to a revoked device's initial twin survives a new certificate on a stale etag", async () => {
    const ins = revokedDevice("keep-tag", certFor("keep-tag"));
    const outs = (await revoked.create(ins)).outs as RevokedDeviceProviderOutputs;
    server.editEnrollment("keep-tag", (e) => (e.initialTwin = { tags: { ticket: "INC-42" }, properties: { desired: {} } }));
    const rekeyed = certFor("keep-tag");
    const updated = (await revoked.update("keep-tag", outs, { ...ins, certificatePem: rekeyed })).outs as RevokedDeviceProviderOutputs;
    const record = server.enrollment("keep-tag")!;
    expect(record.initialTwin).toEqual({ tags: { ticket: "INC-42" }, properties: { desired: {} } });
    expect(record.provisioningStatus).toBe("disabled");
    expect(record.attestation.x509.clientCertificates.primary.info.sha256Thumbprint).toBe(sha256(rekeyed));
    expect(updated.sha256Thumbprint).toBe(sha256(rekeyed).toUpperCase());
  });
});

describe("a revoked device can be adopted", () => {
  test("without adopt the 409 says how; with adopt an enrollment that already blocks the device is taken as it is", async () => {
    const pem = certFor("adopt-same");
    await server.seedEnrollment({ registrationId: "adopt-same", attestation: { type: "x509", x509: { clientCertificates: { primary: { info: { sha256Thumbprint: sha256(pem) } } } } }, provisioningStatus: "disabled", etag: "AAAAAAAAAQE=" }, pem);
    await expect(revoked.create(revokedDevice("adopt-same", pem))).rejects.toThrow(/already exists .*set adopt: true on this revoked device \(enrollmentGroups\[\]\.revokedDevices\[\]\)/s);
    server.resetRequests();
    const adopted = await revoked.create(revokedDevice("adopt-same", pem, { adopt: true }));
    expect(server.requests.map((r) => r.method)).toEqual(["GET"]);
    expect(adopted.outs).toMatchObject({ adoptedChanges: [], etag: "AAAAAAAAAQE=", provisioningStatus: "disabled" });
  });

  test("one made by hand, enabled and with another certificate, is put to the stack's values with its etag; its twin stays", async () => {
    const byHand = certFor("adopt-other");
    const pem = certFor("adopt-other");
    await server.seedEnrollment({
      registrationId: "adopt-other", attestation: { type: "x509", x509: { clientCertificates: { primary: { info: { sha256Thumbprint: sha256(byHand) } } } } },
      provisioningStatus: "enabled", initialTwin: { tags: { owner: "ops" } }, optionalDeviceInformation: { serial: "SN-9" }, etag: "AAAAAAAAAQI=",
    }, byHand);
    server.resetRequests();
    const adopted = await revoked.create(revokedDevice("adopt-other", pem, { adopt: true }));
    expect(server.requests.map((r) => `${r.method} ${r.headers["if-match"]?.replace(/"/g, "") ?? "-"}`)).toEqual(["GET -", "PUT AAAAAAAAAQI="]);
    expect((adopted.outs as RevokedDeviceProviderOutputs).adoptedChanges).toEqual(["provisioningStatus", "certificate"]);
    expect(server.enrollment("adopt-other")).toMatchObject({ provisioningStatus: "disabled", initialTwin: { tags: { owner: "ops" } }, optionalDeviceInformation: { serial: "SN-9" } });
  });
});

describe("the device's certificate rolls through the secondary slot", () => {
  const held = (id: string, slot: "primary" | "secondary") => server.enrollment(id)?.attestation.x509.clientCertificates?.[slot]?.info?.sha256Thumbprint;

  test("stage, promote, retire, each with the etag; refresh finds a secondary changed by hand, and up puts it back", async () => {
    const [old, next, stray] = [certFor("roll-1"), certFor("roll-1"), certFor("roll-1")];
    let outs = (await solos.create(solo("roll-1", old))).outs as IndividualEnrollmentProviderOutputs;
    const steps: Array<[Partial<IndividualEnrollmentProviderInputs>, string, string | undefined]> = [
      [{ certificatePem: old, secondaryCertificatePem: next }, old, next],
      [{ certificatePem: next, secondaryCertificatePem: old }, next, old],
      [{ certificatePem: next }, next, undefined],
    ];
    for (const [step, primary, secondary] of steps) {
      const news = solo("roll-1", step.certificatePem!, step);
      expect(await solos.diff("roll-1", outs, news)).toMatchObject({ changes: true, replaces: [] });
      outs = (await solos.update("roll-1", outs, news)).outs as IndividualEnrollmentProviderOutputs;
      expect([held("roll-1", "primary"), held("roll-1", "secondary")]).toEqual([sha256(primary), secondary && sha256(secondary)]);
      const read = (await solos.read("roll-1", outs)).props as IndividualEnrollmentProviderOutputs;
      expect(await solos.diff("roll-1", read, news)).toMatchObject({ changes: false });
    }

    // Drift: someone puts another certificate in the secondary slot.
    const staged = solo("roll-1", next, { secondaryCertificatePem: old });
    outs = (await solos.update("roll-1", outs, staged)).outs as IndividualEnrollmentProviderOutputs;
    server.editEnrollment("roll-1", (e) => (e.attestation.x509.clientCertificates.secondary = { info: { sha256Thumbprint: sha256(stray) } }));
    const drifted = (await solos.read("roll-1", outs)).props as IndividualEnrollmentProviderOutputs;
    expect(drifted).toMatchObject({ certificatePem: next, secondaryCertificateThumbprint: sha256(stray) });
    expect(drifted).not.toHaveProperty("secondaryCertificatePem");
    expect(await solos.diff("roll-1", drifted, staged)).toMatchObject({ changes: true, replaces: [] });
    await solos.update("roll-1", drifted, staged);
    expect(held("roll-1", "secondary")).toBe(sha256(old));
  });

  test("adopting an enrollment that holds only the primary names the secondary as what changed", async () => {
    const [old, next] = [certFor("roll-2"), certFor("roll-2")];
    const byHand = individualEnrollmentRequestBody(solo("roll-2", old));
    await server.seedEnrollment({ ...byHand, attestation: { type: "x509", x509: { clientCertificates: { primary: { info: { sha256Thumbprint: sha256(old) } } } } }, reprovisionPolicy: { updateHubAssignment: true, migrateDeviceData: true }, etag: "AAAAAAAAAQM=" }, old);
    const adopted = await solos.create(solo("roll-2", old, { secondaryCertificatePem: next, adopt: true }));
    expect((adopted.outs as IndividualEnrollmentProviderOutputs).adoptedChanges).toEqual(["secondaryCertificatePem"]);
    expect([held("roll-2", "primary"), held("roll-2", "secondary")]).toEqual([sha256(old), sha256(next)]);
  });
});

describe("one create flow for every individual-enrollment kind: its own PUT recognized after an ambiguous failure", () => {
  test.each([
    ["individual enrollment", (id: string, pem: string) => solos.create(solo(id, pem))],
    ["revoked device", (id: string, pem: string) => revoked.create(revokedDevice(id, pem))],
  ])("%s: a 500 after the PUT was applied, then the retry's 409, takes the record made once", async (_kind, create) => {
    const id = `ambiguous-${_kind.split(" ")[0]}`;
    server.failNext({ status: 500, afterApply: true, match: (r) => r.path === `/enrollments/${id}` });
    const res = await create(id, certFor(id));
    expect(server.requests.map((r) => `${r.method} ${r.status}`)).toEqual(["PUT 500", "PUT 409", "GET 200"]);
    expect(res.outs.etag).toBe(server.enrollment(id)!.etag);
    // Without the ambiguous failure, the 409 is "already exists", saying how to adopt.
    await expect(create(id, certFor(id))).rejects.toThrow(/already exists .*\(it differs in: .*\).*adopt: true/s);
  });
});
