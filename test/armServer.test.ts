/**
 * The fake ARM server's contract, driven through Microsoft's SDK (so the server speaks what the SDK sends)
 * and, where the SDK cannot misbehave on purpose, through raw HTTPS.
 */
import { X509Certificate } from "crypto";
import * as https from "https";
import { IotDpsClient } from "@azure/arm-deviceprovisioningservices";
import { createRootCa, createVerificationCertificate } from "../certs";
import { startArmServer, ArmServer } from "../azure-test-servers/armServer";

const SUB = "00000000-0000-0000-0000-000000000001";
const RG = "rg-test";
const DPS = "dps-test";
const fakeCredential = { getToken: async () => ({ token: "fake-token", expiresOnTimestamp: Date.now() + 3600_000 }) };

const root = createRootCa({ commonName: "armServer test root", keySize: 2048, validityDays: 30 });
const other = createRootCa({ commonName: "armServer other root", keySize: 2048, validityDays: 30 });

let server: ArmServer;
let client: IotDpsClient;

beforeEach(async () => {
  server = await startArmServer();
  server.state.dps(SUB, RG, DPS);
  client = new IotDpsClient(fakeCredential, SUB, { endpoint: server.url, retryOptions: { retryDelayInMs: 10, maxRetryDelayInMs: 50 } });
});
afterEach(async () => {
  await server.close();
});

