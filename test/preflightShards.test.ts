/**
 * `npm run preflight` on a platform with shards, in-process, against the ARM test server's subscription routes
 * through Microsoft's SDKs: each shard's DPS name is asked in the shard's subscription, the DPS instances of every
 * subscription the stack uses are counted against the limit (Azure's 10, or the stated quota), and a stated quota is
 * compared with what `Microsoft.Devices/usages` reports.
 */
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { runPreflight } from "../cli/preflight";
import { startArmServer, type ArmServer } from "../azure-test-servers/armServer";
import { newSubscriptionArmState, subscriptionRoutes, type SubscriptionArmState } from "../azure-test-servers/armSubscriptionRoutes";
import type { Finding } from "../cli/preflight/types";

const SUB = "00000000-0000-0000-0000-0000000f1748";
const OTHER = "00000000-0000-0000-0000-0000000f2748";
const RG = "pf-shards-rg";
const SHARD_RG = "pf-second-rg";
const jwt = (claims: object) => `${Buffer.from('{"alg":"none","typ":"JWT"}').toString("base64url")}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.`;
const TOKEN = jwt({ aud: "https://management.azure.com/", oid: "11111111-0000-0000-0000-000000000001", tid: "00000000-0000-0000-0000-00000000beef", upn: "ops@example.com", idtyp: "user", scp: "user_impersonation" });

let arm: ArmServer;
let state: SubscriptionArmState;
let dir: string;

function stackFile(name: string, extra = ""): string {
  const file = join(dir, `Pulumi.${name}.yaml`);
  writeFileSync(
    file,
    `config:
  azure-native:location: westeurope
  dps-x509:resourceGroupName: ${RG}
  dps-x509:armEndpoint: ${arm.url}
  dps-x509:dps: { name: pf-primary-dps }
  dps-x509:dpsDataRoleAssignment: false
  dps-x509:shards:
    - { name: pf-shard-here }
    - { name: pf-shard-there, subscriptionId: ${OTHER}, resourceGroupName: ${SHARD_RG} }
  dps-x509:hubs: [{ name: pf-shards-hub }]
  dps-x509:ca:
    root: { name: pf-root, commonName: Preflight Root, upload: false }
    intermediates: [{ name: pf-intermediate, commonName: Preflight Intermediate, upload: false }]
${extra}`,
  );
  return file;
}

async function preflight(file: string): Promise<{ code: number; findings: Finding[] }> {
  let stdout = "";
  const code = await runPreflight(["--config", file, "--json"], {
    stdout: (text) => (stdout += text),
    stderr: () => {},
    env: { ARM_SUBSCRIPTION_ID: SUB, AZURE_CONFIG_DIR: dir },
    cwd: dir,
    credential: { getToken: async () => ({ token: TOKEN, expiresOnTimestamp: Date.now() + 3600_000 }) },
    retryDelayInMs: 5,
  });
  return { code, findings: JSON.parse(stdout).findings };
}
const byCheck = (findings: Finding[], check: string) => findings.find((finding) => finding.check === check);

beforeAll(async () => {
  state = newSubscriptionArmState();
  arm = await startArmServer({ extraRoutes: subscriptionRoutes(state) });
  dir = mkdtempSync(join(tmpdir(), "dps-x509-preflight-shards-"));
});

afterAll(async () => {
  await arm.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  Object.assign(state, newSubscriptionArmState());
  state.resourceGroups.push(RG, SHARD_RG);
  state.permissions[RG] = [{ actions: ["*"], notActions: [], dataActions: [], notDataActions: [] }];
  state.permissions[SHARD_RG] = [{ actions: ["*"], notActions: [], dataActions: [], notDataActions: [] }];
  arm.requests.clear();
});

test("each shard's name is asked in its own subscription, and each subscription's DPS instances are counted", async () => {
  for (let i = 0; i < 9; i++) state.dpsInstances.push({ resourceGroupName: "elsewhere", name: `full-${i}`, subscriptionId: OTHER });
  const { findings } = await preflight(stackFile("shards"));
  expect(byCheck(findings, "name of DPS pf-shard-here (shards[0])")).toMatchObject({ status: "ok", detail: "free" });
  expect(byCheck(findings, `name of DPS pf-shard-there (shards[1], subscription ${OTHER})`)).toMatchObject({ status: "ok", detail: "free" });
  const asked = arm.requests.all.filter((r) => r.extraRoute === "dps.checkName").map((r) => r.path.split("/")[2]);
  expect(asked.filter((sub) => sub === OTHER)).toHaveLength(1);
  // The stack's subscription: the primary and one shard; the second: one shard beside its 9.
  expect(byCheck(findings, "DPS instances")).toMatchObject({ status: "ok", detail: "0 of 10 in the subscription; the stack adds 2" });
  expect(byCheck(findings, `DPS instances in subscription ${OTHER}`)).toMatchObject({ status: "ok", detail: "9 of 10 in the subscription; the stack adds 1" });
  state.dpsInstances.push({ resourceGroupName: "elsewhere", name: "full-9", subscriptionId: OTHER });
  const full = await preflight(stackFile("shards-full"));
  expect(full.code).toBe(1);
  expect(byCheck(full.findings, `DPS instances in subscription ${OTHER}`)).toMatchObject({ status: "problem", fix: expect.stringContaining("quotas.dpsPerSubscription") });
  expect(byCheck(full.findings, "DPS instances")!.status).toBe("ok");
});

