/**
 * What a reviewer reads in the plan: a role's built-in name beside its GUID, an upload that says when it is
 * verified, an unknown expiry shown as unknown, offline ids shaped as ARM ids (a role's scope is the ARM id of what it
 * is assigned on), one rendering of an empty value in the tree and in the diff, and `waitingFor` printed alike in both.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runPlan } from "../cli/plan";
import { diffPlans } from "../cli/plan/diff";
import { dayTwoLines, type DayTwoReport } from "../cli/plan/dayTwo";
import { offlineIdOf } from "../cli/plan/armIds";
import { builtInRoleName } from "../cli/plan/builtInRoles";
import { planTree, type Plan } from "../cli/plan/render";
import { diffText } from "../cli/plan/renderDiff";
import { EMPTY_TEXT } from "../cli/plan/renderValue";
import { DPS_DATA_CONTRIBUTOR_ROLE, DPS_DATA_CONTRIBUTOR_ROLE_ID } from "../components/resources/dpsDataRole";
import { KEY_VAULT_CRYPTO_OFFICER_ROLE_ID, KEY_VAULT_CRYPTO_USER_ROLE_ID } from "../components/resources/caKeyVault";

const ROOT = path.resolve(__dirname, "..");
const SUB = "00000000-0000-0000-0000-000000000000";

async function plan(...args: string[]): Promise<string> {
  let out = "";
  let err = "";
  const code = await runPlan(args, { stdout: (t) => (out += t), stderr: (t) => (err += t) });
  if (code !== 0) throw new Error(`exit ${code}: ${err}`);
  return out;
}

type Resource = { type: string; name: string; inputs: Record<string, unknown>; notes?: Record<string, string> };
const find = (resources: Resource[], type: string, name?: string) => resources.find((r) => r.type === type && (!name || r.name === name))!;

describe("roles, uploads and ids in the dev and keyvault stacks", () => {
  let dev: Resource[];
  let devTree: string;
  let keyvault: Resource[];
  let keyvaultTree: string;
  beforeAll(async () => {
    dev = JSON.parse(await plan("--stack", "dev", "--json")).resources;
    devTree = await plan("--stack", "dev");
    keyvault = JSON.parse(await plan("--stack", "keyvault", "--json")).resources;
    keyvaultTree = await plan("--stack", "keyvault");
  }, 120_000);

  test("the roles the code assigns have the names Azure's built-in roles list gives them", () => {
    // Names from learn.microsoft.com/azure/role-based-access-control/built-in-roles (Internet of Things, Security).
    expect(builtInRoleName(DPS_DATA_CONTRIBUTOR_ROLE_ID)).toBe("Device Provisioning Service Data Contributor");
    expect(builtInRoleName(DPS_DATA_CONTRIBUTOR_ROLE_ID)).toBe(DPS_DATA_CONTRIBUTOR_ROLE);
    expect(builtInRoleName(KEY_VAULT_CRYPTO_OFFICER_ROLE_ID)).toBe("Key Vault Crypto Officer");
    expect(builtInRoleName(KEY_VAULT_CRYPTO_USER_ROLE_ID)).toBe("Key Vault Crypto User");
    expect(builtInRoleName(`/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${DPS_DATA_CONTRIBUTOR_ROLE_ID.toUpperCase()}`)).toBe(DPS_DATA_CONTRIBUTOR_ROLE);
    expect(builtInRoleName("11111111-2222-3333-4444-555555555555")).toBeUndefined();
  });

  test("a role shows its name beside its id, in the tree and the JSON", () => {
    expect(devTree).toMatch(/roleDefinitionId: \/subscriptions\/\S+\/roleDefinitions\/dfce44e4-17b7-4bd1-a6d1-04996ec95633 {2}# role: Device Provisioning Service Data Contributor$/m);
    expect(find(dev, "azure-native:authorization:RoleAssignment").notes).toEqual({ roleDefinitionId: "role: Device Provisioning Service Data Contributor" });
    expect(keyvaultTree).toMatch(/roleDefinitions\/14b46e9e-c2b7-41b4-b07b-48a6ebf60603 {2}# role: Key Vault Crypto Officer$/m);
  });

  test("a role's scope is the ARM id of what it is assigned on", () => {
    const dpsRole = find(dev, "azure-native:authorization:RoleAssignment");
    expect(dpsRole.inputs.scope).toBe(`/subscriptions/${SUB}/resourceGroups/iot-x509-demo-rg/providers/Microsoft.Devices/provisioningServices/my-dps-x509`);
    const officer = keyvault.find((r) => r.type === "azure-native:authorization:RoleAssignment" && String(r.inputs.roleDefinitionId).endsWith(KEY_VAULT_CRYPTO_OFFICER_ROLE_ID))!;
    expect(officer.inputs.scope).toMatch(new RegExp(`^/subscriptions/${SUB}/resourceGroups/[^/]+/providers/Microsoft\\.KeyVault/vaults/my-dps-x509-ca-kv$`));
    expect(devTree).not.toContain("/providers/azure-native/");
  });

  test("an upload for proof of possession says it is verified during up, by which resource", () => {
    const upload = find(dev, "pulumi-nodejs:dynamic/dps-x509:DpsCertificateUpload", "dps-x509-cert-my-root-ca-cert");
    expect(upload.inputs.isVerified).toBe(false);
    expect(upload.notes!.isVerified).toMatch(/verified during `up` by proof of possession \(dps-x509-cert-my-root-ca-verification\)/);
    expect(devTree).toMatch(/isVerified: false {2}# uploaded unverified, then verified during `up` by proof of possession/);
    expect(devTree).not.toMatch(/isVerified: false\n/);
  });

  test("an upload verified on upload says so", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dps-x509-render-"));
    const file = path.join(dir, "Pulumi.onupload.yaml");
    fs.writeFileSync(file, fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8").replace(/(root:\n(\s+)name: my-root-ca\n)/, "$1$2verification: onUpload\n"));
    const text = await plan("--config", file);
    fs.rmSync(dir, { recursive: true, force: true });
    expect(text).toMatch(/isVerified: true {2}# verified on upload \(verification: onUpload\)/);
  }, 60_000);
});

test("offline ids: ARM ids from the resource type's ARM type", () => {
  expect(offlineIdOf("azure-native:iothub:IotHubResource", "x-hub", { resourceGroupName: "rg", resourceName: "hub1" }, SUB)).toBe(`/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Devices/IotHubs/hub1`);
  expect(offlineIdOf("azure-native:resources:ResourceGroup", "x-rg", { resourceGroupName: "rg" }, SUB)).toBe(`/subscriptions/${SUB}/resourceGroups/rg`);
  expect(offlineIdOf("pulumi-nodejs:dynamic/dps-x509:DpsCertificateUpload", "x", { subscriptionId: "s", resourceGroupName: "rg", dpsName: "d", certificateName: "c" }, SUB)).toBe(
    "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Devices/provisioningServices/d/certificates/c",
  );
  const role = offlineIdOf("azure-native:authorization:RoleAssignment", "x-role", { scope: "/subscriptions/s/resourceGroups/rg" }, SUB);
  expect(role).toMatch(/^\/subscriptions\/s\/resourceGroups\/rg\/providers\/Microsoft\.Authorization\/roleAssignments\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
});

test("an unknown expiry reads unknown, a known one outside its window ok, one inside WARN", () => {
  const report: DayTwoReport = {
    rotations: [],
    adoption: [],
    expiry: [
      { name: "made-on-up", configPath: "ca.root", notAfter: "(known after up)", windowDays: 90, status: "unknown" },
      { name: "brought", configPath: "ca.intermediates[0]", notAfter: "2030-01-01T00:00:00.000Z", windowDays: 90, status: "ok" },
      { name: "soon", configPath: "ca.intermediates[1]", notAfter: "2026-12-10T00:00:00.000Z", windowDays: 90, status: "warn", finding: "within its window" },
    ],
  };
  const lines = dayTwoLines(report);
  expect(lines.find((l) => l.includes("made-on-up"))).toMatch(/^ {2}unknown {2}made-on-up: notAfter \(known after up\)/);
  expect(lines.find((l) => l.includes("brought"))).toMatch(/^ {2}ok {7}brought:/);
  expect(lines.find((l) => l.includes("soon"))).toMatch(/^ {2}WARN {5}soon:/);
});

describe("empty values and waitingFor: one rendering, in the tree and the diff", () => {
  const resource = (inputs: Record<string, unknown>) => ({ type: "t:m:R", name: "r", parent: null, urn: "urn:pulumi:s::p::t:m:R::r", parentUrn: null, dependsOn: [], inputs });
  const EMPTIES = { emptyString: "", emptyList: [], emptyMap: {}, nothing: null };

  test("the tree prints every kind of empty input and output alike", () => {
    const plan: Plan = { stack: "s", file: "Pulumi.s.yaml", resources: [resource(EMPTIES)], outputs: { emptyOutput: "", noneOutput: null, waitingFor: [] } };
    const text = planTree(plan);
    for (const key of [...Object.keys(EMPTIES), "emptyOutput", "noneOutput", "waitingFor"]) expect(text).toContain(`${key}: ${EMPTY_TEXT}`);
    expect(text).not.toMatch(/: (""|\[\]|\{\}|null|undefined)?$/m);
  });

  test("the diff prints them as the tree does, and says which empty became which", async () => {
    const before = { resources: [resource({ a: "x", b: "", c: [] })], outputs: {} };
    const after = { resources: [resource({ a: "", b: [], c: "y" })], outputs: {} };
    const text = diffText(await diffPlans(before, after, { ref: "r", stack: "s", secretConfig: { added: [], removed: [], changed: [] } }));
    expect(text).toContain(`~ a: "x" → ${EMPTY_TEXT}`);
    expect(text).toContain(`~ b: ${EMPTY_TEXT} → ${EMPTY_TEXT}  ("" → [])`);
    expect(text).toContain(`~ c: ${EMPTY_TEXT} → "y"`);
  });

  test("the diff names a role beside its id too", async () => {
    const role = (guid: string) => ({ ...resource({ roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${guid}` }), type: "azure-native:authorization:RoleAssignment" });
    const text = diffText(await diffPlans({ resources: [role(KEY_VAULT_CRYPTO_USER_ROLE_ID)], outputs: {} }, { resources: [role(KEY_VAULT_CRYPTO_OFFICER_ROLE_ID)], outputs: {} }, { ref: "r", stack: "s", secretConfig: { added: [], removed: [], changed: [] } }));
    expect(text).toMatch(/~ roleDefinitionId: "\S+12338af0-0e69-4776-bea7-57ae8d297424" \(Key Vault Crypto User\) → "\S+14b46e9e-c2b7-41b4-b07b-48a6ebf60603" \(Key Vault Crypto Officer\)/);
  });

  test("waitingFor: each item on its own line, the same way in the tree and the diff", async () => {
    const waiting = ["CA a: the platform has not signed its CSR yet", "group g: waits for CA a"];
    const tree = planTree({ stack: "s", file: "Pulumi.s.yaml", resources: [], outputs: { waitingFor: waiting } });
    const text = diffText(await diffPlans({ resources: [], outputs: { waitingFor: waiting } }, { resources: [], outputs: { waitingFor: [] } }, { ref: "r", stack: "s", secretConfig: { added: [], removed: [], changed: [] } }));
    for (const item of waiting) {
      expect(tree).toContain(`\n    - ${item}`);
      expect(text).toContain(`  -   - ${item}`);
    }
    expect(text).toContain(`  + waitingFor (now): ${EMPTY_TEXT}`);
    expect(text).not.toContain("waitingFor[0]");
  });
});
