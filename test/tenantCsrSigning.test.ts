/**
 * The tenant CSR exchange through the real providers: a tenant's key request (key in state or in its own Key Vault)
 * exports a CSR; the platform's TenantCertificate signs it with the root (key in state or in Key Vault); the tenant's
 * CA takes the certificate with its own key. OpenSSL checks the chain; no private key is in anything exchanged.
 */
import { X509Certificate } from "crypto";
import { caKeyRequestProvider, CA_KEY_REQUEST_PROVIDER_VERSION, type CaKeyRequestOutputs } from "../components/providers/caKeyRequest";
import { tenantCertificateProvider, TENANT_CERTIFICATE_PROVIDER_VERSION, type TenantCertificateInputs, type TenantCertificateOutputs } from "../components/providers/tenantCertificate";
import { caCertificateProvider, CA_PROVIDER_VERSION, type CaCertificateOutputs } from "../components/providers/caCertificate";
import { caKeyName, vaultUrlOf } from "../components/azure/keyVault";
import { heldBackTenants } from "../components/tenant/tenantCsrs";
import { subjectPublicKeyOf } from "../components/providers/tenantCertificate";
import { tenantIssuerProvider, TENANT_ISSUER_PROVIDER_VERSION, type TenantIssuerOutputs } from "../components/providers/tenantIssuer";
import { createRootCa } from "../certs";
import { openssl, scratch, verifyChain } from "./support/openssl";
import { startRoutedKeyVault, type RoutedKeyVault } from "./support/keyVault";

const PEM_PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;
const TENANT_VAULT = vaultUrlOf("customer-a-kv");
const PLATFORM_VAULT = vaultUrlOf("platform-kv");
let kv: RoutedKeyVault;

beforeAll(async () => {
  kv = await startRoutedKeyVault({ vaults: { "customer-a-kv": "standard", "platform-kv": "premium" } });
});
afterAll(async () => kv.stop());

async function request(caName: string, keyStore: "state" | "keyVault"): Promise<CaKeyRequestOutputs> {
  const inputs = { caName, commonName: `${caName} CN`, keySize: 2048 as const, keyStore, providerVersion: CA_KEY_REQUEST_PROVIDER_VERSION, ...(keyStore === "keyVault" ? { vaultUrl: TENANT_VAULT, keyName: caKeyName(caName), hsm: false } : {}) };
  expect((await caKeyRequestProvider.check!({} as never, inputs)).failures).toEqual([]);
  return (await caKeyRequestProvider.create!(inputs)).outs as CaKeyRequestOutputs;
}

/** The platform's signing resource for this root (it loads the issuer), then the tenant certificate's inputs. */
async function signInputs(csrPem: string, root: { certificatePem: string; privateKeyPem?: string; keyId?: string }, caName = "customer-a-int"): Promise<TenantCertificateInputs> {
  const issuer = (await tenantIssuerProvider.create!({ issuerName: "platform-root", certificatePem: root.certificatePem, privateKeyPem: root.privateKeyPem, keyId: root.keyId, providerVersion: TENANT_ISSUER_PROVIDER_VERSION })).outs as TenantIssuerOutputs;
  expect(JSON.stringify(issuer)).not.toMatch(PEM_PRIVATE_KEY);
  return { tenant: "customer-a", caName, subject: caName, subjectPublicKey: subjectPublicKeyOf(csrPem, `the CSR of ${caName}`), validityDays: 365, issuerThumbprint: issuer.thumbprint, providerVersion: TENANT_CERTIFICATE_PROVIDER_VERSION };
}

test("tenant key in state, platform root in state: the CSR verifies, the signed intermediate chains to the root", async () => {
  const csr = await request("customer-a-int", "state");
  expect(csr.privateKeyPem).toMatch(PEM_PRIVATE_KEY); // stays in the tenant's state, a secret output
  const s = scratch({ "req.pem": csr.csrPem });
  try {
    expect(openssl(["req", "-in", "req.pem", "-verify", "-noout"], { cwd: s.dir }).code).toBe(0);
  } finally {
    s.cleanup();
  }
  const root = createRootCa({ commonName: "Platform Root", keySize: 2048, validityDays: 100 });
  const signed = (await tenantCertificateProvider.create!(await signInputs(csr.csrPem, root))).outs as TenantCertificateOutputs;
  expect(verifyChain({ root: root.certificatePem, leaf: signed.certificatePem }).code).toBe(0);
  expect(JSON.stringify(signed)).not.toMatch(PEM_PRIVATE_KEY);

  // The tenant's next up: its CA takes the certificate with its own key; the provider checks they match.
  const ca = (await caCertificateProvider.create!({
    role: "intermediate", commonName: "customer-a-int CN", keySize: 2048, validityDays: 365, providerVersion: CA_PROVIDER_VERSION,
    issuerCertificatePem: root.certificatePem, providedCertificatePem: signed.certificatePem, providedPrivateKeyPem: csr.privateKeyPem,
  })).outs as CaCertificateOutputs;
  expect(ca.thumbprint).toBe(new X509Certificate(signed.certificatePem).fingerprint.replace(/:/g, ""));
  // Another tenant key with this certificate is refused.
  const other = await request("customer-a-other", "state");
  const failures = (await caCertificateProvider.check!({} as never, {
    role: "intermediate", commonName: "x", keySize: 2048, validityDays: 365, providerVersion: CA_PROVIDER_VERSION,
    issuerCertificatePem: root.certificatePem, providedCertificatePem: signed.certificatePem, providedPrivateKeyPem: other.privateKeyPem,
  })).failures ?? [];
  expect(failures.map((f) => f.property)).toContain("providedPrivateKeyPem");
});