test("a shard name someone holds is a problem naming the shard's key; a shard already ours adds nothing", async () => {
  state.taken.dps.push("pf-shard-here");
  state.dpsInstances.push({ resourceGroupName: SHARD_RG, name: "pf-shard-there", subscriptionId: OTHER });
  arm.state.dps(OTHER, SHARD_RG, "pf-shard-there").linkHubs(["pf-shards-hub.azure-devices.net"]);
  const { findings } = await preflight(stackFile("shard-names"));
  expect(byCheck(findings, "name of DPS pf-shard-here (shards[0])")).toMatchObject({ status: "problem", fix: expect.stringContaining("shards[0].name") });
  expect(byCheck(findings, `name of DPS pf-shard-there (shards[1], subscription ${OTHER})`)!.detail).toContain("already ours");
  expect(byCheck(findings, `DPS instances in subscription ${OTHER}`)!.detail).toBe("1 of 10 in the subscription; the stack adds 0");
});

test("a stated quota is counted on, and said to be unconfirmed where Microsoft.Devices/usages does not report it", async () => {
  for (let i = 0; i < 10; i++) state.dpsInstances.push({ resourceGroupName: "elsewhere", name: `full-${i}`, subscriptionId: OTHER });
  const { code, findings } = await preflight(stackFile("quotas", "  dps-x509:quotas: { dpsPerSubscription: 20, enrollmentGroupsPerDps: 300 }\n"));
  expect(byCheck(findings, `DPS instances in subscription ${OTHER}`)).toMatchObject({ status: "ok", detail: "10 of 20 (quotas.dpsPerSubscription) in the subscription; the stack adds 1" });
  expect(byCheck(findings, "quotas.dpsPerSubscription")).toMatchObject({ status: "warning", detail: expect.stringContaining("20 stated; Microsoft.Devices/usages does not report it (it lists FreeHubCount)") });
  expect(byCheck(findings, `quotas.enrollmentGroupsPerDps in subscription ${OTHER}`)!.status).toBe("warning");
  expect(code).toBe(0);
});

test("the rights are read where a shard lives: in its own group and subscription, for what up (or a preview) does there", async () => {
  const there = `resource group ${SHARD_RG} (subscription ${OTHER})`;
  const ok = await preflight(stackFile("shard-rights"));
  expect(byCheck(ok.findings, `permissions in ${there}`)).toMatchObject({ status: "ok", detail: expect.stringContaining("for shard pf-shard-there is allowed") });
  const asked = arm.requests.all.filter((r) => r.extraRoute === "permissions.listForResourceGroup").map((r) => r.path.split("/").slice(2, 5).join("/"));
  expect(asked).toContain(`${OTHER}/resourcegroups/${SHARD_RG}`);
  // pf-shard-here lives in the stack's own group: checked there, not twice.
  expect(ok.findings.filter((f) => f.check.startsWith("permissions in resource group")).map((f) => f.check)).toEqual([`permissions in resource group ${RG}`, `permissions in ${there}`]);

  // A Reader there: up cannot write the shard's DPS; a live preview can read it.
  state.permissions[SHARD_RG] = [{ actions: ["*/read"], notActions: [], dataActions: [], notDataActions: [] }];
  const reader = await preflight(stackFile("shard-reader"));
  expect(reader.code).toBe(1);
  expect(byCheck(reader.findings, `permission Microsoft.Devices/provisioningServices/write in ${there}`)).toMatchObject({ status: "problem", detail: expect.stringContaining("up needs it for the DPS of shard pf-shard-there") });

  // The group is missing: the stack never creates a shard's group.
  state.resourceGroups.splice(state.resourceGroups.indexOf(SHARD_RG), 1);
  const missing = await preflight(stackFile("shard-group-missing"));
  expect(byCheck(missing.findings, `permissions in ${there}`)).toMatchObject({ status: "problem", fix: expect.stringContaining(`az group create --subscription ${OTHER} --name ${SHARD_RG}`) });
});
