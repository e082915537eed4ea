/**
 * RevokedDevice: a disabled X.509 individual enrollment carrying the device's certificate, against the fake
 * DPS through Microsoft's SDK, and the resource under mocks.
 */
import * as crypto from "crypto";
import * as forge from "node-forge";
import * as pulumi from "@pulumi/pulumi";
import { certificateFacts, revokedDeviceProvider, RevokedDeviceProviderInputs, RevokedDeviceProviderOutputs, revokedDeviceRequestBody } from "../components/providers/revokedDevice";
import { FakeDpsServiceServer, startRoutedFakeDps } from "../azure-test-servers/dpsServiceServer";

const provider = revokedDeviceProvider as Required<typeof revokedDeviceProvider>;
let server: FakeDpsServiceServer;
let stop: () => Promise<void>;

/** A device certificate signed by a throwaway CA (node-forge; keys from Node's crypto for speed). */
const ca = (() => {
  const { privateKey, publicKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
  const key = forge.pki.privateKeyFromPem(privateKey.export({ type: "pkcs1", format: "pem" }) as string);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: "spki", format: "pem" }) as string);
  cert.serialNumber = "0a";
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 86_400_000);
  cert.setSubject([{ name: "commonName", value: "test device CA" }]);
  cert.setIssuer([{ name: "commonName", value: "test device CA" }]);
  cert.setExtensions([{ name: "basicConstraints", cA: true }]);
  cert.sign(key, forge.md.sha256.create());
  return { key, cert };
})();

const devicePublicKey = forge.pki.publicKeyFromPem(crypto.generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey.export({ type: "spki", format: "pem" }) as string);

