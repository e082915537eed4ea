/**
 * EC CA keys in Key Vault (EC / EC-HSM, P-256 / P-384 / P-521) through Microsoft's @azure/keyvault-keys against the
 * strict local Key Vault: ES256/384/512 signatures answered as r||s and turned into DER, certificates and an ADR External
 * ICA signed in the vault, all checked by OpenSSL (`openssl verify -x509_strict`, `openssl x509 -text`).
 */
import { createPrivateKey, X509Certificate } from "crypto";
import { createRootCa, loadSignerIssuer, signExternalIcaCsr, signRootCa, signVerificationCertificate, signIntermediateCa } from "../certs";
import { createVaultKey, importVaultKey, keyVaultSigner, vaultUrlOf } from "../components/azure/keyVault";
import { opensslOk, scratch, verifyChain, x509Text } from "./support/openssl";
import { startRoutedKeyVault, type RoutedKeyVault } from "./support/keyVault";

const PREMIUM = vaultUrlOf("ec-premium");
const STANDARD = vaultUrlOf("ec-standard");
let kv: RoutedKeyVault;

beforeAll(async () => {
  kv = await startRoutedKeyVault({ vaults: { "ec-premium": "premium", "ec-standard": "standard" } });
});
afterAll(async () => kv.stop());

test("an EC-HSM P-384 key on a premium vault: kty EC-HSM, crv P-384 asked; only crv, x, y answered", async () => {
  const key = await createVaultKey({ vaultUrl: PREMIUM, name: "ec-root", keySize: "P-384", hsm: true, tags: { "dps-x509-ca": "root" } });
  expect(key.keyType).toBe("EC-HSM");
  expect(key.publicKey.asymmetricKeyDetails?.namedCurve).toBe("secp384r1");
  const create = kv.server.requests.filter((r) => r.route === "key.create" && r.status === 200).pop()!;
  expect(create.body).toMatchObject({ kty: "EC-HSM", crv: "P-384", key_ops: ["sign", "verify"], attributes: { exportable: false } });
  expect(create.body).not.toHaveProperty("key_size");
  for (const version of kv.server.keyVersions("ec-premium", "ec-root")) expect(Object.keys(version).sort()).toEqual(["crv", "key_ops", "kid", "kty", "tags", "x", "y"]);
});

test("EC-HSM on a standard vault is refused with Key Vault's reason; plain EC there is made", async () => {
  await expect(createVaultKey({ vaultUrl: STANDARD, name: "ec-hsm-standard", keySize: "P-256", hsm: true, tags: {} })).rejects.toThrow(/HTTP 400.*Hardware key operation not allowed on standard vault/);
  const key = await createVaultKey({ vaultUrl: STANDARD, name: "ec-standard", keySize: "P-256", hsm: false, tags: {} });
  expect(key.keyType).toBe("EC");
});

test.each([
  ["P-256", "ES256", "ecdsa-with-SHA256"],
  ["P-384", "ES384", "ecdsa-with-SHA384"],
  ["P-521", "ES512", "ecdsa-with-SHA512"],
] as const)("a %s root signed in the vault (%s) passes openssl verify -x509_strict, %s", async (curve, alg, opensslAlg) => {
  const key = await createVaultKey({ vaultUrl: PREMIUM, name: `root-${curve}`, keySize: curve, hsm: true, tags: {} });
  const signer = await keyVaultSigner(key.keyId);
  const rootPem = await signRootCa({ signer, commonName: `EC Root ${curve}`, validityDays: 30, pathLength: 1, keySize: curve });
  const sign = kv.server.requests.filter((r) => r.route === "key.sign" && r.status === 200).pop()!;
  expect(sign.body).toMatchObject({ alg });
  const r = verifyChain({ root: rootPem, leaf: rootPem, extra: ["-check_ss_sig"] }); // a trust anchor's own signature is checked only so
  expect(r.stderr).toBe("");
  expect(x509Text(rootPem)).toContain(`Signature Algorithm: ${opensslAlg}`);
  expect(new X509Certificate(rootPem).publicKey.equals(key.publicKey)).toBe(true);
});

