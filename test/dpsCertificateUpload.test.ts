/**
 * The CA upload provider driven through the real SDK against the strict fake ARM server: If-Match on every
 * update and delete, no overwrite of a certificate this stack does not own, 412 handled once, no call on a no-op.
 */
import { X509Certificate } from "crypto";
import { createRootCa } from "../certs";
import { setArmClientTestOverrides } from "../components/azure/armClient";
import { toDpsCertificateContent } from "../components/azure/dpsCertificates";
import {
  dpsCertificateProvider as provider,
  DPS_CERTIFICATE_PROVIDER_VERSION,
  DpsCertificateUploadInputs,
  DpsCertificateUploadOutputs,
} from "../components/providers/dpsCertificate";
import { caVerificationProvider, CA_VERIFICATION_PROVIDER_VERSION, CaVerificationInputs } from "../components/providers/caVerification";
import { startArmServer, ArmServer, ArmServerOptions } from "../azure-test-servers/armServer";

const SUB = "00000000-0000-0000-0000-000000000003";
const RG = "my-rg";
const DPS = "my-dps";
const NAME = "my-root";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

const root = createRootCa({ commonName: "upload test root", keySize: 2048, validityDays: 30 });
const renewed = createRootCa({ commonName: "upload test root", keySize: 2048, validityDays: 60 });
const foreign = createRootCa({ commonName: "someone else's root", keySize: 2048, validityDays: 30 });

let server: ArmServer;

async function start(options?: ArmServerOptions): Promise<void> {
  server = await startArmServer(options);
  server.state.dps(SUB, RG, DPS); // the DPS exists, with no certificate
}

beforeEach(async () => {
  await start();
  setArmClientTestOverrides({
    credential: { getToken: async () => ({ token: "test-token", expiresOnTimestamp: Date.now() + 3600_000 }) },
    retryDelayInMs: 20,
  });
});
afterEach(async () => {
  setArmClientTestOverrides(undefined);
  await server.close();
});

function inputs(overrides: Partial<DpsCertificateUploadInputs> = {}): DpsCertificateUploadInputs {
  return {
    subscriptionId: SUB,
    resourceGroupName: RG,
    dpsName: DPS,
    certificateName: NAME,
    certificatePem: root.certificatePem,
    isVerified: false,
    armEndpoint: server.url,
    providerVersion: DPS_CERTIFICATE_PROVIDER_VERSION,
    ...overrides,
  };
}

