/**
 * A tenant is untrusted input (issue #26.5). Through the paths users take:
 * - `npm run plan` of the example platform with its tenants' stack outputs (`--tenant-outputs`): a tenant whose CSR
 *   is weak, EC, malformed, too many, or whose `dpsName` is not the platform's, is held back with a warning naming
 *   it and the fix; the plan succeeds and the other tenant is signed as before.
 * - Pulumi's dynamic-provider host running the platform's TenantIssuer and TenantCertificate: a CSR whose CN
 *   impersonates the root gets a certificate whose subject is the platform's choice (OpenSSL reads it), and a weak
 *   key is refused by the provider's check.
 */
import { spawnSync } from "child_process";
import { generateKeyPairSync } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createCsr, createRootCa, keyObjectSigner } from "../certs";
import { planCommand } from "../cli/bench/planProcess";
import { DynamicProviderHost, urnOf } from "../azure-test-servers/dynamicProviderHost";
import { hostEnv, registeredProviders, REPO } from "./support/hostEnvironment";
import { RESOURCE_TYPES } from "./support/serializedProviders";
import { opensslOk, scratch } from "./support/openssl";

const customerB = JSON.parse(fs.readFileSync(path.join(REPO, "examples/tenant-customer-b-outputs.json"), "utf8"));
const rsa = (bits: number) => generateKeyPairSync("rsa", { modulusLength: bits }).privateKey;
const csrFor = (commonName: string, key = rsa(2048)) => createCsr({ commonName, signer: keyObjectSigner(key) });

let dir: string;
beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "dps-x509-untrusted-"))));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

interface PlannedResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

