/**
 * `npm run doctor` on a platform with shards: each shard's DPS is read where it lives (a second subscription and its
 * own resource group, through the strict local ARM server and Microsoft's SDK), its network settings checked as the
 * primary's are, and each hub checked as linked to it.
 */
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { runDoctor } from "../cli/doctor";
import { setArmClientTestOverrides } from "../components/azure/armClient";
import { startArmServer, type ArmServer } from "../azure-test-servers/armServer";
import type { CheckResult } from "../cli/doctor/checks";

const SUB = "00000000-0000-0000-0000-0000000000e7";
const OTHER = "00000000-0000-0000-0000-0000000000f8";
const RG = "net-rg";
const SHARD_RG = "shards-rg";
const SUBNET = `/subscriptions/${OTHER}/resourceGroups/${SHARD_RG}/providers/Microsoft.Network/virtualNetworks/vnet/subnets/iot`;
const ENDPOINT = `/subscriptions/${OTHER}/resourceGroups/${SHARD_RG}/providers/Microsoft.Network/privateEndpoints/net-dps-b-pe`;
const RULES = [{ filterName: "factory", action: "Accept" as const, ipMask: "198.51.100.0/24", target: "all" }];

let arm: ArmServer;
let dir: string;

beforeAll(async () => {
  arm = await startArmServer();
  arm.state.dps(SUB, RG, "net-dps").linkHubs(["hub-a.azure-devices.net"]);
  setArmClientTestOverrides({ credential: { getToken: async () => ({ token: "t", expiresOnTimestamp: Date.now() + 3600_000 }) }, retryDelayInMs: 10 });
  dir = mkdtempSync(join(tmpdir(), "dps-x509-doctor-shards-"));
  writeFileSync(
    join(dir, "Pulumi.sharded.yaml"),
    `config:
  azure-native:location: eastus
  azure-native:subscriptionId: ${SUB}
  dps-x509:resourceGroupName: ${RG}
  dps-x509:dps: { name: net-dps }
  dps-x509:shards:
    - name: net-dps-b
      subscriptionId: ${OTHER}
      resourceGroupName: ${SHARD_RG}
      publicNetworkAccess: Enabled
      ipFilterRules: [{ name: factory, ipMask: 198.51.100.0/24, action: Accept }]
      privateEndpoint: { subnetId: ${SUBNET} }
  dps-x509:hubs: [{ name: hub-a }]
  dps-x509:ca:
    root: { name: root-ca, commonName: Root, upload: false }
    intermediates: [{ name: inter-ca, commonName: Inter, upload: false }]
  dps-x509:tenants: [{ name: acme, shard: net-dps-b }]
  dps-x509:armEndpoint: ${arm.url}
`,
  );
});

afterAll(async () => {
  setArmClientTestOverrides(undefined);
  await arm.close();
  rmSync(dir, { recursive: true, force: true });
});

async function shardRows(): Promise<CheckResult[]> {
  let stdout = "";
  await runDoctor(["--config", "Pulumi.sharded.yaml", "--json"], { stdout: (t) => (stdout += t), stderr: () => {}, cwd: dir, env: {} });
  return (JSON.parse(stdout).results as CheckResult[]).filter((r) => r.check.startsWith("DPS net-dps-b"));
}

test("a shard in a second subscription that matches the stack: read there, every row passes", async () => {
  arm.state.dps(OTHER, SHARD_RG, "net-dps-b").linkHubs(["hub-a.azure-devices.net"]);
  arm.state.dps(OTHER, SHARD_RG, "net-dps-b").setNetwork({ publicNetworkAccess: "Enabled", ipFilterRules: RULES, privateEndpointIds: [ENDPOINT] });
  arm.requests.clear();
  const rows = await shardRows();
  expect(rows.map((r) => [r.check, r.status])).toEqual([
    ["DPS net-dps-b: publicNetworkAccess", "pass"],
    ["DPS net-dps-b: IP filter rules", "pass"],
    ["DPS net-dps-b: private endpoint", "pass"],
    ["DPS net-dps-b: hub hub-a.azure-devices.net linked", "pass"],
  ]);
  const shardReads = arm.requests.all.filter((r) => /provisioningServices\/net-dps-b$/i.test(r.path.split("?")[0]));
  expect(shardReads.map((r) => [r.method, r.path.split("?")[0]])).toEqual([["GET", `/subscriptions/${OTHER}/resourceGroups/${SHARD_RG}/providers/Microsoft.Devices/provisioningServices/net-dps-b`]]);
});

test("a shard opened to the public by hand, its rules gone and its hub unlinked: each fails with the shard's own key", async () => {
  arm.state.dps(OTHER, SHARD_RG, "net-dps-b").linkHubs([]);
  arm.state.dps(OTHER, SHARD_RG, "net-dps-b").setNetwork({ publicNetworkAccess: "Enabled", ipFilterRules: [] });
  const rows = await shardRows();
  expect(rows.filter((r) => r.status === "fail").map((r) => r.check)).toEqual([
    "DPS net-dps-b: IP filter rules",
    "DPS net-dps-b: private endpoint",
    "DPS net-dps-b: hub hub-a.azure-devices.net linked",
  ]);
  expect(rows.find((r) => r.check === "DPS net-dps-b: IP filter rules")!.fix).toContain("shards[0].ipFilterRules");
  expect(rows.find((r) => r.check === "DPS net-dps-b: private endpoint")!.fix).toContain("shards[0].privateEndpoint");
});
