/**
 * `npm run preflight`, in-process, against the ARM test server with the subscription-level routes
 * (azure-test-servers/armSubscriptionRoutes.ts) and the DPS service test server, through Microsoft's SDKs. Every
 * finding has a good case (a stack that is ready) and a bad case (one thing broken), and says what to do.
 */
import { mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { runPreflight } from "../cli/preflight";
import { ArmServer, startArmServer } from "../azure-test-servers/armServer";
import { newSubscriptionArmState, subscriptionRoutes, type SubscriptionArmState } from "../azure-test-servers/armSubscriptionRoutes";
import { FakeDpsServiceServer, startRoutedFakeDps } from "../azure-test-servers/dpsServiceServer";
import { createDpsServiceClient } from "../components/azure/dpsServiceClient";
import type { Finding } from "../cli/preflight/types";
import { preflightTarget } from "../cli/preflight/target";
import { checkExistingDps } from "../cli/preflight/existingDps";
import { preflightClients } from "../cli/preflight/clients";
import { readStackFile } from "../cli/plan/stackFile";
import { parseStackConfig, readRawStackConfig, type StackConfig } from "../components/config";

const SUB = "00000000-0000-0000-0000-0000000f1747";
const TENANT = "00000000-0000-0000-0000-00000000beef";
const RG = "preflight-rg";
const DPS = "preflight-dps";
const OWNER = [{ actions: ["*"], notActions: [], dataActions: [], notDataActions: [] }];
const CONTRIBUTOR = [
  {
    actions: ["*"],
    notActions: ["Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write", "Microsoft.Authorization/elevateAccess/Action", "Microsoft.Blueprint/blueprintAssignments/write", "Microsoft.Blueprint/blueprintAssignments/delete"],
    dataActions: [],
    notDataActions: [],
  },
];

const jwt = (claims: object) => `${Buffer.from('{"alg":"none","typ":"JWT"}').toString("base64url")}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.`;
const USER_TOKEN = jwt({ aud: "https://management.azure.com/", oid: "11111111-0000-0000-0000-000000000001", tid: TENANT, upn: "ops@example.com", idtyp: "user", scp: "user_impersonation" });
const APP_TOKEN = jwt({ aud: "https://management.azure.com/", oid: "22222222-0000-0000-0000-000000000002", tid: TENANT, appid: "33333333-0000-0000-0000-000000000003", idtyp: "app" });

let arm: ArmServer;
let state: SubscriptionArmState;
let service: FakeDpsServiceServer;
let stopService: () => Promise<void>;
let dir: string;

function stackFile(name: string, extra = "", dpsName = DPS): string {
  const file = join(dir, `Pulumi.${name}.yaml`);
  writeFileSync(
    file,
    `config:
  azure-native:location: westeurope
  dps-x509:resourceGroupName: ${RG}
  dps-x509:armEndpoint: ${arm.url}
  dps-x509:dps:
    name: ${dpsName}
  dps-x509:hubs:
    - name: preflight-hub-a
    - name: preflight-hub-free
      sku: F1
  dps-x509:ca:
    root: { name: pf-root, commonName: Preflight Root }
    intermediates:
      - { name: pf-intermediate, commonName: Preflight Intermediate }
  dps-x509:enrollmentGroups:
    - enrollmentId: pf-line-1
      caName: pf-intermediate
${extra}`,
  );
  return file;
}

/** A subscription where the stack is ready: providers registered, names free, room, Owner on the group. */
function readySubscription(): void {
  Object.assign(state, newSubscriptionArmState());
  state.resourceGroups.push(RG);
  state.permissions[RG] = OWNER;
}

async function preflight(args: string[], options: { token?: string; env?: NodeJS.ProcessEnv } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const token = options.token ?? USER_TOKEN;
  const code = await runPreflight(args, {
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    env: { ARM_SUBSCRIPTION_ID: SUB, AZURE_CONFIG_DIR: dir, ...(options.env ?? {}) },
    cwd: dir,
    credential: { getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3600_000 }) },
    retryDelayInMs: 5,
  });
  const stdout = out.join("");
  const findings: Finding[] = args.includes("--json") && stdout ? JSON.parse(stdout).findings : [];
  return { code, stdout, stderr: err.join(""), findings };
}

