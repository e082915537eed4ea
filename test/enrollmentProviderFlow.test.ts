/**
 * The shared create / adopt / update flow of the enrollment providers (components/providers/enrollmentProvider.ts),
 * through the enrollment group provider against the strict local DPS service and Microsoft's SDK: adopting what is
 * not there creates it, a 412 while adopting re-reads once, a 409 says exactly what differs (or that nothing does),
 * an update's PUT carries neither the service's bookkeeping nor a failure past one retry. The other cases are in
 * test/enrollmentGroupProvider.test.ts and test/enrollmentsKeepUnmanaged.test.ts. Written from StrykerJS's survivors
 * (docs/operations.md#mutation-testing).
 */
import { enrollmentGroupProvider, EnrollmentGroupProviderInputs, EnrollmentGroupProviderOutputs } from "../components/providers/enrollmentGroup";
import { FakeDpsServiceServer, startRoutedFakeDps } from "../azure-test-servers/dpsServiceServer";

const provider = enrollmentGroupProvider as Required<typeof enrollmentGroupProvider>;
let server: FakeDpsServiceServer;
let stop: () => Promise<void>;

beforeAll(async () => {
  ({ server, stop } = await startRoutedFakeDps({ linkedHubs: ["hub-a.azure-devices.net"], caCertificates: { "root-ca": { verified: true } } }));
});
afterAll(async () => stop());
beforeEach(() => {
  server.clearFaults();
  server.resetRequests();
});

function inputs(id: string, extra: Partial<EnrollmentGroupProviderInputs> = {}): EnrollmentGroupProviderInputs {
  return {
    enrollmentId: id, primaryCaName: "root-ca", provisioningStatus: "enabled", allocationPolicy: "hashed", iotHubHostNames: ["hub-a.azure-devices.net"],
    initialTwin: { tags: { site: "lyon" } }, reprovisionPolicy: "reprovisionandmigratedata", edgeEnabled: false,
    serviceHostName: server.hostName, connectionString: server.connectionString(), providerVersion: "1", ...extra,
  };
}
async function created(id: string): Promise<{ ins: EnrollmentGroupProviderInputs; outs: EnrollmentGroupProviderOutputs }> {
  const ins = inputs(id);
  const res = await provider.create(ins);
  server.resetRequests();
  return { ins, outs: res.outs as EnrollmentGroupProviderOutputs };
}
const calls = () => server.requests.map((r) => `${r.method} ${r.status}`);
const disable = (id: string) => server.editGroup(id, (g) => void (g.provisioningStatus = "disabled"));

describe("create with adopt", () => {
  test("nothing to adopt: the group is created", async () => {
    const res = await provider.create(inputs("adopt-none", { adopt: true }));
    expect(res.id).toBe("adopt-none");
    expect(calls()).toEqual(["GET 404", "PUT 200"]);
    expect(server.group("adopt-none")).toMatchObject({ provisioningStatus: "enabled" });
  });

  test("a 412 while taking it over: read again and put once more; a second 412 is the error", async () => {
    await created("adopt-race");
    disable("adopt-race");
    server.failNext({ status: 412, match: (r) => r.method === "PUT" });
    const res = await provider.create(inputs("adopt-race", { adopt: true }));
    expect(calls()).toEqual(["GET 200", "PUT 412", "GET 200", "PUT 200"]);
    expect(res.outs.adoptedChanges).toEqual(["provisioningStatus"]);
    disable("adopt-race");
    server.resetRequests();
    server.failNext({ status: 412, match: (r) => r.method === "PUT" }, 2);
    await expect(provider.create(inputs("adopt-race", { adopt: true }))).rejects.toThrow(/HTTP 412/);
    expect(calls()).toEqual(["GET 200", "PUT 412", "GET 200", "PUT 412"]);
  });
  test("another refusal while taking it over is the error at once, with no second try", async () => {
    await created("adopt-refused");
    disable("adopt-refused");
    server.failNext({ status: 400, match: (r) => r.method === "PUT" });
    await expect(provider.create(inputs("adopt-refused", { adopt: true }))).rejects.toThrow(/HTTP 400/);
    expect(calls()).toEqual(["GET 200", "PUT 400"]);
  });
});

describe("create without adopt: the 409", () => {
  const advice = (id: string, differs: string) =>
    `Enrollment group "${id}" already exists in ${server.hostName} and is not managed by this stack${differs}. To take it over with the stack's values, set adopt: true on`;

  test("an identical group not made by this PUT: it differs in nothing, and the message says how to go on", async () => {
    await created("same-409");
    const err: Error = await provider.create(inputs("same-409")).catch((e) => e);
    expect(err.message.startsWith(advice("same-409", " (it differs in: nothing)"))).toBe(true);
    expect(err.message).toMatch(/ in the stack config \(or adoptExisting: true on the stack\); or delete it, or choose another enrollmentId\. \(.+\)$/s);
  });

  test("after a 500 that was not applied, the retry's 409 meets another group: refused, naming each field that differs", async () => {
    await created("other-409");
    server.editGroup("other-409", (g) => {
      g.provisioningStatus = "disabled";
      g.capabilities = { iotEdge: true };
    });
    server.failNext({ status: 500, match: (r) => r.method === "PUT" });
    const err: Error = await provider.create(inputs("other-409")).catch((e) => e);
    expect(calls()).toEqual(["PUT 500", "PUT 409", "GET 200"]);
    expect(err.message.startsWith(advice("other-409", " (it differs in: provisioningStatus, edgeEnabled)"))).toBe(true);
    expect(server.group("other-409")).toMatchObject({ provisioningStatus: "disabled" });
  });

  test("a 409 for a group gone when read: no comparison in the message", async () => {
    server.failNext({ status: 409, match: (r) => r.method === "PUT" });
    const err: Error = await provider.create(inputs("gone-409")).catch((e) => e);
    expect(err.message.startsWith(advice("gone-409", ""))).toBe(true);
  });
});

describe("update", () => {
  test("the PUT holds the declared fields, never its etag, dates or registration state", async () => {
    const { ins, outs } = await created("body-check");
    await provider.update("body-check", outs, { ...ins, edgeEnabled: true });
    const body = server.requests.find((r) => r.method === "PUT")!.body as Record<string, unknown>;
    expect(body).toMatchObject({ enrollmentGroupId: "body-check", capabilities: { iotEdge: true } });
    for (const field of ["etag", "createdDateTimeUtc", "lastUpdatedDateTimeUtc", "registrationState"]) expect(body).not.toHaveProperty(field);
  });

  test("a PUT refused with another status is the error, after one read and one write", async () => {
    const { ins, outs } = await created("bad-put");
    server.failNext({ status: 400, match: (r) => r.method === "PUT" });
    await expect(provider.update("bad-put", outs, { ...ins, edgeEnabled: true })).rejects.toThrow(/400/);
    expect(calls()).toEqual(["GET 200", "PUT 400"]);
  });

  test("nothing to send: the record's dates stay in the state as they were", async () => {
    const { ins, outs } = await created("dates-kept");
    expect(outs.createdDateTimeUtc).toEqual(expect.any(String));
    const res = await provider.update("dates-kept", outs, { ...ins, providerVersion: "2" });
    expect(calls()).toEqual([]);
    expect(res.outs).toMatchObject({ createdDateTimeUtc: outs.createdDateTimeUtc, lastUpdatedDateTimeUtc: outs.lastUpdatedDateTimeUtc, etag: outs.etag });
  });
});
