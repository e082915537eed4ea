/** The offline plan of a stack whose enrollment group names Device Registry issuance: the body, the API version, the refusals. */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");

function planWith(groupExtra: string, ...args: string[]) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-adr-"));
  const file = path.join(dir, "Pulumi.adr.yaml");
  const devText = fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8");
  fs.writeFileSync(file, devText.replace("      allocationPolicy: hashed\n", `      allocationPolicy: hashed\n${groupExtra}`));
  const result = spawnSync(process.execPath, ["-r", path.join(ROOT, "cli/tsRegister.js"), path.join(ROOT, "cli/plan.ts"), "--config", file, ...args], { cwd: ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  fs.rmSync(dir, { recursive: true, force: true });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const names = "      deviceRegistry:\n        namespaceName: plant-ns\n        certificateAuthorityName: devices-ica\n        certificatePolicyName: devices-30d\n";

test("the group's PUT carries the three names, at api-version 2026-11-01", () => {
  const { code, stdout, stderr } = planWith(names);
  expect(stderr).toBe("");
  expect(code).toBe(0);
  expect(stdout).toContain("request (PUT enrollmentGroups/my-device-group?api-version=2026-11-01):");
  // The smoke test of the group registers with a CSR and checks the chain up to the stack's roots.
  expect(stdout).toMatch(/create: npm run --silent device -- 'register' '--issuer-from-env' .*'--issue'/);
  expect(stdout).toMatch(/environment: \{"DPS_X509_ISSUED_ROOTS_PEM":/);
  expect(stdout).toMatch(/"namespaceName": "plant-ns",[\s│]+"certificateAuthorityName": "devices-ica",[\s│]+"certificatePolicyName": "devices-30d"/);
});

test("a classic group still goes at 2021-10-01 without the names", () => {
  const { code, stdout } = planWith("");
  expect(code).toBe(0);
  expect(stdout).toContain("request (PUT enrollmentGroups/my-device-group?api-version=2021-10-01):");
  expect(stdout).not.toContain("namespaceName");
  expect(stdout).not.toContain("'--issue'");
  expect(stdout).not.toContain("DPS_X509_ISSUED_ROOTS_PEM");
});

test("a name against the swagger's pattern, or a missing policy, is refused by the plan with the key", () => {
  const { code, stderr } = planWith("      deviceRegistry:\n        namespaceName: Plant_NS\n        certificateAuthorityName: devices-ica\n");
  expect(code).toBe(1);
  expect(stderr).toContain("dps-x509:enrollmentGroups[0].deviceRegistry.namespaceName");
  expect(stderr).toContain("dps-x509:enrollmentGroups[0].deviceRegistry.certificatePolicyName");
});
