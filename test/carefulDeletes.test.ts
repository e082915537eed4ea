/**
 * Careful deletes, against the strict local DPS service through Microsoft's SDK: deleting a group or a revoked
 * device sends If-Match with the last known etag; one edited since the last read (412) is never deleted silently.
 * Also the local server's own contract: DELETE with a stale If-Match is 412, with the current one or `*` it deletes.
 */
import { createRootCa } from "../certs";
import { issueThrowawayDevice } from "../cli/device/credentials";
import { startRoutedFakeDps, type FakeDpsServiceServer } from "../azure-test-servers/dpsServiceServer";
import { createDpsServiceClient } from "../components/azure/dpsServiceClient";
import { ENROLLMENT_GROUP_PROVIDER_VERSION, enrollmentGroupProvider, type EnrollmentGroupProviderInputs, type EnrollmentGroupProviderOutputs } from "../components/providers/enrollmentGroup";
import { REVOKED_DEVICE_PROVIDER_VERSION, revokedDeviceProvider, type RevokedDeviceProviderOutputs } from "../components/providers/revokedDevice";

const groups = enrollmentGroupProvider as Required<typeof enrollmentGroupProvider>;
const revoked = revokedDeviceProvider as Required<typeof revokedDeviceProvider>;
let server: FakeDpsServiceServer;
let stop: () => Promise<void>;
const issuer = createRootCa({ commonName: "Careful deletes root", keySize: 2048, validityDays: 30 });

beforeAll(async () => {
  ({ server, stop } = await startRoutedFakeDps({ linkedHubs: ["hub-a.azure-devices.net"], caCertificates: { "root-ca": { verified: true } } }));
});
afterAll(async () => stop());
beforeEach(() => server.resetRequests());

function groupInputs(id: string): EnrollmentGroupProviderInputs {
  return {
    enrollmentId: id,
    primaryCaName: "root-ca",
    provisioningStatus: "enabled",
    allocationPolicy: "hashed",
    iotHubHostNames: ["hub-a.azure-devices.net"],
    reprovisionPolicy: "reprovisionandmigratedata",
    edgeEnabled: false,
    serviceHostName: server.hostName,
    connectionString: server.connectionString(),
    providerVersion: ENROLLMENT_GROUP_PROVIDER_VERSION,
  };
}

async function createdGroup(id: string): Promise<EnrollmentGroupProviderOutputs> {
  const outs = (await groups.create(groupInputs(id))).outs as EnrollmentGroupProviderOutputs;
  server.resetRequests();
  return outs;
}

async function createdRevokedDevice(id: string): Promise<RevokedDeviceProviderOutputs> {
  const { chainPem } = issueThrowawayDevice({ issuerCertificatePem: issuer.certificatePem, issuerPrivateKeyPem: issuer.privateKeyPem, registrationId: id });
  const leaf = chainPem.slice(0, chainPem.indexOf("-----END CERTIFICATE-----") + "-----END CERTIFICATE-----".length) + "\n";
  const outs = (await revoked.create({ registrationId: id, certificatePem: leaf, serviceHostName: server.hostName, connectionString: server.connectionString(), providerVersion: REVOKED_DEVICE_PROVIDER_VERSION })).outs as RevokedDeviceProviderOutputs;
  server.resetRequests();
  return outs;
}

const deletes = () => server.requests.filter((r) => r.method === "DELETE").map((r) => [r.path, r.headers["if-match"], r.status]);

describe("the strict local DPS service on DELETE", () => {
  test("a stale If-Match is 412 and deletes nothing; the current etag or * deletes", async () => {
    const client = createDpsServiceClient({ serviceHostName: server.hostName, connectionString: server.connectionString() });
    const first = await createdGroup("srv-delete");
    server.editGroup("srv-delete", (record) => void (record.provisioningStatus = "disabled"));
    await expect(client.deleteEnrollmentGroup("srv-delete", first.etag)).rejects.toMatchObject({ statusCode: 412 });
    expect(server.group("srv-delete")).toBeDefined();
    await expect(client.deleteEnrollmentGroup("srv-delete", server.group("srv-delete")!.etag)).resolves.toBe(true);
    expect(server.group("srv-delete")).toBeUndefined();
    await createdGroup("srv-delete-star");
    await expect(client.deleteEnrollmentGroup("srv-delete-star", "*")).resolves.toBe(true);
    expect(server.group("srv-delete-star")).toBeUndefined();
  });
});

describe("enrollment group delete", () => {
  test("sends If-Match with the etag in the state", async () => {
    const outs = await createdGroup("eg-careful");
    await groups.delete("eg-careful", outs);
    expect(deletes()).toEqual([["/enrollmentGroups/eg-careful", expect.any(String), 204]]);
    expect(server.requests[0].headers["if-match"]!.replace(/"/g, "")).toBe(outs.etag);
    expect(server.group("eg-careful")).toBeUndefined();
  });

  test("a group edited since the last refresh is not deleted: the error says so and points to pulumi refresh", async () => {
    const outs = await createdGroup("eg-edited");
    server.editGroup("eg-edited", (record) => void (record.initialTwin = { tags: { edited: "by hand" } }));
    await expect(groups.delete("eg-edited", outs)).rejects.toThrow(/Enrollment group "eg-edited" was changed in .* outside Pulumi since the stack last read it; not deleting it\. Run `pulumi refresh`/);
    expect(server.group("eg-edited")).toBeDefined();
    // After a refresh (read) the state has the new etag, and the delete goes through.
    const refreshed = await groups.read("eg-edited", outs);
    await groups.delete("eg-edited", refreshed.props as EnrollmentGroupProviderOutputs);
    expect(server.group("eg-edited")).toBeUndefined();
  });

  test("already gone (404) is done", async () => {
    const outs = await createdGroup("eg-gone");
    server.removeGroup("eg-gone");
    await expect(groups.delete("eg-gone", outs)).resolves.toBeUndefined();
  });
});

describe("revoked device delete", () => {
  test("sends If-Match with the etag in the state", async () => {
    const outs = await createdRevokedDevice("dev-careful");
    await revoked.delete("dev-careful", outs);
    expect(server.requests.map((r) => [r.method, r.path, r.status])).toEqual([["DELETE", "/enrollments/dev-careful", 204]]);
    expect(server.requests[0].headers["if-match"]!.replace(/"/g, "")).toBe(outs.etag);
  });

  test("re-enabled by hand since the last refresh: not deleted, pointing to pulumi refresh", async () => {
    const outs = await createdRevokedDevice("dev-edited");
    server.editEnrollment("dev-edited", (record) => void (record.provisioningStatus = "enabled"));
    await expect(revoked.delete("dev-edited", outs)).rejects.toThrow(/"dev-edited" \(a revoked device\) was changed in .* outside Pulumi .* not deleting it\. Run `pulumi refresh`/);
    expect(server.enrollment("dev-edited")).toBeDefined();
  });
});
