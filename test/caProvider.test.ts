/**
 * The caCertificate dynamic provider, its methods called directly (no engine).
 */
import { X509Certificate } from "crypto";
import { compactKeyToPem, createDeviceCertificate, createIntermediateCa, createRootCa, describeCertificate, KeyAndCert } from "../certs";
import {
  caCertificateProvider as provider,
  CaCertificateInputs,
  CaCertificateOutputs,
  caDiff,
  CA_PROVIDER_VERSION,
} from "../components/providers/caCertificate";
import { extensionBlock, opensslOk, verifyChain, x509Dates, x509Field, x509Text } from "./support/openssl";

const DAY = 24 * 3600 * 1000;
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

const rootInputs: CaCertificateInputs = { role: "root", commonName: "Provider Root", keySize: 2048, validityDays: 365, providerVersion: CA_PROVIDER_VERSION };

/** provider.create with its optional `outs` made definite. */
async function create(inputs: CaCertificateInputs): Promise<{ id: string; outs: CaCertificateOutputs }> {
  const result = await provider.create!(inputs);
  if (!result.outs) throw new Error("create returned no outputs");
  return { id: result.id, outs: result.outs };
}

async function update(id: string, olds: CaCertificateOutputs, news: CaCertificateInputs): Promise<CaCertificateOutputs> {
  const result = await provider.update!(id, olds, news);
  if (!result.outs) throw new Error("update returned no outputs");
  return result.outs;
}

const NO_OLDS = {} as CaCertificateInputs;

let root: { id: string; outs: CaCertificateOutputs };
let intermediateInputs: CaCertificateInputs;
let intermediate: { id: string; outs: CaCertificateOutputs };

beforeAll(async () => {
  root = await create(rootInputs);
  intermediateInputs = {
    role: "intermediate",
    commonName: "Provider Intermediate",
    keySize: 2048,
    validityDays: 180,
    renewBeforeDays: 30,
    issuerCertificatePem: root.outs.certificatePem,
    issuerPrivateKey: root.outs.privateKey,
    providerVersion: CA_PROVIDER_VERSION,
  };
  intermediate = await create(intermediateInputs);
});

function hex(s: string) {
  return s.replace(/:/g, "").toUpperCase();
}

