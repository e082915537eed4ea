/**
 * The CA and proof-of-possession providers with keys in Key Vault, against the local Key Vault and ARM servers:
 * state holds only the key id; renewal re-signs with the same key; moving a key from state is an update that
 * checks the vault holds that very key; proof of possession is signed in the vault and accepted by the strict ARM fake.
 */
import { X509Certificate } from "crypto";
import { caCertificateProvider as provider, caDiff, CA_PROVIDER_VERSION, type CaCertificateInputs, type CaCertificateOutputs } from "../components/providers/caCertificate";
import { caVerificationProvider, CA_VERIFICATION_PROVIDER_VERSION } from "../components/providers/caVerification";
import { setArmClientTestOverrides } from "../components/azure/armClient";
import { caKeyName, importVaultKey, parseKeyId, vaultUrlOf, CA_KEY_TAG } from "../components/azure/keyVault";
import { startArmServer, type ArmServer } from "../azure-test-servers/armServer";
import { verifyChain } from "./support/openssl";
import { startRoutedKeyVault, type RoutedKeyVault } from "./support/keyVault";

const VAULT = vaultUrlOf("pki-vault");
let kv: RoutedKeyVault;
let arm: ArmServer;

beforeAll(async () => {
  kv = await startRoutedKeyVault({ vaults: { "pki-vault": "premium" } });
  arm = await startArmServer();
  setArmClientTestOverrides({ credential: { getToken: async () => ({ token: "arm", expiresOnTimestamp: Date.now() + 3600_000 }) }, retryDelayInMs: 10 });
});
afterAll(async () => {
  setArmClientTestOverrides(undefined);
  await arm.close();
  await kv.stop();
});

const vaultRoot = (caName: string, over: Partial<CaCertificateInputs> = {}): CaCertificateInputs => ({
  role: "root",
  commonName: `Vault Root ${caName}`,
  keySize: 2048,
  validityDays: 365,
  providerVersion: CA_PROVIDER_VERSION,
  keyStore: "keyVault",
  caName,
  vaultUrl: VAULT,
  keyName: caKeyName(caName),
  hsm: true,
  ...over,
});

async function create(inputs: CaCertificateInputs): Promise<CaCertificateOutputs> {
  return (await provider.create!(inputs)).outs as CaCertificateOutputs;
}

const PEM_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

test("a root in Key Vault: state holds its key id with version and no key; the certificate is the vault key's", async () => {
  const outs = await create(vaultRoot("root-a"));
  expect(outs.privateKey).toBeUndefined();
  expect(JSON.stringify(outs)).not.toMatch(PEM_KEY);
  expect(parseKeyId(outs.keyId!)).toMatchObject({ vaultUrl: VAULT, name: "dps-x509-root-a" });
  const [version] = kv.server.keyVersions("pki-vault", "dps-x509-root-a");
  expect(version.kid).toBe(outs.keyId);
  expect(version.kty).toBe("RSA-HSM");
  expect(version.tags).toEqual({ [CA_KEY_TAG]: "root-a" });
  const jwk = new X509Certificate(outs.certificatePem).publicKey.export({ format: "jwk" });
  expect(jwk.n).toBe(version.n);
  expect(verifyChain({ root: outs.certificatePem, leaf: outs.certificatePem }).code).toBe(0);
});

test("an intermediate with its key in state, signed by the vault root, passes openssl verify -x509_strict", async () => {
  const root = await create(vaultRoot("root-b"));
  const inter = await create({ role: "intermediate", commonName: "State Inter", keySize: 2048, validityDays: 100, issuerCertificatePem: root.certificatePem, issuerKeyId: root.keyId, providerVersion: CA_PROVIDER_VERSION });
  expect(inter.privateKey).toMatch(/^rsa1\./);
  expect(verifyChain({ root: root.certificatePem, leaf: inter.certificatePem }).code).toBe(0);
});

test("renewal (a replacement) re-signs with the same vault key: no new key version", async () => {
  const first = await create(vaultRoot("root-c", { renewBeforeDays: 30 }));
  const due = caDiff(first, vaultRoot("root-c", { renewBeforeDays: 30 }), new Date(Date.parse(first.notAfter) - 10 * 86400_000));
  expect(due.replaces).toContain("notAfter");
  const renewed = await create(vaultRoot("root-c", { renewBeforeDays: 30 }));
  expect(renewed.certificatePem).not.toBe(first.certificatePem);
  expect(renewed.keyId).toBe(first.keyId);
  expect(kv.server.keyVersions("pki-vault", "dps-x509-root-c")).toHaveLength(1);
  expect(new X509Certificate(renewed.certificatePem).publicKey.equals(new X509Certificate(first.certificatePem).publicKey)).toBe(true);
});

test("a key of another size in the vault is refused: a new size is a rotation, not a side effect", async () => {
  await create(vaultRoot("root-d"));
  await expect(create(vaultRoot("root-d", { keySize: 3072 }))).rejects.toThrow(/rotation/);
  expect(kv.server.keyVersions("pki-vault", "dps-x509-root-d")).toHaveLength(1);
});

test("a key of that name not made for this CA is refused", async () => {
  await create(vaultRoot("root-e"));
  await expect(create(vaultRoot("root-f", { keyName: caKeyName("root-e") }))).rejects.toThrow(/did not make for CA "root-f"/);
});

