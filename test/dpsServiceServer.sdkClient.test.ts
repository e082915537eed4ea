/**
 * components/azure/dpsServiceClient.ts against the fake DPS: both ways of authenticating, error translation
 * without secrets, and paging of the registration query.
 */
import { createDpsServiceClient, parseDpsConnectionString, parseDpsErrorBody, redact, toDpsServiceError } from "../components/azure/dpsServiceClient";
import { FakeDpsServiceServer, startRoutedFakeDps } from "../azure-test-servers/dpsServiceServer";

let server: FakeDpsServiceServer;
let stop: () => Promise<void>;
beforeAll(async () => {
  ({ server, stop } = await startRoutedFakeDps({ bearerTokens: ["aad-token"] }));
});
afterAll(async () => stop());
beforeEach(() => {
  server.clearFaults();
  server.resetRequests();
});

const group = (id: string) => ({
  enrollmentGroupId: id,
  attestation: { type: "x509", x509: { caReferences: { primary: "root-ca" } } },
  allocationPolicy: "hashed",
  iotHubs: ["hub-a.azure-devices.net"],
});

test("with a token credential: Bearer token, scope of the DPS data plane", async () => {
  const scopes: unknown[] = [];
  const credential = { getToken: async (scope: string | string[]) => (scopes.push(scope), { token: "aad-token", expiresOnTimestamp: Date.now() + 3600_000 }) };
  const client = createDpsServiceClient({ serviceHostName: server.hostName, credential });
  await client.putEnrollmentGroup(group("cred-1"));
  expect(server.requests[0].headers.authorization).toBe("Bearer");
  expect(scopes).toEqual(["https://azure-devices-provisioning.net/.default"]);
  const refused = createDpsServiceClient({ serviceHostName: server.hostName, credential: { getToken: async () => ({ token: "other", expiresOnTimestamp: Date.now() + 3600_000 }) } });
  await expect(refused.getEnrollmentGroup("cred-1")).rejects.toMatchObject({ statusCode: 401, errorCode: 401002 });
});

test("a connection string for another host is refused before any request", () => {
  expect(() => createDpsServiceClient({ serviceHostName: "other.azure-devices-provisioning.net", connectionString: server.connectionString() })).toThrow(
    `the DPS connection string is for host ${server.hostName}, not other.azure-devices-provisioning.net`,
  );
  expect(server.requestCount).toBe(0);
});

test("404 on GET is undefined and on DELETE false; other errors carry code, message, id and status", async () => {
  const client = createDpsServiceClient({ serviceHostName: server.hostName, connectionString: server.connectionString() });
  expect(await client.getEnrollmentGroup("missing")).toBeUndefined();
  expect(await client.deleteEnrollmentGroup("missing")).toBe(false);
  const err = await client.putEnrollmentGroup({ ...group("bad"), allocationPolicy: "Hashed" }).catch((e) => e);
  expect(err).toBeInstanceOf(Error);
  expect(err).toMatchObject({ name: "DpsServiceError", statusCode: 400, errorCode: 400004, enrollmentId: "bad", operation: "PUT enrollment group" });
  expect(err.trackingId).toMatch(/^[0-9A-F]{32}$/);
  expect(err.message).toMatch(/^DPS PUT enrollment group "bad" failed: HTTP 400 Bad Request, error 400004: Invalid allocationPolicy "Hashed".*\(tracking id [0-9A-F]{32}\)$/);
  expect(Object.keys(err)).not.toContain("response");
});

test("registrations: every page once, the continuation token passed explicitly, a 429 mid-way resumes the same page", async () => {
  const client = createDpsServiceClient({ serviceHostName: server.hostName, connectionString: server.connectionString() });
  await client.putEnrollmentGroup(group("reg-paging"));
  server.seedRegistrations("reg-paging", Array.from({ length: 23 }, (_, i) => ({ registrationId: `dev-${String(i).padStart(2, "0")}` })));
  server.resetRequests();
  server.failNext({ status: 429, retryAfter: 1, match: (r) => r.path.endsWith("/query") && server.requests.length > 2 });
  const items = await client.listGroupRegistrations("reg-paging", 5);
  expect(items.map((r) => r.registrationId)).toEqual(Array.from({ length: 23 }, (_, i) => `dev-${String(i).padStart(2, "0")}`));
  const tokens = server.requests.map((r) => (r.headers["x-ms-continuation"] ? Buffer.from(r.headers["x-ms-continuation"], "base64").toString() : "-"));
  expect(server.requests.map((r) => r.status)).toEqual([200, 200, 429, 200, 200, 200]);
  expect(tokens).toEqual(["-", "offset:5", "offset:10", "offset:10", "offset:15", "offset:20"]);
  expect(server.requests.every((r) => r.headers["x-ms-max-item-count"] === "5")).toBe(true);
});

describe("secrets never leave in errors", () => {
  test("redact removes given values, SAS tokens, signatures, keys in connection strings, bearer tokens", () => {
    const text = "a SharedAccessSignature sr=h&sig=abc%2B&se=1&skn=o; HostName=h;SharedAccessKey=c2VjcmV0; Bearer eyJhbGciOi.x.y and MYSECRET";
    const out = redact(text, ["MYSECRET"]);
    for (const s of ["abc%2B", "c2VjcmV0", "eyJhbGciOi", "MYSECRET"]) expect(out).not.toContain(s);
  });

  test("toDpsServiceError keeps no response object (which holds the request's Authorization header)", () => {
    const sdkError = Object.assign(new Error("Bad Request"), {
      response: { statusCode: 400, statusMessage: "Bad Request", headers: {}, req: { getHeader: () => "SharedAccessSignature sr=x&sig=SIG&se=1&skn=o" } },
      responseBody: JSON.stringify({ errorCode: 400004, trackingId: "T", message: "bad", timestampUtc: "2026-01-01T00:00:00Z" }),
    });
    const err = toDpsServiceError("PUT enrollment group", "g", sdkError);
    expect(JSON.stringify(err)).not.toContain("SIG");
    expect((err as any).response).toBeUndefined();
    expect(err.message).toBe('DPS PUT enrollment group "g" failed: HTTP 400 Bad Request, error 400004: bad (tracking id T)');
  });
});

test("parseDpsErrorBody: the 2021-10-01 shape and the older Message shape", () => {
  expect(parseDpsErrorBody('{"errorCode":404201,"trackingId":"T","message":"not found","timestampUtc":"x"}')).toEqual({ errorCode: 404201, trackingId: "T", message: "not found" });
  expect(parseDpsErrorBody({ Message: "ErrorCode:ArgumentInvalid;Unknown api version", ExceptionMessage: "Tracking ID:97740FBD-G2:-TimeStamp:2024" })).toEqual({ errorCode: "ArgumentInvalid", message: "Unknown api version", trackingId: "97740FBD" });
  expect(parseDpsErrorBody("")).toEqual({});
});

test("parseDpsConnectionString: parts by name, case-insensitive keys, errors without the value", () => {
  expect(parseDpsConnectionString("hostname=a.azure-devices-provisioning.net;sharedaccesskeyname=o;sharedaccesskey=Zm9vYmFy==")).toEqual({ hostName: "a.azure-devices-provisioning.net", sharedAccessKeyName: "o", sharedAccessKey: "Zm9vYmFy==" });
  expect(() => parseDpsConnectionString("HostName=a;SharedAccessKey=VALUE")).toThrow(/missing SharedAccessKeyName/);
  try {
    parseDpsConnectionString("HostName=a;SharedAccessKey=VALUE");
  } catch (e) {
    expect((e as Error).message).not.toContain("VALUE");
  }
});
