/**
 * The issue's whole ARM path with the root in Key Vault: an EC-HSM P-384 root made and signed in the (local) vault,
 * the External ICA's CSR signed there through the provider (`issuerKeyId`), activated on the strict Device Registry
 * server, a policy, and a device certificate issued by the ICA key that OpenSSL verifies up to the vault's root.
 * The root's key never leaves the vault: the provider is given its key id only.
 */
import { generateKeyPairSync, X509Certificate } from "crypto";
import { signRootCa } from "../certs";
import { pemDecode } from "../certs/der";
import { setArmClientTestOverrides } from "../components/azure/armClient";
import { createVaultKey, keyVaultSigner, vaultUrlOf } from "../components/azure/keyVault";
import { adrNamespaceProvider } from "../components/providers/adrNamespace";
import { adrCertificateAuthorityProvider } from "../components/providers/adrCertificateAuthority";
import { adrCertificatePolicyProvider } from "../components/providers/adrCertificatePolicy";
import { startArmServerWithDeviceRegistry, newAdrServerState } from "../azure-test-servers/armDeviceRegistry";
import { AdrIssuers } from "../azure-test-servers/adrIssuers";
import type { ArmServer } from "../azure-test-servers/armServer";
import { csrPemFor } from "../azure-test-servers/ecCertificates";
import { startRoutedKeyVault, type RoutedKeyVault } from "./support/keyVault";
import { verifyChain } from "./support/openssl";

const SUB = "00000000-0000-0000-0000-0000000a0c4e";
let kv: RoutedKeyVault;
let arm: ArmServer;
let issuers: AdrIssuers;

beforeAll(async () => {
  kv = await startRoutedKeyVault({ vaults: { "adr-vault": "premium" } });
  issuers = new AdrIssuers();
  ({ server: arm } = await startArmServerWithDeviceRegistry({ adr: newAdrServerState(issuers) }));
  setArmClientTestOverrides({ credential: { getToken: async () => ({ token: "t", expiresOnTimestamp: Date.now() + 3600_000 }) }, retryDelayInMs: 10 });
});
afterAll(async () => {
  setArmClientTestOverrides(undefined);
  await arm.close();
  await kv.stop();
});

test("External ICA signed by a Key Vault EC root, activated; a device certificate verifies up to that root", async () => {
  const key = await createVaultKey({ vaultUrl: vaultUrlOf("adr-vault"), name: "adr-root", keySize: "P-384", hsm: true, tags: {} });
  const rootPem = await signRootCa({ signer: await keyVaultSigner(key.keyId), commonName: "ADR Vault Root", validityDays: 3650, pathLength: 1, keySize: "P-384" });
  const target = { subscriptionId: SUB, resourceGroupName: "kv-rg", namespaceName: "kv-ns", location: "eastus", armEndpoint: arm.url, providerVersion: "1" };
  await adrNamespaceProvider.create!({ ...target, identityType: "SystemAssigned", provisioningEndpoints: {} });
  const signsBefore = kv.server.requests.filter((r) => r.route === "key.sign").length;
  const ca = await adrCertificateAuthorityProvider.create!({ ...target, certificateAuthorityName: "kv-ica", kind: "ExternalIca", issuerCertificatePem: rootPem, issuerKeyId: key.keyId });
  expect(ca.outs!.status).toBe("Active");
  expect(kv.server.requests.filter((r) => r.route === "key.sign" && r.status === 200).length).toBe(signsBefore + 1); // signed in the vault
  expect(verifyChain({ root: rootPem, leaf: ca.outs!.certificatePem! }).stdout).toContain("OK");
  await adrCertificatePolicyProvider.create!({ ...target, certificateAuthorityName: "kv-ica", certificatePolicyName: "kv-devices", validityPeriodInDays: 14 });

  const device = generateKeyPairSync("ec", { namedCurve: "P-384" });
  const chain = issuers.issueDeviceCertificate("kv-ns", "kv-ica", "kv-devices", pemDecode(await csrPemFor(device.privateKey, "kv-device-1"), "CERTIFICATE REQUEST"));
  const pems = chain.map((b64) => new X509Certificate(Buffer.from(b64, "base64")).toString());
  expect(pems[pems.length - 1]).toBe(new X509Certificate(rootPem).toString()); // the chain ends with the vault's root
  const verified = verifyChain({ root: rootPem, intermediates: [pems[1]], leaf: pems[0] });
  expect(verified.stdout).toContain("OK");
  expect(new X509Certificate(pems[0]).subject).toBe("CN=kv-device-1");
}, 60_000);
