/**
 * CA keys in Key Vault through Microsoft's @azure/keyvault-keys against the strict local Key Vault: challenge auth,
 * RBAC, RSA-HSM only on premium, non-exportable keys never returned, and certificates signed in the vault checked by
 * OpenSSL (`openssl verify -x509_strict`), not by the code that made them.
 */
import { request } from "https";
import { X509Certificate } from "crypto";
import {
  createCsr,
  createIntermediateCa,
  createRootCa,
  generateRsaKeyPair,
  loadSignerIssuer,
  parseCsr,
  signDeviceCertificate,
  signIntermediateCa,
  signRootCa,
  signVerificationCertificate,
} from "../certs";
import { caKeyName, createVaultKey, getVaultKey, importVaultKey, keyVaultSigner, parseKeyId, vaultUrlOf } from "../components/azure/keyVault";
import { KEY_VAULT_API_VERSIONS } from "../azure-test-servers/keyVaultServer";
import { openssl, scratch, verifyChain } from "./support/openssl";
import { startRoutedKeyVault, type RoutedKeyVault } from "./support/keyVault";

const PREMIUM = vaultUrlOf("ca-premium");
const STANDARD = vaultUrlOf("ca-standard");
let kv: RoutedKeyVault;

beforeAll(async () => {
  kv = await startRoutedKeyVault({ vaults: { "ca-premium": "premium", "ca-standard": "standard" }, roles: [["signer-oid", "Key Vault Crypto User"]] });
});
afterAll(async () => kv.stop());
afterEach(() => kv.signInAs("officer-oid"));

test("the api-version the SDK sends is the one the fake serves", async () => {
  kv.server.requests.length = 0;
  await getVaultKey(PREMIUM, "no-such-key");
  const versions = new Set(kv.server.requests.map((r) => r.apiVersion));
  expect([...versions]).toEqual(KEY_VAULT_API_VERSIONS);
});

test("challenge: a client's first request goes without a token and gets 401, then the SDK repeats it with one", async () => {
  kv.server.requests.length = 0;
  await createVaultKey({ vaultUrl: PREMIUM, name: "challenge-key", keySize: 2048, hsm: false, tags: {} });
  const [first, second] = kv.server.requests;
  expect(first).toMatchObject({ route: "key.create", authorized: false, status: 401 });
  expect(second).toMatchObject({ route: "key.create", authorized: true, status: 200 });
});

test("a non-exportable RSA-HSM key on a premium vault: its id has a version, no private part is ever answered", async () => {
  const key = await createVaultKey({ vaultUrl: PREMIUM, name: caKeyName("root.ca"), keySize: 2048, hsm: true, tags: { "dps-x509-ca": "root.ca" } });
  expect(parseKeyId(key.keyId)).toMatchObject({ vaultUrl: PREMIUM, name: "dps-x509-root-ca" });
  expect(key.keyType).toBe("RSA-HSM");
  expect(key.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
  const create = kv.server.requests.filter((r) => r.route === "key.create" && r.status === 200).pop()!;
  expect(create.body).toMatchObject({ kty: "RSA-HSM", key_size: 2048, key_ops: ["sign", "verify"], attributes: { enabled: true, exportable: false } });
  for (const version of kv.server.keyVersions("ca-premium", "dps-x509-root-ca")) {
    expect(Object.keys(version).sort()).toEqual(["e", "key_ops", "kid", "kty", "n", "tags"]);
  }
  const read = await getVaultKey(PREMIUM, "dps-x509-root-ca");
  expect(read!.keyId).toBe(key.keyId);
});

test("RSA-HSM on a standard vault is refused with Key Vault's reason", async () => {
  await expect(createVaultKey({ vaultUrl: STANDARD, name: "hsm-on-standard", keySize: 2048, hsm: true, tags: {} })).rejects.toThrow(/HTTP 400.*premium/);
});

test("RBAC: a Crypto User may sign but not create; someone without a role may do neither", async () => {
  const key = await createVaultKey({ vaultUrl: STANDARD, name: "rbac-key", keySize: 2048, hsm: false, tags: {} });
  kv.signInAs("signer-oid");
  await expect(createVaultKey({ vaultUrl: STANDARD, name: "rbac-other", keySize: 2048, hsm: false, tags: {} })).rejects.toThrow(/HTTP 403.*keys\/create\/action/s);
  const signer = await keyVaultSigner(key.keyId);
  expect((await signer.sign(Buffer.from("x"))).length).toBe(256);
  kv.signInAs("stranger-oid");
  await expect(keyVaultSigner(key.keyId)).rejects.toThrow(/HTTP 403/);
});

test("tokens: wrong audience, forged signature and a wrong api-version are refused", async () => {
  const call = (token: string, apiVersion = KEY_VAULT_API_VERSIONS[0]) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ host: "ca-premium.vault.azure.net", path: `/keys/any/?api-version=${apiVersion}`, method: "GET", headers: { authorization: `Bearer ${token}` } }, (res) => {
        let body = "";
        res.on("data", (c) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on("error", reject);
      req.end();
    });
  const arm = (await kv.server.credential("officer-oid").getToken("https://management.azure.com/.default")).token;
  expect(await call(arm)).toMatchObject({ status: 401, body: expect.stringContaining("Invalid audience") });
  const good = (await kv.server.credential("officer-oid").getToken("https://vault.azure.net/.default")).token;
  const forged = good.slice(0, good.lastIndexOf(".") + 1) + "AAAA";
  expect((await call(forged)).status).toBe(401);
  expect((await call(good)).status).toBe(404); // authenticated, no such key
  expect((await call(good, "7.4")).status).toBe(400);
});

