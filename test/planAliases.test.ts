/**
 * `--against` across a change of resource type. Until commit 686a1f2 a CA was uploaded by azure-native's
 * DpsCertificate; since then by our DpsCertificateUpload, under the same name and parent. The plan of the dev stack
 * recorded at 372f94c (the commit before, printed by that commit's own `npm run plan -- --json`) is replayed against
 * today's: with the alias that DpsCertificateUpload declares, the two are one resource; without it, the diff shows a
 * removal and an addition of the same ARM certificate, and flags it as a hazard saying what `up` would do.
 */
import * as fs from "fs";
import * as path from "path";
import { diffPlans, type PlanJson } from "../cli/plan/diff";
import { evaluatePlan } from "../cli/plan/evaluate";
import { diffText } from "../cli/plan/renderDiff";
import { readStackFile } from "../cli/plan/stackFile";

const ROOT = path.resolve(__dirname, "..");
const OLD_TYPE = "azure-native:deviceprovisioningservices:DpsCertificate";
const UPLOAD_TYPE = "pulumi-nodejs:dynamic/dps-x509:DpsCertificateUpload";
const recorded = JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures/plan-dev-at-372f94c.json"), "utf8")) as PlanJson;
const noSecrets = { added: [], removed: [], changed: [] };

let today: PlanJson;
beforeAll(async () => {
  const result = await evaluatePlan(readStackFile(path.join(ROOT, "Pulumi.dev.yaml")), "dev");
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  today = { resources: result.resources, outputs: result.outputs };
}, 60_000);

const withoutAliases = (plan: PlanJson): PlanJson => ({ ...plan, resources: plan.resources.map(({ aliases: _dropped, ...resource }) => resource) });
const diff = (before: PlanJson, after: PlanJson) => diffPlans(before, after, { ref: "372f94c", stack: "dev", secretConfig: noSecrets });

test("the recorded plan is of the old shape: the CAs uploaded by azure-native's DpsCertificate", () => {
  const uploads = recorded.resources.filter((r) => r.type === OLD_TYPE).map((r) => r.name);
  expect(uploads.sort()).toEqual(["dps-x509-cert-my-intermediate-ca-cert", "dps-x509-cert-my-root-ca-cert"]);
  expect(recorded.resources.some((r) => r.type === UPLOAD_TYPE)).toBe(false);
});

test("with the alias: no removal, no addition of a certificate; each upload matched to its old DpsCertificate", async () => {
  const uploads = today.resources.filter((r) => r.type === UPLOAD_TYPE);
  for (const upload of uploads) expect(upload.aliases).toEqual([expect.stringContaining(`$${OLD_TYPE}::${upload.name}`)]);
  // Only the project's own aliases are recorded, not the one azure-native declares per API-version module.
  expect([...new Set(today.resources.filter((r) => r.aliases?.length).map((r) => r.type))]).toEqual([UPLOAD_TYPE]);
  const d = await diff(recorded, today);
  expect(d.removed.filter((r) => r.type === OLD_TYPE)).toEqual([]);
  expect(d.added.filter((r) => r.type === UPLOAD_TYPE)).toEqual([]);
  expect(d.hazards).toEqual([]);
  expect(d.aliased.map((r) => `${r.was.type} ${r.was.name} → ${r.type} ${r.name}`).sort()).toEqual([
    `${OLD_TYPE} dps-x509-cert-my-intermediate-ca-cert → ${UPLOAD_TYPE} dps-x509-cert-my-intermediate-ca-cert`,
    `${OLD_TYPE} dps-x509-cert-my-root-ca-cert → ${UPLOAD_TYPE} dps-x509-cert-my-root-ca-cert`,
  ]);
  expect(diffText(d)).toContain("Matched by alias");
  expect(diffText(d)).not.toContain("Hazards");
});

test("without the alias: a removal and an addition of one ARM certificate, flagged with what up would do and the fix", async () => {
  const d = await diff(recorded, withoutAliases(today));
  expect(d.removed.filter((r) => r.type === OLD_TYPE)).toHaveLength(2);
  expect(d.added.filter((r) => r.type === UPLOAD_TYPE)).toHaveLength(2);
  expect(d.hazards).toHaveLength(2);
  const root = d.hazards.find((h) => h.added.name === "dps-x509-cert-my-root-ca-cert")!;
  expect(root.removed).toMatchObject({ type: OLD_TYPE, name: "dps-x509-cert-my-root-ca-cert" });
  expect(root.object).toBe("/resourcegroups/iot-x509-demo-rg/providers/microsoft.devices/provisioningservices/my-dps-x509/certificates/my-root-ca");
  expect(root.upWould).toMatch(/creates dps-x509-cert-my-root-ca-cert before it deletes dps-x509-cert-my-root-ca-cert/);
  expect(root.upWould).toMatch(/fails|deletes it from Azure/);
  expect(root.avoid).toContain(`aliases: [{ type: "${OLD_TYPE}" }]`);
  const text = diffText(d);
  expect(text).toMatch(/2 HAZARDS: the same Azure object removed and added/);
  expect(text).toContain("Hazards (a removal and an addition of the same Azure object):");
});

