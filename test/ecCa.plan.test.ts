/** EC CAs from stack config, through the offline plan as a reviewer runs it (a fresh process per stack). */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");

function planOf(text: string, ...args: string[]) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-ec-"));
  const file = path.join(dir, "Pulumi.ec.yaml");
  fs.writeFileSync(file, text);
  const r = spawnSync(process.execPath, ["-r", path.join(ROOT, "cli/tsRegister.js"), path.join(ROOT, "cli/plan.ts"), "--config", file, ...args], { cwd: ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  fs.rmSync(dir, { recursive: true, force: true });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const keyvault = fs.readFileSync(path.join(ROOT, "Pulumi.keyvault.yaml"), "utf8");
/** The keyvault stack with an EC-HSM P-384 root and a default-curve EC intermediate. */
const ecText = keyvault
  .replace("      commonName: KV Root CA\n", "      commonName: KV Root CA\n      keyType: EC\n      curve: P-384\n")
  .replace("        commonName: KV Intermediate CA\n", "        commonName: KV Intermediate CA\n        keyType: EC\n");

test("keyType EC: the CA certificates carry their curve, and the plan says the key and signature algorithm", () => {
  expect(ecText).not.toBe(keyvault);
  const { code, stdout, stderr } = planOf(ecText);
  expect(stderr).toBe("");
  expect(code).toBe(0);
  const keyLines = stdout.split("\n").filter((line) => /^\W*keySize:/.test(line));
  expect(keyLines).toHaveLength(2);
  for (const line of keyLines) expect(line).toMatch(/keySize: P-384 {2}# EC P-384 key: signs with ECDSA and SHA-384/);
  const json = JSON.parse(planOf(ecText, "--json").stdout) as { resources: Array<{ type: string; inputs: Record<string, unknown> }> };
  const cas = json.resources.filter((r) => r.type.endsWith(":CaCertificate"));
  expect(cas.map((r) => [r.inputs.keySize, r.inputs.hsm])).toEqual([["P-384", true], ["P-384", true]]);
});

test("curve without keyType EC, and an unknown curve, are refused before anything is declared", () => {
  const wrong = planOf(keyvault.replace("      commonName: KV Root CA\n", "      commonName: KV Root CA\n      curve: P-256\n"));
  expect(wrong.code).toBe(1);
  expect(wrong.stderr).toMatch(/ca\.root\.curve.*keyType EC/);
  const unknown = planOf(keyvault.replace("      commonName: KV Root CA\n", "      commonName: KV Root CA\n      keyType: EC\n      curve: P-192\n"));
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toContain("ca.root.curve");
});

test("a rotation moves an RSA intermediate to EC: the new CA is EC P-256 beside the old RSA one during stage", () => {
  const rotating = keyvault.replace(
    "        commonName: KV Intermediate CA\n",
    "        commonName: KV Intermediate CA\n        rotation:\n          step: stage\n          name: kv-intermediate-ca-ec\n          keyType: EC\n          curve: P-256\n",
  );
  expect(rotating).not.toBe(keyvault);
  const { code, stdout, stderr } = planOf(rotating, "--json");
  expect(stderr).toBe("");
  expect(code).toBe(0);
  const cas = (JSON.parse(stdout) as { resources: Array<{ type: string; name: string; inputs: Record<string, unknown> }> }).resources.filter((r) => r.type.endsWith(":CaCertificate"));
  expect(Object.fromEntries(cas.map((r) => [r.name, r.inputs.keySize]))).toEqual({
    "dps-x509-ca-kv-root-ca": 4096,
    "dps-x509-ca-kv-intermediate-ca": 4096,
    "dps-x509-ca-kv-intermediate-ca-ec": "P-256",
  });
});

test("a tenant's intermediate with keyType EC asks the platform with an EC key (its key request carries the curve)", () => {
  const tenant = fs.readFileSync(path.join(ROOT, "Pulumi.tenant-customer-a.yaml"), "utf8");
  const ec = tenant.replace("        commonName: Customer A Intermediate CA\n", "        commonName: Customer A Intermediate CA\n        keyType: EC\n        curve: P-256\n");
  expect(ec).not.toBe(tenant);
  const { code, stdout, stderr } = planOf(ec, "--platform-outputs", "examples/platform-outputs.json", "--json");
  expect(stderr).toBe("");
  expect(code).toBe(0);
  const requests = (JSON.parse(stdout) as { resources: Array<{ type: string; inputs: Record<string, unknown> }> }).resources.filter((r) => r.type.endsWith(":CaKeyRequest"));
  expect(requests.map((r) => r.inputs.keySize)).toEqual(["P-256"]);
});
