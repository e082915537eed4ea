/**
 * `npm run doctor` on the hardening (cli/doctor/networkChecks.ts): each hub's SAS, TLS, public access, IP allow list
 * and private endpoint, the DPS's public access, IP filter rules and private endpoint, read through Microsoft's ARM
 * SDKs from the strict local ARM server (hubs at api-version 2023-06-30), against what the stack declares.
 */
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { runDoctor } from "../cli/doctor";
import { setArmClientTestOverrides } from "../components/azure/armClient";
import { startArmServer, type ArmServer } from "../azure-test-servers/armServer";
import type { CheckResult } from "../cli/doctor/checks";

const SUB = "00000000-0000-0000-0000-0000000000e7";
const RG = "net-rg";
const DPS = "net-dps";
const SUBNET = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Network/virtualNetworks/vnet/subnets/iot`;
const ENDPOINT = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Network/privateEndpoints/hub-a-pe`;
const DPS_ENDPOINT = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Network/privateEndpoints/net-dps-pe`;
const HARDENED = { disableDeviceSAS: true, disableModuleSAS: true, disableLocalAuth: false, minTlsVersion: "1.2", publicNetworkAccess: "Enabled" } as const;
const ALLOW = { defaultAction: "Deny", applyToBuiltInEventHubEndpoint: true, ipRules: [{ filterName: "office", action: "Allow", ipMask: "203.0.113.0/24" }] };
const DPS_RULES = [
  { filterName: "factory", action: "Accept" as const, ipMask: "198.51.100.0/24", target: "all" },
  { filterName: "rest", action: "Reject" as const, ipMask: "0.0.0.0/0", target: "all" },
];

let arm: ArmServer;
let dir: string;

beforeAll(async () => {
  arm = await startArmServer();
  arm.state.dps(SUB, RG, DPS).linkHubs(["hub-a.azure-devices.net"]);
  setArmClientTestOverrides({ credential: { getToken: async () => ({ token: "t", expiresOnTimestamp: Date.now() + 3600_000 }) }, retryDelayInMs: 10 });
  dir = mkdtempSync(join(tmpdir(), "dps-x509-doctor-net-"));
  writeFileSync(
    join(dir, "Pulumi.net.yaml"),
    `config:
  azure-native:location: eastus
  azure-native:subscriptionId: ${SUB}
  dps-x509:resourceGroupName: ${RG}
  dps-x509:dps:
    name: ${DPS}
    ipFilterRules:
      - { name: factory, ipMask: 198.51.100.0/24, action: Accept }
      - { name: rest, ipMask: 0.0.0.0/0, action: Reject }
    privateEndpoint: { subnetId: ${SUBNET} }
  dps-x509:hubs:
    - name: hub-a
      ipAllowList: [{ name: office, ipMask: 203.0.113.0/24 }]
      privateEndpoint: { subnetId: ${SUBNET} }
  dps-x509:ca:
    root: { name: root-ca, commonName: Root, upload: false }
    intermediates: [{ name: inter-ca, commonName: Inter, upload: false }]
  dps-x509:armEndpoint: ${arm.url}