const dps = () => server.state.dps(SUB, RG, DPS);
const thumbprint = (pem: string) => new X509Certificate(pem).fingerprint.replace(/:/g, "");
/** The thumbprint of what the fake DPS holds under NAME. */
const held = () => thumbprint(dps().get(NAME)!.x509.toString());
const trail = () => server.requests.all.map((r) => `${r.route}:${r.status}`);
const armId = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Devices/provisioningServices/${DPS}/certificates/${NAME}`;

async function created(overrides: Partial<DpsCertificateUploadInputs> = {}): Promise<DpsCertificateUploadOutputs> {
  const { outs } = await provider.create!(inputs(overrides));
  server.requests.clear();
  return outs as DpsCertificateUploadOutputs;
}

async function failure(p: Promise<unknown>): Promise<Error> {
  return p.then(
    () => {
      throw new Error("expected a failure");
    },
    (e: Error) => e,
  );
}

describe("create", () => {
  test("a new certificate: GET (404), then PUT without If-Match; the body is the PEM as toDpsCertificateContent encodes it", async () => {
    const check = await provider.check!({} as DpsCertificateUploadInputs, inputs());
    expect(check.failures).toEqual([]);
    expect(server.requests.count()).toBe(0); // check is local

    const { id, outs } = await provider.create!(inputs());
    expect(id).toBe(armId);
    expect(trail()).toEqual(["certificate.get:404", "certificate.put:200"]);
    const put = server.requests.all[1];
    expect(put.ifMatch).toBeUndefined();
    expect(put.body).toEqual({ properties: { certificate: toDpsCertificateContent(root.certificatePem) } }); // no isVerified for proof of possession

    const stored = dps().get(NAME)!;
    expect(stored.isVerified).toBe(false);
    expect(outs).toEqual({
      ...inputs(),
      name: NAME,
      thumbprint: thumbprint(root.certificatePem),
      etag: stored.etag,
      isVerified: false,
      expiry: new Date(new X509Certificate(root.certificatePem).validTo).toISOString(),
      requestedIsVerified: false,
    });
    expect(JSON.stringify(outs)).not.toMatch(/PRIVATE KEY/);
  });

  test("onUpload: the PUT asks for isVerified true, and Azure reports it verified", async () => {
    const { outs } = await provider.create!(inputs({ isVerified: true }));
    expect(server.requests.all[1].body).toEqual({ properties: { certificate: toDpsCertificateContent(root.certificatePem), isVerified: true } });
    expect(outs).toMatchObject({ isVerified: true, requestedIsVerified: true });
    expect(dps().get(NAME)!.isVerified).toBe(true);
  });

  test("a certificate of that name holding another certificate is refused, naming it and the DPS; nothing is written", async () => {
    const theirs = dps().upload(NAME, foreign.certificatePem, { isVerified: true });
    const error = await failure(provider.create!(inputs()));
    expect(error.message).toMatch(/^CA certificate "my-root" on DPS "my-dps" already exists and is not managed by this stack: /);
    expect(error.message).toContain(thumbprint(foreign.certificatePem));
    expect(error.message).not.toMatch(/-----BEGIN/);
    expect(trail()).toEqual(["certificate.get:200"]);
    expect(dps().get(NAME)).toMatchObject({ etag: theirs.etag, content: theirs.content, isVerified: true });
  });

  test("names are compared as ARM does (case-insensitively): another certificate under 'MY-ROOT' is refused too", async () => {
    dps().upload("MY-ROOT", foreign.certificatePem);
    await expect(provider.create!(inputs())).rejects.toThrow(/already exists and is not managed by this stack/);
  });

  test("the same certificate already there (same thumbprint) is adopted without a write", async () => {
    const existing = dps().upload(NAME, root.certificatePem.replace(/\n/g, "\r\n"), { isVerified: true });
    const { id, outs } = await provider.create!(inputs());
    expect(id).toBe(armId);
    expect(trail()).toEqual(["certificate.get:200"]);
    expect(outs).toMatchObject({ thumbprint: thumbprint(root.certificatePem), etag: existing.etag, isVerified: true, requestedIsVerified: false });
    expect(dps().get(NAME)).toMatchObject({ etag: existing.etag, content: existing.content, isVerified: true });
  });

  test("adopting it for onUpload while it is unverified: one PUT with its etag marks it verified", async () => {
    const existing = dps().upload(NAME, root.certificatePem);
    const { outs } = await provider.create!(inputs({ isVerified: true }));
    expect(trail()).toEqual(["certificate.get:200", "certificate.put:200"]);
    expect(server.requests.all[1].ifMatch).toBe(existing.etag);
    expect(outs).toMatchObject({ isVerified: true, etag: dps().get(NAME)!.etag });
  });

  test("created by someone else between our GET and our PUT: Azure's 412 leads to a fresh GET, then refusal or adoption", async () => {
    server.inject({ kind: "beforeRequest", route: "certificate.put", run: () => void dps().upload(NAME, foreign.certificatePem) });
    await expect(provider.create!(inputs())).rejects.toThrow(/^CA certificate "my-root" on DPS "my-dps" already exists and is not managed by this stack/);
    expect(trail()).toEqual(["certificate.get:404", "certificate.put:412", "certificate.get:200"]);
    expect(held()).toBe(thumbprint(foreign.certificatePem));

    dps().remove(NAME);
    server.requests.clear();
    server.inject({ kind: "beforeRequest", route: "certificate.put", run: () => void dps().upload(NAME, root.certificatePem) });
    const { outs } = await provider.create!(inputs());
    expect(trail()).toEqual(["certificate.get:404", "certificate.put:412", "certificate.get:200"]);
    expect(outs).toMatchObject({ thumbprint: thumbprint(root.certificatePem), etag: dps().get(NAME)!.etag });
  });

  test("a DPS that does not exist: the error names the certificate, the DPS and Azure's answer", async () => {
    // The GET's 404 reads as "no such certificate"; the PUT's 404 says why.
    await expect(provider.create!(inputs({ dpsName: "no-such-dps" }))).rejects.toThrow(
      /^CA certificate "my-root" on DPS "no-such-dps": upload failed \(HTTP 404\): ResourceNotFound: .*no-such-dps/,
    );
  });

  test("a lasting 503 on the PUT fails after the SDK's bounded retries, naming the certificate and the DPS", async () => {
    server.inject({ status: 503, count: 50, route: "certificate.put" });
    await expect(provider.create!(inputs())).rejects.toThrow(/^CA certificate "my-root" on DPS "my-dps": upload failed \(HTTP 503\)/);
  });
});

describe("update (renewal under the same name)", () => {
  test("a new certificate: GET, then PUT with the current etag in If-Match; proof of possession leaves isVerified out", async () => {
    const outs = await created();
    const before = dps().get(NAME)!;
    const diff = await provider.diff!(armId, outs, inputs({ certificatePem: renewed.certificatePem }));
    expect(diff).toMatchObject({ changes: true, replaces: [] });
    expect(server.requests.count()).toBe(0);

    const { outs: updated } = await provider.update!(armId, outs, inputs({ certificatePem: renewed.certificatePem }));
    expect(trail()).toEqual(["certificate.get:200", "certificate.put:200"]);
    const put = server.requests.all[1];
    expect(put.ifMatch).toBe(before.etag);
    expect(put.body).toEqual({ properties: { certificate: toDpsCertificateContent(renewed.certificatePem) } });
    const after = dps().get(NAME)!;
    expect(after.etag).not.toBe(before.etag);
    expect(after.created).toEqual(before.created);
    expect(updated).toMatchObject({ certificatePem: renewed.certificatePem, thumbprint: thumbprint(renewed.certificatePem), etag: after.etag, isVerified: false });
  });

  test("the etag moved since our GET (412): re-read once and retried with the new etag", async () => {
    const outs = await created();
    server.inject({ kind: "concurrentUpdate", route: "certificate.put" });
    await provider.update!(armId, outs, inputs({ certificatePem: renewed.certificatePem }));
    expect(trail()).toEqual(["certificate.get:200", "certificate.put:412", "certificate.get:200", "certificate.put:200"]);
    const [, firstPut, , secondPut] = server.requests.all;
    expect(secondPut.ifMatch).not.toBe(firstPut.ifMatch);
    expect(held()).toBe(thumbprint(renewed.certificatePem));
  });

  test("412 twice: fails, naming the certificate and the DPS", async () => {
    const outs = await created();
    server.inject({ kind: "concurrentUpdate", route: "certificate.put", count: 2 });
    await expect(provider.update!(armId, outs, inputs({ certificatePem: renewed.certificatePem }))).rejects.toThrow(
      /^CA certificate "my-root" on DPS "my-dps": update \(the etag changed twice\) failed \(HTTP 412\): PreconditionFailed: /,
    );
    expect(server.requests.count("certificate.put")).toBe(2);
  });

  test("412 in the Devices resource provider's own error shape is handled the same way", async () => {
    await server.close();
    await start({ errorStyle: "iotRp" });
    const outs = await created();
    server.inject({ kind: "concurrentUpdate", route: "certificate.put" });
    await provider.update!(armId, outs, inputs({ certificatePem: renewed.certificatePem }));
    expect(trail()).toEqual(["certificate.get:200", "certificate.put:412", "certificate.get:200", "certificate.put:200"]);
  });

  test("proofOfPossession → onUpload: PUT with If-Match and isVerified true, unless Azure already holds it verified", async () => {
    const outs = await created();
    const { outs: onUpload } = await provider.update!(armId, outs, inputs({ isVerified: true }));
    expect(trail()).toEqual(["certificate.get:200", "certificate.put:200"]);
    expect(server.requests.all[1].body).toMatchObject({ properties: { isVerified: true } });
    expect(onUpload).toMatchObject({ isVerified: true, requestedIsVerified: true });

    // Back to proof of possession with the same certificate: Azure already holds what is wanted, no write
    // (a PUT without isVerified would leave it unverified until the proof runs again).
    server.requests.clear();
    const { outs: back } = await provider.update!(armId, onUpload as DpsCertificateUploadOutputs, inputs({ isVerified: false }));
    expect(trail()).toEqual(["certificate.get:200"]);
    expect(back).toMatchObject({ isVerified: true, requestedIsVerified: false });
    expect(dps().get(NAME)!.isVerified).toBe(true);
  });

  test("the certificate was deleted out of band: the update uploads it again (PUT without If-Match)", async () => {
    const outs = await created();
    dps().remove(NAME);
    await provider.update!(armId, outs, inputs({ certificatePem: renewed.certificatePem }));
    expect(trail()).toEqual(["certificate.get:404", "certificate.put:200"]);
    expect(server.requests.all[1].ifMatch).toBeUndefined();
  });
});

describe("delete", () => {
  test("GET the etag, then DELETE with it in If-Match", async () => {
    const outs = await created();
    const etag = dps().get(NAME)!.etag;
    await provider.delete!(armId, outs);
    expect(trail()).toEqual(["certificate.get:200", "certificate.delete:200"]);
    expect(server.requests.all[1].ifMatch).toBe(etag);
    expect(dps().names()).toEqual([]);
  });

  test("an etag older than the state's (the certificate was verified since) is no obstacle: the current one is read", async () => {
    const outs = await created();
    dps().markUnverified(NAME); // a new etag, unknown to the state
    await provider.delete!(armId, outs);
    expect(dps().names()).toEqual([]);
  });

  test("a certificate already gone: done after the GET (404)", async () => {
    const outs = await created();
    dps().remove(NAME);
    await provider.delete!(armId, outs);
    expect(trail()).toEqual(["certificate.get:404"]);
  });

  test("gone between our GET and our DELETE (404 on the DELETE): done", async () => {
    const outs = await created();
    server.inject({ kind: "beforeRequest", route: "certificate.delete", run: () => dps().remove(NAME) });
    await provider.delete!(armId, outs);
    expect(trail()).toEqual(["certificate.get:200", "certificate.delete:404"]);
  });

  test("412 on the DELETE: re-read once and retried; twice: fails naming the certificate and the DPS", async () => {
    const outs = await created();
    server.inject({ kind: "concurrentUpdate", route: "certificate.delete" });
    await provider.delete!(armId, outs);
    expect(trail()).toEqual(["certificate.get:200", "certificate.delete:412", "certificate.get:200", "certificate.delete:200"]);
    expect(dps().names()).toEqual([]);

    const again = await created();
    server.inject({ kind: "concurrentUpdate", route: "certificate.delete", count: 2 });
    await expect(provider.delete!(armId, again)).rejects.toThrow(/^CA certificate "my-root" on DPS "my-dps": delete \(the etag changed twice\) failed \(HTTP 412\)/);
    expect(dps().names()).toEqual([NAME]);
  });
});

describe("diff, check and read", () => {
  test("the same inputs: no change and no request; an update that needs no Azure call makes none", async () => {
    const outs = await created();
    expect(await provider.diff!(armId, outs, inputs())).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
    // The same PEM with other line endings or surrounding space is the same certificate.
    expect((await provider.diff!(armId, outs, inputs({ certificatePem: `\n${root.certificatePem.replace(/\n/g, "\r\n")}  ` }))).changes).toBe(false);
    expect((await provider.diff!(armId, outs, inputs({ armEndpoint: `${server.url}/` }))).changes).toBe(false);

    const bumped = inputs({ providerVersion: "999" });
    expect(await provider.diff!(armId, outs, bumped)).toMatchObject({ changes: true, replaces: [] });
    const { outs: updated } = await provider.update!(armId, outs, bumped);
    expect(updated).toEqual({ ...outs, providerVersion: "999" });
    expect(server.requests.count()).toBe(0);
  });

  test("a new name, DPS, resource group or subscription replaces (create before delete: they are other ARM resources)", async () => {
    const outs = await created();
    for (const [key, value] of [
      ["certificateName", "renamed"],
      ["dpsName", "other-dps"],
      ["resourceGroupName", "other-rg"],
      ["subscriptionId", "00000000-0000-0000-0000-000000000009"],
    ] as const) {
      expect(await provider.diff!(armId, outs, inputs({ [key]: value }))).toEqual({ changes: true, replaces: [key], deleteBeforeReplace: false });
    }
    // Unknown during preview: shown as a replacement, decided for real at `up`.
    expect((await provider.diff!(armId, outs, inputs({ certificateName: UNKNOWN }))).replaces).toEqual(["certificateName"]);
    expect(server.requests.count()).toBe(0);
  });

  test("a change of case only is the same ARM resource: an update without any call, never a replacement", async () => {
    const outs = await created();
    const recased = inputs({ certificateName: "My-Root", resourceGroupName: "MY-RG" });
    expect(await provider.diff!(armId, outs, recased)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    const { outs: updated } = await provider.update!(armId, outs, recased);
    expect(updated).toMatchObject({ certificateName: "My-Root", resourceGroupName: "MY-RG", etag: outs.etag });
    expect(server.requests.count()).toBe(0);
  });

  test("a new certificate or isVerified is an in-place update; an unknown PEM (preview) too", async () => {
    const outs = await created();
    expect(await provider.diff!(armId, outs, inputs({ certificatePem: renewed.certificatePem }))).toMatchObject({ changes: true, replaces: [] });
    expect(await provider.diff!(armId, outs, inputs({ isVerified: true }))).toMatchObject({ changes: true, replaces: [] });
    expect(await provider.diff!(armId, outs, inputs({ certificatePem: UNKNOWN }))).toMatchObject({ changes: true, replaces: [] });
    expect(server.requests.count()).toBe(0);
  });

  test("check: shape only, locally; unknown values (preview) pass", async () => {
    const fails = async (overrides: Partial<DpsCertificateUploadInputs>) =>
      (await provider.check!({} as DpsCertificateUploadInputs, inputs(overrides))).failures!.map((f) => f.property);
    expect(await fails({ certificateName: "" })).toEqual(["certificateName"]);
    expect(await fails({ certificateName: "x".repeat(257) })).toEqual(["certificateName"]);
    expect(await fails({ dpsName: undefined as never })).toEqual(["dpsName"]);
    expect(await fails({ certificatePem: "not a pem" })).toEqual(["certificatePem"]);
    expect(await fails({ isVerified: "yes" as never })).toEqual(["isVerified"]);
    expect(await fails({ certificatePem: UNKNOWN, dpsName: UNKNOWN, isVerified: UNKNOWN as never })).toEqual([]);
    expect(server.requests.count()).toBe(0);
  });

  test("read reports Azure's view; drift makes the next diff an update that puts things right", async () => {
    const outs = await created({ isVerified: true });
    const clean = await provider.read!(armId, outs);
    expect(clean).toEqual({ id: armId, props: outs });
    expect((await provider.diff!(armId, clean.props!, inputs({ isVerified: true }))).changes).toBe(false);

    // Un-verified in the portal: onUpload wants it verified again.
    dps().markUnverified(NAME);
    const unverified = (await provider.read!(armId, outs)).props!;
    expect(unverified).toMatchObject({ isVerified: false, etag: dps().get(NAME)!.etag });
    expect(await provider.diff!(armId, unverified, inputs({ isVerified: true }))).toMatchObject({ changes: true, replaces: [] });
    server.requests.clear();
    await provider.update!(armId, unverified, inputs({ isVerified: true }));
    expect(server.requests.all.find((r) => r.route === "certificate.put")!.ifMatch).toBe(unverified.etag);
    expect(dps().get(NAME)!.isVerified).toBe(true);

    // Another certificate put there in the portal: the update uploads ours again.
    dps().replace(NAME, foreign.certificatePem);
    const swapped = (await provider.read!(armId, outs)).props!;
    expect(swapped.thumbprint).toBe(thumbprint(foreign.certificatePem));
    expect(await provider.diff!(armId, swapped, inputs({ isVerified: true }))).toMatchObject({ changes: true, replaces: [] });
    await provider.update!(armId, swapped, inputs({ isVerified: true }));
    expect(held()).toBe(thumbprint(root.certificatePem));

    // Deleted: refresh drops it.
    dps().remove(NAME);
    expect((await provider.read!(armId, outs)).id).toBeUndefined();
  });

  test("proof of possession: a refresh that finds the certificate verified (by CaVerification) is no drift", async () => {
    const outs = await created();
    dps().upload(NAME, root.certificatePem, { isVerified: true }); // what the proof of possession leaves behind
    const refreshed = (await provider.read!(armId, outs)).props!;
    expect(refreshed).toMatchObject({ isVerified: true, requestedIsVerified: false });
    expect(await provider.diff!(armId, refreshed, inputs())).toMatchObject({ changes: false });
  });
});

test("with CaVerification: upload, prove, renew under the same name (If-Match), prove again, remove", async () => {
  const verificationInputs = (pem: string, key: string): CaVerificationInputs => ({
    subscriptionId: SUB,
    resourceGroupName: RG,
    dpsName: DPS,
    certificateName: NAME,
    certificatePem: pem,
    caPrivateKeyPem: key,
    armEndpoint: server.url,
    providerVersion: CA_VERIFICATION_PROVIDER_VERSION,
  });
  const upload = (await provider.create!(inputs())).outs as DpsCertificateUploadOutputs;
  const proof = (await caVerificationProvider.create!(verificationInputs(root.certificatePem, root.privateKeyPem))).outs!;
  expect(dps().get(NAME)!.isVerified).toBe(true);

  // Renewal: the upload is updated in place (PUT with If-Match); CaVerification's diff asks for a replacement.
  const renewal = inputs({ certificatePem: renewed.certificatePem });
  expect((await provider.diff!(armId, upload, renewal)).replaces).toEqual([]);
  const etagBefore = dps().get(NAME)!.etag;
  server.requests.clear();
  const renewedUpload = (await provider.update!(armId, upload, renewal)).outs as DpsCertificateUploadOutputs;
  expect(server.requests.all.find((r) => r.route === "certificate.put")!.ifMatch).toBe(etagBefore);
  expect(dps().get(NAME)!.isVerified).toBe(false);
  const renewedProof = verificationInputs(renewed.certificatePem, renewed.privateKeyPem);
  expect((await caVerificationProvider.diff!("id", proof, renewedProof)).replaces).toEqual(["certificatePem"]);
  await caVerificationProvider.create!(renewedProof);
  expect(dps().get(NAME)!.isVerified).toBe(true);
  expect(held()).toBe(thumbprint(renewed.certificatePem));

  // Offboarding: delete with the etag the verification left behind.
  await caVerificationProvider.delete!("id", proof);
  await provider.delete!(armId, renewedUpload);
  expect(dps().names()).toEqual([]);
});
