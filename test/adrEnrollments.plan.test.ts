/**
 * The offline plan of the ADR stack (Pulumi.adr.yaml): its enrollment group's PUT with the Device Registry names at
 * API 2026-11-01, a smoke test that registers with a CSR, and the refusals; a classic stack stays at 2021-10-01.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");

function planOf(stackFile: string, edit: (text: string) => string = (t) => t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-adr-"));
  const file = path.join(dir, "Pulumi.adr-test.yaml");
  fs.writeFileSync(file, edit(fs.readFileSync(path.join(ROOT, stackFile), "utf8")));
  const result = spawnSync(process.execPath, ["-r", path.join(ROOT, "cli/tsRegister.js"), path.join(ROOT, "cli/plan.ts"), "--config", file], { cwd: ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  fs.rmSync(dir, { recursive: true, force: true });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const withSmokeTest = (text: string) => `${text.trimEnd()}\n  dps-x509:smokeTest:\n    registrationId: smoke-adr-device\n`;

test("the ADR group's PUT carries the three names at api-version 2026-11-01; its smoke test registers with --issue", () => {
  const { code, stdout, stderr } = planOf("Pulumi.adr.yaml", withSmokeTest);
  expect(stderr).toBe("");
  expect(code).toBe(0);
  expect(stdout).toContain("request (PUT enrollmentGroups/adr-devices?api-version=2026-11-01):");
  expect(stdout).toMatch(/"namespaceName": "adr-namespace",[\s│]+"certificateAuthorityName": "stack-ica",[\s│]+"certificatePolicyName": "stack-devices"/);
  expect(stdout).toMatch(/create: npm run --silent device -- 'register' '--issuer-from-env' .*'--issue'/);
  expect(stdout).toMatch(/environment: \{"DPS_X509_ISSUED_ROOTS_PEM":/);
});

test("a classic group still goes at 2021-10-01 without the names, and its smoke test without --issue", () => {
  const { code, stdout } = planOf("Pulumi.dev.yaml");
  expect(code).toBe(0);
  expect(stdout).toContain("request (PUT enrollmentGroups/my-device-group?api-version=2021-10-01):");
  expect(stdout).not.toContain("namespaceName");
  expect(stdout).not.toContain("'--issue'");
  expect(stdout).not.toContain("DPS_X509_ISSUED_ROOTS_PEM");
});

test("a missing policy name is refused by the plan with its key", () => {
  const { code, stderr } = planOf("Pulumi.adr.yaml", (t) => t.replace("        certificatePolicyName: stack-devices\n", ""));
  expect(code).toBe(1);
  expect(stderr).toContain("dps-x509:enrollmentGroups[0].deviceRegistry.certificatePolicyName");
});