describe("plans with URNs (today's format) on both sides", () => {
  /** Today's plan as it would have been with the old upload type: each upload under its alias's URN and type. */
  const asBefore = (plan: PlanJson): PlanJson => ({
    ...plan,
    resources: plan.resources
      .map(({ aliases, ...r }) =>
        r.type === UPLOAD_TYPE
          ? { ...r, type: OLD_TYPE, urn: aliases![0], inputs: { certificateName: r.inputs!.certificateName, provisioningServiceName: r.inputs!.dpsName, resourceGroupName: r.inputs!.resourceGroupName } }
          : r,
      ),
  });

  test("matched by URN alias: the upload is one resource, compared field by field", async () => {
    const d = await diff(asBefore(today), today);
    expect(d.added).toEqual([]);
    expect(d.removed).toEqual([]);
    expect(d.hazards).toEqual([]);
    expect(d.aliased).toHaveLength(2);
    const root = d.updated.concat(d.replaced).find((r) => r.name === "dps-x509-cert-my-root-ca-cert")!;
    expect(root.aliasOf).toEqual({ type: OLD_TYPE, name: "dps-x509-cert-my-root-ca-cert" });
    expect(diffText(d)).toContain(`dps-x509-cert-my-root-ca-cert  (${UPLOAD_TYPE}), was dps-x509-cert-my-root-ca-cert  (${OLD_TYPE}), matched by alias`);
  });

  test("a group whose Pulumi name changes but whose enrollment id does not: a hazard on the DPS service API", async () => {
    const group = today.resources.find((r) => r.type.endsWith(":EnrollmentGroup"))!;
    const renamed: PlanJson = {
      ...today,
      resources: today.resources.map((r) => (r === group ? { ...r, name: `${r.name}-renamed`, urn: `${r.urn}-renamed` } : r)),
    };
    const d = await diff(today, renamed);
    expect(d.hazards).toHaveLength(1);
    expect(d.hazards[0].object).toBe("dps my-dps-x509.azure-devices-provisioning.net enrollment group my-device-group");
    expect(d.hazards[0].avoid).toContain(`name: "${group.name}"`);
  });

  test("a hub moved under another parent: a hazard whose fix is an alias naming the old parent", async () => {
    const hub = today.resources.find((r) => r.type.endsWith(":IotHubResource"))!;
    const moved: PlanJson = {
      ...today,
      resources: today.resources.map((r) => (r === hub ? { ...r, parent: "dps-x509", urn: r.urn!.replace("dps-x509:dps:ProvisioningService$", "dps-x509:index:DpsX509$") } : r)),
    };
    const d = await diff(today, moved);
    expect(d.hazards).toHaveLength(1);
    expect(d.hazards[0].object).toBe("/resourcegroups/iot-x509-demo-rg/providers/microsoft.devices/iothubs/my-iot-hub-x509");
    expect(d.hazards[0].avoid).toContain("parent: <the resource dps-x509-provisioning>");
  });

  test("a removal and an addition of different objects is no hazard", async () => {
    const group = today.resources.find((r) => r.type.endsWith(":EnrollmentGroup"))!;
    const other: PlanJson = {
      ...today,
      resources: today.resources.map((r) => (r === group ? { ...r, name: `${r.name}-2`, urn: `${r.urn}-2`, inputs: { ...r.inputs, enrollmentId: "another-group" } } : r)),
    };
    const d = await diff(today, other);
    expect(d.added).toHaveLength(1);
    expect(d.removed).toHaveLength(1);
    expect(d.hazards).toEqual([]);
  });
});

test("the aliased upload reads as the same certificate: an update at most, never a replacement", async () => {
  const d = await diff(recorded, today);
  expect(d.replaced.filter((r) => r.type === UPLOAD_TYPE)).toEqual([]);
  const root = d.updated.find((r) => r.name === "dps-x509-cert-my-root-ca-cert");
  // Only what the old plan could not know (its subscription) or did not have (providerVersion) may differ.
  for (const field of root?.fields ?? []) expect(["providerVersion", "subscriptionId", "isVerified"]).toContain(field.field);
});
