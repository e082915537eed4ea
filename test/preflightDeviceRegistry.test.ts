/**
 * `npm run preflight` on a stack with `deviceRegistry`, against the ARM test server with the subscription routes and
 * the Device Registry routes: the provider's registration, the namespace name (by GET: there is no
 * checkNameAvailability), the namespace's CA quota with CAs someone else made, and the link identity note.
 */
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { runPreflight } from "../cli/preflight";
import { newSubscriptionArmState, subscriptionRoutes, type SubscriptionArmState } from "../azure-test-servers/armSubscriptionRoutes";
import { startArmServerWithDeviceRegistry, newAdrServerState } from "../azure-test-servers/armDeviceRegistry";
import { AdrIssuers } from "../azure-test-servers/adrIssuers";
import type { ArmServer } from "../azure-test-servers/armServer";
import { DeviceRegistryClient, adrIds } from "../components/azure/deviceRegistryClient";
import type { Finding } from "../cli/preflight/types";

const SUB = "00000000-0000-0000-0000-0000000adf11";
const RG = "pf-adr-rg";
const jwt = (claims: object) => `${Buffer.from('{"alg":"none","typ":"JWT"}').toString("base64url")}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.`;
const TOKEN = jwt({ aud: "https://management.azure.com/", oid: "11111111-0000-0000-0000-000000000001", tid: "00000000-0000-0000-0000-00000000beef", upn: "ops@example.com", idtyp: "user", scp: "user_impersonation" });
const credential = { getToken: async () => ({ token: TOKEN, expiresOnTimestamp: Date.now() + 3600_000 }) };

let arm: ArmServer;
let state: SubscriptionArmState;
let dir: string;

beforeAll(async () => {
  state = newSubscriptionArmState();
  ({ server: arm } = await startArmServerWithDeviceRegistry({ adr: newAdrServerState(new AdrIssuers()), options: { extraRoutes: subscriptionRoutes(state) } }));
  dir = mkdtempSync(join(tmpdir(), "dps-x509-preflight-adr-"));
  writeFileSync(
    join(dir, "Pulumi.adr.yaml"),
    `config:
  azure-native:location: westeurope
  dps-x509:resourceGroupName: ${RG}
  dps-x509:armEndpoint: ${arm.url}
  dps-x509:dps: { name: pf-adr-dps }
  dps-x509:hubs: [{ name: pf-adr-hub }]
  dps-x509:ca:
    root: { name: pf-root, commonName: Root }
    intermediates: [{ name: pf-inter, commonName: Inter }]
  dps-x509:deviceRegistry:
    namespace: { name: pf-ns }
    certificateAuthorities:
      - { name: ica-one, issuer: { microsoft: {} }, policy: { name: devices-one, validityDays: 7 } }
      - { name: ica-two, issuer: { microsoft: {} }, policy: { name: devices-two, validityDays: 7 } }
`,
  );
});

afterAll(async () => {
  await arm.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  Object.assign(state, newSubscriptionArmState());
  state.providers["microsoft.deviceregistry"] = "Registered";
  state.resourceGroups.push(RG);
  state.permissions[RG] = [{ actions: ["*"], notActions: [], dataActions: [], notDataActions: [] }];
});

async function findings(): Promise<Finding[]> {
  const out: string[] = [];
  await runPreflight(["--config", "Pulumi.adr.yaml", "--json"], { stdout: (t) => out.push(t), stderr: () => {}, env: { ARM_SUBSCRIPTION_ID: SUB, AZURE_CONFIG_DIR: dir }, cwd: dir, credential, retryDelayInMs: 5 });
  return JSON.parse(out.join("")).findings as Finding[];
}
const by = (all: Finding[], check: string) => all.find((f) => f.check === check);

test("a ready subscription: provider registered, name free, room for the CAs, the link identity said", async () => {
  const all = await findings();
  expect(by(all, "resource provider Microsoft.DeviceRegistry")?.status).toBe("ok");
  expect(by(all, "name of Device Registry namespace pf-ns")).toMatchObject({ status: "ok", detail: expect.stringContaining("no checkNameAvailability") });
  expect(by(all, "Device Registry quota")).toMatchObject({ status: "ok", detail: "2 of 3 intermediate CAs, 1 of 1 root" });
  expect(by(all, "Device Registry link identity")?.status).toBe("warning");
  expect(arm.requests.all.filter((r) => r.extraRoute?.startsWith("adr.")).every((r) => r.method === "GET")).toBe(true);
});

test("not registered; a namespace someone else made, holding two ICAs of its own: each a problem with a fix", async () => {
  state.providers["microsoft.deviceregistry"] = "NotRegistered";
  const client = new DeviceRegistryClient({ subscriptionId: SUB, endpoint: arm.url, credential, retryDelayInMs: 5 });
  const ns = adrIds.namespace({ subscriptionId: SUB, resourceGroupName: RG, namespaceName: "pf-ns" });
  await client.put(ns, { location: "westeurope" });
  for (const name of ["theirs-a", "theirs-b"]) await client.put(`${ns}/certificateAuthorities/${name}`, { location: "westeurope", properties: { certificateAuthorityType: "ICA", keyType: "ECC", issuer: { issuerType: "External" } } });
  const all = await findings();
  expect(by(all, "resource provider Microsoft.DeviceRegistry")).toMatchObject({ status: "problem", fix: expect.stringContaining("az provider register --namespace Microsoft.DeviceRegistry") });
  expect(by(all, "name of Device Registry namespace pf-ns")).toMatchObject({ status: "problem", detail: expect.stringContaining("not managed by this program") });
  expect(by(all, "Device Registry quota")).toMatchObject({ status: "problem", detail: "2 declared + 2 already there = 4 intermediate CAs; a namespace holds 3" });
});