const json = (file: string, extra: string[] = []) => ["--config", file, "--json", ...extra];
const problems = (findings: Finding[]) => findings.filter((finding) => finding.status === "problem");
const byCheck = (findings: Finding[], check: string | RegExp) => findings.find((finding) => (typeof check === "string" ? finding.check === check : check.test(finding.check)));

beforeAll(async () => {
  state = newSubscriptionArmState();
  arm = await startArmServer({ extraRoutes: subscriptionRoutes(state) });
  ({ server: service, stop: stopService } = await startRoutedFakeDps({ hostName: `${DPS}.azure-devices-provisioning.net`, caCertificates: { "pf-intermediate": { verified: true } }, bearerTokens: [USER_TOKEN] }));
  dir = mkdtempSync(join(tmpdir(), "dps-x509-preflight-"));
});

afterAll(async () => {
  await arm.close();
  await stopService();
});

beforeEach(() => {
  readySubscription();
  arm.requests.clear();
});

describe("a ready subscription", () => {
  test("every check passes, exit 0, and preflight only reads", async () => {
    const { code, findings, stderr } = await preflight(json(stackFile("ready")));
    expect(stderr).toBe("");
    expect(problems(findings)).toEqual([]);
    expect(code).toBe(0);
    for (const check of ["identity", "identity type", "subscription", "resource provider Microsoft.Devices", `name of DPS ${DPS}`, "name of IoT hub preflight-hub-a", "IoT Hub quota", "free (F1) IoT hub", "DPS instances", `permissions in resource group ${RG}`]) {
      expect(byCheck(findings, check)?.status).toBe("ok");
    }
    expect(byCheck(findings, "identity")!.detail).toContain("ops@example.com");
    expect(byCheck(findings, "identity type")!.detail).toContain("principalType User");
    expect(byCheck(findings, "subscription")!.detail).toContain(`${SUB} (from ARM_SUBSCRIPTION_ID)`);
    expect(arm.requests.all.every((request) => request.method === "GET" || /checkname|checkprovisioningservicename/i.test(request.path))).toBe(true);
    expect(new Set(arm.requests.all.map((request) => request.extraRoute))).toEqual(
      new Set(["provider.get", "dps.checkName", "hub.checkName", "hub.usages", "hub.listBySubscription", "dps.listBySubscription", "permissions.listForResourceGroup"]),
    );
  });

  test("the text report says ready, and --stack resolves the stack file", async () => {
    const { code, stdout } = await preflight(["--config", stackFile("text")]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^OK {4}name of IoT hub preflight-hub-a: free$/m);
    expect(stdout).toMatch(/Ready for `pulumi up`/);
  });
});

describe("identity", () => {
  test("a service principal's token: ServicePrincipal, named by its app id", async () => {
    const { findings } = await preflight(json(stackFile("sp")), { token: APP_TOKEN });
    expect(byCheck(findings, "identity")!.detail).toContain("33333333-0000-0000-0000-000000000003");
    expect(byCheck(findings, "identity type")!.detail).toMatch(/principalType ServicePrincipal: the ARM token's idtyp claim is "app"/);
  });

  test("an override that contradicts the token is a problem", async () => {
    const { code, findings } = await preflight(json(stackFile("override", "  dps-x509:deployer:\n    principalType: User\n")), { token: APP_TOKEN });
    expect(code).toBe(1);
    expect(byCheck(findings, "identity type")).toMatchObject({ status: "problem", fix: expect.stringContaining("ServicePrincipal") });
  });

  test("no token: one problem with how to sign in, and nothing else is asked", async () => {
    const out: string[] = [];
    const code = await runPreflight(json(stackFile("nosignin")), {
      stdout: (text) => out.push(text),
      stderr: () => undefined,
      env: { ARM_SUBSCRIPTION_ID: SUB },
      cwd: dir,
      credential: { getToken: async () => { throw new Error("DefaultAzureCredential failed to retrieve a token from the included credentials.\r\nAzureCliCredential: Please run 'az login'.\r\n"); } },
    });
    expect(code).toBe(1);
    const findings: Finding[] = JSON.parse(out.join("")).findings;
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ check: "identity", status: "problem", fix: expect.stringContaining("az login") });
    expect(findings[0].detail).toContain("AzureCliCredential: Please run 'az login'.");
    expect(findings[0].detail).not.toContain("\r");
    expect(arm.requests.all).toHaveLength(0);
  });

  test("a subscription of another tenant (az's default) is a problem", async () => {
    writeFileSync(join(dir, "azureProfile.json"), JSON.stringify({ subscriptions: [{ id: SUB, isDefault: true, tenantId: "00000000-0000-0000-0000-00000000dead" }] }));
    const { findings } = await preflight(json(stackFile("tenant")), { env: { ARM_SUBSCRIPTION_ID: "" } });
    expect(byCheck(findings, "subscription")).toMatchObject({ status: "problem", fix: expect.stringContaining("az login --tenant 00000000-0000-0000-0000-00000000dead") });
  });
});

