/**
 * The fake DPS service server itself: it must refuse what the service refuses, or tests against it prove
 * nothing. Requests go through Microsoft's SDK where it can send them, and as raw HTTPS otherwise.
 */
import * as crypto from "crypto";
import * as https from "https";
import { ProvisioningServiceClient } from "azure-iot-provisioning-service";
import { FakeDpsServiceServer, startRoutedFakeDps } from "../azure-test-servers/dpsServiceServer";

let server: FakeDpsServiceServer;
let stop: () => Promise<void>;

beforeAll(async () => {
  ({ server, stop } = await startRoutedFakeDps({
    linkedHubs: ["hub-a.azure-devices.net", "hub-b.azure-devices.net"],
    caCertificates: { "root-ca": { verified: true }, "pending-ca": { verified: false } },
    bearerTokens: ["good-token"],
  }));
});
afterAll(async () => stop());
beforeEach(() => {
  server.clearFaults();
  server.resetRequests();
});

/** An SAS token made here, independently of the SDK: HMAC-SHA256 over `<sr>\n<se>` with the base64 key. */
function sasToken(opts: { key?: string; sr?: string; se?: number; skn?: string } = {}): string {
  const sr = encodeURIComponent(opts.sr ?? server.hostName);
  const se = opts.se ?? Math.ceil(Date.now() / 1000) + 3600;
  const sig = crypto.createHmac("sha256", Buffer.from(opts.key ?? server.key, "base64")).update(`${sr}\n${se}`).digest("base64");
  return `SharedAccessSignature sr=${sr}&sig=${encodeURIComponent(sig)}&se=${se}&skn=${opts.skn ?? server.keyName}`;
}

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

/** A raw HTTPS request to the DPS host name (routed to the fake; the test CA is trusted via NODE_EXTRA_CA_CERTS). */
function raw(method: string, path: string, opts: { auth?: string | null; body?: unknown; headers?: Record<string, string>; apiVersion?: string | null } = {}): Promise<RawResponse> {
  const apiVersion = opts.apiVersion === undefined ? "2021-10-01" : opts.apiVersion;
  const fullPath = apiVersion === null ? path : `${path}${path.includes("?") ? "&" : "?"}api-version=${apiVersion}`;
  const text = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.auth !== null) headers.Authorization = opts.auth ?? sasToken();
  if (text !== undefined) {
    headers["Content-Type"] ??= "application/json; charset=utf-8";
    headers["Content-Length"] = String(Buffer.byteLength(text));
  }
  return new Promise((resolve, reject) => {
    const req = https.request({ host: server.hostName, method, path: fullPath, headers }, (res) => {
      let data = "";
      res.on("data", (c) => (data += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data ? JSON.parse(data) : undefined }));
    });
    req.on("error", reject);
    if (text !== undefined) req.write(text);
    req.end();
  });
}

const group = (id: string, extra: Record<string, unknown> = {}) => ({
  enrollmentGroupId: id,
  attestation: { type: "x509", x509: { caReferences: { primary: "root-ca" } } },
  allocationPolicy: "hashed",
  iotHubs: ["hub-a.azure-devices.net"],
  ...extra,
});