/** `npm run plan --stack platform` with customer-a's outputs as given and customer-b's example outputs. */
function planPlatform(customerA: Record<string, unknown>, label: string) {
  const a = path.join(dir, `a-${label}.json`);
  fs.writeFileSync(a, JSON.stringify({ dpsName: "shared-dps-x509", ...customerA }));
  const args = ["--stack", "platform", "--tenant-outputs", `my-org/dps-x509/tenant-customer-a=${a}`, "--tenant-outputs", `my-org/dps-x509/tenant-customer-b=${path.join(REPO, "examples/tenant-customer-b-outputs.json")}`];
  const text = spawnSync(process.execPath, [...planCommand(), ...args], { cwd: REPO, encoding: "utf8" });
  const json = spawnSync(process.execPath, [...planCommand(), ...args, "--json"], { cwd: REPO, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const certificates = json.status === 0 ? (JSON.parse(json.stdout).resources as PlannedResource[]).filter((r) => r.type.endsWith(":TenantCertificate")) : [];
  return { code: text.status, text: `${text.stdout}${text.stderr}`, certificates };
}

const held = (certificates: PlannedResource[], caName: string) => certificates.find((r) => r.inputs.caName === caName)?.inputs.heldBack;

test.each([
  ["a weak key (RSA-1024)", async () => ({ caCsrs: { "customer-a-intermediate-ca": await csrFor("Customer A", rsa(1024)) } }), /the CSR of customer-a-intermediate-ca: its key is RSA 1024 bits; the platform signs RSA keys of 2048 to 8192 bits, or EC keys on P-256, P-384, P-521/],
  ["an EC key on a curve outside the policy", async () => ({ caCsrs: { "customer-a-intermediate-ca": await csrFor("Customer A", generateKeyPairSync("ec", { namedCurve: "secp256k1" }).privateKey) } }), /its key is EC secp256k1; the platform signs RSA keys of 2048 to 8192 bits, or EC keys on P-256, P-384, P-521/],
  ["a malformed CSR", async () => ({ caCsrs: { "customer-a-intermediate-ca": "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n" } }), /the CSR of customer-a-intermediate-ca is malformed: the tenant runs `pulumi up` on its stack/],
  ["too many CSRs", async () => ({ caCsrs: { "customer-a-intermediate-ca": await csrFor("A"), "customer-a-second-ca": await csrFor("A2") } }), /holds 2 CSRs; the platform reserves 1 CA certificates for it \(tenants\[0\]\.caCertificates\)/],
  ["a dpsName that is not the platform's", async () => ({ dpsName: "someone-elses-dps", caCsrs: { "customer-a-intermediate-ca": await csrFor("A") } }), /its stack's dpsName output is "someone-elses-dps", not a DPS of this platform \(shared-dps-x509\)/],
])("a tenant with %s is held back with a warning naming it and the fix; the other tenant proceeds", async (label, outputs, reason) => {
  const r = planPlatform(await outputs(), label.replace(/\W+/g, "-"));
  expect(r.code).toBe(0);
  expect(r.text).toMatch(/tenant customer-a is held back \(its last signed certificates stay; nothing new is signed for it, every other tenant proceeds\)/);
  expect(r.text).toMatch(reason);
  expect(r.text).not.toMatch(/tenant customer-b is held back/);
  // Customer-a's certificate is declared held back (an existing one is kept as it is); customer-b's are signed.
  expect(held(r.certificates, "customer-a-intermediate-ca")).toMatch(reason);
  for (const caName of Object.keys(customerB.caCsrs)) {
    const certificate = r.certificates.find((c) => c.inputs.caName === caName)!;
    expect(certificate.inputs.heldBack).toBeUndefined();
    expect(certificate.inputs.subjectPublicKey).toMatch(/^MII/);
  }
});

test("a well-formed tenant is not held back", async () => {
  const r = planPlatform({ caCsrs: { "customer-a-intermediate-ca": await csrFor("Customer A Intermediate CA") } }, "good");
  expect(r.code).toBe(0);
  expect(r.text).not.toMatch(/held back/);
  expect(held(r.certificates, "customer-a-intermediate-ca")).toBeUndefined();
});

describe("in Pulumi's dynamic-provider host", () => {
  let host: DynamicProviderHost;
  let providers: Record<string, string>;
  beforeAll(async () => {
    providers = registeredProviders();
    host = await DynamicProviderHost.start({ cwd: REPO, env: hostEnv([]) });
    await host.configure();
  }, 60_000);
  afterAll(async () => host?.stop());

  test("a CSR that names itself like the root gets the platform's subject; a weak key is refused by the check", async () => {
    const root = createRootCa({ commonName: "Provider Root CA", keySize: 2048, validityDays: 365 });
    const issuerUrn = urnOf(RESOURCE_TYPES.tenantIssuer, "dps-x509-tenant-issuer");
    const issuerInputs = (await host.check(issuerUrn, {}, { issuerName: "provider-root-ca", certificatePem: root.certificatePem, privateKeyPem: root.privateKeyPem, providerVersion: "1", __provider: providers[RESOURCE_TYPES.tenantIssuer] })).inputs;
    const issuer = await host.create(issuerUrn, issuerInputs);
    expect(JSON.stringify(issuer.properties)).not.toMatch(/PRIVATE KEY/);

    const { subjectPublicKeyOf } = await import("../components/providers/tenantCertificate");
    const impersonating = await csrFor("Provider Root CA");
    const urn = urnOf(RESOURCE_TYPES.tenantCertificate, "dps-x509-tenant-customer-a-intermediate-ca");
    const base = { tenant: "customer-a", caName: "customer-a-intermediate-ca", subject: "customer-a-intermediate-ca", validityDays: 365, issuerThumbprint: issuer.properties.thumbprint, providerVersion: "2", __provider: providers[RESOURCE_TYPES.tenantCertificate] };
    const checked = await host.check(urn, {}, { ...base, subjectPublicKey: subjectPublicKeyOf(impersonating, "csr") });
    expect(checked.failures).toEqual([]);
    const created = await host.create(urn, checked.inputs);
    const s = scratch({ "root.pem": root.certificatePem, "tenant.pem": String(created.properties.certificatePem) });
    try {
      expect(opensslOk(["x509", "-in", "tenant.pem", "-noout", "-subject", "-nameopt", "RFC2253"], { cwd: s.dir }).trim()).toBe("subject=CN=customer-a-intermediate-ca");
      expect(opensslOk(["verify", "-x509_strict", "-CAfile", "root.pem", "tenant.pem"], { cwd: s.dir })).toMatch(/tenant\.pem: OK/);
    } finally {
      s.cleanup();
    }
    // The tenant's state holds neither the root's key nor its certificate.
    const state = JSON.stringify([checked.inputs, created.properties]);
    expect(state).not.toMatch(/PRIVATE KEY/);
    expect(state).not.toContain(root.certificatePem.split("\n")[1]);

    const weak = await host.check(urn, {}, { ...base, subjectPublicKey: subjectPublicKeyOf(await csrFor("W", rsa(1024)), "csr") });
    expect(weak.failures).toEqual([{ property: "subjectPublicKey", reason: "the CSR of customer-a-intermediate-ca: its key is RSA 1024 bits; the platform signs RSA keys of 2048 to 8192 bits, or EC keys on P-256, P-384, P-521" }]);
  }, 60_000);
});