describe("create", () => {
  test("a root: outputs agree with OpenSSL's reading of the certificate", () => {
    const { outs, id } = root;
    const pem = outs.certificatePem;
    expect(verifyChain({ root: pem, leaf: pem }).code).toBe(0);
    const text = x509Text(pem);
    expect(extensionBlock(text, "X509v3 Basic Constraints")).toEqual({ critical: true, value: "CA:TRUE, pathlen:1" });
    expect(outs.thumbprint).toBe(hex(x509Field(pem, ["-fingerprint", "-sha1"])));
    expect(outs.sha256Thumbprint).toBe(hex(x509Field(pem, ["-fingerprint", "-sha256"])));
    expect(id).toBe(outs.sha256Thumbprint);
    expect(outs.notAfter).toBe(x509Dates(pem).notAfter.toISOString());
    expect(outs.subjectKeyId).toBe(hex(extensionBlock(text, "X509v3 Subject Key Identifier")!.value));
    // The key in compact form (certs/compactKey.ts), never as a PEM in state; decoded, it is the certificate's key.
    expect(outs.privateKey).toMatch(/^rsa1\./);
    expect(outs).not.toHaveProperty("privateKeyPem");
    expect(opensslOk(["rsa", "-noout", "-modulus"], { input: compactKeyToPem(outs.privateKey!) })).toBe(opensslOk(["x509", "-noout", "-modulus"], { input: pem }));
    expect(outs).toMatchObject({ role: "root", commonName: "Provider Root", keySize: 2048, validityDays: 365, pathLength: 1, providerVersion: CA_PROVIDER_VERSION });
  });

  test("an intermediate signed by the root's key; the issuer's key is not copied into the outputs", () => {
    const r = verifyChain({ root: root.outs.certificatePem, leaf: intermediate.outs.certificatePem });
    expect(r.code).toBe(0);
    expect(intermediate.outs.pathLength).toBe(0);
    expect(JSON.stringify(intermediate.outs)).not.toContain(root.outs.privateKey!.split(".")[2]);
    // The issuer's certificate by its SHA-256 (as OpenSSL computes it), not repeated as a PEM.
    expect(intermediate.outs.issuerCertificateSha256).toBe(hex(x509Field(root.outs.certificatePem, ["-fingerprint", "-sha256"])));
    expect(JSON.stringify(intermediate.outs)).not.toContain(root.outs.certificatePem.split("\n")[1]);
  });

  test("a brought root with a PKCS#1 key: certificate kept, key re-encoded as PKCS#8", async () => {
    const brought = createRootCa({ commonName: "Brought", keySize: 2048, validityDays: 30 });
    const pkcs1 = opensslOk(["rsa", "-traditional"], { input: brought.privateKeyPem });
    expect(pkcs1).toMatch(/BEGIN RSA PRIVATE KEY/);
    const { outs } = await create({ ...rootInputs, providedCertificatePem: brought.certificatePem, providedPrivateKeyPem: pkcs1 });
    expect(outs.certificatePem).toBe(brought.certificatePem);
    expect(opensslOk(["rsa", "-noout", "-modulus"], { input: compactKeyToPem(outs.privateKey!) })).toBe(opensslOk(["rsa", "-noout", "-modulus"], { input: pkcs1 }));
    expect(outs.providedCertificateSha256).toBe(hex(x509Field(brought.certificatePem, ["-fingerprint", "-sha256"])));
    expect(outs).not.toHaveProperty("providedCertificatePem");
  });

  test("a brought root without its key has no privateKey output", async () => {
    const brought = createRootCa({ commonName: "Brought keyless", keySize: 2048, validityDays: 30 });
    const { outs } = await create({ ...rootInputs, providedCertificatePem: brought.certificatePem });
    expect(outs.privateKey).toBeUndefined();
    expect(outs.thumbprint).toBe(hex(x509Field(brought.certificatePem, ["-fingerprint", "-sha1"])));
  });

  test("create refuses bad inputs with the property named and no key material", async () => {
    const stranger = createRootCa({ commonName: "Stranger", keySize: 2048, validityDays: 30 });
    const attempt = create({ ...rootInputs, providedCertificatePem: root.outs.certificatePem, providedPrivateKeyPem: stranger.privateKeyPem });
    await expect(attempt).rejects.toThrow(/^providedPrivateKeyPem: private key does not match/);
    const message = await attempt.catch((e: Error) => e.message);
    expect(message).not.toMatch(/PRIVATE KEY|MII/);
  });
});