describe("resource providers", () => {
  test("Microsoft.Devices not registered: the register command", async () => {
    state.providers["microsoft.devices"] = "NotRegistered";
    const { code, findings } = await preflight(json(stackFile("rp")));
    expect(code).toBe(1);
    expect(byCheck(findings, "resource provider Microsoft.Devices")).toMatchObject({ status: "problem", detail: "registration state is NotRegistered", fix: expect.stringContaining("az provider register --namespace Microsoft.Devices") });
  });

  test("Microsoft.KeyVault is checked only when the stack uses a vault", async () => {
    state.providers["microsoft.keyvault"] = "NotRegistered";
    expect(byCheck((await preflight(json(stackFile("novault")))).findings, /KeyVault/)).toBeUndefined();
    const { findings } = await preflight(json(stackFile("vault-rp", "  dps-x509:keyVault:\n    name: pf-vault\n    create: true\n    sku: premium\n")));
    expect(byCheck(findings, "resource provider Microsoft.KeyVault")?.status).toBe("problem");
  });
});

describe("global names", () => {
  test("a hub name someone else holds: a problem that says to choose another", async () => {
    state.taken.hub.push("preflight-hub-a");
    const { code, findings } = await preflight(json(stackFile("hub-taken")));
    expect(code).toBe(1);
    expect(byCheck(findings, "name of IoT hub preflight-hub-a")).toMatchObject({ status: "problem", detail: expect.stringContaining("AlreadyExists: IotHub name 'preflight-hub-a' is not available"), fix: expect.stringContaining("choose another hub name") });
  });

  test("a hub and DPS that are already ours are fine, and add nothing to the quota", async () => {
    // A DPS of its own name: the ARM test server keeps DPS instances for the whole file.
    const dps = "preflight-dps-ours";
    state.hubs.push({ resourceGroupName: RG, name: "preflight-hub-a", sku: "S1" });
    state.dpsInstances.push({ resourceGroupName: RG, name: dps });
    arm.state.dps(SUB, RG, dps).linkHubs(["preflight-hub-a.azure-devices.net"]);
    const { code, findings } = await preflight(json(stackFile("ours", "", dps)));
    expect(problems(findings)).toEqual([]);
    expect(code).toBe(0);
    expect(byCheck(findings, "name of IoT hub preflight-hub-a")!.detail).toContain("already ours");
    expect(byCheck(findings, `name of DPS ${dps}`)!.detail).toContain("already ours");
    expect(byCheck(findings, "IoT Hub quota")!.detail).toBe("1 of 50 hubs in the subscription; the stack adds 1");
    expect(byCheck(findings, "DPS instances")!.detail).toContain("the stack adds 0");
  });

  test("a DPS name held elsewhere, and a vault name in use (soft-deleted), each with what to do", async () => {
    state.taken.dps.push(DPS);
    state.taken.vault.push("pf-vault");
    const { findings } = await preflight(json(stackFile("names", "  dps-x509:keyVault:\n    name: pf-vault\n    create: true\n    sku: premium\n")));
    expect(byCheck(findings, `name of DPS ${DPS}`)).toMatchObject({ status: "problem", fix: expect.stringContaining("choose another dps.name") });
    const vault = byCheck(findings, "name of Key Vault pf-vault")!;
    expect(vault.status).toBe("problem");
    expect(vault.detail).toContain("recently deleted but not purged");
    expect(vault.fix).toContain("az keyvault list-deleted");
  });

  test("a free vault name passes", async () => {
    const { findings } = await preflight(json(stackFile("vault-free", "  dps-x509:keyVault:\n    name: pf-vault\n    create: true\n    sku: premium\n")));
    expect(byCheck(findings, "name of Key Vault pf-vault")).toMatchObject({ status: "ok", detail: "free" });
  });
});

