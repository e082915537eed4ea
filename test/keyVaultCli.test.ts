/**
 * `npm run ca` and `npm run device` pointed at Key Vault keys, in process against the local Key Vault:
 * import-key moves a CA key in (non-exportable, tagged, under the stack's key name), verification-cert and the
 * device's throwaway certificate are signed in the vault and verified by OpenSSL.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { runCa } from "../cli/ca";
import { runDevice } from "../cli/device";
import { issueThrowawayDeviceInVault } from "../cli/device/vaultIssuer";
import { createIntermediateCa, createRootCa } from "../certs";
import { verifyChain } from "./support/openssl";
import { startRoutedKeyVault, type RoutedKeyVault } from "./support/keyVault";

let kv: RoutedKeyVault;
let dir: string;
beforeAll(async () => {
  kv = await startRoutedKeyVault({ vaults: { "cli-vault": "premium" } });
  dir = mkdtempSync(join(tmpdir(), "dps-x509-kv-cli-"));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await kv.stop();
});

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => err.push(t) } }, out, err };
}

test("import-key, then a verification certificate and a device certificate signed with the imported key", async () => {
  const root = createRootCa({ commonName: "CLI Root", keySize: 2048, validityDays: 30 });
  const inter = createIntermediateCa({ issuer: root, commonName: "CLI Inter", keySize: 2048, validityDays: 20 });
  writeFileSync(join(dir, "inter.key.pem"), inter.privateKeyPem);
  writeFileSync(join(dir, "inter.pem"), inter.certificatePem);
  const imported = io();
  expect(await runCa(["import-key", "--vault", "cli-vault", "--ca-name", "my-intermediate-ca", "--key", join(dir, "inter.key.pem")], imported.io)).toBe(0);
  const keyId = /as (https:\/\/\S+)/.exec(imported.out.join(""))![1];
  expect(keyId).toMatch(/^https:\/\/cli-vault\.vault\.azure\.net\/keys\/dps-x509-my-intermediate-ca\/[0-9a-f]{32}$/);
  expect(imported.out.join("")).not.toMatch(/PRIVATE KEY/);
  expect(kv.server.keyVersions("cli-vault", "dps-x509-my-intermediate-ca")[0]).toMatchObject({ kty: "RSA-HSM", tags: { "dps-x509-ca": "my-intermediate-ca" } });

  const code = "0A1B2C3D4E5F60718293A4B5C6D7E8F9";
  const v = io();
  expect(await runCa(["verification-cert", "--ca-cert", join(dir, "inter.pem"), "--ca-key-id", keyId, "--code", code, "--out", join(dir, "verify.pem")], v.io)).toBe(0);
  expect(verifyChain({ root: root.certificatePem, intermediates: [inter.certificatePem], leaf: readFileSync(join(dir, "verify.pem"), "utf8") }).code).toBe(0);

  const device = await issueThrowawayDeviceInVault({ issuerCertificatePem: inter.certificatePem, issuerKeyId: keyId, registrationId: "kv-device-1" });
  const leaf = device.chain[0].toString();
  expect(verifyChain({ root: root.certificatePem, intermediates: [inter.certificatePem], leaf, extra: ["-purpose", "sslclient"] }).code).toBe(0);
  expect(device.chain).toHaveLength(2);
});

test("verification-cert with a vault key that is not the certificate's fails with a one-line error, exit 1", async () => {
  const stranger = createRootCa({ commonName: "Stranger", keySize: 2048, validityDays: 5 });
  writeFileSync(join(dir, "stranger.pem"), stranger.certificatePem);
  const keyId = kv.server.keyVersions("cli-vault", "dps-x509-my-intermediate-ca")[0].kid;
  const r = io();
  expect(await runCa(["verification-cert", "--ca-cert", join(dir, "stranger.pem"), "--ca-key-id", keyId, "--code", "ABCDEF0123", "--out", join(dir, "x.pem")], r.io)).toBe(1);
  expect(r.err.join("")).toMatch(/^ca verification-cert: --ca-cert certificate does not belong to Key Vault key/);
});

test("--ca-key and --ca-key-id together are a usage error", async () => {
  const r = io();
  expect(await runCa(["verification-cert", "--ca-cert", "a", "--ca-key", "b", "--ca-key-id", "c", "--code", "ABC", "--out", "o"], r.io)).toBe(2);
});

test("device register --issuer-from-env with the smoke test's key id: the chain sent is signed in the vault, no key in the env", async () => {
  const root = createRootCa({ commonName: "Env Root", keySize: 2048, validityDays: 30 });
  const inter = createIntermediateCa({ issuer: root, commonName: "Env Inter", keySize: 2048, validityDays: 20 });
  writeFileSync(join(dir, "env-inter.key.pem"), inter.privateKeyPem);
  const imported = io();
  expect(await runCa(["import-key", "--vault", "cli-vault", "--ca-name", "env-inter", "--key", join(dir, "env-inter.key.pem")], imported.io)).toBe(0);
  const keyId = /as (https:\/\/\S+)/.exec(imported.out.join(""))![1];
  const sent: string[] = [];
  const out: string[] = [];
  const signsBefore = kv.server.requests.filter((r) => r.route === "key.sign" && r.status === 200).length;
  const code = await runDevice(["register", "--issuer-from-env", "--registration-id", "smoke-kv-1", "--id-scope", "0ne00000001"], {
    stdout: (t) => out.push(t),
    stderr: () => undefined,
    env: { DPS_X509_ISSUER_CERT_PEM: inter.certificatePem, DPS_X509_ISSUER_KEY_ID: keyId },
    registerDevice: async (request) => {
      sent.push(request.chainPem);
      return { registrationId: "smoke-kv-1", assignedHub: "hub.azure-devices.net", deviceId: "smoke-kv-1", status: "assigned", substatus: "initialAssignment" } as never;
    },
  });
  expect(code).toBe(0);
  const [leaf] = sent[0].split(/(?<=-----END CERTIFICATE-----\n)/);
  expect(verifyChain({ root: root.certificatePem, intermediates: [inter.certificatePem], leaf, extra: ["-purpose", "sslclient"] }).code).toBe(0);
  expect(kv.server.requests.filter((r) => r.route === "key.sign" && r.status === 200).length).toBe(signsBefore + 1);
});