describe("authorization", () => {
  test("the SDK's SAS token from the right key is accepted", async () => {
    const client = ProvisioningServiceClient.fromConnectionString(server.connectionString());
    const res = await client.createOrUpdateEnrollmentGroup(group("auth-ok") as any);
    expect((res.responseBody as any).enrollmentGroupId).toBe("auth-ok");
    expect(server.requests[0].headers.authorization).toBe("SharedAccessSignature");
  });

  test("a SAS token signed with another key is refused with 401 and Azure's error shape", async () => {
    const otherKey = crypto.randomBytes(32).toString("base64");
    const client = ProvisioningServiceClient.fromConnectionString(server.connectionString(otherKey));
    const err: any = await client.getEnrollmentGroup("auth-ok").catch((e) => e);
    expect(err.response.statusCode).toBe(401);
    const body = JSON.parse(err.responseBody);
    expect(body).toEqual({ errorCode: 401002, trackingId: expect.any(String), message: expect.stringMatching(/does not match/), timestampUtc: expect.any(String) });
  });

  test("expired, wrong resource, wrong key name, tampered expiry, missing header: all 401", async () => {
    const past = Math.floor(Date.now() / 1000) - 10;
    expect((await raw("GET", "/enrollmentGroups/x", { auth: sasToken({ se: past }) })).status).toBe(401);
    expect((await raw("GET", "/enrollmentGroups/x", { auth: sasToken({ sr: "other.azure-devices-provisioning.net" }) })).status).toBe(401);
    expect((await raw("GET", "/enrollmentGroups/x", { auth: sasToken({ skn: "reader" }) })).status).toBe(401);
    const tampered = sasToken().replace(/se=(\d+)/, (_, se) => `se=${Number(se) + 60}`);
    expect((await raw("GET", "/enrollmentGroups/x", { auth: tampered })).status).toBe(401);
    expect((await raw("GET", "/enrollmentGroups/x", { auth: null })).status).toBe(401);
    // the token made here with the right key passes (404: the group does not exist), so the 401s above are the check
    expect((await raw("GET", "/enrollmentGroups/x")).status).toBe(404);
  });

  test("bearer tokens: a configured one is accepted, another is refused", async () => {
    const credential = (token: string) => ({ getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3600_000 }) });
    const good = ProvisioningServiceClient.fromTokenCredential(server.hostName, credential("good-token"));
    await expect(good.createOrUpdateEnrollmentGroup(group("bearer-ok") as any)).resolves.toBeDefined();
    const bad = ProvisioningServiceClient.fromTokenCredential(server.hostName, credential("forged"));
    const err: any = await bad.getEnrollmentGroup("bearer-ok").catch((e) => e);
    expect(err.response.statusCode).toBe(401);
  });
});

test("api-version must be 2021-10-01", async () => {
  expect((await raw("GET", "/enrollmentGroups/x", { apiVersion: "2019-03-31" })).status).toBe(400);
  expect((await raw("GET", "/enrollmentGroups/x", { apiVersion: null })).status).toBe(400);
});

describe("etags", () => {
  test("PUT of an existing group: 409 without If-Match, 412 with a stale one, 200 with the current one", async () => {
    const created = await raw("PUT", "/enrollmentGroups/etag-1", { body: group("etag-1") });
    expect(created.status).toBe(200);
    const etag1 = created.body.etag;
    expect(created.headers.etag).toBe(`"${etag1}"`);

    const again = await raw("PUT", "/enrollmentGroups/etag-1", { body: group("etag-1") });
    expect(again.status).toBe(409);

    const updated = await raw("PUT", "/enrollmentGroups/etag-1", { body: group("etag-1", { provisioningStatus: "disabled" }), headers: { "If-Match": etag1 } });
    expect(updated.status).toBe(200);
    expect(updated.body.etag).not.toBe(etag1);

    const stale = await raw("PUT", "/enrollmentGroups/etag-1", { body: group("etag-1"), headers: { "If-Match": etag1 } });
    expect(stale.status).toBe(412);
    expect(stale.body.errorCode).toBe(412002);

    const quoted = await raw("PUT", "/enrollmentGroups/etag-1", { body: group("etag-1"), headers: { "If-Match": `"${updated.body.etag}"` } });
    expect(quoted.status).toBe(200);
  });

  test("DELETE honours If-Match; a missing group is 404", async () => {
    const created = await raw("PUT", "/enrollmentGroups/etag-del", { body: group("etag-del") });
    expect((await raw("DELETE", "/enrollmentGroups/etag-del", { headers: { "If-Match": "AAAAAAAAAAA=" } })).status).toBe(412);
    expect((await raw("DELETE", "/enrollmentGroups/etag-del", { headers: { "If-Match": created.body.etag } })).status).toBe(204);
    expect((await raw("DELETE", "/enrollmentGroups/etag-del")).status).toBe(404);
  });

  test("an edit in the portal changes the record and its etag", async () => {
    const created = await raw("PUT", "/enrollmentGroups/drift-1", { body: group("drift-1") });
    server.editGroup("drift-1", (g) => (g.provisioningStatus = "disabled"));
    const got = await raw("GET", "/enrollmentGroups/drift-1");
    expect(got.body.provisioningStatus).toBe("disabled");
    expect(got.body.etag).not.toBe(created.body.etag);
  });
});

