/**
 * The offline plan with every attestation: CA slots are counted only for CA references. A CA only signing-certificate
 * groups name is neither uploaded nor proved; individual enrollments are declared; a tenant the platform attests by
 * signing certificate reserves no CA slot, uploads nothing, and its groups hold its intermediate.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { createDeviceCertificate, createRootCa } from "../certs";
import { evaluatePlan } from "../cli/plan/evaluate";
import { readStackFile } from "../cli/plan/stackFile";
import { parseStackConfig, type TenantStackConfig } from "../components/config";
import { parsePlatformFacts, type PlatformFacts } from "../components/tenant/platformOutputs";
import { resolveTenant } from "../components/tenant/resolveTenant";

const ROOT = path.resolve(__dirname, "..");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dps-x509-attestation-plan-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const issuer = createRootCa({ commonName: "Plan device issuer", keySize: 2048, validityDays: 30 });
const pressCert = createDeviceCertificate({ issuer, registrationId: "press-1", keySize: 2048 }).certificatePem;
const specialCert = createDeviceCertificate({ issuer, registrationId: "special-1", keySize: 2048 }).certificatePem;
const specialNext = createDeviceCertificate({ issuer, registrationId: "special-1", keySize: 2048 }).certificatePem;

function platformValues(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    resourceGroupName: "iot-rg",
    dps: { name: "plan-dps" },
    hubs: [{ name: "plan-hub-a" }, { name: "plan-hub-b" }],
    ca: {
      root: { name: "plan-root", commonName: "Plan Root", keySize: 2048 },
      intermediates: [
        { name: "referenced-ca", commonName: "Referenced", keySize: 2048 },
        { name: "held-ca", commonName: "Held", keySize: 2048 },
      ],
    },
    enrollmentGroups: [
      { enrollmentId: "by-reference", caName: "referenced-ca" },
      { enrollmentId: "by-signing", caName: "held-ca", attestation: "signingCertificate" },
    ],
    individualEnrollments: [
      { registrationId: "press-1", certificatePem: pressCert, deviceId: "press-one", allocationPolicy: "static", iotHubs: ["plan-hub-b"] },
      { registrationId: "special-1", certificatePem: specialCert, secondaryCertificatePem: specialNext, edgeEnabled: true },
    ],
    ...extra,
  };
}

async function plan(values: Record<string, unknown>) {
  const file = path.join(dir, `Pulumi.attest-${Math.random().toString(36).slice(2)}.yaml`);
  fs.writeFileSync(file, stringify({ config: { "azure-native:location": "westeurope", ...Object.fromEntries(Object.entries(values).map(([k, v]) => [`dps-x509:${k}`, v])) } }));
  return evaluatePlan(readStackFile(file), "attest");
}

const kind = (type: string) => type.slice(type.lastIndexOf(":") + 1);

describe("a platform stack with every attestation", () => {
  let result: Awaited<ReturnType<typeof plan>>;
  beforeAll(async () => {
    result = await plan(platformValues());
  }, 60_000);

  test("only CAs named by a CA reference are uploaded and proved; the capacity figures count those", () => {
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    const uploads = result.resources.filter((r) => kind(r.type) === "DpsCertificateUpload").map((r) => r.inputs.certificateName).sort();
    expect(uploads).toEqual(["plan-root", "referenced-ca"]);
    expect(result.resources.filter((r) => kind(r.type) === "CaVerification").map((r) => r.inputs.certificateName).sort()).toEqual(["plan-root", "referenced-ca"]);
    expect(result.outputs.caNames).toEqual(["plan-root", "referenced-ca"]);
    expect(result.outputs.capacity).toMatchObject({ used: { caCertificates: 2, enrollmentGroups: 2 } });
  });

  test("the signing-certificate group holds its CA's certificate and waits for no proof", () => {
    if (!result.ok) throw new Error("plan failed");
    const groups = result.resources.filter((r) => kind(r.type) === "EnrollmentGroup");
    const signing = groups.find((g) => g.inputs.enrollmentId === "by-signing")!;
    expect(signing.inputs).toMatchObject({ attestation: "signingCertificate", primaryCaName: "held-ca" });
    // Known only after up in a plan; that it is exactly held-ca's certificate: test/combined/signingCertificateGroup.mock.test.ts.
    expect(signing.inputs).toHaveProperty("primaryCertificatePem");
    expect(signing.dependsOn.some((d) => d.includes("verification"))).toBe(false);
    const reference = groups.find((g) => g.inputs.enrollmentId === "by-reference")!;
    expect(reference.inputs).not.toHaveProperty("attestation");
    expect(reference.dependsOn.some((d) => d.includes("referenced-ca"))).toBe(true);
  });

  test("individual enrollments are declared with their own settings and certificates, waiting for no CA's proof", () => {
    if (!result.ok) throw new Error("plan failed");
    const solos = result.resources.filter((r) => kind(r.type) === "IndividualEnrollment");
    expect(solos.map((r) => r.inputs.registrationId).sort()).toEqual(["press-1", "special-1"]);
    expect(solos.find((r) => r.inputs.registrationId === "press-1")!.inputs).toMatchObject({
      deviceId: "press-one", allocationPolicy: "static", iotHubHostNames: ["plan-hub-b.azure-devices.net"], certificatePem: pressCert,
    });
    const special = solos.find((r) => r.inputs.registrationId === "special-1")!;
    expect(special.inputs).toMatchObject({ certificatePem: specialCert, secondaryCertificatePem: specialNext, edgeEnabled: true, allocationPolicy: "hashed", iotHubHostNames: ["plan-hub-a.azure-devices.net", "plan-hub-b.azure-devices.net"] });
    expect(special.inputs).not.toHaveProperty("caName");
    expect(special.dependsOn.some((d) => d.includes("verification"))).toBe(false);
  });
});

test("rotation works on a signing-certificate group: stage holds the new CA as secondary, and uploads neither", async () => {
  const values = platformValues();
  (values.ca as any).intermediates[1].rotation = { step: "stage", name: "held-ca-2027" };
  const staged = await plan(values);
  if (!staged.ok) throw new Error(JSON.stringify(staged.problems));
  const group = staged.resources.find((r) => kind(r.type) === "EnrollmentGroup" && r.inputs.enrollmentId === "by-signing")!;
  expect(group.inputs).toMatchObject({ attestation: "signingCertificate", primaryCaName: "held-ca", secondaryCaName: "held-ca-2027" });
  expect(group.inputs).toHaveProperty("secondaryCertificatePem");
  expect(staged.resources.filter((r) => kind(r.type) === "DpsCertificateUpload").map((r) => r.inputs.certificateName).sort()).toEqual(["plan-root", "referenced-ca"]);
  expect(staged.outputs.capacity).toMatchObject({ used: { caCertificates: 2 } });
}, 60_000);

describe("the plan refuses, naming the key", () => {
  const problemsOf = (values: Record<string, unknown>) => {
    const parsed = parseStackConfig({ values, location: "westeurope" });
    return parsed.ok ? [] : parsed.problems;
  };

  test("an individual enrollment without a certificate, with another device's certificate, with a CA reference, or twice", () => {
    const problems = problemsOf(platformValues({
      individualEnrollments: [
        { registrationId: "press-2" },
        { registrationId: "press-3", certificatePem: pressCert },
        { registrationId: "press-1", certificatePem: pressCert },
        { registrationId: "PRESS-1", certificatePem: pressCert },
      ],
    }));
    expect(problems.map((p) => p.path)).toEqual(expect.arrayContaining([
      "individualEnrollments[0].certificatePem",
    ]));
    const more = problemsOf(platformValues({
      individualEnrollments: [
        { registrationId: "press-3", certificatePem: pressCert },
        { registrationId: "press-1", certificatePem: pressCert },
        { registrationId: "PRESS-1", certificatePem: pressCert },
      ],
    })).map((p) => p.path);
    expect(more).toEqual(expect.arrayContaining(["individualEnrollments[0].registrationId", "individualEnrollments[2].registrationId"]));
    const byCa = problemsOf(platformValues({ individualEnrollments: [{ registrationId: "special-1", certificatePem: specialCert, caName: "referenced-ca" }] }));
    expect(byCa).toEqual([expect.objectContaining({ path: "individualEnrollments[0].caName", value: "referenced-ca", message: expect.stringMatching(/device's own certificate only/) })]);
  });

  test("a signing-certificate group naming a CA the stack does not have", () => {
    const problems = problemsOf(platformValues({ enrollmentGroups: [{ enrollmentId: "g", caName: "nobody-ca", attestation: "signingCertificate" }] }));
    expect(problems).toEqual([expect.objectContaining({ path: "enrollmentGroups[0].caName", value: "nobody-ca" })]);
  });

  test("tenants by CA reference that need more than 25 slots; the same tenants by signing certificate take none", () => {
    const tenants = Array.from({ length: 12 }, (_, i) => ({ name: `tenant-${String(i).padStart(2, "0")}`, caCertificates: 2, enrollmentGroups: 1 }));
    const byReference = problemsOf(platformValues({ tenants }));
    expect(byReference).toEqual([expect.objectContaining({ path: "tenants", value: 24, message: expect.stringMatching(/besides the platform's 2; a DPS holds at most 25/) })]);
    expect(problemsOf(platformValues({ tenants, tenantDefaults: { attestation: "signingCertificate" } }))).toEqual([]);
    // Per tenant: the one left by CA reference still counts.
    const mixed = problemsOf(platformValues({ tenants: tenants.map((t, i) => (i === 0 ? { ...t, caCertificates: 24 } : { ...t, attestation: "signingCertificate" })) }));
    expect(mixed).toEqual([expect.objectContaining({ path: "tenants", value: 24 })]);
  });

  test("a bad attestation value names what is allowed", () => {
    const problems = problemsOf(platformValues({ tenantDefaults: { attestation: "signing" } }));
    expect(problems).toEqual([expect.objectContaining({ path: "tenantDefaults.attestation", message: expect.stringMatching(/caReference.*signingCertificate/) })]);
  });
});

describe("a tenant its platform attests by signing certificate", () => {
  const outputs = JSON.parse(fs.readFileSync(path.join(ROOT, "examples/platform-outputs.json"), "utf8")) as Record<string, any>;
  function factsWith(attestation: "caReference" | "signingCertificate", usedCas = 25): PlatformFacts {
    const raw = { ...outputs, capacity: { ...outputs.capacity, used: { ...outputs.capacity.used, caCertificates: usedCas }, tenants: { ...outputs.capacity.tenants, "customer-a": { caCertificates: 1, enrollmentGroups: 5, attestation } } } };
    const parsed = parsePlatformFacts(raw, "my-org/dps-x509/platform");
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    return parsed.facts;
  }
  const config = (): TenantStackConfig => {
    const result = parseStackConfig({ values: { platform: "my-org/dps-x509/platform", tenant: "customer-a", ca: { intermediates: [{ name: "intermediate-ca", commonName: "A" }] }, enrollmentGroups: [{ enrollmentId: "devices", caName: "intermediate-ca" }] } });
    if (!result.ok || result.config.role !== "tenant") throw new Error("bad tenant config");
    return result.config;
  };

  test("uploads nothing, holds its intermediate in its groups, and fits a DPS whose CA slots are all taken", () => {
    const resolved = resolveTenant(config(), factsWith("signingCertificate"));
    if (!resolved.ok) throw new Error(JSON.stringify(resolved.problems));
    expect(resolved.tenant.intermediates.map((e) => e.upload)).toEqual([false]);
    expect(resolved.tenant.enrollmentGroups[0]).toMatchObject({ attestation: "signingCertificate", caName: "customer-a-intermediate-ca" });
  });

  test("its stack declares no upload and no proof: its group holds the intermediate the platform signed", async () => {
    const signed = JSON.parse(fs.readFileSync(path.join(ROOT, "examples/platform-outputs.signed.json"), "utf8")) as Record<string, any>;
    const platformOutputs = { ...signed, capacity: { ...signed.capacity, tenants: { ...signed.capacity.tenants, "customer-a": { ...signed.capacity.tenants["customer-a"], attestation: "signingCertificate" } } } };
    const result = await evaluatePlan(readStackFile(path.join(ROOT, "Pulumi.tenant-customer-a.yaml")), "tenant-customer-a", { platformOutputs });
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    const kinds = result.resources.filter((r) => !r.read).map((r) => kind(r.type));
    expect(kinds).not.toContain("DpsCertificateUpload");
    expect(kinds).not.toContain("CaVerification");
    const group = result.resources.find((r) => kind(r.type) === "EnrollmentGroup")!;
    expect(group.inputs).toMatchObject({ attestation: "signingCertificate", primaryCaName: "customer-a-intermediate-ca" });
    // The CA resource's certificate (known after up in a plan; a presence check cannot tell which CA it is: the
    // exact certificate is checked in test/combined/signingCertificateGroup.mock.test.ts), the one the platform signed:
    const ca = result.resources.find((r) => kind(r.type) === "CaCertificate")!;
    expect(ca.inputs.providedCertificatePem).toBe(signed.tenantCertificates["customer-a"]["customer-a-intermediate-ca"]);
  }, 60_000);

  test("by CA reference, the same tenant on the same full DPS is refused with the numbers", () => {
    const resolved = resolveTenant(config(), factsWith("caReference"));
    expect(resolved.ok).toBe(false);
    if (resolved.ok) return;
    expect(resolved.problems).toEqual([expect.objectContaining({ path: "ca.intermediates", message: expect.stringMatching(/bring the shared DPS to \d+ .*at most 25/) })]);
  });
});
