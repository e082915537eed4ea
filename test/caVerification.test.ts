/**
 * The proof-of-possession provider driven through the real SDK against the fake ARM server.
 */
import { X509Certificate } from "crypto";
import { createRootCa } from "../certs";
import { setArmClientTestOverrides, capRetryAfterPolicy, ARM_RETRY } from "../components/azure/armClient";
import {
  caVerificationProvider as provider,
  CA_VERIFICATION_PROVIDER_VERSION,
  CaVerificationInputs,
  CaVerificationOutputs,
} from "../components/providers/caVerification";
import { startArmServer, ArmServer, commonNameOf } from "../azure-test-servers/armServer";

const SUB = "00000000-0000-0000-0000-000000000002";
const RG = "my-rg";
const DPS = "my-dps";
const NAME = "my-root";

const root = createRootCa({ commonName: "caVerification test root", keySize: 2048, validityDays: 30 });
const other = createRootCa({ commonName: "caVerification other root", keySize: 2048, validityDays: 30 });

let server: ArmServer;

beforeEach(async () => {
  server = await startArmServer();
  server.state.dps(SUB, RG, DPS).upload(NAME, root.certificatePem);
  setArmClientTestOverrides({
    credential: { getToken: async () => ({ token: "test-token", expiresOnTimestamp: Date.now() + 3600_000 }) },
    retryDelayInMs: 20,
  });
});
afterEach(async () => {
  setArmClientTestOverrides(undefined);
  await server.close();
});

function inputs(overrides: Partial<CaVerificationInputs> = {}): CaVerificationInputs {
  return {
    subscriptionId: SUB,
    resourceGroupName: RG,
    dpsName: DPS,
    certificateName: NAME,
    certificatePem: root.certificatePem,
    caPrivateKeyPem: root.privateKeyPem,
    armEndpoint: server.url,
    providerVersion: CA_VERIFICATION_PROVIDER_VERSION,
    ...overrides,
  };
}

const thumbprint = (pem: string) => new X509Certificate(pem).fingerprint.replace(/:/g, "");
const noKeyMaterial = (text: string) => {
  expect(text).not.toMatch(/-----BEGIN/);
  expect(text).not.toContain(root.privateKeyPem.split("\n")[1]);
};

async function createOk(): Promise<CaVerificationOutputs> {
  const { outs } = await provider.create!(inputs());
  return outs as CaVerificationOutputs;
}