test("tenant key in its own vault, platform root in the platform's vault: every signature in a vault, chain verifies", async () => {
  const csr = await request("customer-a-hsm", "keyVault");
  expect(csr.privateKeyPem).toBeUndefined();
  expect(csr.keyId).toMatch(/^https:\/\/customer-a-kv\.vault\.azure\.net\/keys\/dps-x509-customer-a-hsm\//);
  const root = (await caCertificateProvider.create!({
    role: "root", commonName: "Platform Vault Root", keySize: 2048, validityDays: 100, providerVersion: CA_PROVIDER_VERSION,
    keyStore: "keyVault", caName: "platform-root", vaultUrl: PLATFORM_VAULT, keyName: caKeyName("platform-root"), hsm: true,
  })).outs as CaCertificateOutputs;
  const signed = (await tenantCertificateProvider.create!(await signInputs(csr.csrPem, { certificatePem: root.certificatePem, keyId: root.keyId }, "customer-a-hsm"))).outs as TenantCertificateOutputs;
  expect(verifyChain({ root: root.certificatePem, leaf: signed.certificatePem }).code).toBe(0);
  const ca = (await caCertificateProvider.create!({
    role: "intermediate", commonName: "customer-a-hsm CN", keySize: 2048, validityDays: 365, providerVersion: CA_PROVIDER_VERSION,
    issuerCertificatePem: root.certificatePem, providedCertificatePem: signed.certificatePem,
    keyStore: "keyVault", caName: "customer-a-hsm", vaultUrl: TENANT_VAULT, keyName: caKeyName("customer-a-hsm"), hsm: false,
  })).outs as CaCertificateOutputs;
  expect(ca.keyId).toBe(csr.keyId);
  expect(JSON.stringify([csr, signed, ca, root])).not.toMatch(PEM_PRIVATE_KEY);
});

test("the platform holds back a tampered CSR, and its provider refuses a CA name without the tenant's prefix", async () => {
  const csr = await request("customer-a-t", "state");
  const root = createRootCa({ commonName: "R", keySize: 2048, validityDays: 10 });
  const tampered = csr.csrPem.replace(/^(-----BEGIN CERTIFICATE REQUEST-----\n.{60})(.)/m, (_m, a, c) => a + (c === "A" ? "B" : "A"));
  const tenants = [{ name: "customer-a", caCertificates: 2, enrollmentGroups: 5 }];
  const held = heldBackTenants(tenants, [{ tenant: "customer-a", index: 0, source: "tenants[0].stack", csrs: { "customer-a-t": tampered } }], { commonNames: [], dpsNames: [] });
  expect(held.get("customer-a")).toMatch(/the CSR of customer-a-t: its signature does not verify with its own public key|the CSR of customer-a-t is malformed/);
  const named = (await tenantCertificateProvider.check!({} as never, await signInputs(csr.csrPem, root, "customer-b-t"))).failures ?? [];
  expect(named.map((f) => f.property)).toEqual(["caName"]);
  await expect(tenantCertificateProvider.create!(await signInputs(csr.csrPem, root, "customer-b-t"))).rejects.toThrow(/must start with "customer-a-"/);
});

test("before anything is declared, the platform holds back a tenant whose CSRs pass its reservation or name others' CAs", async () => {
  const a = await request("customer-a-one", "state");
  const b = await request("customer-a-two", "state");
  const tenants = [{ name: "customer-a", caCertificates: 1, enrollmentGroups: 5 }, { name: "customer-b", caCertificates: 1, enrollmentGroups: 5 }];
  const held = heldBackTenants(tenants, [
    { tenant: "customer-a", index: 0, source: "tenants[0].stack", csrs: { "customer-a-one": a.csrPem, "customer-a-two": b.csrPem, "other-ca": a.csrPem } },
    { tenant: "customer-b", index: 1, source: "tenants[1].stack", csrs: {} },
  ], { commonNames: [], dpsNames: [] });
  expect([...held.keys()]).toEqual(["customer-a"]);
  expect(held.get("customer-a")).toContain("holds 3 CSRs; the platform reserves 1 CA certificates for it");
  expect(held.get("customer-a")).toContain('without the prefix "customer-a-"');
});

test("a CA name that carries another tenant's longer prefix, or a platform CA's name, holds the tenant back", async () => {
  const csr = await request("a-b-ca", "state");
  const tenants = [{ name: "a", caCertificates: 2, enrollmentGroups: 1 }, { name: "a-b", caCertificates: 1, enrollmentGroups: 1 }];
  const held = heldBackTenants(tenants, [
    { tenant: "a", index: 0, source: "tenants[0].stack", csrs: { "a-b-ca": csr.csrPem, "a-root": csr.csrPem } },
    { tenant: "a-b", index: 1, source: "tenants[1].stack", csrs: { "a-b-ca": csr.csrPem } },
  ], { commonNames: ["A-Root"], dpsNames: [] });
  expect([...held.keys()]).toEqual(["a"]);
  expect(held.get("a")).toContain("CA a-b-ca carries the prefix of tenant a-b");
  expect(held.get("a")).toContain("CA a-root would be named like a CA of the platform");
});
