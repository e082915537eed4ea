/**
 * The offline plan runs the policy pack over the resources it records and prints violations as
 * `pulumi preview --policy-pack policy` does; a mandatory violation fails the plan as it fails a preview.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import YAML from "yaml";
import { runPlan } from "../cli/plan";

const DEV_FILE = path.resolve(__dirname, "../Pulumi.dev.yaml");

/** Runs the plan for the dev stack with some keys changed; returns exit code and output. */
async function planDevWith(change: (config: Record<string, any>) => void, json = false) {
  const doc = YAML.parse(fs.readFileSync(DEV_FILE, "utf8"));
  change(doc.config);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-policy-"));
  const file = path.join(dir, "Pulumi.dev.yaml");
  fs.writeFileSync(file, YAML.stringify(doc));
  let stdout = "";
  let stderr = "";
  try {
    const code = await runPlan(["--config", file, ...(json ? ["--json"] : [])], { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
    return { code, stdout, stderr };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test("the dev stack breaks no policy: no violations printed, exit 0", async () => {
  const { code, stdout } = await planDevWith(() => {});
  expect(code).toBe(0);
  expect(stdout).not.toContain("Policy Violations");
});

test("a production stack with CA keys in state: each violation printed as preview prints it, and the plan fails", async () => {
  const { code, stdout } = await planDevWith((config) => (config["dps-x509:environment"] = "production"));
  expect(code).toBe(1);
  const block = stdout.slice(stdout.indexOf("\nPolicy Violations:"));
  expect(block).toContain("    [mandatory]  dps-x509-guardrails  no-ca-key-in-state-in-production  (dps-x509-ca-my-root-ca: pulumi-nodejs:dynamic/dps-x509:CaCertificate)");
  expect(block).toContain("    A production stack keeps no CA private key in its state (keyStore: keyVault).");
  expect(block).toMatch(/CA My Root CA keeps its private key in the stack's state/);
  expect(block).not.toMatch(/BEGIN (RSA )?PRIVATE KEY/);
});

test("a group on the root CA, and a hub that accepts device SAS, are violations in the JSON plan too", async () => {
  const { code, stdout } = await planDevWith((config) => {
    config["dps-x509:enrollmentGroups"][0].caName = "my-root-ca";
    config["dps-x509:hubs"][0].disableDeviceSAS = false;
  }, true);
  expect(code).toBe(1);
  const violations = JSON.parse(stdout).policyViolations as Array<{ policy: string; resource: string; enforcementLevel: string }>;
  expect(violations.map((v) => [v.policy, v.resource, v.enforcementLevel])).toEqual([
    ["hub-x509-only", "dps-x509-provisioning-hub-my-iot-hub-x509", "mandatory"],
    ["group-attests-through-intermediate", "dps-x509-group-my-device-group", "mandatory"],
  ]);
});
