/** The plan diff on hand-made plans: matching, replacement rules, secrets and unknowns. */
import { diffPlans, fieldChanges, type PlanJson } from "../cli/plan/diff";
import { diffText } from "../cli/plan/renderDiff";
import { secretConfigChanges } from "../cli/plan/secretConfig";

const none = { added: [], removed: [], changed: [] };
const urn = (type: string, name: string, stack = "s") => `urn:pulumi:${stack}::dps-x509::dps-x509:index:DpsX509$${type}::${name}`;
const HUB = "azure-native:iothub:IotHubResource";
const GROUP = "pulumi-nodejs:dynamic/dps-x509:EnrollmentGroup";
const UPLOAD = "pulumi-nodejs:dynamic/dps-x509:DpsCertificateUpload";

function planOf(resources: Array<{ type: string; name: string; inputs: Record<string, unknown>; dependsOn?: string[]; urn?: string | null }>, stack = "s"): PlanJson {
  return {
    resources: resources.map((r) => ({ ...r, ...(r.urn === null ? { urn: undefined } : { urn: r.urn ?? urn(r.type, r.name, stack) }) })),
    outputs: {},
  };
}

const group = (extra: Record<string, unknown> = {}) => ({
  enrollmentId: "line-1",
  primaryCaName: "ca",
  provisioningStatus: "enabled",
  allocationPolicy: "hashed",
  iotHubHostNames: ["hub-a.azure-devices.net"],
  reprovisionPolicy: "reprovisionandmigratedata",
  edgeEnabled: false,
  serviceHostName: "dps.azure-devices-provisioning.net",
  connectionString: "[secret]",
  providerVersion: "1",
  ...extra,
});

test("a hub renamed in place (same resource name) is replaced: its name is in the ARM path", async () => {
  const before = planOf([{ type: HUB, name: "hub", inputs: { resourceName: "hub-a", resourceGroupName: "rg", location: "eastus", sku: { name: "S1", capacity: 1 } } }]);
  const after = planOf([{ type: HUB, name: "hub", inputs: { resourceName: "hub-b", resourceGroupName: "rg", location: "eastus", sku: { name: "S1", capacity: 2 } } }]);
  const diff = await diffPlans(before, after, { ref: "main", stack: "s", secretConfig: none });
  expect(diff.replaced).toHaveLength(1);
  expect(diff.replaced[0].replaces).toEqual(["resourceName"]);
  expect(diff.replaced[0].fields).toEqual([
    { field: "resourceName", old: "hub-a", new: "hub-b" },
    { field: "sku.capacity", old: 1, new: 2 },
  ]);
});

test("a hub's capacity alone is an update; its location is an update Azure refuses", async () => {
  const before = planOf([{ type: HUB, name: "hub", inputs: { resourceName: "hub-a", location: "eastus", sku: { capacity: 1 } } }]);
  const after = planOf([{ type: HUB, name: "hub", inputs: { resourceName: "hub-a", location: "westus", sku: { capacity: 2 } } }]);
  const diff = await diffPlans(before, after, { ref: "main", stack: "s", secretConfig: none });
  expect(diff.replaced).toEqual([]);
  expect(diff.updated[0].refusedByAzure).toEqual(["location"]);
  expect(diffText(diff)).toContain("Azure refuses to change location");
});

test("an enrollment group: the provider's diff decides (a new id replaces, a case-only change too, a twin updates)", async () => {
  const before = planOf([{ type: GROUP, name: "g", inputs: group() }]);
  const renamed = await diffPlans(before, planOf([{ type: GROUP, name: "g", inputs: group({ enrollmentId: "line-2" }) }]), { ref: "r", stack: "s", secretConfig: none });
  expect(renamed.replaced[0].replaces).toEqual(["enrollmentId"]);
  expect(renamed.replaced[0].decidedBy).toBe("provider diff");
  const twin = await diffPlans(before, planOf([{ type: GROUP, name: "g", inputs: group({ initialTwin: { tags: { a: 1 } } }) }]), { ref: "r", stack: "s", secretConfig: none });
  expect(twin.replaced).toEqual([]);
  expect(twin.updated[0].fields).toEqual([{ field: "initialTwin.tags.a", new: 1 }]);
});

test("a DPS certificate whose name changes case only is updated, another name replaces it", async () => {
  const inputs = (certificateName: string) => ({ certificateName, dpsName: "dps", resourceGroupName: "rg", subscriptionId: "sub", certificatePem: "(known after up)" });
  const before = planOf([{ type: UPLOAD, name: "u", inputs: inputs("my-ca") }]);
  const caseOnly = await diffPlans(before, planOf([{ type: UPLOAD, name: "u", inputs: inputs("My-CA") }]), { ref: "r", stack: "s", secretConfig: none });
  expect(caseOnly.updated).toHaveLength(1);
  const other = await diffPlans(before, planOf([{ type: UPLOAD, name: "u", inputs: inputs("other-ca") }]), { ref: "r", stack: "s", secretConfig: none });
  expect(other.replaced[0].replaces).toEqual(["certificateName"]);
});

