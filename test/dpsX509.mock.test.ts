/**
 * Mock tests of the whole program per example stack: the resources it declares (types, names, parents), the
 * dependencies that order `pulumi up`, and that secrets stay secret. Evaluated under Pulumi's runtime mocks through
 * the same code as the offline plan.
 */
import * as path from "path";
import { evaluatePlan } from "../cli/plan/evaluate";
import type { RecordedResource } from "../cli/plan/record";
import { readStackFile } from "../cli/plan/stackFile";

const ROOT = path.resolve(__dirname, "..");

async function declared(stack: string): Promise<{ resources: RecordedResource[]; outputs: Record<string, unknown> }> {
  const result = await evaluatePlan(readStackFile(path.join(ROOT, `Pulumi.${stack}.yaml`)), stack);
  if (!result.ok) throw new Error(`config problems: ${JSON.stringify(result.problems)}`);
  return result;
}

function byName(resources: RecordedResource[], name: string): RecordedResource {
  const found = resources.find((resource) => resource.name === name);
  if (!found) throw new Error(`no resource named ${name}; have: ${resources.map((r) => r.name).join(", ")}`);
  return found;
}

function shortType(resource: RecordedResource): string {
  return resource.type.slice(resource.type.lastIndexOf(":") + 1);
}

describe("the dev stack (the tutorial's set-up)", () => {
  let resources: RecordedResource[];
  let outputs: Record<string, unknown>;
  beforeAll(async () => {
    ({ resources, outputs } = await declared("dev"));
  });

  test("declares each piece once, with the expected types and names", () => {
    const expected: Array<[string, string]> = [
      ["dps-x509", "DpsX509"],
      ["dps-x509-rg", "ResourceGroup"],
      ["dps-x509-ca", "CertificateAuthority"],
      ["dps-x509-provisioning", "ProvisioningService"],
      ["dps-x509-provisioning-hub-my-iot-hub-x509", "IotHubResource"],
      ["dps-x509-provisioning-dps", "IotDpsResource"],
      ["dps-x509-cert-my-root-ca", "VerifiedCaCertificate"],
      ["dps-x509-cert-my-intermediate-ca", "VerifiedCaCertificate"],
      ["dps-x509-group-my-device-group", "EnrollmentGroup"],
    ];
    for (const [name, type] of expected) expect(shortType(byName(resources, name))).toBe(type);
    const counts = (type: string) => resources.filter((resource) => shortType(resource) === type).length;
    expect(counts("IotHubResource")).toBe(1);
    expect(counts("IotDpsResource")).toBe(1);
    expect(counts("DpsCertificateUpload")).toBe(2);
    expect(counts("EnrollmentGroup")).toBe(1);
    expect(new Set(resources.map((resource) => resource.urn)).size).toBe(resources.length);
  });

  test("children hang under their component", () => {
    expect(byName(resources, "dps-x509").parent).toBeNull();
    for (const name of ["dps-x509-rg", "dps-x509-ca", "dps-x509-provisioning", "dps-x509-cert-my-root-ca", "dps-x509-group-my-device-group"]) {
      expect(byName(resources, name).parent).toBe("dps-x509");
    }
    expect(byName(resources, "dps-x509-provisioning-dps").parent).toBe("dps-x509-provisioning");
    expect(byName(resources, "dps-x509-provisioning-hub-my-iot-hub-x509").parent).toBe("dps-x509-provisioning");
    const certificates = resources.filter((resource) => shortType(resource) === "DpsCertificateUpload");
    expect(certificates.map((resource) => resource.parent).sort()).toEqual(["dps-x509-cert-my-intermediate-ca", "dps-x509-cert-my-root-ca"]);
  });

  test("the DPS links the hub with a secret connection string and the DPS-level policy", () => {
    const dps = byName(resources, "dps-x509-provisioning-dps");
    expect(dps.dependsOn).toContain("dps-x509-provisioning-hub-my-iot-hub-x509");
    expect(dps.inputs).toMatchObject({
      provisioningServiceName: "my-dps-x509",
      resourceGroupName: "iot-x509-demo-rg",
      location: "eastus",
      sku: { name: "S1", capacity: 1 },
    });
    const properties = dps.inputs.properties as { allocationPolicy: string; iotHubs: Array<Record<string, unknown>> };
    expect(properties.allocationPolicy).toBe("Hashed");
    expect(properties.iotHubs).toEqual([{ connectionString: "[secret]", location: "eastus", applyAllocationPolicy: true }]);
  });

  test("the enrollment group waits for its CA's proof of possession and the DPS", () => {
    const group = byName(resources, "dps-x509-group-my-device-group");
    const verification = resources.find((resource) => resource.parent === "dps-x509-cert-my-intermediate-ca" && shortType(resource) !== "DpsCertificateUpload");
    expect(verification).toBeDefined();
    expect(group.dependsOn).toEqual(expect.arrayContaining([verification!.name, "dps-x509-provisioning-dps"]));
    // ...and not on the root's: the group names the intermediate only.
    const rootVerification = resources.find((resource) => resource.parent === "dps-x509-cert-my-root-ca" && shortType(resource) !== "DpsCertificateUpload");
    expect(group.dependsOn).not.toContain(rootVerification!.name);
  });

  test("the group's inputs carry the hub host name and no DPS key (Entra ID, docs/dps-auth.md)", () => {
    const group = byName(resources, "dps-x509-group-my-device-group");
    expect(group.inputs).toMatchObject({
      enrollmentId: "my-device-group",
      primaryCaName: "my-intermediate-ca",
      allocationPolicy: "hashed",
      iotHubHostNames: ["my-iot-hub-x509.azure-devices.net"],
    });
    expect(group.inputs).not.toHaveProperty("connectionString");
  });

  test("the intermediate is signed by the root: its issuer inputs come from the root, the key as a secret", () => {
    const caResources = resources.filter((resource) => resource.parent === "dps-x509-ca");
    expect(caResources).toHaveLength(2);
    const intermediate = caResources.find((resource) => resource.inputs.role === "intermediate")!;
    const root = caResources.find((resource) => resource.inputs.role === "root")!;
    expect(intermediate.dependsOn).toContain(root.name);
    expect(intermediate.inputs.issuerPrivateKey).toMatch(/\[secret\]|\(known after up\)/);
  });

  test("stack outputs: ID scope and endpoints in plain text, keys secret", () => {
    expect(outputs.idScope).toMatch(/^0ne[0-9A-F]{8}$/);
    expect(outputs.globalDeviceEndpoint).toBe("global.azure-devices-provisioning.net");
    expect(outputs.serviceHostName).toBe("my-dps-x509.azure-devices-provisioning.net");
    expect(outputs.hubHostNames).toEqual({ "my-iot-hub-x509": "my-iot-hub-x509.azure-devices.net" });
    expect(outputs.intermediatePrivateKeys).toBe("[secret]");
    // Tenants can read every platform output: no DPS key, and never the root's key.
    expect(outputs).not.toHaveProperty("dpsConnectionString");
    expect(outputs).not.toHaveProperty("rootCaPrivateKeyPem");
    expect(outputs).toMatchObject({
      allocationPolicy: "hashed",
      caNames: ["my-root-ca", "my-intermediate-ca"],
      tenantCertificates: {},
      capacity: { limits: { caCertificates: 25, enrollmentGroups: 100 }, used: { caCertificates: 2, enrollmentGroups: 1 }, tenants: {} },
    });
  });

  test("the smoke test registers a device after the group, issuing from the group's CA with the key in a secret env", () => {
    const command = resources.find((resource) => resource.type === "command:local:Command")!;
    expect(command.parent).toBe("dps-x509-smoke-test");
    expect(command.dependsOn).toEqual(expect.arrayContaining(["dps-x509-group-my-device-group", "dps-x509-ca-my-intermediate-ca"]));
    expect(command.inputs.create).toContain("'--registration-id' 'smoke-test-device'");
    expect(command.inputs.create).toContain("'--expect-hub' 'my-iot-hub-x509.azure-devices.net'");
    expect(command.inputs.create).not.toMatch(/KEY|PRIVATE/);
  });

  test("no key material appears anywhere in what is declared", () => {
    const everything = JSON.stringify({ resources, outputs });
    expect(everything).not.toMatch(/PRIVATE KEY/);
    expect(everything).not.toContain("cGxhY2Vob2xkZXIta2V5LW5vdC1yZWFs");
  });
});

