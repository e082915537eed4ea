/**
 * The day-two keys in the program's graph, under Pulumi's runtime mocks (the offline plan's code): what each
 * rotation step declares and what signs what, that a finished rotation folds without a change of resource names,
 * the import ids of adopted resources, the adopt inputs, the CA notAfter output, and the plan's day-two report.
 */
import { createIntermediateCa, createRootCa } from "../certs";
import { dayTwoReport } from "../cli/plan/dayTwo";
import { evaluatePlan } from "../cli/plan/evaluate";
import type { RecordedResource } from "../cli/plan/record";
import { parseStackConfig, readRawStackConfig, type StackConfig } from "../components/config";

const SUB = "6b1c1e3a-90a1-4d55-9c8e-0a0b0c0d0e0f";

function allConfig(values: Record<string, unknown>, extra: Record<string, string> = {}): Record<string, string> {
  const base: Record<string, unknown> = { resourceGroupName: "day-two-rg", dps: { name: "day-two-dps" }, hubs: [{ name: "day-two-hub" }], ...values };
  return {
    "azure-native:location": "westeurope",
    ...extra,
    ...Object.fromEntries(Object.entries(base).map(([key, value]) => [`dps-x509:${key}`, typeof value === "string" ? value : JSON.stringify(value)])),
  };
}

async function declared(values: Record<string, unknown>, extra: Record<string, string> = {}) {
  // Brought keys stand in for secrets Pulumi decrypted (in a stack file they are `secure:` values).
  const result = await evaluatePlan({ allConfig: allConfig(values, extra), secretKeys: ["dps-x509:ca"], decryptedKeys: ["dps-x509:ca"] }, "daytwo");
  if (!result.ok) throw new Error(`config problems: ${JSON.stringify(result.problems)}`);
  return result;
}

function platformConfig(values: Record<string, unknown>, extra: Record<string, string> = {}): StackConfig {
  const parsed = parseStackConfig(readRawStackConfig(allConfig(values, extra), ["dps-x509:ca"]));
  if (!parsed.ok || parsed.config.role !== "platform") throw new Error(JSON.stringify(parsed));
  return parsed.config;
}

const byName = (resources: RecordedResource[], name: string) => {
  const found = resources.find((r) => r.name === name);
  if (!found) throw new Error(`no ${name}; have ${resources.map((r) => r.name).join(", ")}`);
  return found;
};
const names = (resources: RecordedResource[]) => resources.map((r) => r.name).sort();

const rootRotation = (step: string) => ({
  root: { name: "plant-root", commonName: "Plant root", rotation: { step, name: "plant-root-2" } },
  intermediates: [{ name: "plant-ca", commonName: "Plant CA", rotation: { step, name: "plant-ca-2" } }],
});
const plantGroups = [{ enrollmentId: "plant-devices", caName: "plant-ca" }];

test("root rotation, stage: both roots and both intermediates; each new intermediate is signed by the new root", async () => {
  const { resources, outputs } = await declared({ ca: rootRotation("stage"), enrollmentGroups: plantGroups });
  for (const ca of ["plant-root", "plant-root-2", "plant-ca", "plant-ca-2"]) {
    expect(byName(resources, `dps-x509-ca-${ca}`).type).toMatch(/CaCertificate$/);
    expect(byName(resources, `dps-x509-cert-${ca}`).type).toMatch(/VerifiedCaCertificate$/);
  }
  expect(byName(resources, "dps-x509-ca-plant-ca-2").dependsOn).toContain("dps-x509-ca-plant-root-2");
  expect(byName(resources, "dps-x509-ca-plant-ca-2").dependsOn).not.toContain("dps-x509-ca-plant-root");
  expect(byName(resources, "dps-x509-ca-plant-ca").dependsOn).toContain("dps-x509-ca-plant-root");
  expect(byName(resources, "dps-x509-ca-plant-root-2").inputs).toMatchObject({ role: "root" });
  const group = byName(resources, "dps-x509-group-plant-devices");
  expect(group.inputs).toMatchObject({ primaryCaName: "plant-ca", secondaryCaName: "plant-ca-2" });
  expect(group.dependsOn).toEqual(expect.arrayContaining(["dps-x509-cert-plant-ca-verification", "dps-x509-cert-plant-ca-2-verification"]));
  expect(outputs.caNames).toEqual(["plant-root", "plant-root-2", "plant-ca", "plant-ca-2"]);
});