test("state → keyVault: an update once the key is imported; replacing shows only for keyVault → state", async () => {
  const stateInputs: CaCertificateInputs = { role: "root", commonName: "Moving Root", keySize: 2048, validityDays: 365, providerVersion: CA_PROVIDER_VERSION };
  const inState = await create(stateInputs);
  const moved = vaultRoot("moving", { commonName: "Moving Root" });
  const diff = caDiff(inState, moved);
  expect(diff.replaces).toEqual([]);
  expect(diff.changes).toBe(true);
  // Not imported yet: the update refuses and says what to do.
  await expect(provider.update!("id", inState, moved)).rejects.toThrow(/import the CA's key first/);
  await importVaultKey({ vaultUrl: VAULT, name: caKeyName("moving"), privateKeyPem: inState.privateKey!, hsm: true, tags: { [CA_KEY_TAG]: "moving" } });
  const after = (await provider.update!("id", inState, moved)).outs as CaCertificateOutputs;
  expect(after.certificatePem).toBe(inState.certificatePem);
  expect(after.privateKey).toBeUndefined();
  expect(after.keyId).toMatch(/^https:\/\/pki-vault\.vault\.azure\.net\/keys\/dps-x509-moving\/[0-9a-f]{32}$/);
  expect(caDiff(after, stateInputs).replaces).toEqual(["keyStore"]);
});

test("a wrong key imported under the CA's name is refused by the move", async () => {
  const inState = await create({ role: "root", commonName: "Other Root", keySize: 2048, validityDays: 365, providerVersion: CA_PROVIDER_VERSION });
  const unrelated = await create({ role: "root", commonName: "Unrelated", keySize: 2048, validityDays: 365, providerVersion: CA_PROVIDER_VERSION });
  await importVaultKey({ vaultUrl: VAULT, name: caKeyName("wrong"), privateKeyPem: unrelated.privateKey!, hsm: true, tags: { [CA_KEY_TAG]: "wrong" } });
  await expect(provider.update!("id", inState, vaultRoot("wrong"))).rejects.toThrow(/is not this certificate's key/);
});

test("proof of possession signed in Key Vault is accepted by the strict ARM server; its certificate verifies against the CA", async () => {
  const root = await create(vaultRoot("root-pop"));
  arm.state.dps("sub", "rg", "dps").upload("root-pop", root.certificatePem);
  const inputs = { subscriptionId: "sub", resourceGroupName: "rg", dpsName: "dps", certificateName: "root-pop", certificatePem: root.certificatePem, caKeyId: root.keyId, armEndpoint: arm.url, providerVersion: CA_VERIFICATION_PROVIDER_VERSION };
  expect((await caVerificationProvider.check!({} as never, inputs)).failures).toEqual([]);
  const signsBefore = kv.server.requests.filter((r) => r.route === "key.sign" && r.status === 200).length;
  const { outs } = await caVerificationProvider.create!(inputs);
  expect(outs!.isVerified).toBe(true);
  expect(kv.server.requests.filter((r) => r.route === "key.sign" && r.status === 200).length).toBe(signsBefore + 1);
  const stored = arm.state.dps("sub", "rg", "dps").get("root-pop")!;
  expect(verifyChain({ root: root.certificatePem, leaf: stored.lastVerificationPem! }).code).toBe(0);
  expect(JSON.stringify(outs)).not.toMatch(PEM_KEY);
});

test("proof of possession with a vault key that is not the CA's fails before any ARM call", async () => {
  const root = await create(vaultRoot("root-x"));
  const other = await create(vaultRoot("root-y"));
  arm.state.dps("sub", "rg", "dps").upload("root-x", root.certificatePem);
  const armBefore = arm.requests.count();
  await expect(
    caVerificationProvider.create!({ subscriptionId: "sub", resourceGroupName: "rg", dpsName: "dps", certificateName: "root-x", certificatePem: root.certificatePem, caKeyId: other.keyId, armEndpoint: arm.url, providerVersion: CA_VERIFICATION_PROVIDER_VERSION }),
  ).rejects.toThrow(/does not belong to Key Vault key/);
  expect(arm.requests.count()).toBe(armBefore);
});

test("after a move, the CAs it signed and its proof of possession are updated (not replaced) so state drops the PEM inputs", async () => {
  const stateRoot = await create({ role: "root", commonName: "Signer Root", keySize: 2048, validityDays: 365, providerVersion: CA_PROVIDER_VERSION });
  const interInputs: CaCertificateInputs = { role: "intermediate", commonName: "Signed Inter", keySize: 2048, validityDays: 100, issuerCertificatePem: stateRoot.certificatePem, issuerPrivateKey: stateRoot.privateKey, providerVersion: CA_PROVIDER_VERSION };
  const inter = await create(interInputs);
  const keyIdAfterMove = "https://pki-vault.vault.azure.net/keys/dps-x509-signer-root/0123456789abcdef0123456789abcdef";
  const movedInputs = { ...interInputs, issuerPrivateKeyPem: undefined, issuerKeyId: keyIdAfterMove };
  const diff = caDiff(inter, movedInputs);
  expect(diff).toMatchObject({ changes: true, replaces: [] });
  const updated = (await provider.update!("id", inter, movedInputs)).outs as CaCertificateOutputs;
  expect(updated.certificatePem).toBe(inter.certificatePem);
  expect(updated.issuerKeyId).toBe(keyIdAfterMove);
  expect(caDiff(updated, movedInputs).changes).toBe(false);

  const target = { subscriptionId: "s", resourceGroupName: "r", dpsName: "d", certificateName: "c", certificatePem: stateRoot.certificatePem, providerVersion: CA_VERIFICATION_PROVIDER_VERSION };
  const olds = { ...target, isVerified: true, thumbprint: "", etag: "e3" };
  const popDiff = await caVerificationProvider.diff!("id", olds, { ...target, caKeyId: keyIdAfterMove });
  expect(popDiff).toMatchObject({ changes: true, replaces: [] });
  expect((await caVerificationProvider.diff!("id", { ...olds, caKeyId: keyIdAfterMove }, { ...target, caKeyId: keyIdAfterMove })).changes).toBe(false);
});