describe("the multi-region stack", () => {
  let resources: RecordedResource[];
  beforeAll(async () => {
    ({ resources } = await declared("multiregion"));
  });

  test("three hubs in their regions, linked to a geoLatency DPS", () => {
    const hubs = resources.filter((resource) => shortType(resource) === "IotHubResource");
    expect(hubs.map((hub) => [hub.inputs.resourceName, hub.inputs.location])).toEqual([
      ["fleet-prod-hub-weu", "westeurope"],
      ["fleet-prod-hub-eus", "eastus"],
      ["fleet-prod-hub-sea", "southeastasia"],
    ]);
    const dps = byName(resources, "dps-x509-provisioning-dps");
    expect((dps.inputs.properties as { allocationPolicy: string }).allocationPolicy).toBe("GeoLatency");
    expect(dps.dependsOn).toEqual(expect.arrayContaining(hubs.map((hub) => hub.name)));
  });

  test("gateways are Edge devices on two hubs; sensors on all three with the DPS policy", () => {
    const gateways = byName(resources, "dps-x509-group-gateways");
    expect(gateways.inputs).toMatchObject({
      edgeEnabled: true,
      allocationPolicy: "geoLatency",
      reprovisionPolicy: "reprovisionandresetdata",
      iotHubHostNames: ["fleet-prod-hub-weu.azure-devices.net", "fleet-prod-hub-eus.azure-devices.net"],
    });
    const sensors = byName(resources, "dps-x509-group-sensors");
    expect(sensors.inputs.iotHubHostNames).toHaveLength(3);
    expect(sensors.inputs.edgeEnabled).toBe(false);
  });
});

describe("the platform stack", () => {
  test("exports no root key; waits for its tenants' CSRs (their stacks have not run up), with their reservations", async () => {
    const { resources, outputs } = await declared("platform");
    expect(resources.filter((resource) => shortType(resource) === "EnrollmentGroup")).toHaveLength(0);
    expect(resources.filter((resource) => shortType(resource) === "TenantCertificate")).toHaveLength(0);
    expect(outputs).not.toHaveProperty("rootCaPrivateKeyPem");
    expect(outputs.waitingFor).toEqual([
      expect.stringContaining("tenant customer-a: no CSR yet from my-org/dps-x509/tenant-customer-a; run `pulumi up` on that stack"),
      expect.stringContaining("tenant customer-b: no CSR yet"),
    ]);
    expect(outputs).toMatchObject({
      tenantCertificates: {},
      caNames: ["provider-root-ca"],
      capacity: { used: { caCertificates: 1, enrollmentGroups: 0 }, tenants: { "customer-a": { caCertificates: 1, enrollmentGroups: 5 } } },
    });
    expect(outputs).not.toHaveProperty("intermediatePrivateKeys");
  });
});