test("root rotation, retire: only the new chain; it keeps the resource names a folded config gives, so folding changes nothing", async () => {
  const retired = await declared({ ca: rootRotation("retire"), enrollmentGroups: plantGroups });
  expect(names(retired.resources).filter((n) => n.includes("plant-root") || n.includes("plant-ca"))).not.toContain("dps-x509-ca-plant-root");
  expect(byName(retired.resources, "dps-x509-group-plant-devices").inputs).toMatchObject({ primaryCaName: "plant-ca-2" });
  expect(byName(retired.resources, "dps-x509-group-plant-devices").inputs).not.toHaveProperty("secondaryCaName");
  const folded = await declared({
    ca: { root: { name: "plant-root-2", commonName: "Plant root" }, intermediates: [{ name: "plant-ca-2", commonName: "Plant CA" }] },
    enrollmentGroups: [{ enrollmentId: "plant-devices", caName: "plant-ca-2" }],
  });
  expect(names(folded.resources)).toEqual(names(retired.resources));
  for (const resource of retired.resources) expect(byName(folded.resources, resource.name).inputs).toEqual(resource.inputs);
});

test("intermediate rotation, promote: the new CA is primary, signed by the (unrotated) root", async () => {
  const { resources } = await declared({
    ca: { root: { name: "r", commonName: "R" }, intermediates: [{ name: "line", commonName: "Line", rotation: { step: "promote", name: "line-2" } }] },
    enrollmentGroups: [{ enrollmentId: "g", caName: "line" }],
  });
  expect(byName(resources, "dps-x509-group-g").inputs).toMatchObject({ primaryCaName: "line-2", secondaryCaName: "line" });
  expect(byName(resources, "dps-x509-ca-line-2").dependsOn).toContain("dps-x509-ca-r");
});

test("adoption: the resource group, hub and DPS are imported by their ARM ids; the CA upload and the group carry adopt", async () => {
  const root = createRootCa({ commonName: "Tutorial root", keySize: 2048, validityDays: 400 });
  const { resources } = await declared(
    {
      adoptExisting: true,
      ca: { root: { name: "tutorial-root", commonName: "Tutorial root", certificatePem: root.certificatePem, privateKeyPem: root.privateKeyPem } },
      enrollmentGroups: [{ enrollmentId: "tutorial-group", caName: "tutorial-root" }],
    },
    { "azure-native:subscriptionId": SUB },
  );
  const rg = `/subscriptions/${SUB}/resourceGroups/day-two-rg`;
  expect(byName(resources, "dps-x509-rg").importId).toBe(rg);
  expect(byName(resources, "dps-x509-provisioning-dps").importId).toBe(`${rg}/providers/Microsoft.Devices/provisioningServices/day-two-dps`);
  expect(byName(resources, "dps-x509-provisioning-hub-day-two-hub").importId).toBe(`${rg}/providers/Microsoft.Devices/IotHubs/day-two-hub`);
  expect(byName(resources, "dps-x509-cert-tutorial-root-cert").inputs).toMatchObject({ adopt: true });
  expect(byName(resources, "dps-x509-group-tutorial-group").inputs).toMatchObject({ adopt: true });
  expect(JSON.stringify(resources)).not.toContain("PRIVATE KEY"); // the brought key stays a secret
  // Without adopt nothing is imported.
  const fresh = await declared({ ca: { root: { name: "r", commonName: "R" } } });
  expect(fresh.resources.filter((r) => r.importId !== undefined)).toEqual([]);
  expect(byName(fresh.resources, "dps-x509-cert-r-cert").inputs).not.toHaveProperty("adopt");
});

test("the stack exports each CA's notAfter", async () => {
  const { outputs } = await declared({ ca: { root: { name: "r", commonName: "R" } } });
  expect(outputs).toHaveProperty("caNotAfter");
});