/** Certificates differ by serial number; one device key is enough for these tests. */
function deviceCertificate(cn: string): string {
  const cert = forge.pki.createCertificate();
  cert.publicKey = devicePublicKey;
  cert.serialNumber = "01" + crypto.randomBytes(8).toString("hex");
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 86_400_000);
  cert.setSubject([{ name: "commonName", value: cn }]);
  cert.setIssuer(ca.cert.subject.attributes);
  cert.sign(ca.key, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

beforeAll(async () => {
  ({ server, stop } = await startRoutedFakeDps());
});
afterAll(async () => stop());
beforeEach(() => {
  server.clearFaults();
  server.resetRequests();
});

function inputs(id: string, extra: Partial<RevokedDeviceProviderInputs> = {}): RevokedDeviceProviderInputs {
  return { registrationId: id, certificatePem: deviceCertificate(id), serviceHostName: server.hostName, connectionString: server.connectionString(), providerVersion: "1", ...extra };
}

async function created(id: string) {
  const ins = inputs(id);
  const res = await provider.create(ins);
  server.resetRequests();
  return { ins, outs: res.outs as RevokedDeviceProviderOutputs };
}

test("the request body is the documented individual enrollment, disabled", () => {
  expect(revokedDeviceRequestBody("device-7", "-----BEGIN CERTIFICATE-----\nMII...\n-----END CERTIFICATE-----\n")).toStrictEqual({
    registrationId: "device-7",
    // The PEM without trailing white space, as `az iot dps enrollment create --certificate-path` sends it.
    attestation: { type: "x509", x509: { clientCertificates: { primary: { certificate: "-----BEGIN CERTIFICATE-----\nMII...\n-----END CERTIFICATE-----" } } } },
    provisioningStatus: "disabled",
  });
});

test("create: PUT /enrollments/{id} with the device's PEM, disabled; the thumbprint comes back", async () => {
  const ins = inputs("device-1");
  const res = await provider.create(ins);
  expect(res.id).toBe("device-1");
  expect(server.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(["PUT /enrollments/device-1 200"]);
  expect(server.requests[0].body).toStrictEqual(revokedDeviceRequestBody("device-1", ins.certificatePem));
  expect(server.enrollment("device-1")!.provisioningStatus).toBe("disabled");
  expect(server.enrollmentCertificate("device-1")).toBe(ins.certificatePem.trimEnd());
  const expected = new crypto.X509Certificate(ins.certificatePem).fingerprint256.replace(/:/g, "");
  expect(res.outs).toMatchObject({ sha256Thumbprint: expected, provisioningStatus: "disabled", etag: server.enrollment("device-1")!.etag });
});

test("no change: diff is false with zero requests", async () => {
  const { ins, outs } = await created("device-noop");
  expect(await provider.diff("device-noop", outs, { ...ins })).toMatchObject({ changes: false, replaces: [] });
  expect(server.requestCount).toBe(0);
});

test("check: registration id rule, PEM, CN must be the registration id", async () => {
  const r1 = await provider.check({} as never, inputs("device-2", { registrationId: "-bad" }));
  expect(r1.failures!.map((f) => f.property)).toEqual(["registrationId", "registrationId"]);
  const r2 = await provider.check({} as never, inputs("device-2", { certificatePem: "nope" }));
  expect(r2.failures).toEqual([{ property: "certificatePem", reason: expect.stringMatching(/not a PEM X.509 certificate/) }]);
  const r3 = await provider.check({} as never, inputs("device-2", { certificatePem: deviceCertificate("device-3") }));
  expect(r3.failures).toEqual([{ property: "registrationId", reason: expect.stringMatching(/must be the certificate's common name \("device-3"\)/) }]);
  expect((await provider.check({} as never, inputs("device-2"))).failures).toEqual([]);
});

test("refused by the server: Azure's code, message and the registration id", async () => {
  server.requireRegistrationIdMatchesCn = true;
  const err = await provider.create(inputs("device-x", { certificatePem: deviceCertificate("device-y") })).catch((e) => e);
  expect(err.message).toMatch(/^DPS PUT individual enrollment "device-x" failed: HTTP 400 Bad Request, error 400004: .*common name/);
});

test("drift: enabled by hand shows on read, and the next update disables it again with If-Match", async () => {
  const { ins, outs } = await created("device-drift");
  server.editEnrollment("device-drift", (e) => (e.provisioningStatus = "enabled"));
  const read = await provider.read("device-drift", outs);
  const refreshed = read.props as RevokedDeviceProviderOutputs;
  expect(refreshed.provisioningStatus).toBe("enabled");
  expect(await provider.diff("device-drift", refreshed, ins)).toMatchObject({ changes: true, replaces: [] });
  server.resetRequests();
  await provider.update("device-drift", refreshed, ins);
  expect(server.requests.find((r) => r.method === "PUT")!.headers["if-match"]).toBe(refreshed.etag);
  expect(server.enrollment("device-drift")!.provisioningStatus).toBe("disabled");
});

test("412: re-enabled underneath without a refresh is reported, not overwritten", async () => {
  const { ins, outs } = await created("device-412");
  server.editEnrollment("device-412", (e) => (e.provisioningStatus = "enabled"));
  const newCert = deviceCertificate("device-412");
  await expect(provider.update("device-412", outs, { ...ins, certificatePem: newCert })).rejects.toThrow(/"device-412" \(a revoked device\) was changed .* outside Pulumi .*\(changed: provisioningStatus\); not overwriting/);
  expect(server.enrollment("device-412")!.provisioningStatus).toBe("enabled");
});

test("a new certificate for the same device: update, not replacement", async () => {
  const { ins, outs } = await created("device-rekey");
  const newCert = deviceCertificate("device-rekey");
  expect(await provider.diff("device-rekey", outs, { ...ins, certificatePem: newCert })).toMatchObject({ changes: true, replaces: [] });
  const res = await provider.update("device-rekey", outs, { ...ins, certificatePem: newCert });
  expect(res.outs!.sha256Thumbprint).toBe(certificateFacts(newCert).sha256Thumbprint);
  expect(server.enrollmentCertificate("device-rekey")).toBe(newCert.trimEnd());
});

test("delete un-revokes: the enrollment is gone; 404 on a second delete is done", async () => {
  const { outs } = await created("device-unrevoke");
  await provider.delete("device-unrevoke", outs);
  expect(server.enrollment("device-unrevoke")).toBeUndefined();
  await provider.delete("device-unrevoke", outs);
  expect(server.requests.map((r) => r.status)).toEqual([204, 404]);
});

test("429 then 500: retried until created", async () => {
  server.failNext({ status: 429, retryAfter: 1 });
  server.failNext({ status: 500 });
  const res = await provider.create(inputs("device-retry"));
  expect(res.id).toBe("device-retry");
  expect(server.requests.map((r) => r.status)).toEqual([429, 500, 200]);
});

describe("resource", () => {
  test("registers a dynamic resource whose connection string is secret", async () => {
    const registered: Array<{ type: string; inputs: Record<string, unknown> }> = [];
    pulumi.runtime.setMocks({
      newResource: (args) => {
        registered.push({ type: args.type, inputs: args.inputs });
        return { id: args.inputs.registrationId, state: args.inputs };
      },
      call: (args) => {
        throw new Error(`unexpected call ${args.token}`);
      },
    }, "dps-x509", "test", false);
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { RevokedDevice } = require("../components/resources/revokedDevice") as typeof import("../components/resources/revokedDevice");
    const pem = deviceCertificate("device-res");
    const r = new RevokedDevice("device-res", { registrationId: "device-res", certificatePem: pem, serviceHostName: server.hostName, connectionString: server.connectionString() });
    expect(await pulumi.isSecret(r.connectionString)).toBe(true);
    await new Promise((resolve) => r.id.apply(resolve));
    expect(registered[0].type).toBe("pulumi-nodejs:dynamic/dps-x509:RevokedDevice");
    expect(registered[0].inputs).toMatchObject({ registrationId: "device-res", certificatePem: pem, providerVersion: "2" });
    expect(String(registered[0].inputs.__provider)).not.toContain(server.key);
  });
});
