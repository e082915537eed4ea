/**
 * Tenant stacks on a platform's shared DPS: resolution against the platform's outputs (prefixes, defaults), the
 * isolation and capacity rules, the platform's own tenant list, and what a tenant stack declares under the mocks.
 */
import * as fs from "fs";
import * as path from "path";
import { parseStackConfig, readRawStackConfig, type TenantStackConfig } from "../components/config";
import { parsePlatformFacts, type PlatformFacts } from "../components/tenant/platformOutputs";
import { resolveTenant } from "../components/tenant/resolveTenant";
import { evaluatePlan } from "../cli/plan/evaluate";
import { UNKNOWN_MARKER, type RecordedResource } from "../cli/plan/record";
import { readStackFile } from "../cli/plan/stackFile";

const ROOT = path.resolve(__dirname, "..");
const PLATFORM_OUTPUTS = JSON.parse(fs.readFileSync(path.join(ROOT, "examples/platform-outputs.json"), "utf8")) as Record<string, unknown>;
/** The platform's outputs once it signed its tenants' CSRs. */
const SIGNED_OUTPUTS = JSON.parse(fs.readFileSync(path.join(ROOT, "examples/platform-outputs.signed.json"), "utf8")) as Record<string, unknown>;

function facts(changes: Partial<PlatformFacts> = {}): PlatformFacts {
  const parsed = parsePlatformFacts(PLATFORM_OUTPUTS, "my-org/dps-x509/platform");
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return { ...parsed.facts, ...changes };
}

function tenantConfig(values: Record<string, unknown>): TenantStackConfig {
  const result = parseStackConfig({ values: { platform: "my-org/dps-x509/platform", tenant: "customer-a", ...values } });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  if (result.config.role !== "tenant") throw new Error("expected a tenant config");
  return result.config;
}

const oneCa = { ca: { intermediates: [{ name: "intermediate-ca", commonName: "Customer A CA" }] } };

function problemsOf(values: Record<string, unknown>, platform = facts()) {
  const result = resolveTenant(tenantConfig(values), platform);
  if (result.ok) throw new Error("expected problems, the tenant passed");
  return result.problems;
}

describe("resolving a tenant against its platform", () => {
  test("names get the tenant's prefix; groups get the platform's hubs and policy by default", () => {
    const result = resolveTenant(tenantConfig({ ...oneCa, enrollmentGroups: [{ enrollmentId: "devices", caName: "intermediate-ca" }] }), facts());
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.tenant.intermediates.map((entry) => entry.name)).toEqual(["customer-a-intermediate-ca"]);
    expect(result.tenant.enrollmentGroups[0]).toMatchObject({
      enrollmentId: "customer-a-devices",
      caName: "customer-a-intermediate-ca",
      allocationPolicy: "hashed",
      iotHubs: ["shared-hub-neu", "shared-hub-weu"],
    });
  });

  test("a name that already carries the prefix keeps it once", () => {
    const result = resolveTenant(tenantConfig({ ca: { intermediates: [{ name: "customer-a-ca", commonName: "A" }] }, enrollmentGroups: [{ enrollmentId: "customer-a-devices", caName: "customer-a-ca" }] }), facts());
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.tenant.enrollmentGroups[0]).toMatchObject({ enrollmentId: "customer-a-devices", caName: "customer-a-ca" });
  });

  test("a group may not name the platform's CA", () => {
    const problems = problemsOf({ ...oneCa, enrollmentGroups: [{ enrollmentId: "devices", caName: "provider-root-ca" }] });
    expect(problems).toEqual([
      { path: "enrollmentGroups[0].caName", value: "provider-root-ca", message: expect.stringMatching(/CA of the platform .* may only use its own CAs: customer-a-intermediate-ca/) },
    ]);
  });

  test("a group may not name another tenant's CA, nor take another tenant's id", () => {
    const problems = problemsOf({ ...oneCa, enrollmentGroups: [{ enrollmentId: "customer-b-devices", caName: "customer-b-sensors-ca" }] });
    expect(problems.map((p) => [p.path, p.message.includes("tenant customer-b")])).toEqual([
      ["enrollmentGroups[0].enrollmentId", true],
      ["enrollmentGroups[0].caName", true],
    ]);
  });

  test("a CA may not take the platform's name", () => {
    const problems = problemsOf({ ca: { intermediates: [{ name: "provider-root-ca", commonName: "x" }] } });
    expect(problems.map((p) => p.path)).toEqual(["ca.intermediates[0].name"]);
  });

  test("a hub the platform does not link is refused, listing the platform's hubs", () => {
    const problems = problemsOf({ ...oneCa, enrollmentGroups: [{ enrollmentId: "devices", caName: "intermediate-ca", iotHubs: ["my-own-hub"] }] });
    expect(problems).toEqual([{ path: "enrollmentGroups[0].iotHubs[0]", value: "my-own-hub", message: expect.stringContaining("shared-hub-neu, shared-hub-weu") }]);
  });

  test("a tenant the platform does not list is refused", () => {
    const problems = resolveTenant({ ...tenantConfig(oneCa), tenant: "customer-z" }, facts());
    expect(problems.ok ? [] : problems.problems).toEqual([{ path: "tenant", value: "customer-z", message: expect.stringContaining("it serves: customer-a, customer-b") }]);
  });

  test("a platform that lists no tenants refuses every tenant stack", () => {
    const none = facts({ capacity: { ...facts().capacity, tenants: {} } });
    for (const tenant of ["customer-a", "customer-b", "anyone"]) {
      const result = resolveTenant({ ...tenantConfig(oneCa), tenant }, none);
      expect(result.ok ? [] : result.problems).toEqual([{ path: "tenant", value: tenant, message: expect.stringContaining("it lists no tenants") }]);
    }
  });

  test("a generated intermediate needs no root key: it is signed from the tenant's CSR", () => {
    const result = resolveTenant(tenantConfig(oneCa), facts());
    expect(result.ok ? [] : result.problems).toEqual([]);
  });
});