describe("the plan's day-two report", () => {
  const now = new Date("2030-01-01T00:00:00Z");

  test("each rotation: its step, what the next up does, what comes after", () => {
    const report = dayTwoReport(platformConfig({ ca: rootRotation("promote"), enrollmentGroups: plantGroups }), now);
    expect(report.rotations.map((r) => [r.configPath, r.oldName, r.newName, r.step, r.groups])).toEqual([
      ["ca.root", "plant-root", "plant-root-2", "promote", []],
      ["ca.intermediates[0]", "plant-ca", "plant-ca-2", "promote", ["plant-devices"]],
    ]);
    expect(report.rotations[1].nextUp).toContain('makes "plant-ca-2" the primary CA of group plant-devices');
    expect(report.rotations[1].then).toContain("step: retire");
  });

  test("expiry: a brought CA within its window (renewBeforeDays, else 90 days) is reported with its date", () => {
    const issuedAt = new Date();
    const root = createRootCa({ commonName: "Old root", keySize: 2048, validityDays: 60 });
    const intermediate = createIntermediateCa({ issuer: root, commonName: "Old line", keySize: 2048, validityDays: 20 });
    const report = dayTwoReport(
      platformConfig({
        ca: {
          root: { name: "old-root", commonName: "Old root", certificatePem: root.certificatePem, privateKeyPem: root.privateKeyPem, renewBeforeDays: 30 },
          intermediates: [{ name: "old-line", commonName: "Old line", certificatePem: intermediate.certificatePem, privateKeyPem: intermediate.privateKeyPem }, { name: "new-line", commonName: "New", validityDays: 50 }],
        },
      }),
      issuedAt,
    );
    const byCa = Object.fromEntries(report.expiry.map((e) => [e.name, e]));
    // 60 days left, window 30: fine. 20 days left, window 90 (default): reported, with its date.
    expect(byCa["old-root"].finding).toBeUndefined();
    expect(byCa["old-line"].windowDays).toBe(90);
    const date = new Date(issuedAt.getTime() + 20 * 86400_000).toISOString().slice(0, 10);
    expect(byCa["old-line"].finding).toMatch(new RegExp(`^CA old-line expires on ${date}, in (19|20) days`));
    expect(byCa["old-line"].finding).toContain("90 days (no renewBeforeDays set)");
    expect(byCa["new-line"].notAfter).toBe("(known after up)");
  });

  test("adoption lines name what is imported and how groups are taken over", () => {
    const report = dayTwoReport(platformConfig({ dps: { name: "day-two-dps", adopt: true }, enrollmentGroups: [], ca: { root: { name: "r", commonName: "R" } } }, { "azure-native:subscriptionId": SUB }), now);
    expect(report.adoption[0]).toBe(`resource group day-two-rg: imported from /subscriptions/${SUB}/resourceGroups/day-two-rg`);
    expect(report.adoption[1]).toMatch(/^DPS day-two-dps: imported from \/subscriptions\/.*\/provisioningServices\/day-two-dps; `pulumi preview`/);
    expect(report.adoption).toHaveLength(2);
  });
});

test("a brought CA rotating to a brought CA: the new key is a secret in the graph, the new certificate is uploaded", async () => {
  const root = createRootCa({ commonName: "Brought root", keySize: 2048, validityDays: 400 });
  const next = createRootCa({ commonName: "Brought root 2", keySize: 2048, validityDays: 800 });
  const { resources } = await declared({
    ca: {
      root: {
        name: "brought-root", commonName: "Brought root", certificatePem: root.certificatePem, privateKeyPem: root.privateKeyPem,
        rotation: { step: "stage", name: "brought-root-2", certificatePem: next.certificatePem, privateKeyPem: next.privateKeyPem },
      },
    },
  });
  expect(byName(resources, "dps-x509-ca-brought-root-2").inputs).toMatchObject({ providedCertificatePem: next.certificatePem, providedPrivateKeyPem: "[secret]" });
  expect(JSON.stringify(resources)).not.toContain("PRIVATE KEY");
});