function raw(method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = https.request(`${server.url}${path}`, { method, headers }, (res) => {
      let text = "";
      res.on("data", (c) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const certPath = (name: string) =>
  `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Devices/provisioningServices/${DPS}/certificates/${name}`;

test("upload, generate and verify each give a new etag; the verified state is reported", async () => {
  const put = await client.dpsCertificate.createOrUpdate(RG, DPS, "root", { properties: { certificate: new Uint8Array(Buffer.from(root.certificatePem)) } });
  expect(put.properties?.isVerified).toBe(false);
  expect(put.properties?.thumbprint).toBe(new X509Certificate(root.certificatePem).fingerprint.replace(/:/g, ""));
  const e1 = put.etag!;
  const code = await client.dpsCertificate.generateVerificationCode("root", e1, RG, DPS);
  const e2 = code.etag!;
  expect(e2).not.toBe(e1);
  const verificationCode = code.properties!.verificationCode!;
  expect(verificationCode).toMatch(/^[0-9A-F]{48}$/);
  const leaf = createVerificationCertificate({ issuer: root, code: verificationCode });
  const verified = await client.dpsCertificate.verifyCertificate("root", e2, RG, DPS, { certificate: leaf.certificatePem });
  expect(verified.properties?.isVerified).toBe(true);
  expect(verified.etag).not.toBe(e2);
  const got = await client.dpsCertificate.get("root", RG, DPS);
  expect(got.etag).toBe(verified.etag);
  expect(got.properties?.isVerified).toBe(true);
  expect(got.properties?.expiry).toBeInstanceOf(Date);
  expect(server.requests.count("certificate.put")).toBe(1);
  expect(server.requests.count("certificate.generateVerificationCode")).toBe(1);
  expect(server.requests.count("certificate.verify")).toBe(1);
  expect(server.requests.all.every((r) => r.apiVersion === "2022-02-05" && r.authorization === "Bearer fake-token")).toBe(true);
});

test("a stale If-Match gets 412 PreconditionFailed, Azure-shaped", async () => {
  const up = server.state.dps(SUB, RG, DPS).upload("root", root.certificatePem);
  await expect(client.dpsCertificate.generateVerificationCode("root", "stale", RG, DPS)).rejects.toMatchObject({ statusCode: 412, code: "PreconditionFailed" });
  const direct = await raw("POST", `${certPath("root")}/generateVerificationCode?api-version=2022-02-05`, { authorization: "Bearer x", "if-match": "stale" });
  expect(direct.status).toBe(412);
  expect(direct.body.error.code).toBe("PreconditionFailed");
  // A PUT over an existing certificate needs the current etag too.
  await expect(
    client.dpsCertificate.createOrUpdate(RG, DPS, "root", { properties: { certificate: new Uint8Array(Buffer.from(other.certificatePem)) } }),
  ).rejects.toMatchObject({ statusCode: 412 });
  const replaced = await client.dpsCertificate.createOrUpdate(RG, DPS, "root", { properties: { certificate: new Uint8Array(Buffer.from(other.certificatePem)) } }, { ifMatch: up.etag });
  expect(replaced.etag).not.toBe(up.etag);
});

test("verification is rejected for a wrong CN, a foreign signer, no code, or an expired code", async () => {
  const dps = server.state.dps(SUB, RG, DPS);
  let etag = dps.upload("root", root.certificatePem).etag;
  await expect(
    client.dpsCertificate.verifyCertificate("root", etag, RG, DPS, { certificate: createVerificationCertificate({ issuer: root, code: "ABC" }).certificatePem }),
  ).rejects.toMatchObject({ statusCode: 400, code: "VerificationCodeNotFound" });

  const gen = await client.dpsCertificate.generateVerificationCode("root", etag, RG, DPS);
  etag = gen.etag!;
  const code = gen.properties!.verificationCode!;
  await expect(
    client.dpsCertificate.verifyCertificate("root", etag, RG, DPS, { certificate: createVerificationCertificate({ issuer: root, code: "WRONG" }).certificatePem }),
  ).rejects.toMatchObject({ statusCode: 400, code: "VerificationCodeMismatch" });
  await expect(
    client.dpsCertificate.verifyCertificate("root", etag, RG, DPS, { certificate: createVerificationCertificate({ issuer: other, code }).certificatePem }),
  ).rejects.toMatchObject({ statusCode: 400, code: "VerificationCertificateNotSignedByCa" });
  expect(dps.get("root")!.etag).toBe(etag); // rejections change nothing
  expect(dps.get("root")!.isVerified).toBe(false);

  dps.expireCode("root");
  await expect(
    client.dpsCertificate.verifyCertificate("root", etag, RG, DPS, { certificate: createVerificationCertificate({ issuer: root, code }).certificatePem }),
  ).rejects.toMatchObject({ statusCode: 400, code: "VerificationCodeExpired" });

  // codeTtlMs controls new codes.
  server.state.codeTtlMs = 0;
  const gen2 = await client.dpsCertificate.generateVerificationCode("root", etag, RG, DPS);
  await new Promise((r) => setTimeout(r, 5));
  await expect(
    client.dpsCertificate.verifyCertificate("root", gen2.etag!, RG, DPS, {
      certificate: createVerificationCertificate({ issuer: root, code: gen2.properties!.verificationCode! }).certificatePem,
    }),
  ).rejects.toMatchObject({ code: "VerificationCodeExpired" });
});

test("the verification certificate may be sent as base64 DER", async () => {
  const dps = server.state.dps(SUB, RG, DPS);
  const gen = await client.dpsCertificate.generateVerificationCode("root", dps.upload("root", root.certificatePem).etag, RG, DPS);
  const pem = createVerificationCertificate({ issuer: root, code: gen.properties!.verificationCode! }).certificatePem;
  const der = new X509Certificate(pem).raw.toString("base64");
  const ok = await client.dpsCertificate.verifyCertificate("root", gen.etag!, RG, DPS, { certificate: der });
  expect(ok.properties?.isVerified).toBe(true);
});

test("requests without a bearer token, without or with an unknown api-version, or to an unknown DPS are refused", async () => {
  server.state.dps(SUB, RG, DPS).upload("root", root.certificatePem);
  expect((await raw("GET", `${certPath("root")}?api-version=2022-02-05`)).status).toBe(401);
  const noVersion = await raw("GET", certPath("root"), { authorization: "Bearer x" });
  expect(noVersion).toMatchObject({ status: 400, body: { error: { code: "MissingApiVersionParameter" } } });
  expect((await raw("GET", `${certPath("root")}?api-version=2099-01-01`, { authorization: "Bearer x" })).body.error.code).toBe("InvalidApiVersionParameter");
  await expect(client.dpsCertificate.get("root", RG, "other-dps")).rejects.toMatchObject({ statusCode: 404, code: "ResourceNotFound" });
  await expect(client.dpsCertificate.get("missing", RG, DPS)).rejects.toMatchObject({ statusCode: 404 });
});

test("injected 429 carries Retry-After, which the SDK honours; injected 503 and 500 are retried by the SDK", async () => {
  server.state.dps(SUB, RG, DPS).upload("root", root.certificatePem);
  server.inject({ status: 429, retryAfter: 1, count: 1, route: "certificate.get" });
  const got = await client.dpsCertificate.get("root", RG, DPS);
  expect(got.name).toBe("root");
  const gets = server.requests.all.filter((r) => r.route === "certificate.get");
  expect(gets.map((r) => r.status)).toEqual([429, 200]);
  expect(gets[1].at - gets[0].at).toBeGreaterThanOrEqual(950);

  server.requests.clear();
  server.inject({ status: 503, count: 1 });
  server.inject({ status: 500, count: 1 });
  await client.dpsCertificate.list(RG, DPS);
  expect(server.requests.all.map((r) => r.status)).toEqual([503, 500, 200]);
});

test("portal changes: mark unverified, replace, remove; list and delete", async () => {
  const dps = server.state.dps(SUB, RG, DPS);
  const first = dps.upload("root", root.certificatePem, { isVerified: true });
  expect(first.isVerified).toBe(true);
  const unverified = dps.markUnverified("root");
  expect(unverified.isVerified).toBe(false);
  expect(unverified.etag).not.toBe(first.etag);
  dps.upload("root", root.certificatePem, { isVerified: true });
  const replaced = dps.replace("root", other.certificatePem);
  expect(replaced.isVerified).toBe(false);
  const listed = await client.dpsCertificate.list(RG, DPS);
  expect(listed.value?.map((c) => c.properties?.subject)).toEqual(["CN=armServer other root"]);
  await client.dpsCertificate.delete(RG, replaced.etag, DPS, "root");
  expect(dps.names()).toEqual([]);
});

test("a concurrent change injected before a request makes the client's etag stale", async () => {
  const dps = server.state.dps(SUB, RG, DPS);
  const up = dps.upload("root", root.certificatePem);
  server.inject({ kind: "concurrentUpdate", route: "certificate.generateVerificationCode" });
  await expect(client.dpsCertificate.generateVerificationCode("root", up.etag, RG, DPS)).rejects.toMatchObject({ statusCode: 412 });
  const fresh = dps.get("root")!.etag;
  expect(fresh).not.toBe(up.etag);
  await expect(client.dpsCertificate.generateVerificationCode("root", fresh, RG, DPS)).resolves.toMatchObject({ name: "root" });
});

test("DELETE needs the current etag: none or a stale one gets 412 and leaves the certificate; a missing certificate is 404", async () => {
  const dps = server.state.dps(SUB, RG, DPS);
  const up = dps.upload("root", root.certificatePem);
  const path = `${certPath("root")}?api-version=2022-02-05`;
  const none = await raw("DELETE", path, { authorization: "Bearer x" });
  expect(none.status).toBe(412);
  expect(none.body.error.code).toBe("PreconditionFailed");
  await expect(client.dpsCertificate.delete(RG, "AAAAAAAAAAA=", DPS, "root")).rejects.toMatchObject({ statusCode: 412, code: "PreconditionFailed" });
  expect(dps.names()).toEqual(["root"]);
  await client.dpsCertificate.delete(RG, up.etag, DPS, "root");
  expect(dps.names()).toEqual([]);
  await expect(client.dpsCertificate.delete(RG, up.etag, DPS, "root")).rejects.toMatchObject({ statusCode: 404 });
});

test("a PUT of a new certificate ignores If-Match (the spec: 'ignored while creating a brand new certificate')", async () => {
  const created = await client.dpsCertificate.createOrUpdate(
    RG,
    DPS,
    "fresh",
    { properties: { certificate: new Uint8Array(Buffer.from(root.certificatePem)) } },
    { ifMatch: "whatever" },
  );
  expect(created.etag).toBeTruthy();
  expect(server.state.dps(SUB, RG, DPS).names()).toEqual(["fresh"]);
});