describe("capacity of the shared DPS", () => {
  const groups = (count: number) => Array.from({ length: count }, (_, i) => ({ enrollmentId: `g${i}`, caName: "intermediate-ca" }));

  test("a tenant stays within what the platform reserves for it", () => {
    const problems = problemsOf({ ...oneCa, enrollmentGroups: groups(6) });
    expect(problems).toEqual([{ path: "enrollmentGroups", value: 6, message: expect.stringContaining("exceed the 5 the platform my-org/dps-x509/platform reserves for tenant customer-a") }]);
  });

  test("counting what the platform reports as used and what other tenants hold", () => {
    // No reservation for this tenant: the platform uses 90 groups, another tenant holds 8, so 3 more is one too many.
    const platform = facts({
      capacity: { limits: { caCertificates: 25, enrollmentGroups: 100 }, used: { caCertificates: 20, enrollmentGroups: 90 }, tenants: {} },
    });
    const crowded = { ...platform, capacity: { ...platform.capacity, tenants: { "customer-a": { caCertificates: 5, enrollmentGroups: 10 }, "customer-b": { caCertificates: 0, enrollmentGroups: 8 } } } };
    const problems = problemsOf({ ...oneCa, enrollmentGroups: groups(3) }, crowded);
    expect(problems).toEqual([{ path: "enrollmentGroups", value: 3, message: "3 enrollment groups would bring the shared DPS to 101 (platform 90, other tenants 8); it holds at most 100" }]);
    const fits = resolveTenant(tenantConfig({ ...oneCa, enrollmentGroups: groups(2) }), crowded);
    expect(fits.ok).toBe(true);
  });

  test("a platform with a raised group quota reserves a tenant more than Azure's default 100: the tenant uses them", () => {
    const platform = facts();
    const raised = {
      ...platform,
      capacity: { limits: { caCertificates: 25, enrollmentGroups: 300 }, used: { caCertificates: 1, enrollmentGroups: 0 }, tenants: { "customer-a": { caCertificates: 1, enrollmentGroups: 150 } } },
    };
    expect(resolveTenant(tenantConfig({ ...oneCa, enrollmentGroups: groups(150) }), raised).ok).toBe(true);
    expect(problemsOf({ ...oneCa, enrollmentGroups: groups(151) }, raised)).toEqual([
      { path: "enrollmentGroups", value: 151, message: expect.stringContaining("exceed the 150 the platform my-org/dps-x509/platform reserves for tenant customer-a") },
    ]);
  });

  test("CA certificates count too", () => {
    const platform = facts();
    const full = { ...platform, capacity: { ...platform.capacity, used: { caCertificates: 24, enrollmentGroups: 0 } } };
    const problems = problemsOf(oneCa, full);
    expect(problems).toEqual([{ path: "ca.intermediates", value: 1, message: expect.stringContaining("bring the shared DPS to 27") }]);
  });
});

describe("platform outputs", () => {
  test("missing outputs name the output and what to do", () => {
    const { caNames: _caNames, ...rest } = PLATFORM_OUTPUTS;
    const parsed = parsePlatformFacts(rest, "my-org/dps-x509/platform");
    expect(parsed.ok ? [] : parsed.problems).toEqual([{ path: "platform", value: "my-org/dps-x509/platform", message: expect.stringMatching(/output caNames of the platform stack is missing: run `pulumi up` on the platform/) }]);
  });
});