describe("quota", () => {
  test("the subscription's free hub is used: the F1 hub is a problem", async () => {
    state.freeHubs.currentValue = 1;
    const { code, findings } = await preflight(json(stackFile("f1")));
    expect(code).toBe(1);
    expect(byCheck(findings, "free (F1) IoT hub")).toMatchObject({ status: "problem", detail: expect.stringContaining("1 of 1 free hubs used"), fix: expect.stringContaining("B1 or S1") });
  });

  test("50 hubs already: no room for two more", async () => {
    for (let i = 0; i < 48; i++) state.hubs.push({ resourceGroupName: "other-rg", name: `other-hub-${i}`, sku: "S1" });
    expect(byCheck((await preflight(json(stackFile("room")))).findings, "IoT Hub quota")).toMatchObject({ status: "ok", detail: "48 of 50 hubs in the subscription; the stack adds 2" });
    state.hubs.push({ resourceGroupName: "other-rg", name: "other-hub-48", sku: "S1" }, { resourceGroupName: "other-rg", name: "other-hub-49", sku: "S1" });
    const { findings } = await preflight(json(stackFile("full")));
    expect(byCheck(findings, "IoT Hub quota")).toMatchObject({ status: "problem", detail: "50 of 50 hubs in the subscription; the stack adds 2, 2 more than there is room for" });
  });

  test("10 DPS instances already: the stack's would be the 11th", async () => {
    for (let i = 0; i < 9; i++) state.dpsInstances.push({ resourceGroupName: "other-rg", name: `other-dps-${i}` });
    expect(byCheck((await preflight(json(stackFile("dps9")))).findings, "DPS instances")?.status).toBe("ok");
    state.dpsInstances.push({ resourceGroupName: "other-rg", name: "other-dps-9" });
    const { findings } = await preflight(json(stackFile("dps10")));
    expect(byCheck(findings, "DPS instances")).toMatchObject({ status: "problem", fix: expect.stringContaining("support") });
  });

  test("usages refused (403): Azure's message whole, and the role that reads it", async () => {
    state.denied.add("hub.usages");
    const { findings } = await preflight(json(stackFile("denied")));
    const finding = byCheck(findings, "IoT Hub quota")!;
    expect(finding.status).toBe("problem");
    expect(finding.detail).toContain("AuthorizationFailed");
    expect(finding.detail).toContain("If access was recently granted, please refresh your credentials.");
    expect(finding.fix).toContain("Reader");
  });
});

describe("permissions", () => {
  test("Contributor cannot assign roles: the missing action and the roles that have it", async () => {
    state.permissions[RG] = CONTRIBUTOR;
    const { code, findings } = await preflight(json(stackFile("contributor")));
    expect(code).toBe(1);
    expect(problems(findings).map((f) => f.check)).toEqual(["permission Microsoft.Authorization/roleAssignments/write"]);
    expect(problems(findings)[0].fix).toMatch(/Owner, User Access Administrator or Role Based Access Control Administrator.*dpsDataRoleAssignment: false/);
  });

  test("Contributor is enough when the stack assigns no role", async () => {
    state.permissions[RG] = CONTRIBUTOR;
    const { code, findings } = await preflight(json(stackFile("no-roles", "  dps-x509:dpsDataRoleAssignment: false\n")));
    expect(problems(findings)).toEqual([]);
    expect(code).toBe(0);
  });

  test("a reader may create nothing: each missing action is named", async () => {
    state.permissions[RG] = [{ actions: ["*/read"], notActions: [] }];
    const { findings } = await preflight(json(stackFile("reader")));
    const missing = problems(findings).map((f) => f.check);
    expect(missing).toEqual(expect.arrayContaining(["permission Microsoft.Devices/IotHubs/write", "permission Microsoft.Devices/provisioningServices/write", "permission Microsoft.Resources/subscriptions/resourceGroups/write"]));
  });

  test("a resource group that does not exist yet: the roles at the subscription decide, since the new group inherits them", async () => {
    state.resourceGroups.length = 0;
    state.roleDefinitions["owner-guid"] = { roleName: "Owner", permissions: OWNER };
    state.roleAssignments.push({ principalId: "11111111-0000-0000-0000-000000000001", roleDefinitionName: "owner-guid", scope: `/subscriptions/${SUB}` });
    const { code, findings } = await preflight(json(stackFile("no-rg")));
    expect(byCheck(findings, `permissions at the subscription for new resource group ${RG}`)).toMatchObject({ status: "ok", detail: expect.stringContaining("roles there: Owner") });
    expect(code).toBe(0);
  });
});