test("an EC intermediate under an EC root, and a proof-of-possession certificate, all signed in the vault", async () => {
  const rootKey = await createVaultKey({ vaultUrl: PREMIUM, name: "chain-ec-root", keySize: "P-384", hsm: true, tags: {} });
  const interKey = await createVaultKey({ vaultUrl: PREMIUM, name: "chain-ec-inter", keySize: "P-256", hsm: true, tags: {} });
  const rootSigner = await keyVaultSigner(rootKey.keyId);
  const rootPem = await signRootCa({ signer: rootSigner, commonName: "EC Vault Root", validityDays: 30, pathLength: 1 });
  const interPem = await signIntermediateCa({ issuer: loadSignerIssuer(rootPem, rootSigner), subjectPublicKey: interKey.publicKey, commonName: "EC Vault Intermediate", validityDays: 20 });
  expect(verifyChain({ root: rootPem, leaf: interPem }).stdout).toContain("OK");
  const code = "0A1B2C3D4E5F60718293A4B5C6D7E8F9";
  const popPem = await signVerificationCertificate({ issuer: loadSignerIssuer(interPem, await keyVaultSigner(interKey.keyId)), code });
  const r = verifyChain({ root: rootPem, intermediates: [interPem], leaf: popPem });
  expect(r.stderr).toBe("");
  expect(new X509Certificate(popPem).subject).toBe(`CN=${code}`);
});

test("an ADR External ICA signed by a Key Vault EC root passes openssl verify -x509_strict", async () => {
  const key = await createVaultKey({ vaultUrl: PREMIUM, name: "adr-root", keySize: "P-384", hsm: true, tags: {} });
  const signer = await keyVaultSigner(key.keyId);
  const rootPem = await signRootCa({ signer, commonName: "ADR Root", validityDays: 3650, pathLength: 1 });
  const s = scratch();
  try {
    opensslOk(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384", "-nodes", "-keyout", "ica.key", "-out", "ica.csr", "-subj", "/CN=myica"], { cwd: s.dir });
    const icaPem = await signExternalIcaCsr(opensslOk(["req", "-in", `${s.dir}/ica.csr`]), { certificatePem: rootPem, signer });
    const r = verifyChain({ root: rootPem, leaf: icaPem });
    expect(r.stderr).toBe("");
    expect(x509Text(icaPem)).toMatch(/CA:TRUE, pathlen:1/);
  } finally {
    s.cleanup();
  }
});

test("import: an EC key from state moves into the vault (kty EC, crv, d sent once, never answered) and signs for its certificate", async () => {
  const stateRoot = createRootCa({ commonName: "EC State Root", keySize: "P-256", validityDays: 30 });
  const imported = await importVaultKey({ vaultUrl: PREMIUM, name: "moved-ec-root", privateKeyPem: stateRoot.privateKeyPem, hsm: true, tags: {} });
  expect(imported.keyType).toBe("EC-HSM");
  const request = kv.server.requests.filter((r) => r.route === "key.import" && r.status === 200).pop()!;
  expect(request.body).toMatchObject({ Hsm: true, key: { kty: "EC", crv: "P-256", d: "[private]" } });
  const signer = await keyVaultSigner(imported.keyId);
  const popPem = await signVerificationCertificate({ issuer: loadSignerIssuer(stateRoot.certificatePem, signer), code: "ABCDEF0123456789" });
  expect(verifyChain({ root: stateRoot.certificatePem, leaf: popPem }).stderr).toBe("");
  expect(JSON.stringify(kv.server.keyVersions("ec-premium", "moved-ec-root"))).not.toMatch(/"d"/);
});

test("a generated EC root in state: the key is EC P-384 as OpenSSL reads it", () => {
  const root = createRootCa({ commonName: "EC State", keySize: "P-384", validityDays: 10 });
  expect(opensslOk(["pkey", "-noout", "-text"], { input: root.privateKeyPem })).toContain("NIST CURVE: P-384");
  expect(verifyChain({ root: root.certificatePem, leaf: root.certificatePem, extra: ["-check_ss_sig"] }).stdout).toContain("OK");
  expect(createPrivateKey(root.privateKeyPem).asymmetricKeyType).toBe("ec");
});