test("a root, an intermediate and a device, every CA signature made in Key Vault, pass openssl verify -x509_strict", async () => {
  const rootKey = await createVaultKey({ vaultUrl: PREMIUM, name: "chain-root", keySize: 3072, hsm: true, tags: {} });
  const interKey = await createVaultKey({ vaultUrl: PREMIUM, name: "chain-inter", keySize: 2048, hsm: true, tags: {} });
  const rootSigner = await keyVaultSigner(rootKey.keyId);
  const rootPem = await signRootCa({ signer: rootSigner, commonName: "Vault Root", validityDays: 30, pathLength: 1, keySize: 3072 });
  const interPem = await signIntermediateCa({ issuer: loadSignerIssuer(rootPem, rootSigner), subjectPublicKey: interKey.publicKey, commonName: "Vault Intermediate", validityDays: 20 });
  const interSigner = await keyVaultSigner(interKey.keyId);
  const device = generateRsaKeyPair(2048);
  const devicePem = await signDeviceCertificate({ issuer: loadSignerIssuer(interPem, interSigner), registrationId: "vault-device-1", subjectPublicKey: device.publicKey, validityDays: 1 });
  const result = verifyChain({ root: rootPem, intermediates: [interPem], leaf: devicePem, extra: ["-purpose", "sslclient"] });
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  expect(new X509Certificate(rootPem).publicKey.equals(rootKey.publicKey)).toBe(true);
});

test("the proof-of-possession certificate signed in Key Vault verifies against its CA", async () => {
  const key = await createVaultKey({ vaultUrl: STANDARD, name: "pop-root", keySize: 2048, hsm: false, tags: {} });
  const signer = await keyVaultSigner(key.keyId);
  const caPem = await signRootCa({ signer, commonName: "PoP Root", validityDays: 10, pathLength: 1 });
  const code = "8C2A7B1F3D4E5F60718293A4B5C6D7E8F9012345ABCDEF01";
  const verificationPem = await signVerificationCertificate({ issuer: loadSignerIssuer(caPem, signer), code });
  expect(verifyChain({ root: caPem, leaf: verificationPem }).code).toBe(0);
  const other = createRootCa({ commonName: "Other", keySize: 2048, validityDays: 10 });
  expect(verifyChain({ root: other.certificatePem, leaf: verificationPem }).code).not.toBe(0);
  expect(new X509Certificate(verificationPem).subject).toBe(`CN=${code}`);
});

test("import: a key from state moves into the vault and keeps signing for its existing certificate", async () => {
  const stateRoot = createRootCa({ commonName: "State Root", keySize: 2048, validityDays: 30 });
  const imported = await importVaultKey({ vaultUrl: PREMIUM, name: "moved-root", privateKeyPem: stateRoot.privateKeyPem, hsm: true, tags: { "dps-x509-ca": "moved" } });
  expect(imported.keyType).toBe("RSA-HSM");
  const importRequest = kv.server.requests.filter((r) => r.route === "key.import" && r.status === 200).pop()!;
  expect(importRequest.body).toMatchObject({ Hsm: true, key: { kty: "RSA" }, attributes: { exportable: false } });
  const signer = await keyVaultSigner(imported.keyId);
  const device = generateRsaKeyPair(2048);
  const leaf = await signDeviceCertificate({ issuer: loadSignerIssuer(stateRoot.certificatePem, signer), registrationId: "moved-device", subjectPublicKey: device.publicKey, validityDays: 1 });
  expect(verifyChain({ root: stateRoot.certificatePem, leaf }).code).toBe(0);
  // Nothing read back holds the private part.
  expect(JSON.stringify(kv.server.keyVersions("ca-premium", "moved-root"))).not.toMatch(/"d"|"p"|"q"/);
});

test("an issuer certificate that is not the vault key's is refused before anything is signed", async () => {
  const key = await createVaultKey({ vaultUrl: STANDARD, name: "mismatch", keySize: 2048, hsm: false, tags: {} });
  const signer = await keyVaultSigner(key.keyId);
  const stranger = createRootCa({ commonName: "Stranger", keySize: 2048, validityDays: 5 });
  expect(() => loadSignerIssuer(stranger.certificatePem, signer)).toThrow(/does not belong to Key Vault key https:\/\/ca-standard/);
});

