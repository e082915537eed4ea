/**
 * `npm run preflight -- --for preview|deploy`, in-process against the ARM test server's permissions route: the
 * custom roles of docs/least-privilege.md are enough for what each identity runs, Reader is not enough for a live
 * preview (listkeys), and a resource group someone else made is checked for reading only, where it exists.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join, resolve } from "path";
import { runPreflight } from "../cli/preflight";
import { customRole } from "../cli/preflight/roles";
import type { Finding } from "../cli/preflight/types";
import { ArmServer, startArmServer } from "../azure-test-servers/armServer";
import { newSubscriptionArmState, subscriptionRoutes, type SubscriptionArmState } from "../azure-test-servers/armSubscriptionRoutes";

const SUB = "00000000-0000-0000-0000-0000000f1748";
const RG = "given-rg";
const TOKEN = `${Buffer.from('{"alg":"none"}').toString("base64url")}.${Buffer.from(JSON.stringify({ aud: "https://management.azure.com/", oid: "22222222-0000-0000-0000-000000000002", tid: "t", appid: "app", idtyp: "app" })).toString("base64url")}.`;
const READER = [{ actions: ["*/read"], notActions: [] }];
const OBJECT_ID = "22222222-0000-0000-0000-000000000002";
/** A custom role with these actions, assigned to the identity at the subscription. */
function giveAtSubscription(roleName: string, actions: string[]): void {
  state.roleDefinitions[`${roleName}-id`] = { roleName, permissions: [{ actions, notActions: [] }] };
  state.roleAssignments.push({ principalId: OBJECT_ID, roleDefinitionName: `${roleName}-id`, scope: `/subscriptions/${SUB}` });
}
const roleOf = (purpose: "preview" | "deploy") => [{ actions: (customRole(purpose) as { Actions: string[] }).Actions, notActions: [] }];

let arm: ArmServer;
let state: SubscriptionArmState;
let dir: string;

beforeAll(async () => {
  state = newSubscriptionArmState();
  arm = await startArmServer({ extraRoutes: subscriptionRoutes(state) });
  dir = mkdtempSync(join(tmpdir(), "dps-x509-preflight-for-"));
});
afterAll(async () => arm.close());
beforeEach(() => {
  Object.assign(state, newSubscriptionArmState());
  state.resourceGroups.push(RG);
  arm.requests.clear();
});

function stackFile(name: string, extra = ""): string {
  const file = join(dir, `Pulumi.${name}.yaml`);
  writeFileSync(
    file,
    `config:
  azure-native:location: westeurope
  dps-x509:resourceGroupName: ${RG}
  dps-x509:armEndpoint: ${arm.url}
  dps-x509:dps: { name: given-dps }
  dps-x509:hubs: [{ name: given-hub }]
  dps-x509:ca:
    root: { name: given-root, commonName: Given Root }
    intermediates: [{ name: given-intermediate, commonName: Given Intermediate }]
${extra}`,
  );
  return file;
}

async function preflight(file: string, ...extra: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runPreflight(["--config", file, "--json", ...extra], {
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    env: { ARM_SUBSCRIPTION_ID: SUB, AZURE_CONFIG_DIR: dir },
    cwd: dir,
    credential: { getToken: async () => ({ token: TOKEN, expiresOnTimestamp: Date.now() + 3600_000 }) },
    retryDelayInMs: 5,
  });
  const stdout = out.join("");
  return { code, stderr: err.join(""), findings: (stdout ? JSON.parse(stdout).findings : []) as Finding[] };
}
const problems = (findings: Finding[]) => findings.filter((f) => f.status === "problem").map((f) => f.check);
const EXISTING = "  dps-x509:resourceGroupExisting: true\n";