describe("the platform's tenant list", () => {
  function platformProblems(tenants: unknown[]) {
    const raw = readRawStackConfig(readStackFile(path.join(ROOT, "Pulumi.platform.yaml")).allConfig);
    const result = parseStackConfig({ ...raw, values: { ...raw.values, tenants } });
    return result.ok ? [] : result.problems;
  }

  test("a tenant name that is another's prefix is refused", () => {
    expect(platformProblems([{ name: "acme" }, { name: "acme-eu" }])).toEqual([expect.objectContaining({ path: "tenants[1].name", message: expect.stringContaining('starts with "acme-"') })]);
  });

  test("every tenant name that starts with another's prefix is refused, wherever it is listed, and only those", () => {
    const problems = platformProblems([{ name: "acme-us" }, { name: "acme2" }, { name: "acme" }, { name: "acme-eu" }, { name: "acm" }, { name: "acme-eu-west" }]);
    expect(problems.map((p) => [p.path, p.message.slice(0, p.message.indexOf(","))])).toEqual([
      ["tenants[0].name", 'starts with "acme-"'],
      ["tenants[3].name", 'starts with "acme-"'],
      ["tenants[5].name", 'starts with "acme-"'],
      ["tenants[5].name", 'starts with "acme-eu-"'],
    ]);
  });

  test("reservations must fit the DPS with the platform's own use", () => {
    const problems = platformProblems([{ name: "ta", caCertificates: 20 }, { name: "tb", caCertificates: 5 }]);
    expect(problems).toEqual([expect.objectContaining({ path: "tenants", message: expect.stringContaining("reserve 25 CA certificates for tenants besides the platform's 1") })]);
  });

  test("the platform's own names may not use a tenant's prefix", () => {
    const raw = readRawStackConfig(readStackFile(path.join(ROOT, "Pulumi.platform.yaml")).allConfig);
    const values = raw.values as Record<string, any>;
    const result = parseStackConfig({ ...raw, values: { ...values, ca: { root: { ...values.ca.root, name: "customer-a-root" } } } });
    expect(result.ok ? [] : result.problems.map((p) => p.path)).toEqual(["ca.root.name"]);
  });

  test("a tenant stack file declares no DPS or hub", () => {
    const result = parseStackConfig({ values: { platform: "o/p/s", tenant: "customer-a", ...oneCa, dps: { name: "mine" } } });
    expect(result.ok ? [] : result.problems).toEqual([expect.objectContaining({ path: "dps", message: expect.stringContaining("is not a known key") })]);
  });
});

describe("a tenant stack under the mocks", () => {
  let resources: RecordedResource[];
  let outputs: Record<string, unknown>;
  beforeAll(async () => {
    const result = await evaluatePlan(readStackFile(path.join(ROOT, "Pulumi.tenant-customer-a.yaml")), "tenant-customer-a", { platformOutputs: SIGNED_OUTPUTS });
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    ({ resources, outputs } = result);
  });

  test("declares only its own key request, CA, upload, verification and group: no DPS, hub, resource group or root", () => {
    // The platform's StackReference is read, not declared (the recorder marks it `read`).
    const declared = resources.filter((resource) => !resource.read);
    expect(resources.filter((resource) => resource.read).map((resource) => resource.type)).toEqual(["pulumi:pulumi:StackReference"]);
    const types = declared.map((resource) => resource.type.slice(resource.type.lastIndexOf(":") + 1)).sort();
    expect(types).toEqual(["CaCertificate", "CaKeyRequest", "CaVerification", "CertificateAuthority", "DpsCertificateUpload", "EnrollmentGroup", "TenantStack", "VerifiedCaCertificate"]);
    const ca = resources.find((resource) => resource.type.endsWith(":CaCertificate"))!;
    // The certificate the platform signed from the tenant's CSR, with the tenant's own key: no root key here.
    const signed = (SIGNED_OUTPUTS.tenantCertificates as Record<string, Record<string, string>>)["customer-a"]["customer-a-intermediate-ca"];
    expect(ca.inputs).toMatchObject({ role: "intermediate", providedCertificatePem: signed });
    expect(ca.inputs.issuerPrivateKeyPem).toBeUndefined();
    expect(ca.inputs.issuerCertificatePem).toBe(SIGNED_OUTPUTS.rootCaCertificatePem);
    expect(outputs.waitingFor).toEqual([]);
  });

  test("targets the platform's DPS, and its group waits for its own CA's verification", () => {
    const upload = resources.find((resource) => resource.type.endsWith(":DpsCertificateUpload"))!;
    expect(upload.inputs).toMatchObject({ certificateName: "customer-a-intermediate-ca", dpsName: "shared-dps-x509", resourceGroupName: "iot-shared-rg" });
    const group = resources.find((resource) => resource.type.endsWith(":EnrollmentGroup"))!;
    const verification = resources.find((resource) => resource.type.endsWith(":CaVerification"))!;
    expect(group.dependsOn).toContain(verification.name);
    expect(group.inputs).toMatchObject({
      enrollmentId: "customer-a-devices",
      primaryCaName: "customer-a-intermediate-ca",
      iotHubHostNames: ["shared-hub-neu.azure-devices.net"],
      serviceHostName: "shared-dps-x509.azure-devices-provisioning.net",
    });
    // A tenant writes groups with its own Azure identity: no DPS key reaches it.
    expect(group.inputs.connectionString).toBeUndefined();
  });

  test("exports what its devices need and its CSR, and no secret it was not asked for", () => {
    expect(outputs).toMatchObject({ tenant: "customer-a", idScope: "0ne00A1B2C3", enrollmentGroupIds: ["customer-a-devices"] });
    expect(outputs).not.toHaveProperty("intermediatePrivateKeys");
    // The CSR is made on the first `up` (a new key): unknown in a plan.
    expect(outputs.caCsrs).toBe(UNKNOWN_MARKER);
  });
});

