/**
 * The TenantCertificate provider's check, diff and update (components/providers/tenantCertificate.ts), called as
 * Pulumi's engine calls them: what a tenant's input is refused for, and which change re-signs its intermediate
 * (a replacement) and which keeps it. The upgrade from the pre-#26.2 state through Pulumi's dynamic-provider host
 * is test/tenantCertificateMigration.host.test.ts; this file covers each rule one by one. Written from StrykerJS's
 * survivors (docs/operations.md#mutation-testing).
 */
import { generateKeyPairSync, X509Certificate } from "crypto";
import * as fs from "fs";
import { tenantCertificateProvider as provider, TENANT_CERTIFICATE_PROVIDER_VERSION, type TenantCertificateInputs, type TenantCertificateOutputs } from "../components/providers/tenantCertificate";
import { opensslOk, scratch } from "./support/openssl";

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"; // Pulumi's unknown value at preview

const work = scratch();
afterAll(() => work.cleanup());
/** A certificate from OpenSSL and its key's SPKI (base64), as the program passes it. */
function certificate(cn: string): { pem: string; spki: string; thumbprint: string } {
  const out = work.write(`${cn}.pem`, "");
  opensslOk(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", `${out}.key`, "-out", out, "-days", "30", "-subj", `/CN=${cn}`]);
  const x509 = new X509Certificate(fs.readFileSync(out, "utf8"));
  return { pem: x509.toString(), spki: x509.publicKey.export({ type: "spki", format: "der" }).toString("base64"), thumbprint: x509.fingerprint.replace(/:/g, "") };
}
const ecSpkiOf = (namedCurve: string) => generateKeyPairSync("ec", { namedCurve }).publicKey.export({ type: "spki", format: "der" }).toString("base64");

const SIGNED = certificate("customer-a-int");
const ROOT = certificate("Platform Root");
const inputs = (extra: Partial<TenantCertificateInputs> = {}): TenantCertificateInputs => ({
  tenant: "customer-a",
  caName: "customer-a-int",
  subject: "customer-a-int",
  subjectPublicKey: SIGNED.spki,
  validityDays: 365,
  issuerThumbprint: ROOT.thumbprint,
  providerVersion: TENANT_CERTIFICATE_PROVIDER_VERSION,
  ...extra,
});
const state = (extra: Partial<TenantCertificateOutputs> & Record<string, unknown> = {}): TenantCertificateOutputs => ({
  subject: "customer-a-int",
  validityDays: 365,
  issuerThumbprint: ROOT.thumbprint,
  providerVersion: TENANT_CERTIFICATE_PROVIDER_VERSION,
  certificatePem: SIGNED.pem,
  ...extra,
});
const failures = async (news: Partial<TenantCertificateInputs>) => (await provider.check!({} as never, news as TenantCertificateInputs)).failures;
const diff = (news: TenantCertificateInputs, olds: TenantCertificateOutputs = state(), id = "customer-a/customer-a-int") => provider.diff!(id, olds, news);

describe("check: a tenant's inputs", () => {
  test("its own CA name, in any case; another tenant's is refused", async () => {
    expect(await failures(inputs({ caName: "Customer-A-int" }))).toEqual([]);
    expect(await failures(inputs({ caName: "customer-b-int" }))).toEqual([{ property: "caName", reason: 'caName "customer-b-int" must start with "customer-a-": a tenant names only its own CAs' }]);
    expect(await failures({ ...inputs(), caName: undefined })).toEqual([{ property: "caName", reason: 'caName undefined must start with "customer-a-": a tenant names only its own CAs' }]);
  });

  test("held back: nothing is signed, so only the name is judged", async () => {
    expect(await failures(inputs({ heldBack: "outputs wrong", subjectPublicKey: "", issuerThumbprint: "" }))).toEqual([]);
  });

  test("the key: malformed, outside the policy, missing; unknown at preview passes", async () => {
    expect(await failures(inputs({ subjectPublicKey: "AAAA" }))).toEqual([{ property: "subjectPublicKey", reason: "the CSR of customer-a-int: its public key is malformed" }]);
    expect(await failures(inputs({ subjectPublicKey: ecSpkiOf("secp256k1") }))).toEqual([
      { property: "subjectPublicKey", reason: expect.stringMatching(/^the CSR of customer-a-int: its key is EC secp256k1; the platform signs /) },
    ]);
    expect(await failures(inputs({ subjectPublicKey: "" }))).toEqual([{ property: "subjectPublicKey", reason: "the CSR of customer-a-int: no public key" }]);
    expect(await failures({ ...inputs(), subjectPublicKey: undefined })).toEqual([{ property: "subjectPublicKey", reason: "the CSR of customer-a-int: no public key" }]);
    expect(await failures(inputs({ subjectPublicKey: UNKNOWN, subject: UNKNOWN }))).toEqual([]);
  });

  test("the subject must be a common name; the issuer's thumbprint must be there", async () => {
    expect(await failures(inputs({ subject: "x".repeat(65) }))).toEqual([{ property: "subject", reason: expect.stringMatching(/64/) }]);
    expect(await failures({ ...inputs(), subject: undefined })).toEqual([{ property: "subject", reason: expect.any(String) }]);
    expect(await failures(inputs({ issuerThumbprint: "" }))).toEqual([{ property: "issuerThumbprint", reason: "the platform's signing resource (TenantIssuer) is needed to sign" }]);
    expect(await failures({ ...inputs(), issuerThumbprint: undefined })).toEqual([{ property: "issuerThumbprint", reason: "the platform's signing resource (TenantIssuer) is needed to sign" }]);
  });
});

describe("diff: what re-signs the tenant's intermediate", () => {
  test("nothing changed: no change; a new provider version: an update that replaces nothing", async () => {
    expect(await diff(inputs())).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
    expect(await diff(inputs(), state({ providerVersion: "1" }))).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
  });

  test("each of key, issuer, name, validity and subject replaces, and only that one", async () => {
    const other = certificate("Other");
    expect(await diff(inputs({ subjectPublicKey: other.spki }))).toEqual({ changes: true, replaces: ["subjectPublicKey"], deleteBeforeReplace: false });
    expect((await diff(inputs({ issuerThumbprint: other.thumbprint }))).replaces).toEqual(["issuerThumbprint"]);
    expect((await diff(inputs({ caName: "customer-a-int2", subject: "customer-a-int" }))).replaces).toEqual(["caName"]);
    expect((await diff(inputs({ validityDays: 366 }))).replaces).toEqual(["validityDays"]);
    expect((await diff(inputs({ subject: "customer-a-new" }))).replaces).toEqual(["subject"]);
  });

  test("unknown key and issuer at preview replace nothing; a state without a subject (before #26.2) keeps its CN", async () => {
    expect(await diff(inputs({ subjectPublicKey: UNKNOWN, issuerThumbprint: UNKNOWN }))).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
    expect(await diff(inputs({ subject: "customer-a-new" }), state({ subject: undefined }))).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
  });

  test("held back: no change whatever came; a placeholder gets its first certificate by replacement", async () => {
    expect(await diff(inputs({ heldBack: "outputs wrong", subjectPublicKey: certificate("New").spki }))).toEqual({ changes: false });
    expect(await diff(inputs(), state({ certificatePem: "", heldBack: "outputs wrong" }))).toEqual({ changes: true, replaces: ["heldBack"], deleteBeforeReplace: false });
  });

  test("a state before #26.2 is compared by its recorded issuer certificate's thumbprint", async () => {
    const legacy = state({ issuerThumbprint: undefined, issuerCertificatePem: ROOT.pem } as never);
    expect((await diff(inputs(), legacy)).replaces).toEqual([]);
    expect((await diff(inputs({ issuerThumbprint: SIGNED.thumbprint }), legacy)).replaces).toEqual(["issuerThumbprint"]);
  });
});

describe("create, read and update", () => {
  test("read gives the state back as it is: nothing is remote", async () => {
    expect(await provider.read!("customer-a/customer-a-int", state())).toEqual({ id: "customer-a/customer-a-int", props: state() });
  });

  test("a tenant held back before its first certificate gets an empty one, and the reason is kept", async () => {
    expect(await provider.create!(inputs({ heldBack: "outputs wrong" }))).toEqual({
      id: "customer-a/customer-a-int",
      outs: { subject: "customer-a-int", validityDays: 365, issuerThumbprint: ROOT.thumbprint, providerVersion: TENANT_CERTIFICATE_PROVIDER_VERSION, certificatePem: "", heldBack: "outputs wrong" },
    });
  });

  test("refused inputs are not signed: every reason is in the error", async () => {
    await expect(provider.create!(inputs({ caName: "customer-b-int", issuerThumbprint: "" }))).rejects.toThrow(
      'caName "customer-b-int" must start with "customer-a-": a tenant names only its own CAs; the platform\'s signing resource (TenantIssuer) is needed to sign',
    );
  });

  test("an update keeps the certificate; from a state before #26.2 it keeps its subject and issuer as recorded", async () => {
    expect((await provider.update!("customer-a/customer-a-int", state({ providerVersion: "1" }), inputs())).outs).toEqual(state());
    const legacy = { validityDays: 365, providerVersion: "1", certificatePem: SIGNED.pem, issuerCertificatePem: ROOT.pem, csrPem: "-----BEGIN CERTIFICATE REQUEST-----" };
    expect((await provider.update!("customer-a/customer-a-int", legacy as never, inputs({ subject: "customer-a-new", issuerThumbprint: "ignored" }))).outs).toEqual(state({ subject: "customer-a-new" }));
  });
});