test("secret on both sides is not a change (the plan cannot see it); secret against plain text is", () => {
  expect(fieldChanges({ key: "[secret]" }, { key: "[secret]" })).toEqual([]);
  expect(fieldChanges({ key: "plain" }, { key: "[secret]" })).toEqual([{ field: "key", old: "plain", new: "[secret]" }]);
});

test("resources match by URN without stack and project; an old plan without URNs matches by type and name", async () => {
  const before = planOf([{ type: HUB, name: "hub", inputs: { resourceName: "a" } }], "old-name");
  const after = planOf([{ type: HUB, name: "hub", inputs: { resourceName: "a" } }], "new-name");
  expect((await diffPlans(before, after, { ref: "r", stack: "s", secretConfig: none })).added).toEqual([]);
  const legacy = planOf([{ type: HUB, name: "hub", inputs: { resourceName: "a" }, urn: null }]);
  const diff = await diffPlans(legacy, after, { ref: "r", stack: "s", secretConfig: none });
  expect(diff.added).toEqual([]);
  expect(diff.removed).toEqual([]);
});

test("what reads a replaced resource's unknown outputs is listed as affected", async () => {
  const ca = "pulumi-nodejs:dynamic/dps-x509:CaCertificate";
  const before = planOf([
    { type: ca, name: "ca", inputs: { commonName: "A", keySize: 4096 } },
    { type: UPLOAD, name: "u", inputs: { certificatePem: "(known after up)" }, dependsOn: ["ca"] },
  ]);
  const after = planOf([
    { type: ca, name: "ca", inputs: { commonName: "B", keySize: 4096 } },
    { type: UPLOAD, name: "u", inputs: { certificatePem: "(known after up)" }, dependsOn: ["ca"] },
  ]);
  const diff = await diffPlans(before, after, { ref: "r", stack: "s", secretConfig: none });
  expect(diff.replaced.map((r) => r.name)).toEqual(["ca"]);
  expect(diff.affected).toEqual([{ type: UPLOAD, name: "u", because: ["ca"] }]);
});

test("secure config values are compared by ciphertext, nested paths named", () => {
  const file = (a: string, b: string, extra = "") => `config:\n  dps-x509:ca:\n    root:\n      privateKeyPem:\n        secure: ${a}\n  dps-x509:enrollmentGroups:\n    - enrollmentId: g\n      webhookUrl:\n        secure: ${b}\n${extra}`;
  const changes = secretConfigChanges(file("v1:aa", "v1:bb"), file("v1:aa", "v1:cc", "  dps-x509:token:\n    secure: v1:dd\n"));
  expect(changes).toEqual({ added: ["dps-x509:token"], removed: [], changed: ["dps-x509:enrollmentGroups[0].webhookUrl"] });
  expect(secretConfigChanges(undefined, file("v1:aa", "v1:bb")).added).toHaveLength(2);
});

test("against a plan from before read resources were recorded, a StackReference is not an addition", async () => {
  const ref = { type: "pulumi:pulumi:StackReference", name: "platform", inputs: { name: "o/p/s" } };
  const legacy = planOf([{ type: HUB, name: "hub", inputs: { resourceName: "a" }, urn: null }]);
  const now: PlanJson = planOf([{ type: HUB, name: "hub", inputs: { resourceName: "a" } }, ref]);
  now.resources[1].read = true;
  expect((await diffPlans(legacy, now, { ref: "r", stack: "s", secretConfig: none })).added).toEqual([]);
  // Between two plans that both record them, a new reference is an addition.
  expect((await diffPlans(planOf([{ type: HUB, name: "hub", inputs: { resourceName: "a" } }]), now, { ref: "r", stack: "s", secretConfig: none })).added.map((r) => r.name)).toEqual(["platform"]);
});

test("a changed secure value is placed on the resource it feeds: a tenant's prefixed CA, its brought key", async () => {
  const CA = "pulumi-nodejs:dynamic/dps-x509:CaCertificate";
  const stackFile = `config:\n  dps-x509:ca:\n    intermediates:\n      - name: intermediate-ca\n        privateKeyPem:\n          secure: v1:new\n  dps-x509:token:\n    secure: v1:new\n`;
  const inputs = { commonName: "A", providedCertificatePem: "-----BEGIN CERTIFICATE-----", providedPrivateKeyPem: "[secret]" };
  const before = planOf([{ type: CA, name: "dps-x509-ca-customer-a-intermediate-ca", inputs }]);
  const after = planOf([{ type: CA, name: "dps-x509-ca-customer-a-intermediate-ca", inputs }]);
  const secretConfig = { added: [], removed: [], changed: ["dps-x509:ca.intermediates[0].privateKeyPem", "dps-x509:token"] };
  const diff = await diffPlans(before, after, { ref: "r", stack: "s", secretConfig, stackFileText: stackFile });
  expect(diff.updated).toHaveLength(1);
  expect(diff.updated[0].fields).toEqual([
    { field: "providedPrivateKeyPem", old: "[secret]", new: "[secret]", secretChanged: true, configKey: "dps-x509:ca.intermediates[0].privateKeyPem" },
  ]);
  // A whole key made secret cannot be placed: it stays a config-level change only.
  expect(diffText(diff)).toContain("~ dps-x509:token: a secret changed");
  expect(JSON.stringify(diff)).not.toContain("v1:new");
});
