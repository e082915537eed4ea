/**
 * Existing platforms move to the compact tenant certificate (issue #26.2) with no new signature and no replacement.
 * The state is the one the code before the change recorded (test/fixtures/tenant-certificate-state.json, made by
 * test/support/recordTenantCertificateState.ts through Pulumi's dynamic-provider host): every tenant certificate
 * held the root's key, the root's certificate and the CSR. Replayed here as the engine runs the first `up` after the
 * upgrade, in the real host with today's providers: check and diff with the new program's inputs (the issuer named
 * by thumbprint, the CSR's key only), then the update the diff asks for. The URN is the same (same name, same
 * parent): no alias is needed, and none is declared.
 */
import { generateKeyPairSync } from "crypto";
import { readFileSync } from "fs";
import { createCsr, keyObjectSigner } from "../certs";
import * as path from "path";
import { DynamicProviderHost, type Props } from "../azure-test-servers/dynamicProviderHost";
import { subjectPublicKeyOf, TENANT_CERTIFICATE_PROVIDER_VERSION } from "../components/providers/tenantCertificate";
import { thumbprintOf } from "../components/providers/tenantIssuer";
import { tenantCaSubject } from "../components/tenant/tenantCsrs";
import { TENANT_INTERMEDIATE_VALIDITY_DAYS } from "../components/resources/tenantSigning";
import { hostEnv, registeredProviders, REPO } from "./support/hostEnvironment";
import { ROOT_KEY_PLACEHOLDER } from "./support/recordTenantCertificateState";

const fixture = JSON.parse(readFileSync(path.join(__dirname, "fixtures/tenant-certificate-state.json"), "utf8"));
const recorded = fixture.resource as { type: string; urn: string; id: string; inputs: Props; outputs: Props };
let host: DynamicProviderHost;
let providers: Record<string, string>;

beforeAll(async () => {
  providers = registeredProviders();
  host = await DynamicProviderHost.start({ cwd: REPO, env: hostEnv([]) });
  await host.configure();
}, 60_000);
afterAll(async () => host?.stop());

/** What today's program declares for the same tenant CA (components/resources/tenantSigning.ts). */
function newInputs(): Props {
  const caName = String(recorded.inputs.caName);
  return {
    tenant: recorded.inputs.tenant,
    caName,
    subject: tenantCaSubject(caName),
    subjectPublicKey: subjectPublicKeyOf(fixture.csrPem, `the CSR of ${caName}`),
    validityDays: TENANT_INTERMEDIATE_VALIDITY_DAYS,
    issuerThumbprint: thumbprintOf(fixture.rootCertificatePem),
    providerVersion: TENANT_CERTIFICATE_PROVIDER_VERSION,
    __provider: providers[recorded.type],
  };
}

test("the recorded state is the old shape: the root's key and certificate and the CSR in the tenant's resource", () => {
  expect(recorded.inputs.issuerPrivateKeyPem).toBe(ROOT_KEY_PLACEHOLDER);
  expect(recorded.inputs.issuerCertificatePem).toBe(fixture.rootCertificatePem);
  expect(recorded.outputs.issuerCertificatePem).toBe(fixture.rootCertificatePem);
  expect(recorded.outputs.csrPem).toBe(fixture.csrPem);
});

test("the first up after the upgrade: an in-place update, no replacement, the same certificate, no root key or certificate left", async () => {
  const olds = { ...recorded.outputs, __provider: providers[recorded.type] };
  const checked = await host.check(recorded.urn, { ...recorded.inputs, __provider: providers[recorded.type] }, newInputs());
  expect(checked.failures).toEqual([]);
  const diff = await host.diff(recorded.urn, recorded.id, olds, checked.inputs, { ...recorded.inputs, __provider: providers[recorded.type] });
  expect(diff.replaces).toEqual([]);
  expect(diff.changes).toBe("some"); // an update: the provider version, and the compact shape
  // The update runs with no root key anywhere in this process (the TenantIssuer is not loaded): it cannot sign.
  const updated = (await host.update(recorded.urn, recorded.id, olds, checked.inputs)).properties;
  expect(updated.certificatePem).toBe(recorded.outputs.certificatePem);
  const state = JSON.stringify({ inputs: checked.inputs, outputs: updated });
  expect(state).not.toContain(ROOT_KEY_PLACEHOLDER);
  expect(state).not.toContain(String(fixture.rootCertificatePem).split("\n")[1]);
  expect(state).not.toContain(String(fixture.csrPem).split("\n")[1]);
  expect(updated).not.toHaveProperty("issuerCertificatePem");
  expect(updated).not.toHaveProperty("csrPem");

  // The up after that: nothing to do.
  const again = await host.diff(recorded.urn, recorded.id, { ...updated, __provider: providers[recorded.type] }, checked.inputs, checked.inputs);
  expect(again.changes).toBe("none");
  // A new key from the tenant (its next CSR) is signed anew: the diff still sees the key.
  const otherKey = newInputs();
  otherKey.subjectPublicKey = subjectPublicKeyOf(await createCsr({ commonName: "next", signer: keyObjectSigner(generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey) }), "x");
  expect((await host.diff(recorded.urn, recorded.id, { ...updated, __provider: providers[recorded.type] }, otherKey, checked.inputs)).replaces).toEqual(["subjectPublicKey"]);
}, 60_000);
