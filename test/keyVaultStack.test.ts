/**
 * A Key Vault stack (Pulumi.keyvault.yaml) end to end without Azure: what it declares under the mocks (the vault
 * with RBAC, soft delete and purge protection; the Crypto Officer role; CAs with key stores), then its CA resources'
 * planned inputs run through the real providers against the local Key Vault and ARM servers. Every input and output,
 * planned and created, is scanned for PEM private keys: there must be none.
 */
import * as path from "path";
import { X509Certificate } from "crypto";
import { evaluatePlan } from "../cli/plan/evaluate";
import { readStackFile } from "../cli/plan/stackFile";
import type { RecordedResource } from "../cli/plan/record";
import { caCertificateProvider, type CaCertificateInputs, type CaCertificateOutputs } from "../components/providers/caCertificate";
import { caVerificationProvider, type CaVerificationInputs } from "../components/providers/caVerification";
import { setArmClientTestOverrides } from "../components/azure/armClient";
import { startArmServer, type ArmServer } from "../azure-test-servers/armServer";
import { verifyChain } from "./support/openssl";
import { startRoutedKeyVault, type RoutedKeyVault } from "./support/keyVault";

const ROOT = path.resolve(__dirname, "..");
const PEM_PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

let resources: RecordedResource[];
let outputs: Record<string, unknown>;
let kv: RoutedKeyVault;
let arm: ArmServer;

beforeAll(async () => {
  const result = await evaluatePlan(readStackFile(path.join(ROOT, "Pulumi.keyvault.yaml")), "keyvault");
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  ({ resources, outputs } = result);
  kv = await startRoutedKeyVault({ vaults: { "my-dps-x509-ca-kv": "premium" } });
  arm = await startArmServer();
  setArmClientTestOverrides({ credential: { getToken: async () => ({ token: "arm", expiresOnTimestamp: Date.now() + 3600_000 }) }, retryDelayInMs: 10 });
});
afterAll(async () => {
  setArmClientTestOverrides(undefined);
  await arm.close();
  await kv.stop();
});

const byType = (suffix: string) => resources.filter((resource) => resource.type.endsWith(suffix));

test("the vault: RBAC authorization, soft delete, purge protection, premium; protected; the deployer gets Crypto Officer", () => {
  const [vault] = byType("keyvault:Vault");
  expect(vault.inputs).toMatchObject({
    vaultName: "my-dps-x509-ca-kv",
    resourceGroupName: "iot-x509-kv-rg",
    properties: { sku: { family: "A", name: "premium" }, enableRbacAuthorization: true, enableSoftDelete: true, enablePurgeProtection: true },
  });
  const [role] = byType("authorization:RoleAssignment");
  expect(String(role.inputs.roleDefinitionId)).toMatch(/roleDefinitions\/14b46e9e-c2b7-41b4-b07b-48a6ebf60603$/);
});

test("the CAs name their vault keys and wait for the vault and the role; no key input, no key output", () => {
  const cas = byType(":CaCertificate");
  expect(cas.map((ca) => [ca.inputs.role, ca.inputs.keyStore, ca.inputs.keyName, ca.inputs.hsm])).toEqual([
    ["root", "keyVault", "dps-x509-kv-root-ca", true],
    ["intermediate", "keyVault", "dps-x509-kv-intermediate-ca", true],
  ]);
  for (const ca of cas) {
    expect(ca.inputs.vaultUrl).toBe("https://my-dps-x509-ca-kv.vault.azure.net");
    expect(ca.dependsOn).toEqual(expect.arrayContaining(["dps-x509-keyvault-vault", "dps-x509-keyvault-crypto-officer"]));
    expect(ca.inputs.issuerPrivateKeyPem).toBeUndefined();
  }
  const verification = byType(":CaVerification");
  expect(verification).toHaveLength(2);
  for (const v of verification) expect(v.inputs.caPrivateKeyPem).toBeUndefined();
  const smoke = byType("command:local:Command")[0];
  expect(Object.keys(smoke.inputs.environment as object).sort()).toEqual(["DPS_X509_ISSUER_CERT_PEM", "DPS_X509_ISSUER_KEY_ID"]);
});

test("the plan's inputs and outputs hold no PEM private key", () => {
  expect(JSON.stringify({ resources, outputs })).not.toMatch(PEM_PRIVATE_KEY);
});

test("run through the real providers, the planned CA and verification inputs make no private key appear anywhere", async () => {
  const inputsOf = (role: string) => byType(":CaCertificate").find((ca) => ca.inputs.role === role)!.inputs as unknown as CaCertificateInputs;
  const created: unknown[] = [];
  const root = (await caCertificateProvider.create!(inputsOf("root"))).outs as CaCertificateOutputs;
  const intermediateInputs = { ...inputsOf("intermediate"), issuerCertificatePem: root.certificatePem, issuerKeyId: root.keyId };
  const intermediate = (await caCertificateProvider.create!(intermediateInputs)).outs as CaCertificateOutputs;
  created.push(root, intermediateInputs, intermediate);
  expect(verifyChain({ root: root.certificatePem, leaf: intermediate.certificatePem }).code).toBe(0);
  expect(new X509Certificate(intermediate.certificatePem).subject).toBe("CN=KV Intermediate CA");

  // Proof of possession of the intermediate, signed in the vault, against the strict ARM server.
  arm.state.dps("sub", "iot-x509-kv-rg", "my-dps-x509-kv").upload("kv-intermediate-ca", intermediate.certificatePem);
  const planned = byType(":CaVerification").find((v) => v.inputs.certificateName === "kv-intermediate-ca")!.inputs;
  const verificationInputs: CaVerificationInputs = {
    ...(planned as unknown as CaVerificationInputs),
    subscriptionId: "sub",
    dpsName: "my-dps-x509-kv",
    certificatePem: intermediate.certificatePem,
    caKeyId: intermediate.keyId,
    armEndpoint: arm.url,
  };
  const verified = await caVerificationProvider.create!(verificationInputs);
  expect(verified.outs!.isVerified).toBe(true);
  created.push(verificationInputs, verified);
  expect(JSON.stringify(created)).not.toMatch(PEM_PRIVATE_KEY);
  // What went over the wire to the vault: create and sign, never a private part back.
  expect(kv.server.requests.map((r) => r.route)).not.toContain("key.import");
  expect(JSON.stringify(kv.server.requests)).not.toMatch(PEM_PRIVATE_KEY);
});
