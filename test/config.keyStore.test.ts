/**
 * Config of CA key stores: `ca.*.keyStore`, `keyVault { name, sku, create, resourceGroupName }`, and the retired
 * `tenantSigning`. Each problem names the key, the value and what to do.
 */
import { createRootCa } from "../certs";
import { formatProblem } from "../components/config/problems";
import { parseStackConfig, type Problem, type StackConfig } from "../components/config";

function values(): Record<string, any> {
  return {
    resourceGroupName: "iot-rg",
    dps: { name: "my-dps" },
    hubs: [{ name: "hub-one" }],
    ca: { root: { name: "root-ca", commonName: "Root" }, intermediates: [{ name: "int-ca", commonName: "Intermediate" }] },
  };
}

function parse(mutate: (v: Record<string, any>) => void) {
  const v = values();
  mutate(v);
  return parseStackConfig({ values: v, location: "westeurope" });
}

function problems(mutate: (v: Record<string, any>) => void): Problem[] {
  const result = parse(mutate);
  if (result.ok) throw new Error("expected problems");
  return result.problems;
}

test("keyStore defaults to state; keyVault's sku defaults to premium", () => {
  const result = parse((v) => {
    v.keyVault = { name: "ca-vault", create: true };
    v.ca.root.keyStore = "keyVault";
  });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  const config = result.config as StackConfig;
  expect(config.ca.root.keyStore).toBe("keyVault");
  expect(config.ca.intermediates[0].keyStore).toBe("state");
  expect(config.keyVault).toEqual({ name: "ca-vault", sku: "premium", create: true });
});

test("keyStore keyVault without a keyVault says what to add", () => {
  expect(problems((v) => (v.ca.intermediates[0].keyStore = "keyVault"))).toEqual([
    { path: "ca.intermediates[0].keyStore", value: "keyVault", message: expect.stringContaining("needs dps-x509:keyVault { name, sku, create }") },
  ]);
});

test("an unknown key store lists the allowed ones", () => {
  const [problem] = problems((v) => (v.ca.root.keyStore = "hsm"));
  expect(problem.path).toBe("ca.root.keyStore");
  expect(formatProblem(problem)).toMatch(/state.*keyVault/);
});

test("a vault name Azure would refuse, and a sku it does not have", () => {
  expect(problems((v) => (v.keyVault = { name: "x--y", create: false })).map((p) => p.path)).toEqual(["keyVault.name"]);
  expect(problems((v) => (v.keyVault = { name: "good-vault", create: false, sku: "gold" })).map((p) => p.path)).toEqual(["keyVault.sku"]);
  expect(problems((v) => (v.keyVault = { name: "good-vault" })).map((p) => p.path)).toEqual(["keyVault.create"]);
});

test("a private key in config with keyStore keyVault is refused, its value never printed", () => {
  const found = problems((v) => {
    v.keyVault = { name: "ca-vault", create: false };
    v.ca.root = { ...v.ca.root, keyStore: "keyVault", certificatePem: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", privateKeyPem: "-----BEGIN PRIVATE KEY-----\nSECRET\n-----END PRIVATE KEY-----\n" };
  });
  // Two problems at that key: a key in clear (issue 13's rule) and a key beside keyStore keyVault (import it).
  const atKey = found.filter((p) => p.path === "ca.root.privateKeyPem");
  expect(atKey.map((p) => p.message)).toEqual(expect.arrayContaining([expect.stringContaining("import it")]));
  for (const problem of atKey) expect(formatProblem(problem)).not.toContain("SECRET");
});

test("a brought root with its key in the vault may sign generated intermediates and prove possession", () => {
  // A real certificate: the plan parses brought CAs (its key is in the vault, so only the certificate is checked).
  const broughtRoot = createRootCa({ commonName: "Vault Root", keySize: 2048, validityDays: 3650 });
  const result = parse((v) => {
    v.keyVault = { name: "ca-vault", create: false, sku: "standard" };
    v.ca.root = { ...v.ca.root, keyStore: "keyVault", certificatePem: broughtRoot.certificatePem };
  });
  expect(result.ok ? [] : result.problems).toEqual([]);
});

test("tenantSigning is refused, saying what to do instead", () => {
  const [problem] = problems((v) => (v.tenantSigning = true));
  expect(problem).toMatchObject({ path: "tenantSigning", value: true });
  expect(problem.message).toMatch(/no longer supported.*root's private key.*tenants\[i\]\.stack.*CSRs/);
});

test("a tenant stack that creates its vault names its resource group and region", () => {
  const result = parseStackConfig({
    values: { platform: "o/p/s", tenant: "customer-a", keyVault: { name: "a-vault", create: true }, ca: { intermediates: [{ name: "i", commonName: "I", keyStore: "keyVault" }] } },
  });
  expect(result.ok ? [] : result.problems.map((p) => p.path).sort()).toEqual(["azure-native:location", "keyVault.resourceGroupName"]);
});
