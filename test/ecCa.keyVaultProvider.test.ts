/**
 * The CA providers with EC keys in Key Vault (EC-HSM on a premium vault), against the local Key Vault and the strict
 * ARM server: an EC root and intermediate made and signed in the vault (ES384 / ES256), proof of possession signed in
 * the vault and accepted by the ARM server, and an ADR External ICA signed by that root. OpenSSL checks every chain.
 */
import { X509Certificate } from "crypto";
import { signExternalIcaCsr } from "../certs";
import { caCertificateProvider as provider, CA_PROVIDER_VERSION, type CaCertificateInputs, type CaCertificateOutputs } from "../components/providers/caCertificate";
import { caVerificationProvider, CA_VERIFICATION_PROVIDER_VERSION } from "../components/providers/caVerification";
import { setArmClientTestOverrides } from "../components/azure/armClient";
import { caKeyName, keyVaultSigner, vaultUrlOf } from "../components/azure/keyVault";
import { startArmServer, type ArmServer } from "../azure-test-servers/armServer";
import { opensslOk, scratch, verifyChain, x509Text } from "./support/openssl";
import { startRoutedKeyVault, type RoutedKeyVault } from "./support/keyVault";

const VAULT = vaultUrlOf("ec-pki-vault");
let kv: RoutedKeyVault;
let arm: ArmServer;

beforeAll(async () => {
  kv = await startRoutedKeyVault({ vaults: { "ec-pki-vault": "premium" } });
  arm = await startArmServer();
  setArmClientTestOverrides({ credential: { getToken: async () => ({ token: "arm", expiresOnTimestamp: Date.now() + 3600_000 }) }, retryDelayInMs: 10 });
});
afterAll(async () => {
  setArmClientTestOverrides(undefined);
  await arm.close();
  await kv.stop();
});

const inVault = (caName: string, over: Partial<CaCertificateInputs>): CaCertificateInputs => ({
  role: "root",
  commonName: `EC ${caName}`,
  keySize: "P-384",
  validityDays: 3650,
  providerVersion: CA_PROVIDER_VERSION,
  keyStore: "keyVault",
  caName,
  vaultUrl: VAULT,
  keyName: caKeyName(caName),
  hsm: true,
  ...over,
});
const create = async (inputs: CaCertificateInputs) => (await provider.create!(inputs)).outs as CaCertificateOutputs;

test("EC-HSM root and intermediate in the vault, proof of possession accepted by ARM, an External ICA signed by the root", async () => {
  const root = await create(inVault("ec-root", {}));
  expect(root.privateKey).toBeUndefined();
  const [rootKey] = kv.server.keyVersions("ec-pki-vault", caKeyName("ec-root"));
  expect(rootKey).toMatchObject({ kty: "EC-HSM", crv: "P-384", kid: root.keyId });
  expect(x509Text(root.certificatePem)).toContain("Signature Algorithm: ecdsa-with-SHA384");
  expect(verifyChain({ root: root.certificatePem, leaf: root.certificatePem, extra: ["-check_ss_sig"] }).stdout).toContain("OK");

  const inter = await create(inVault("ec-inter", { role: "intermediate", keySize: "P-256", validityDays: 1825, issuerCertificatePem: root.certificatePem, issuerKeyId: root.keyId }));
  expect(new X509Certificate(inter.certificatePem).publicKey.asymmetricKeyDetails?.namedCurve).toBe("prime256v1");
  expect(verifyChain({ root: root.certificatePem, leaf: inter.certificatePem }).stderr).toBe("");
  // The same CA name with another curve is a new key: refused, not silently replaced.
  await expect(create(inVault("ec-root", { keySize: "P-256" }))).rejects.toThrow(/EC P-384, not EC P-256/);

  arm.state.dps("sub", "rg", "dps").upload("ec-inter", inter.certificatePem);
  const pop = { subscriptionId: "sub", resourceGroupName: "rg", dpsName: "dps", certificateName: "ec-inter", certificatePem: inter.certificatePem, caKeyId: inter.keyId, armEndpoint: arm.url, providerVersion: CA_VERIFICATION_PROVIDER_VERSION };
  const { outs } = await caVerificationProvider.create!(pop);
  expect(outs!.isVerified).toBe(true);
  const stored = arm.state.dps("sub", "rg", "dps").get("ec-inter")!;
  expect(verifyChain({ root: root.certificatePem, intermediates: [inter.certificatePem], leaf: stored.lastVerificationPem! }).stderr).toBe("");

  const s = scratch();
  try {
    opensslOk(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384", "-nodes", "-keyout", "ica.key", "-out", "ica.csr", "-subj", "/CN=adr-ica"], { cwd: s.dir });
    const ica = await signExternalIcaCsr(opensslOk(["req", "-in", `${s.dir}/ica.csr`]), { certificatePem: root.certificatePem, signer: await keyVaultSigner(root.keyId!) });
    expect(verifyChain({ root: root.certificatePem, leaf: ica }).stderr).toBe("");
  } finally {
    s.cleanup();
  }
});