describe("an existing DPS", () => {
  beforeEach(() => {
    state.dpsInstances.push({ resourceGroupName: RG, name: DPS });
    arm.state.dps(SUB, RG, DPS).linkHubs([]);
  });

  test("no CA or group of the stack's names: both pass", async () => {
    const { findings } = await preflight(json(stackFile("dps-clean")));
    expect(byCheck(findings, `CA certificates in DPS ${DPS}`)?.status).toBe("ok");
    expect(byCheck(findings, `enrollment groups in DPS ${DPS}`)?.status).toBe("ok");
  });

  test("a CA certificate and a group the stack would create: each a problem with the adopt hint", async () => {
    const { createRootCa } = await import("../certs");
    arm.state.dps(SUB, RG, DPS).upload("pf-intermediate", createRootCa({ commonName: "Someone's CA", keySize: 2048, validityDays: 30 }).certificatePem, { isVerified: true });
    await createDpsServiceClient({ serviceHostName: service.hostName, connectionString: service.connectionString() }).putEnrollmentGroup({
      enrollmentGroupId: "pf-line-1",
      attestation: { type: "x509", x509: { caReferences: { primary: "pf-intermediate" } } },
      provisioningStatus: "enabled",
    });
    const { code, findings } = await preflight(json(stackFile("dps-collide")));
    expect(code).toBe(1);
    expect(byCheck(findings, "CA certificate pf-intermediate")).toMatchObject({ status: "problem", fix: expect.stringContaining("adoptExisting: true") });
    expect(byCheck(findings, "enrollment group pf-line-1")).toMatchObject({ status: "problem", fix: expect.stringContaining("adoptExisting: true") });
    // Adopting on purpose (adoptExisting: true, which needs the CAs brought): the same collisions are fine.
    const target = { ...preflightTarget((parseStackConfig(readRawStackConfig(readStackFile(stackFile("dps-adopt")).allConfig)) as { config: StackConfig }).config), adoptExisting: true };
    const credential = { getToken: async () => ({ token: USER_TOKEN, expiresOnTimestamp: Date.now() + 3600_000 }) };
    const adopted = await checkExistingDps(preflightClients({ credential, armEndpoint: arm.url, subscriptionId: SUB, retryDelayInMs: 5 }), target, { credential });
    expect(byCheck(adopted, "CA certificate pf-intermediate")?.status).toBe("ok");
    expect(byCheck(adopted, "enrollment group pf-line-1")?.status).toBe("ok");
    arm.state.dps(SUB, RG, DPS).remove("pf-intermediate");
  });
});

describe("usage", () => {
  test("neither --stack nor --config, or an unknown flag: exit 2 with the usage", async () => {
    const none = await preflight([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("usage: npm run preflight");
    expect((await preflight(["--stack", "x", "--bogus"])).code).toBe(2);
  });

  test("no subscription anywhere: exit 2 naming the order", async () => {
    const { code, stderr } = await preflight(json(stackFile("nosub")), { env: { ARM_SUBSCRIPTION_ID: "", AZURE_CONFIG_DIR: join(dir, "none") } });
    expect(code).toBe(2);
    expect(stderr).toContain("ARM_SUBSCRIPTION_ID, then AZURE_SUBSCRIPTION_ID, then az's default subscription");
  });

  test("an invalid stack file: exit 1 with the config problems", async () => {
    const file = join(dir, "Pulumi.bad.yaml");
    writeFileSync(file, "config:\n  azure-native:location: westeurope\n  dps-x509:resourceGroupName: rg\n");
    const { code, stderr } = await preflight(["--config", file]);
    expect(code).toBe(1);
    expect(stderr).toContain("problem");
  });
});