describe("enrollment group body, as the service checks it", () => {
  const refused = async (id: string, body: unknown) => {
    const res = await raw("PUT", `/enrollmentGroups/${id}`, { body });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ errorCode: 400004, trackingId: expect.any(String), message: expect.any(String), timestampUtc: expect.any(String) });
    expect(server.group(id)).toBeUndefined();
    return res.body.message as string;
  };

  test("a well-formed group is stored with the service's defaults", async () => {
    const res = await raw("PUT", "/enrollmentGroups/ok-1", { body: group("ok-1") });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      enrollmentGroupId: "ok-1",
      provisioningStatus: "enabled",
      reprovisionPolicy: { updateHubAssignment: true, migrateDeviceData: true },
      capabilities: { iotEdge: false },
      iotHubHostName: "hub-a.azure-devices.net",
    });
  });

  test("enum casing: allocationPolicy Hashed (the DPS-level casing) is refused", async () => {
    expect(await refused("bad-1", group("bad-1", { allocationPolicy: "Hashed" }))).toMatch(/allocationPolicy/);
    expect(await refused("bad-2", group("bad-2", { provisioningStatus: "Enabled" }))).toMatch(/provisioningStatus/);
    expect(await refused("bad-3", group("bad-3", { attestation: { type: "X509", x509: { caReferences: { primary: "root-ca" } } } }))).toMatch(/attestation type/);
  });

  test("iotHubs without allocationPolicy: the service's own message", async () => {
    const body: Record<string, unknown> = group("bad-4");
    delete body.allocationPolicy;
    expect(await refused("bad-4", body)).toBe("Enrollment allocationPolicy must be specified when iotHubs are specified.");
  });

  test("hubs must be linked, CAs must exist and be verified", async () => {
    expect(await refused("bad-5", group("bad-5", { iotHubs: ["hub-z.azure-devices.net"] }))).toMatch(/not linked/);
    expect(await refused("bad-6", group("bad-6", { attestation: { type: "x509", x509: { caReferences: { primary: "nope" } } } }))).toMatch(/does not exist/);
    expect(await refused("bad-7", group("bad-7", { attestation: { type: "x509", x509: { caReferences: { primary: "pending-ca" } } } }))).toMatch(/not verified/);
  });

  test("static needs exactly one hub; custom needs webhookUrl and apiVersion", async () => {
    expect(await refused("bad-8", group("bad-8", { allocationPolicy: "static", iotHubs: ["hub-a.azure-devices.net", "hub-b.azure-devices.net"] }))).toMatch(/exactly one/);
    expect(await refused("bad-9", group("bad-9", { allocationPolicy: "custom" }))).toMatch(/customAllocationDefinition/);
    expect(await refused("bad-10", group("bad-10", { allocationPolicy: "custom", customAllocationDefinition: { webhookUrl: "https://f.example/api/alloc?code=k" } }))).toMatch(/apiVersion/);
  });

  test("required and structural fields", async () => {
    expect(await refused("bad-11", { enrollmentGroupId: "bad-11" })).toMatch(/attestation/);
    expect(await refused("bad-12", group("other-id"))).toMatch(/does not match/);
    expect(await refused("bad-13", group("bad-13", { reprovisionPolicy: { updateHubAssignment: true } }))).toMatch(/migrateDeviceData/);
    expect(await refused("bad-14", group("bad-14", { capabilities: { iotEdge: "yes" } }))).toMatch(/iotEdge/);
    expect(await refused("bad-15", group("bad-15", { initialTwin: { tags: [] } }))).toMatch(/initialTwin/);
    expect(await refused("-bad-16", group("-bad-16"))).toMatch(/Invalid enrollment group id/);
  });

  test("unknown properties are refused (stricter than the service, to catch misspellings)", async () => {
    expect(await refused("bad-17", group("bad-17", { reprovisionpolicy: { updateHubAssignment: true, migrateDeviceData: true } }))).toMatch(/unknown property reprovisionpolicy/);
  });

  test("a body sent as another content type: 415", async () => {
    expect((await raw("PUT", "/enrollmentGroups/bad-18", { body: group("bad-18"), headers: { "Content-Type": "text/plain" } })).status).toBe(415);
  });
});

