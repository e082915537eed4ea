/**
 * The plan parses each revoked device's certificate and shows its thumbprints (checked against OpenSSL's).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createDeviceCertificate, createIntermediateCa, createRootCa } from "../certs";
import { runPlan } from "../cli/plan";

const ROOT = path.resolve(__dirname, "..");

function opensslFingerprint(pem: string, digest: "sha1" | "sha256"): string {
  const result = spawnSync("openssl", ["x509", "-noout", "-fingerprint", `-${digest}`], { input: pem, encoding: "utf8" });
  if (result.status !== 0) throw new Error(result.stderr);
  return result.stdout.trim().split("=")[1].replace(/:/g, "").toUpperCase();
}

test("a revoked device's certificate is shown by its SHA-1 and SHA-256 thumbprints", async () => {
  const root = createRootCa({ commonName: "Revoke Root", keySize: 2048, validityDays: 30 });
  const intermediate = createIntermediateCa({ issuer: root, commonName: "Revoke Intermediate", keySize: 2048, validityDays: 20 });
  const device = createDeviceCertificate({ issuer: intermediate, registrationId: "lost-device-7", keySize: 2048 });
  const dev = fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8");
  const revoked = `      revokedDevices:\n        - registrationId: lost-device-7\n          certificatePem: ${JSON.stringify(device.certificatePem)}\n`;
  expect(dev).toContain("      caName: my-intermediate-ca\n");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-revoked-"));
  const file = path.join(dir, "Pulumi.revoked.yaml");
  fs.writeFileSync(file, dev.replace("      caName: my-intermediate-ca\n", `      caName: my-intermediate-ca\n${revoked}`));
  let stdout = "";
  let stderr = "";
  try {
    const code = await runPlan(["--config", file, "--json"], { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) });
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const resources = JSON.parse(stdout).resources as Array<{ type: string; inputs: Record<string, unknown> }>;
  const planned = resources.filter((resource) => resource.type.endsWith(":RevokedDevice"));
  expect(planned).toHaveLength(1);
  expect(planned[0].inputs).toMatchObject({
    registrationId: "lost-device-7",
    thumbprint: opensslFingerprint(device.certificatePem, "sha1"),
    sha256Thumbprint: opensslFingerprint(device.certificatePem, "sha256"),
  });
});