`,
  );
});

afterAll(async () => {
  setArmClientTestOverrides(undefined);
  await arm.close();
  rmSync(dir, { recursive: true, force: true });
});

async function networkRows(): Promise<CheckResult[]> {
  let stdout = "";
  await runDoctor(["--config", "Pulumi.net.yaml", "--json"], { stdout: (t) => (stdout += t), stderr: () => {}, cwd: dir, env: {} });
  return (JSON.parse(stdout).results as CheckResult[]).filter((r) => /^(hub hub-a|DPS net-dps)[: ]/.test(r.check));
}

test("live resources that match the stack: every hardening row passes, read with GETs only", async () => {
  arm.state.hubs.put(SUB, RG, "hub-a", { ...HARDENED, networkRuleSets: ALLOW, privateEndpointIds: [ENDPOINT] });
  arm.state.dps(SUB, RG, DPS).setNetwork({ publicNetworkAccess: "Enabled", ipFilterRules: DPS_RULES, privateEndpointIds: [DPS_ENDPOINT] });
  arm.requests.clear();
  const rows = await networkRows();
  expect(rows.map((r) => [r.check, r.status])).toEqual([
    ["hub hub-a: disableDeviceSAS", "pass"],
    ["hub hub-a: disableModuleSAS", "pass"],
    ["hub hub-a: disableLocalAuth", "pass"],
    ["hub hub-a: minTlsVersion", "pass"],
    ["hub hub-a: publicNetworkAccess", "pass"],
    ["hub hub-a: IP allow list", "pass"],
    ["hub hub-a: private endpoint", "pass"],
    ["DPS net-dps: publicNetworkAccess", "pass"],
    ["DPS net-dps: IP filter rules", "pass"],
    ["DPS net-dps: private endpoint", "pass"],
  ]);
  expect(arm.requests.all.filter((r) => r.route === "iotHub.get").map((r) => r.apiVersion)).toEqual(["2023-06-30"]);
  expect(arm.requests.all.every((r) => r.method === "GET")).toBe(true);
});

test("resources changed by hand: each difference fails with its fix", async () => {
  arm.state.hubs.put(SUB, RG, "hub-a", { disableDeviceSAS: false, disableModuleSAS: true, disableLocalAuth: true, publicNetworkAccess: "Enabled" });
  arm.state.dps(SUB, RG, DPS).setNetwork({ publicNetworkAccess: "Disabled", ipFilterRules: [...DPS_RULES].reverse() });
  const failed = Object.fromEntries((await networkRows()).filter((r) => r.status === "fail").map((r) => [r.check, `${r.detail} | ${r.fix}`]));
  expect(Object.keys(failed)).toEqual([
    "hub hub-a: disableDeviceSAS",
    "hub hub-a: disableLocalAuth",
    "hub hub-a: minTlsVersion",
    "hub hub-a: IP allow list",
    "hub hub-a: private endpoint",
    "DPS net-dps: publicNetworkAccess",
    "DPS net-dps: IP filter rules",
    "DPS net-dps: private endpoint",
  ]);
  expect(failed["hub hub-a: disableDeviceSAS"]).toMatch(/^false in Azure, true in the stack \| hubs\[0\]\.disableDeviceSAS was changed outside Pulumi/);
  expect(failed["hub hub-a: disableLocalAuth"]).toMatch(/the DPS cannot reach the hub/);
  expect(failed["hub hub-a: minTlsVersion"]).toMatch(/^unset in Azure, "1\.2" in the stack \| Azure sets a hub's minimum TLS version only when the hub is created/);
  expect(failed["hub hub-a: IP allow list"]).toMatch(/^none \(any address\) in Azure/);
  expect(failed["DPS net-dps: IP filter rules"]).toMatch(/\[\["rest".*\["factory".* in Azure, \[\["factory"/);
});

test("a hub that cannot be read fails with how to get access, the rest still checked", async () => {
  arm.state.hubs.remove(SUB, RG, "hub-a");
  const rows = await networkRows();
  expect(rows[0]).toMatchObject({ check: "hub hub-a (ARM)", status: "fail", detail: expect.stringMatching(/^could not be read: HTTP 404 ResourceNotFound/) });
  expect(rows.some((r) => r.check.startsWith("DPS net-dps"))).toBe(true);
});

describe("the stack's private endpoint in each state Azure reports: only Approved passes", () => {
  const OTHER = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Network/privateEndpoints/someone-elses-pe`;
  const endpointRows = async () => Object.fromEntries((await networkRows()).filter((r) => r.check.endsWith("private endpoint")).map((r) => [r.check, r]));

  test("Pending: fails, and says how to approve it, with the connection's id", async () => {
    arm.state.hubs.put(SUB, RG, "hub-a", { ...HARDENED, networkRuleSets: ALLOW, privateEndpoints: [{ id: ENDPOINT, status: "Pending" }] });
    arm.state.dps(SUB, RG, DPS).setNetwork({ publicNetworkAccess: "Enabled", ipFilterRules: DPS_RULES, privateEndpoints: [{ id: DPS_ENDPOINT, status: "Pending", description: "IoT team, ticket 42" }] });
    const rows = await endpointRows();
    expect(rows["hub hub-a: private endpoint"]).toMatchObject({
      status: "fail",
      detail: 'hub-a-pe: Pending ("Please approve my connection."), not Approved',
      fix: expect.stringMatching(/waits for the resource owner's approval.*`az network private-endpoint-connection approve --id \/subscriptions\/.*\/IotHubs\/hub-a\/privateEndpointConnections\/hub-a-pe\.[0-9a-f]+`/),
    });
    expect(rows["DPS net-dps: private endpoint"]).toMatchObject({ status: "fail", detail: 'net-dps-pe: Pending ("IoT team, ticket 42"), not Approved' });
  });

  test("Rejected and Disconnected: fail, each with its own way out", async () => {
    arm.state.hubs.put(SUB, RG, "hub-a", { ...HARDENED, networkRuleSets: ALLOW, privateEndpoints: [{ id: ENDPOINT, status: "Rejected" }] });
    arm.state.dps(SUB, RG, DPS).setNetwork({ publicNetworkAccess: "Enabled", ipFilterRules: DPS_RULES, privateEndpoints: [{ id: DPS_ENDPOINT, status: "Disconnected" }] });
    const rows = await endpointRows();
    expect(rows["hub hub-a: private endpoint"]).toMatchObject({ status: "fail", detail: 'hub-a-pe: Rejected ("Rejected by the resource owner"), not Approved', fix: expect.stringMatching(/^A rejected connection .*`pulumi up --replace/) });
    expect(rows["DPS net-dps: private endpoint"]).toMatchObject({ status: "fail", detail: expect.stringMatching(/^net-dps-pe: Disconnected/), fix: expect.stringMatching(/was deleted: `pulumi refresh`/) });
  });

  test("another endpoint's approval is not the stack's: it is named, and the row fails", async () => {
    arm.state.hubs.put(SUB, RG, "hub-a", { ...HARDENED, networkRuleSets: ALLOW, privateEndpointIds: [OTHER], privateEndpoints: [{ id: ENDPOINT, status: "Pending" }] });
    arm.state.dps(SUB, RG, DPS).setNetwork({ publicNetworkAccess: "Enabled", ipFilterRules: DPS_RULES, privateEndpointIds: [OTHER] });
    const rows = await endpointRows();
    expect(rows["hub hub-a: private endpoint"]).toMatchObject({ status: "fail", detail: 'hub-a-pe: Pending ("Please approve my connection."), not Approved' });
    expect(rows["DPS net-dps: private endpoint"]).toMatchObject({ status: "fail", detail: "no connection from net-dps-pe (connected: someone-elses-pe Approved)" });
  });
});