describe("faults and counting", () => {
  test("429 with Retry-After, then the request goes through; all requests are counted", async () => {
    server.failNext({ status: 429, retryAfter: 2 });
    const first = await raw("GET", "/enrollmentGroups/nothing");
    expect(first.status).toBe(429);
    expect(first.headers["retry-after"]).toBe("2");
    expect(first.body.errorCode).toBe(429001);
    expect((await raw("GET", "/enrollmentGroups/nothing")).status).toBe(404);
    expect(server.requestCount).toBe(2);
    expect(server.requests.map((r) => r.faulted)).toEqual([true, false]);
  });

  test("one request in n", async () => {
    server.failEvery(3, { status: 503 });
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await raw("GET", "/enrollmentGroups/nothing")).status);
    expect(statuses).toEqual([404, 404, 503, 404, 404, 503]);
  });

  test("a fault after apply: the group exists although the client saw 500", async () => {
    server.failNext({ status: 500, afterApply: true });
    expect((await raw("PUT", "/enrollmentGroups/applied-1", { body: group("applied-1") })).status).toBe(500);
    expect(server.group("applied-1")).toBeDefined();
  });
});

describe("individual enrollments", () => {
  const forge = require("node-forge");
  function selfSigned(cn: string): string {
    const keys = forge.pki.rsa.generateKeyPair(1024);
    const cert = forge.pki.createCertificate();
    cert.publicKey = keys.publicKey;
    cert.serialNumber = "01";
    cert.validity.notBefore = new Date(Date.now() - 60_000);
    cert.validity.notAfter = new Date(Date.now() + 86_400_000);
    cert.setSubject([{ name: "commonName", value: cn }]);
    cert.setIssuer([{ name: "commonName", value: cn }]);
    cert.sign(keys.privateKey, forge.md.sha256.create());
    return forge.pki.certificateToPem(cert);
  }
  const enrollment = (id: string, pem: string) => ({
    registrationId: id,
    attestation: { type: "x509", x509: { clientCertificates: { primary: { certificate: pem } } } },
    provisioningStatus: "disabled",
  });

  test("stored with the certificate's info (thumbprints), not the certificate", async () => {
    const pem = selfSigned("device-1");
    const res = await raw("PUT", "/enrollments/device-1", { body: enrollment("device-1", pem) });
    expect(res.status).toBe(200);
    const expected = new crypto.X509Certificate(pem).fingerprint256.replace(/:/g, "");
    expect(res.body.attestation.x509.clientCertificates.primary.info.sha256Thumbprint).toBe(expected);
    expect(res.body.attestation.x509.clientCertificates.primary.certificate).toBeUndefined();
    expect(res.body.provisioningStatus).toBe("disabled");
  });

  test("the registration id must be the certificate's CN; the certificate must parse", async () => {
    expect((await raw("PUT", "/enrollments/device-2", { body: enrollment("device-2", selfSigned("someone-else")) })).status).toBe(400);
    expect((await raw("PUT", "/enrollments/device-3", { body: enrollment("device-3", "not a certificate") })).status).toBe(400);
  });
});

describe("registration query", () => {
  test("pages with x-ms-continuation; the SDK's Query.next() without the token starts over", async () => {
    await raw("PUT", "/enrollmentGroups/reg-1", { body: group("reg-1") });
    server.seedRegistrations("reg-1", Array.from({ length: 5 }, (_, i) => ({ registrationId: `dev-${i}` })));
    const client = ProvisioningServiceClient.fromConnectionString(server.connectionString());
    const query = client.createEnrollmentGroupDeviceRegistrationStateQuery({ query: "*" }, "reg-1", 2);
    const first = await query.next();
    expect((first.responseBody as any).map((r: any) => r.registrationId)).toEqual(["dev-0", "dev-1"]);
    const token = first.httpResponse.headers["x-ms-continuation"] as string;
    expect(token).toBeTruthy();
    // the SDK's documented trap: next() with no argument sends no continuation token
    const again = await query.next();
    expect((again.responseBody as any).map((r: any) => r.registrationId)).toEqual(["dev-0", "dev-1"]);
    const second = await query.next(token);
    expect((second.responseBody as any).map((r: any) => r.registrationId)).toEqual(["dev-2", "dev-3"]);
    const last = await query.next(second.httpResponse.headers["x-ms-continuation"] as string);
    expect((last.responseBody as any).map((r: any) => r.registrationId)).toEqual(["dev-4"]);
    expect(last.httpResponse.headers["x-ms-continuation"]).toBeUndefined();
    expect(server.requests.filter((r) => r.path === "/registrations/reg-1/query").length).toBe(4);
  });

  test("a group that does not exist: 404", async () => {
    expect((await raw("POST", "/registrations/nope/query", { body: { query: "*" } })).status).toBe(404);
  });
});