describe("diff", () => {
  test("same inputs: no changes (the key is never regenerated)", async () => {
    expect(await provider.diff!(root.id, root.outs, rootInputs)).toMatchObject({ changes: false, replaces: [] });
    expect(await provider.diff!(intermediate.id, intermediate.outs, intermediateInputs)).toMatchObject({ changes: false, replaces: [] });
    // an explicit pathLength equal to the default is the same thing
    expect(await provider.diff!(root.id, root.outs, { ...rootInputs, pathLength: 1 })).toMatchObject({ changes: false, replaces: [] });
    // a PEM with CRLF line ends or extra white space is the same certificate
    const crlf = { ...intermediateInputs, issuerCertificatePem: `${root.outs.certificatePem.replace(/\n/g, "\r\n")}\n\n` };
    expect(await provider.diff!(intermediate.id, intermediate.outs, crlf)).toMatchObject({ changes: false });
  });

  test.each([
    ["keySize", { keySize: 4096 }],
    ["commonName", { commonName: "Other" }],
    ["validityDays", { validityDays: 366 }],
    ["pathLength", { pathLength: 2 }],
    ["role", { role: "intermediate" }],
  ])("a change of %s replaces the root", async (key, change) => {
    const result = await provider.diff!(root.id, root.outs, { ...rootInputs, ...(change as Partial<CaCertificateInputs>) });
    expect(result.changes).toBe(true);
    expect(result.replaces).toContain(key);
  });

  test("a new issuer certificate replaces the intermediate; an unknown one (preview) too", async () => {
    const other = createRootCa({ commonName: "Other issuer", keySize: 2048, validityDays: 30 });
    const changed = await provider.diff!(intermediate.id, intermediate.outs, { ...intermediateInputs, issuerCertificatePem: other.certificatePem });
    expect(changed.replaces).toEqual(["issuerCertificatePem"]);
    const unknown = await provider.diff!(intermediate.id, intermediate.outs, { ...intermediateInputs, issuerCertificatePem: UNKNOWN });
    expect(unknown.replaces).toEqual(["issuerCertificatePem"]);
  });

  test("renewBeforeDays: inside the window → replace (notAfter); outside → nothing", () => {
    const errors = jest.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      const notAfter = new Date(intermediate.outs.notAfter).getTime();
      const due = caDiff(intermediate.outs, intermediateInputs, new Date(notAfter - 29 * DAY));
      expect(due).toMatchObject({ changes: true, replaces: ["notAfter"] });
      const notDue = caDiff(intermediate.outs, intermediateInputs, new Date(notAfter - 31 * DAY));
      expect(notDue).toMatchObject({ changes: false, replaces: [] });
      expect(errors).toHaveBeenCalledTimes(1);
      const line = String(errors.mock.calls[0][0]);
      expect(line).toMatch(/Provider Intermediate.*renewBeforeDays=30.*replacing/);
      expect(line).not.toMatch(/PRIVATE|BEGIN/);
    } finally {
      errors.mockRestore();
    }
  });

  test("renewal through the provider method, with the real clock", async () => {
    const errors = jest.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      const nearlyExpired = { ...intermediate.outs, notAfter: new Date(Date.now() + 10 * DAY).toISOString() };
      expect(await provider.diff!(intermediate.id, nearlyExpired, intermediateInputs)).toMatchObject({ changes: true, replaces: ["notAfter"] });
      expect(await provider.diff!(intermediate.id, intermediate.outs, intermediateInputs)).toMatchObject({ changes: false });
    } finally {
      errors.mockRestore();
    }
  });

  test("renewBeforeDays or providerVersion changes: an update in place that keeps certificate and key", async () => {
    const newInputs = { ...intermediateInputs, renewBeforeDays: 10, providerVersion: "2" };
    expect(await provider.diff!(intermediate.id, intermediate.outs, newInputs)).toMatchObject({ changes: true, replaces: [] });
    const outs = await update(intermediate.id, intermediate.outs, newInputs);
    expect(outs.certificatePem).toBe(intermediate.outs.certificatePem);
    expect(outs.privateKey).toBe(intermediate.outs.privateKey);
    expect(outs.renewBeforeDays).toBe(10);
    expect(outs.providerVersion).toBe("2");
    const dropped = await update(intermediate.id, intermediate.outs, { ...intermediateInputs, renewBeforeDays: undefined });
    expect("renewBeforeDays" in dropped).toBe(false);
  });

  test("brought CAs: a changed certificate or an added key replaces; renewal is only reported", async () => {
    const brought = createRootCa({ commonName: "Brought diff", keySize: 2048, validityDays: 30 });
    const inputs = { ...rootInputs, providedCertificatePem: brought.certificatePem };
    const { outs } = await create(inputs);
    expect(await provider.diff!("x", outs, inputs)).toMatchObject({ changes: false });
    expect((await provider.diff!("x", outs, { ...inputs, providedPrivateKeyPem: brought.privateKeyPem })).replaces).toEqual(["providedPrivateKeyPem"]);
    const other = createRootCa({ commonName: "Brought diff", keySize: 2048, validityDays: 30 });
    expect((await provider.diff!("x", outs, { ...inputs, providedCertificatePem: other.certificatePem })).replaces).toEqual(["providedCertificatePem"]);
    const errors = jest.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      const due = caDiff(outs, { ...inputs, renewBeforeDays: 60 });
      expect(due.replaces).toEqual([]);
      expect(String(errors.mock.calls[0][0])).toMatch(/bring a renewed certificate/);
    } finally {
      errors.mockRestore();
    }
  });
});