describe("a tenant stack before its platform signed", () => {
  test("declares its key and CSR only, and says it waits for the platform", async () => {
    const result = await evaluatePlan(readStackFile(path.join(ROOT, "Pulumi.tenant-customer-b.yaml")), "tenant-customer-b", { platformOutputs: PLATFORM_OUTPUTS });
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    const types = result.resources.map((resource) => resource.type.slice(resource.type.lastIndexOf(":") + 1));
    expect(types.filter((type) => type === "CaKeyRequest")).toHaveLength(2);
    expect(types).not.toContain("DpsCertificateUpload");
    expect(types).not.toContain("EnrollmentGroup");
    expect(result.outputs.waitingFor).toEqual([
      expect.stringContaining("CA customer-b-sensors-ca: the platform my-org/dps-x509/platform has not signed its CSR yet"),
      expect.stringContaining("CA customer-b-gateways-ca"),
      "group customer-b-sensors: waits for CA customer-b-sensors-ca",
      "group customer-b-gateways: waits for CA customer-b-gateways-ca",
    ]);
  });
});

describe("a tenant stack with its own Key Vault", () => {
  test("its key is made in its vault, its CA and proof of possession use the key id; no key anywhere", async () => {
    const allConfig = {
      "azure-native:location": "westeurope",
      "dps-x509:platform": "my-org/dps-x509/platform",
      "dps-x509:tenant": "customer-a",
      "dps-x509:keyVault": JSON.stringify({ name: "customer-a-kv", sku: "standard", create: true, resourceGroupName: "customer-a-rg" }),
      "dps-x509:ca": JSON.stringify({ intermediates: [{ name: "intermediate-ca", commonName: "Customer A Intermediate CA", keyStore: "keyVault" }] }),
      "dps-x509:enrollmentGroups": JSON.stringify([{ enrollmentId: "devices", caName: "intermediate-ca" }]),
    };
    const result = await evaluatePlan({ allConfig, secretKeys: [] }, "tenant-customer-a-kv", { platformOutputs: SIGNED_OUTPUTS });
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    const of = (suffix: string) => result.resources.filter((resource) => resource.type.endsWith(suffix));
    expect(of("keyvault:Vault")[0].inputs).toMatchObject({ vaultName: "customer-a-kv", resourceGroupName: "customer-a-rg", properties: { sku: { name: "standard" }, enablePurgeProtection: true } });
    expect(of(":CaKeyRequest")[0].inputs).toMatchObject({ keyStore: "keyVault", vaultUrl: "https://customer-a-kv.vault.azure.net", keyName: "dps-x509-customer-a-intermediate-ca", hsm: false });
    const ca = of(":CaCertificate")[0];
    expect(ca.inputs).toMatchObject({ keyStore: "keyVault", keyName: "dps-x509-customer-a-intermediate-ca" });
    expect(ca.inputs.providedPrivateKeyPem).toBeUndefined();
    expect(of(":CaVerification")[0].inputs.caPrivateKeyPem).toBeUndefined();
    expect(JSON.stringify(result)).not.toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----/);
  });
});

test("the offline plan's tree prints each line of what the stack waits for in full", async () => {
  const { planTree } = await import("../cli/plan/render");
  const waiting = ["CA customer-a-x: the platform has not signed its CSR yet; ".padEnd(300, "."), "group g: waits for CA customer-a-x"];
  const tree = planTree({ stack: "s", file: "Pulumi.s.yaml", resources: [], outputs: { waitingFor: waiting } });
  expect(tree.split("\n")).toEqual(expect.arrayContaining([`    - ${waiting[0]}`, `    - ${waiting[1]}`]));
  expect(planTree({ stack: "s", file: "Pulumi.s.yaml", resources: [], outputs: { waitingFor: [] } })).toContain("waitingFor: (empty)"); // the one rendering of an empty value (renderValue.ts)
});