test("a CSR signed in Key Vault passes `openssl req -verify` and parses back to its CN and key", async () => {
  const key = await createVaultKey({ vaultUrl: STANDARD, name: "csr-key", keySize: 2048, hsm: false, tags: {} });
  const csr = await createCsr({ commonName: "Tenant Intermediate", signer: await keyVaultSigner(key.keyId) });
  const s = scratch({ "req.pem": csr });
  try {
    const r = openssl(["req", "-in", "req.pem", "-verify", "-noout", "-subject"], { cwd: s.dir });
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/CN\s*=\s*Tenant Intermediate/);
  } finally {
    s.cleanup();
  }
  const parsed = parseCsr(csr);
  expect(parsed.commonName).toBe("Tenant Intermediate");
  expect(parsed.publicKey.equals(key.publicKey)).toBe(true);
  const tampered = csr.replace(/^(-----BEGIN CERTIFICATE REQUEST-----\n.{40})(.)/m, (_m, a, c) => a + (c === "A" ? "B" : "A"));
  expect(() => parseCsr(tampered)).toThrow(/CSR/);
});

test("a 429 with Retry-After on sign is retried once by our retry, not twice over by the SDK", async () => {
  const key = await createVaultKey({ vaultUrl: STANDARD, name: "throttled", keySize: 2048, hsm: false, tags: {} });
  const signer = await keyVaultSigner(key.keyId);
  kv.server.requests.length = 0;
  kv.server.inject({ status: 429, retryAfter: 0, count: 1, route: "key.sign" });
  const signature = await signer.sign(Buffer.from("tbs"));
  expect(signature.length).toBe(256);
  // No 401 first: the signer rides the vault's client, which answered its challenge when it created the key.
  expect(kv.server.requests.filter((r) => r.route === "key.sign").map((r) => r.status)).toEqual([429, 200]);
});

test("one challenge per vault per process: a key made here is signed with without reading it again", async () => {
  kv.signInAs("officer-oid"); // a fresh start: no client kept
  kv.server.requests.length = 0;
  const key = await createVaultKey({ vaultUrl: STANDARD, name: "one-challenge", keySize: 2048, hsm: false, tags: {} });
  await (await keyVaultSigner(key.keyId)).sign(Buffer.from("ca certificate"));
  await (await keyVaultSigner(key.keyId)).sign(Buffer.from("verification certificate"));
  expect(kv.server.requests.map((r) => `${r.route} ${r.status}`)).toEqual(["key.create 401", "key.create 200", "key.sign 200", "key.sign 200"]);
});

test("a key not seen in this process is read once, on the same pipeline as the signatures", async () => {
  const key = await createVaultKey({ vaultUrl: STANDARD, name: "read-once", keySize: 2048, hsm: false, tags: {} });
  kv.signInAs("officer-oid"); // a new process, as far as the clients go
  kv.server.requests.length = 0;
  const signer = await keyVaultSigner(key.keyId);
  await signer.sign(Buffer.from("a"));
  await signer.sign(Buffer.from("b"));
  expect(kv.server.requests.map((r) => `${r.route} ${r.status}`)).toEqual(["key.get 401", "key.get 200", "key.sign 200", "key.sign 200"]);
});

test("the state path keeps its synchronous signer: an intermediate from a state root still verifies", () => {
  const root = createRootCa({ commonName: "Sync Root", keySize: 2048, validityDays: 5 });
  const inter = createIntermediateCa({ issuer: root, commonName: "Sync Inter", keySize: 2048, validityDays: 4 });
  expect(verifyChain({ root: root.certificatePem, leaf: inter.certificatePem }).code).toBe(0);
});

test("a role assigned moments ago (403 ForbiddenByRbac for a while) is waited for, bounded; a missing role fails naming the roles", async () => {
  kv.server.requests.length = 0;
  kv.server.inject({ status: 403, count: 2, route: "key.create" });
  const key = await createVaultKey({ vaultUrl: STANDARD, name: "rbac-propagating", keySize: 2048, hsm: false, tags: {} });
  expect(key.keyId).toContain("/keys/rbac-propagating/");
  expect(kv.server.requests.filter((r) => r.route === "key.create").map((r) => r.status)).toEqual([401, 403, 403, 200]);
  kv.signInAs("nobody-oid");
  kv.server.requests.length = 0;
  await expect(getVaultKey(STANDARD, "rbac-propagating")).rejects.toThrow(/HTTP 403[\s\S]*Action: 'Microsoft\.KeyVault\/vaults\/keys\/read'[\s\S]*Crypto Officer to create or import keys, Crypto User to sign/);
  expect(kv.server.requests.filter((r) => r.status === 403)).toHaveLength(8);
});