test("Reader cannot run a live preview: listkeys on the hubs is named, with the role that has it", async () => {
  state.permissions[RG] = READER;
  const { code, findings } = await preflight(stackFile("reader", EXISTING), "--for", "preview");
  expect(code).toBe(1);
  expect(problems(findings)).toEqual(["permission Microsoft.Devices/IotHubs/IotHubKeys/listkeys/action"]);
  expect(findings.find((f) => f.status === "problem")!.fix).toMatch(/preview role of docs\/least-privilege\.md \(Reader cannot list the hubs' keys\)/);
  // A preview identity is asked only what a preview needs: no name, quota or provider checks.
  expect(new Set(arm.requests.all.map((r) => r.extraRoute))).toEqual(new Set(["permissions.listForResourceGroup"]));
});

test("the preview role is enough for a preview and not for a deploy", async () => {
  state.permissions[RG] = roleOf("preview");
  const file = stackFile("preview-role", EXISTING);
  const preview = await preflight(file, "--for", "preview");
  expect(problems(preview.findings)).toEqual([]);
  expect(preview.code).toBe(0);
  const deploy = await preflight(file, "--for", "deploy");
  expect(deploy.code).toBe(1);
  expect(problems(deploy.findings)).toEqual(expect.arrayContaining(["permission Microsoft.Devices/IotHubs/write", "permission Microsoft.Devices/provisioningServices/certificates/verify/action", "permission Microsoft.Authorization/roleAssignments/write"]));
});

test("the deploy role on a group someone else made is enough; on a group the stack creates, the group's write is missing", async () => {
  state.permissions[RG] = roleOf("deploy");
  const existing = await preflight(stackFile("deploy-existing", EXISTING));
  expect(problems(existing.findings)).toEqual([]);
  expect(existing.findings.find((f) => f.check === `permissions in resource group ${RG}`)!.detail).toMatch(/the group is read, never written/);
  const created = await preflight(stackFile("deploy-created"));
  expect(problems(created.findings)).toEqual(["permission Microsoft.Resources/subscriptions/resourceGroups/write"]);
});

test("an existing group that is not there is a problem, whatever the roles at the subscription", async () => {
  state.resourceGroups.length = 0;
  giveAtSubscription("deploy-plus-group", [...roleOf("deploy")[0].actions, "Microsoft.Resources/subscriptions/resourceGroups/write"]);
  const existing = await preflight(stackFile("missing-existing", EXISTING));
  expect(existing.code).toBe(1);
  expect(existing.findings.find((f) => f.check === `permissions in resource group ${RG}`)).toMatchObject({ status: "problem", detail: expect.stringContaining(`resourceGroupExisting: true, but resource group ${RG} does not exist`) });
});

describe("a group the stack creates, not there yet: the rights at the subscription scope", () => {
  const check = `permissions at the subscription for new resource group ${RG}`;
  test("the deploy role and the group's write at the subscription: ready, with the roles named", async () => {
    state.resourceGroups.length = 0;
    giveAtSubscription("deploy-plus-group", [...roleOf("deploy")[0].actions, "Microsoft.Resources/subscriptions/resourceGroups/write"]);
    const { code, findings } = await preflight(stackFile("created-ok"));
    expect(findings.find((f) => f.check === check)).toMatchObject({ status: "ok", detail: expect.stringContaining("roles there: deploy-plus-group") });
    expect(code).toBe(0);
    expect(arm.requests.all.filter((r) => r.extraRoute === "roleAssignments.listForSubscription")).toHaveLength(1);
  });

  test("the deploy role alone at the subscription: creating the group is the missing right", async () => {
    state.resourceGroups.length = 0;
    giveAtSubscription("deploy-only", roleOf("deploy")[0].actions);
    const { code, findings } = await preflight(stackFile("created-no-group-write"));
    expect(code).toBe(1);
    expect(problems(findings)).toEqual(["permission Microsoft.Resources/subscriptions/resourceGroups/write"]);
    expect(findings.find((f) => f.status === "problem")!.fix).toMatch(/resourceGroupExisting: true/);
  });

  test("Owner on another resource group does not count at the subscription", async () => {
    state.resourceGroups.length = 0;
    state.roleDefinitions["owner"] = { roleName: "Owner", permissions: [{ actions: ["*"], notActions: [] }] };
    state.roleAssignments.push({ principalId: OBJECT_ID, roleDefinitionName: "owner", scope: `/subscriptions/${SUB}/resourceGroups/other-rg` });
    const { findings } = await preflight(stackFile("created-rg-only"));
    expect(problems(findings)).toContain("permission Microsoft.Resources/subscriptions/resourceGroups/write");
    expect(findings.find((f) => f.status === "problem")!.detail).toMatch(/no role there/);
  });

  test("roles that cannot be read at the subscription: a warning with both ways forward", async () => {
    state.resourceGroups.length = 0;
    state.denied.add("roleAssignments.listForSubscription");
    const { code, findings } = await preflight(stackFile("created-denied"));
    expect(findings.find((f) => f.check === check)).toMatchObject({ status: "warning", detail: expect.stringContaining("AuthorizationFailed") });
    expect(code).toBe(0);
  });
});

test("--for takes deploy or preview only", async () => {
  const { code, stderr } = await preflight(stackFile("bad-for"), "--for", "review");
  expect(code).toBe(2);
  expect(stderr).toContain('--for is deploy or preview, not "review"');
});

test("docs/least-privilege.md shows exactly the roles preflight checks", () => {
  const page = readFileSync(resolve(__dirname, "../docs/least-privilege.md"), "utf8");
  const blocks = [...page.matchAll(/```json\n([\s\S]*?)\n```/g)].map((m) => JSON.parse(m[1]));
  expect(blocks).toEqual([customRole("preview"), customRole("deploy")]);
});