test("happy path: three ARM requests (at most four), verified, outputs carry no key", async () => {
  const check = await provider.check!({} as CaVerificationInputs, inputs());
  expect(check.failures).toEqual([]);
  expect(server.requests.count()).toBe(0); // check is local
  const uploadedEtag = server.state.dps(SUB, RG, DPS).get(NAME)!.etag;

  const { id, outs } = await provider.create!(inputs());
  expect(id).toBe(`/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Devices/provisioningServices/${DPS}/certificates/${NAME}/proofOfPossession`);
  expect(outs).toMatchObject({ certificateName: NAME, dpsName: DPS, isVerified: true, thumbprint: thumbprint(root.certificatePem) });
  expect(outs).not.toHaveProperty("caPrivateKeyPem");
  expect(JSON.stringify(outs)).not.toContain("PRIVATE KEY");
  expect(outs!.etag).toBe(server.state.dps(SUB, RG, DPS).get(NAME)!.etag);

  expect(server.requests.all.map((r) => r.route)).toEqual(["certificate.get", "certificate.generateVerificationCode", "certificate.verify"]);
  expect(server.requests.count()).toBeLessThanOrEqual(4);

  // What the server received: CN = the code it issued, signed by the uploaded CA.
  const stored = server.state.dps(SUB, RG, DPS).get(NAME)!;
  expect(stored.isVerified).toBe(true);
  const sent = server.requests.all.find((r) => r.route === "certificate.verify")!.body as { certificate: string };
  const leaf = new X509Certificate(sent.certificate);
  expect(commonNameOf(leaf)).toBe(stored.lastIssuedCode);
  expect(leaf.verify(new X509Certificate(root.certificatePem).publicKey)).toBe(true);
  // If-Match chain: generate with the etag read, verify with the etag generate returned.
  const [get, gen, verify] = server.requests.all;
  expect(get.ifMatch).toBeUndefined();
  const tag = (ifMatch: string | undefined) => ifMatch?.replace(/^W\//, "").replace(/^"(.*)"$/, "$1");
  expect(tag(gen.ifMatch)).toBe(uploadedEtag);
  // The etag generate returned: neither the uploaded one nor the one verify produced (each step changes it).
  expect(tag(verify.ifMatch)).toMatch(/\S/);
  expect([uploadedEtag, stored.etag]).not.toContain(tag(verify.ifMatch));
});

test("stale etag before generateVerificationCode: 412, re-read, success", async () => {
  server.inject({ kind: "concurrentUpdate", route: "certificate.generateVerificationCode" });
  const outs = await createOk();
  expect(outs.isVerified).toBe(true);
  const statuses = server.requests.all.map((r) => `${r.route}:${r.status}`);
  expect(statuses).toEqual([
    "certificate.get:200",
    "certificate.generateVerificationCode:412",
    "certificate.get:200",
    "certificate.generateVerificationCode:200",
    "certificate.verify:200",
  ]);
});

test("stale etag before verify: 412, whole sequence again once, success", async () => {
  server.inject({ kind: "concurrentUpdate", route: "certificate.verify" });
  await createOk();
  expect(server.requests.count("certificate.get")).toBe(2);
  expect(server.requests.count("certificate.generateVerificationCode")).toBe(2);
  expect(server.requests.count("certificate.verify")).toBe(2);
  expect(server.state.dps(SUB, RG, DPS).get(NAME)!.isVerified).toBe(true);
});

test("412 twice: fails, naming the certificate and the DPS", async () => {
  server.inject({ kind: "concurrentUpdate", route: "certificate.verify", count: 2 });
  await expect(provider.create!(inputs())).rejects.toThrow(/CA certificate "my-root" on DPS "my-dps".*PreconditionFailed/);
  expect(server.requests.count("certificate.verify")).toBe(2);
});

test("wrong key: check reports it, create refuses before any ARM call; no PEM in either message", async () => {
  const wrong = inputs({ caPrivateKeyPem: other.privateKeyPem });
  const check = await provider.check!({} as CaVerificationInputs, wrong);
  expect(check.failures).toHaveLength(1);
  expect(check.failures![0].property).toBe("caPrivateKeyPem");
  expect(check.failures![0].reason).toContain('CA certificate "my-root" on DPS "my-dps"');
  noKeyMaterial(check.failures![0].reason);

  const error = await provider.create!(wrong).then(
    () => undefined,
    (e: Error) => e,
  );
  expect(error).toBeInstanceOf(Error);
  expect(error!.message).toMatch(/CA certificate "my-root" on DPS "my-dps".*does not match/);
  noKeyMaterial(error!.message);
  noKeyMaterial(error!.stack ?? "");
  expect(server.requests.count()).toBe(0);
  expect(server.state.dps(SUB, RG, DPS).get(NAME)!.isVerified).toBe(false);
});

test("check: a missing key, an unparsable certificate or key are reported; unknown values (preview) pass", async () => {
  const missing = await provider.check!({} as CaVerificationInputs, inputs({ caPrivateKeyPem: "" }));
  expect(missing.failures!.map((f) => f.property)).toEqual(["caPrivateKeyPem"]);
  const badCert = await provider.check!({} as CaVerificationInputs, inputs({ certificatePem: "not a pem" }));
  expect(badCert.failures!.map((f) => f.property)).toEqual(["certificatePem"]);
  const badKey = await provider.check!({} as CaVerificationInputs, inputs({ caPrivateKeyPem: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n" }));
  expect(badKey.failures!.map((f) => f.property)).toEqual(["caPrivateKeyPem"]);
  noKeyMaterial(badKey.failures![0].reason);
  const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
  const preview = await provider.check!({} as CaVerificationInputs, inputs({ certificatePem: unknown, caPrivateKeyPem: unknown }));
  expect(preview.failures).toEqual([]);
});

test("Azure rejects the verification (expired code): Error names certificate, DPS and Azure's message; stays unverified; the next run succeeds", async () => {
  server.state.codeTtlMs = -1; // every code is already expired when verify arrives
  const error = await provider.create!(inputs()).then(
    () => undefined,
    (e: Error) => e,
  );
  expect(error!.message).toMatch(/^verification of CA certificate "my-root" on DPS "my-dps" was rejected: VerificationCodeExpired: /);
  noKeyMaterial(error!.message);
  const stored = server.state.dps(SUB, RG, DPS).get(NAME)!;
  expect(stored.isVerified).toBe(false);
  expect(stored.content).toBeDefined(); // still uploaded

  server.state.codeTtlMs = 60_000;
  const outs = await createOk();
  expect(outs.isVerified).toBe(true);
});

test("DPS holds another certificate under that name: fails before generating a code", async () => {
  server.state.dps(SUB, RG, DPS).replace(NAME, other.certificatePem);
  await expect(provider.create!(inputs())).rejects.toThrow(/CA certificate "my-root" on DPS "my-dps": DPS holds a certificate with thumbprint/);
  expect(server.requests.all.map((r) => r.route)).toEqual(["certificate.get"]);
});

test("certificate not uploaded: 404 explained", async () => {
  server.state.dps(SUB, RG, DPS).remove(NAME);
  await expect(provider.create!(inputs())).rejects.toThrow(/CA certificate "my-root" on DPS "my-dps": read failed \(HTTP 404\): NotFound/);
});

test("429 with Retry-After: the SDK waits as told, then succeeds", async () => {
  server.inject({ status: 429, retryAfter: 1, route: "certificate.generateVerificationCode" });
  await createOk();
  const gens = server.requests.all.filter((r) => r.route === "certificate.generateVerificationCode");
  expect(gens.map((r) => r.status)).toEqual([429, 200]);
  expect(gens[1].at - gens[0].at).toBeGreaterThanOrEqual(950);
  expect(server.requests.count()).toBe(4);
});

test("503 and 500 are retried by the SDK; a lasting 503 fails after a bounded number of attempts", async () => {
  server.inject({ status: 503, count: 2, route: "certificate.verify" });
  server.inject({ status: 500, count: 1, route: "certificate.get" });
  await createOk();
  expect(server.requests.all.map((r) => `${r.route}:${r.status}`)).toEqual([
    "certificate.get:500",
    "certificate.get:200",
    "certificate.generateVerificationCode:200",
    "certificate.verify:503",
    "certificate.verify:503",
    "certificate.verify:200",
  ]);

  server.requests.clear();
  server.state.dps(SUB, RG, DPS).markUnverified(NAME);
  server.inject({ status: 503, count: 50, route: "certificate.get" });
  await expect(provider.create!(inputs())).rejects.toThrow(/CA certificate "my-root" on DPS "my-dps": read failed \(HTTP 503\)/);
  expect(server.requests.count("certificate.get")).toBe(ARM_RETRY.maxRetries + 1);
});

test("Retry-After longer than the cap is shortened (so a throttled run stays bounded)", async () => {
  const policy = capRetryAfterPolicy(30_000);
  const headers = new Map<string, string>([["retry-after", "3600"], ["retry-after-ms", "999999"]]);
  const response = {
    status: 429,
    headers: { get: (k: string) => headers.get(k), set: (k: string, v: string) => void headers.set(k, v) },
  };
  await policy.sendRequest({} as never, async () => response as never);
  expect(headers.get("retry-after")).toBe("30");
  expect(headers.get("retry-after-ms")).toBe("30000");
  headers.set("retry-after", "2");
  await policy.sendRequest({} as never, async () => response as never);
  expect(headers.get("retry-after")).toBe("2");
});

test("re-run with the same inputs: diff says no change and makes no call; update is local", async () => {
  const outs = await createOk();
  server.requests.clear();
  const same = await provider.diff!("id", outs, inputs());
  expect(same).toMatchObject({ changes: false, replaces: [] });
  // A PEM differing only in line endings is the same certificate.
  expect((await provider.diff!("id", outs, inputs({ certificatePem: root.certificatePem.replace(/\n/g, "\r\n") }))).changes).toBe(false);

  const bumped = await provider.diff!("id", outs, inputs({ providerVersion: "999" }));
  expect(bumped).toMatchObject({ changes: true, replaces: [] });
  const updated = await provider.update!("id", outs, inputs({ providerVersion: "999" }));
  expect(updated.outs).toMatchObject({ providerVersion: "999", isVerified: true, etag: outs.etag });
  expect(updated.outs).not.toHaveProperty("caPrivateKeyPem");

  for (const [key, value] of [
    ["certificatePem", other.certificatePem],
    ["certificateName", "renamed"],
    ["dpsName", "other-dps"],
    ["resourceGroupName", "other-rg"],
  ] as const) {
    const d = await provider.diff!("id", outs, inputs({ [key]: value }));
    expect(d.replaces).toEqual([key]);
  }
  // Unknown during preview: shown as a replacement, decided for real at `up`.
  expect((await provider.diff!("id", outs, inputs({ certificatePem: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" }))).replaces).toEqual(["certificatePem"]);
  await provider.delete!("id", outs);
  expect(server.requests.count()).toBe(0);
});

test("read reports drift: un-verified in the portal → diff replaces; replaced certificate → replaces; deleted → gone", async () => {
  const outs = await createOk();
  server.requests.clear();
  const clean = await provider.read!("id", outs);
  expect(clean.props).toMatchObject({ isVerified: true, thumbprint: outs.thumbprint });
  expect((await provider.diff!("id", clean.props!, inputs())).changes).toBe(false);

  server.state.dps(SUB, RG, DPS).markUnverified(NAME);
  const drifted = await provider.read!("id", outs);
  expect(drifted.id).toBe("id");
  expect(drifted.props).toMatchObject({ isVerified: false });
  expect((await provider.diff!("id", drifted.props!, inputs())).replaces).toEqual(["isVerified"]);

  server.state.dps(SUB, RG, DPS).upload(NAME, other.certificatePem, { isVerified: true });
  const swapped = await provider.read!("id", outs);
  expect(swapped.props!.thumbprint).toBe(thumbprint(other.certificatePem));
  expect((await provider.diff!("id", swapped.props!, inputs())).replaces).toEqual(["thumbprint"]);

  server.state.dps(SUB, RG, DPS).remove(NAME);
  const gone = await provider.read!("id", outs);
  expect(gone.id).toBeUndefined();
  expect(server.requests.all.every((r) => r.route === "certificate.get")).toBe(true);
});

test("proof of possession on an intermediate's upload works the same (the server checks the signer)", async () => {
  const { createIntermediateCa } = await import("../certs");
  const intermediate = createIntermediateCa({ issuer: root, commonName: "caVerification intermediate", keySize: 2048, validityDays: 10 });
  server.state.dps(SUB, RG, DPS).upload("my-intermediate", intermediate.certificatePem);
  const { outs } = await provider.create!(
    inputs({ certificateName: "my-intermediate", certificatePem: intermediate.certificatePem, caPrivateKeyPem: intermediate.privateKeyPem }),
  );
  expect(outs).toMatchObject({ isVerified: true, thumbprint: thumbprint(intermediate.certificatePem) });
});