describe("outputs of provider version 2 (PEMs in state)", () => {
  // What version 2 stored (its toOutputs): the issuer's and a brought certificate as PEM, the key as PKCS#8 PEM.
  const v2Root = createRootCa({ commonName: "V2 Root", keySize: 2048, validityDays: 365 });
  const v2Inter = createIntermediateCa({ issuer: v2Root, commonName: "V2 Inter", keySize: 2048, validityDays: 100 });
  const described = (pem: string) => {
    const d = describeCertificate(pem);
    return { thumbprint: d.sha1Thumbprint, sha256Thumbprint: d.sha256Thumbprint, notAfter: d.notAfter, subjectKeyId: d.subjectKeyId ?? "" };
  };
  const v2Outputs: CaCertificateOutputs = {
    role: "intermediate", commonName: "V2 Inter", keySize: 2048, validityDays: 100, pathLength: 0, providerVersion: "2",
    issuerCertificatePem: v2Root.certificatePem.trim(), certificatePem: v2Inter.certificatePem, privateKeyPem: v2Inter.privateKeyPem, ...described(v2Inter.certificatePem),
  };
  const v2Inputs: CaCertificateInputs = {
    role: "intermediate", commonName: "V2 Inter", keySize: 2048, validityDays: 100,
    issuerCertificatePem: v2Root.certificatePem, issuerPrivateKey: "rsa1.AQAB.AQ.AQ", providerVersion: CA_PROVIDER_VERSION,
  };

  test("diff reads the PEMs: the same issuer is no replacement, another one is; the version change is an update", async () => {
    expect(await provider.diff!("x", v2Outputs, v2Inputs)).toMatchObject({ changes: true, replaces: [] });
    const other = createRootCa({ commonName: "V2 Other", keySize: 2048, validityDays: 30 });
    expect((await provider.diff!("x", v2Outputs, { ...v2Inputs, issuerCertificatePem: other.certificatePem })).replaces).toEqual(["issuerCertificatePem"]);
  });

  test("update converts them in place: same certificate, the same key in compact form, digests for the PEMs", async () => {
    const outs = await update("x", v2Outputs, v2Inputs);
    expect(outs).not.toHaveProperty("privateKeyPem");
    expect(outs).not.toHaveProperty("issuerCertificatePem");
    expect(outs).toMatchObject({ certificatePem: v2Inter.certificatePem, thumbprint: v2Outputs.thumbprint, providerVersion: CA_PROVIDER_VERSION });
    expect(outs.issuerCertificateSha256).toBe(hex(x509Field(v2Root.certificatePem, ["-fingerprint", "-sha256"])));
    expect(opensslOk(["rsa", "-noout", "-modulus"], { input: compactKeyToPem(outs.privateKey!) })).toBe(opensslOk(["rsa", "-noout", "-modulus"], { input: v2Inter.privateKeyPem }));
    expect(await provider.diff!("x", outs, v2Inputs)).toMatchObject({ changes: false, replaces: [] });
  });

  test("a key in state that is not the certificate's is refused, naming no key material", async () => {
    const stranger = createRootCa({ commonName: "V2 Stranger", keySize: 2048, validityDays: 30 });
    const attempt = update("x", { ...v2Outputs, privateKeyPem: stranger.privateKeyPem }, v2Inputs);
    await expect(attempt).rejects.toThrow(/V2 Inter.*does not match its certificate/);
    expect(await attempt.catch((e: Error) => e.message)).not.toMatch(/PRIVATE KEY|MII|rsa1/);
  });

  test("a brought CA of version 2: same certificate and key compare equal; another key replaces", async () => {
    const brought: CaCertificateOutputs = { ...v2Outputs, role: "root", pathLength: 1, issuerCertificatePem: undefined, providedCertificatePem: v2Root.certificatePem.trim(), certificatePem: v2Root.certificatePem, privateKeyPem: v2Root.privateKeyPem, ...described(v2Root.certificatePem) };
    const inputs: CaCertificateInputs = { ...rootInputs, commonName: "V2 Inter", validityDays: 100, providedCertificatePem: v2Root.certificatePem, providedPrivateKeyPem: v2Root.privateKeyPem };
    expect(await provider.diff!("x", brought, inputs)).toMatchObject({ replaces: [] });
    const stranger = createRootCa({ commonName: "V2 Stranger", keySize: 2048, validityDays: 30 });
    expect((await provider.diff!("x", brought, { ...inputs, providedPrivateKeyPem: stranger.privateKeyPem })).replaces).toEqual(["providedPrivateKeyPem"]);
    const outs = await update("x", brought, inputs);
    expect(outs.providedCertificateSha256).toBe(hex(x509Field(v2Root.certificatePem, ["-fingerprint", "-sha256"])));
    expect(await provider.diff!("x", outs, inputs)).toMatchObject({ changes: false, replaces: [] });
  });
});

