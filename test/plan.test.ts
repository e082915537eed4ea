/** The offline plan command, run as a reviewer runs it: a fresh process per stack. */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");

function plan(...args: string[]) {
  const result = spawnSync(process.execPath, ["-r", path.join(ROOT, "cli/tsRegister.js"), path.join(ROOT, "cli/plan.ts"), ...args], {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

interface PlannedJson {
  resources: Array<{ type: string; name: string; parent: string | null; inputs: Record<string, unknown>; request?: Record<string, unknown> }>;
  outputs: Record<string, unknown>;
}

describe("npm run plan", () => {
  test("--stack dev --json: every enrollment group carries the exact body it would PUT", () => {
    const { code, stdout, stderr } = plan("--stack", "dev", "--json");
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const parsed = JSON.parse(stdout) as PlannedJson;
    for (const resource of parsed.resources) {
      expect(Object.keys(resource)).toEqual(expect.arrayContaining(["type", "name", "parent", "inputs"]));
    }
    const groups = parsed.resources.filter((resource) => resource.type.endsWith(":EnrollmentGroup"));
    expect(groups).toHaveLength(1);
    // Azure's enrollment group JSON (DPS service API 2021-10-01) for the tutorial's group, written from the spec.
    expect(groups[0].request).toEqual({
      enrollmentGroupId: "my-device-group",
      attestation: { type: "x509", x509: { caReferences: { primary: "my-intermediate-ca" } } },
      capabilities: { iotEdge: false },
      initialTwin: {
        tags: { environment: "production", location: "factory-floor" },
        properties: { desired: { telemetryInterval: 60, firmware: "1.0.0" } },
      },
      provisioningStatus: "enabled",
      reprovisionPolicy: { updateHubAssignment: true, migrateDeviceData: true },
      allocationPolicy: "hashed",
      iotHubs: ["my-iot-hub-x509.azure-devices.net"],
    });
  });

  test.each(["multiregion"])("--stack %s prints a tree of what it would declare", (stack) => {
    const { code, stdout } = plan("--stack", stack);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Plan for stack/);
    expect(stdout).toContain("└─ ");
    expect(stdout).toContain("request (PUT enrollmentGroups/");
    expect(stdout).toContain("idScope: 0ne00000000");
    expect(stdout).not.toMatch(/PRIVATE KEY/);
  });

  test("a bad stack file exits non-zero with every problem and no stack trace", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-test-"));
    const file = path.join(dir, "Pulumi.broken.yaml");
    const devText = fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8");
    fs.writeFileSync(file, devText.replace("caName: my-intermediate-ca", "caName: nope-ca").replace("allocationPolicy: hashed", "allocationPolicy: Hashed"));
    const { code, stdout, stderr } = plan("--config", file);
    fs.rmSync(dir, { recursive: true, force: true });
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toContain('dps-x509:enrollmentGroups[0].allocationPolicy = "Hashed"');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  test("a secure value prints as [secret] and the plan still works", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-test-"));
    const file = path.join(dir, "Pulumi.custom.yaml");
    const devText = fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8");
    fs.writeFileSync(
      file,
      devText.replace(
        "      allocationPolicy: hashed",
        "      allocationPolicy: custom\n      apiVersion: \"2021-10-01\"\n      webhookUrl:\n        secure: v1:AAAAAAAAAAAAAAAA:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB",
      ),
    );
    const { code, stdout, stderr } = plan("--config", file, "--json");
    fs.rmSync(dir, { recursive: true, force: true });
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const group = (JSON.parse(stdout) as PlannedJson).resources.find((resource) => resource.type.endsWith(":EnrollmentGroup"))!;
    expect(group.request).toMatchObject({ allocationPolicy: "custom", customAllocationDefinition: { webhookUrl: "[secret]", apiVersion: "2021-10-01" } });
  });

  test("tenant up, platform up, tenant up: each step's plan says what it waits for", () => {
    // 1. The tenant, before the platform signed: a key and a CSR, nothing on the DPS yet.
    const first = plan("--stack", "tenant-customer-a", "--platform-outputs", "examples/platform-outputs.json", "--json");
    expect(first.code).toBe(0);
    const firstPlan = JSON.parse(first.stdout) as PlannedJson & { outputs: Record<string, unknown> };
    // The platform's StackReference is read, not declared: the plan marks it `read`.
    const declaredTypes = firstPlan.resources.filter((resource) => !(resource as { read?: boolean }).read).map((resource) => resource.type.slice(resource.type.lastIndexOf(":") + 1));
    expect(declaredTypes.sort()).toEqual(["CaKeyRequest", "CertificateAuthority", "TenantStack"]);
    expect(firstPlan.outputs.waitingFor).toEqual([
      expect.stringContaining("CA customer-a-intermediate-ca: the platform my-org/dps-x509/platform has not signed its CSR yet; run `pulumi up` on the platform"),
      "group customer-a-devices: waits for CA customer-a-intermediate-ca",
    ]);
    // 2. The platform, with the tenant's CSR in its outputs: one TenantCertificate; it waits for the other tenant.
    const second = plan("--stack", "platform", "--tenant-outputs", "my-org/dps-x509/tenant-customer-a=examples/tenant-customer-a-outputs.json", "--json");
    expect(second.stderr).toBe("");
    const secondPlan = JSON.parse(second.stdout) as PlannedJson & { outputs: Record<string, unknown> };
    const signing = secondPlan.resources.filter((resource) => resource.type.endsWith(":TenantCertificate"));
    expect(signing.map((resource) => resource.inputs.caName)).toEqual(["customer-a-intermediate-ca"]);
    expect(secondPlan.outputs.waitingFor).toEqual([expect.stringContaining("tenant customer-b: no CSR yet")]);
    expect(second.stdout).not.toMatch(/PRIVATE KEY/);
  });

  test("a tenant stack plans from a file of its platform's outputs (once the platform signed)", () => {
    const { code, stdout, stderr } = plan("--stack", "tenant-customer-a", "--platform-outputs", "examples/platform-outputs.signed.json", "--json");
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const parsed = JSON.parse(stdout) as PlannedJson;
    const group = parsed.resources.find((resource) => resource.type.endsWith(":EnrollmentGroup"))!;
    expect(group.request).toMatchObject({
      enrollmentGroupId: "customer-a-devices",
      attestation: { type: "x509", x509: { caReferences: { primary: "customer-a-intermediate-ca" } } },
      allocationPolicy: "static",
      iotHubs: ["shared-hub-neu.azure-devices.net"],
    });
    expect(parsed.resources.some((resource) => resource.type.includes("IotDpsResource") || resource.type.includes("IotHubResource"))).toBe(false);
  });

  test("a tenant stack without its platform's outputs says how to get them", () => {
    const { code, stderr } = plan("--stack", "tenant-customer-b");
    expect(code).toBe(1);
    expect(stderr).toContain("--platform-outputs");
  });

  test("usage errors exit 2", () => {
    expect(plan().code).toBe(2);
    expect(plan("--stack", "dev", "--config", "x").code).toBe(2);
  });

  test("a missing stack file is a clear error", () => {
    const { code, stderr } = plan("--stack", "does-not-exist");
    expect(code).toBe(1);
    expect(stderr).toContain("no stack file");
  });
});