describe("check", () => {
  async function failures(news: Partial<CaCertificateInputs>) {
    const result = await provider.check!(NO_OLDS, news as CaCertificateInputs);
    return result.failures ?? [];
  }

  test("good inputs pass and are returned unchanged", async () => {
    const result = await provider.check!(NO_OLDS, intermediateInputs);
    expect(result.failures).toEqual([]);
    expect(result.inputs).toEqual(intermediateInputs);
  });

  test("a brought CA whose key does not match → providedPrivateKeyPem", async () => {
    const other = createRootCa({ commonName: "Other", keySize: 2048, validityDays: 30 });
    const f = await failures({ ...rootInputs, providedCertificatePem: root.outs.certificatePem, providedPrivateKeyPem: other.privateKeyPem });
    expect(f).toEqual([{ property: "providedPrivateKeyPem", reason: "private key does not match the certificate's public key" }]);
  });

  test("a brought certificate that is not a CA, or expired → providedCertificatePem", async () => {
    const old = createRootCa({ commonName: "Old", keySize: 2048, validityDays: 1, now: new Date("2020-01-01T00:00:00Z") });
    const f = await failures({ ...rootInputs, providedCertificatePem: old.certificatePem });
    expect(f).toEqual([{ property: "providedCertificatePem", reason: "certificate expired (notAfter 2020-01-02T00:00:00.000Z)" }]);
    const leafIssuer: KeyAndCert = createIntermediateCa({ issuer: createRootCa({ commonName: "R", keySize: 2048, validityDays: 30 }), commonName: "I", keySize: 2048, validityDays: 30 });
    const leaf = createDeviceCertificate({ issuer: leafIssuer, registrationId: "leaf" });
    expect((await failures({ ...rootInputs, providedCertificatePem: leaf.certificatePem }))[0]).toEqual({
      property: "providedCertificatePem",
      reason: "certificate is not a CA certificate (basicConstraints CA:TRUE missing)",
    });
  });

  test("a brought intermediate not signed by the root → providedCertificatePem", async () => {
    const foreign = createIntermediateCa({ issuer: createRootCa({ commonName: "Foreign", keySize: 2048, validityDays: 30 }), commonName: "Foreign I", keySize: 2048, validityDays: 30 });
    const f = await failures({ ...intermediateInputs, issuerPrivateKey: undefined, providedCertificatePem: foreign.certificatePem, providedPrivateKeyPem: foreign.privateKeyPem });
    expect(f).toEqual([{ property: "providedCertificatePem", reason: "certificate is not signed by the given issuer (CN=Provider Root)" }]);
  });

  test("a generated intermediate without its issuer's key → issuerPrivateKey", async () => {
    const f = await failures({ ...intermediateInputs, issuerPrivateKey: undefined });
    expect(f.map((x) => x.property)).toEqual(["issuerPrivateKey"]);
  });

  test("the issuer's key under its old name (issuerPrivateKeyPem), as a PEM, still signs", async () => {
    const pem = compactKeyToPem(root.outs.privateKey!);
    const { outs } = await create({ ...intermediateInputs, issuerPrivateKey: undefined, issuerPrivateKeyPem: pem });
    expect(verifyChain({ root: root.outs.certificatePem, leaf: outs.certificatePem }).code).toBe(0);
  });

  test("plain value errors name their property", async () => {
    const f = await failures({ role: "root", commonName: "", keySize: 1024 as 2048, validityDays: 0, renewBeforeDays: -1, pathLength: 9, providerVersion: "" });
    expect(f.map((x) => x.property)).toEqual(["commonName", "keySize", "validityDays", "pathLength", "renewBeforeDays", "providerVersion"]);
    const g = await failures({ ...rootInputs, validityDays: 30, renewBeforeDays: 30 });
    expect(g).toEqual([{ property: "renewBeforeDays", reason: expect.stringMatching(/^renewBeforeDays 30 is not smaller than the 30 days the certificate really gets.*allowed: at most 29$/) }]);
  });

  test("unknown values during a preview are not judged", async () => {
    const f = await failures({ ...intermediateInputs, issuerCertificatePem: UNKNOWN, issuerPrivateKeyPem: UNKNOWN });
    expect(f).toEqual([]);
  });
});

test("read re-derives the descriptive fields and keeps the rest; delete has nothing to do", async () => {
  const tampered = { ...root.outs, thumbprint: "stale" };
  const result = await provider.read!(root.id, tampered);
  expect(result.id).toBe(root.id);
  expect(result.props).toEqual(root.outs);
  await expect(provider.delete!(root.id, root.outs)).resolves.toBeUndefined();
  expect(new X509Certificate(root.outs.certificatePem).ca).toBe(true);
});
