/**
 * A shard's own settings, as the plan declares them (cli/plan/evaluate.ts, the path `npm run plan` takes): its
 * public network access, IP filter rules and private endpoint built as the primary's are, and a shard in another
 * subscription declared through one azure-native provider for that subscription, in its own resource group, while
 * its hub links still read the hubs' keys in the stack's subscription.
 */
import * as path from "path";
import { evaluatePlan } from "../cli/plan/evaluate";
import type { RecordedResource } from "../cli/plan/record";
import { readStackFile } from "../cli/plan/stackFile";

const PLATFORM = readStackFile(path.resolve(__dirname, "../Pulumi.platform.yaml"));
const SUB = "00000000-0000-0000-0000-00000000a001";
const OTHER = "00000000-0000-0000-0000-00000000b002";
const subnet = (sub: string) => `/subscriptions/${sub}/resourceGroups/net-rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/iot`;
const DPS = "azure-native:deviceprovisioningservices:IotDpsResource";
const ENDPOINT = "azure-native:network:PrivateEndpoint";
const PROVIDER = "pulumi:providers:azure-native";

async function plan(shards: unknown[]): Promise<RecordedResource[]> {
  const allConfig = { ...PLATFORM.allConfig, "azure-native:subscriptionId": SUB, "dps-x509:shards": JSON.stringify(shards) };
  const result = await evaluatePlan({ ...PLATFORM, allConfig }, "platform");
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.resources;
}
const dpsNamed = (resources: RecordedResource[], name: string) => resources.find((r) => r.type === DPS && r.inputs.provisioningServiceName === name)!;

test("a private shard is declared private: public access, IP filter rules in order, and a private endpoint on its DPS", async () => {
  const rules = [
    { name: "factory", ipMask: "198.51.100.0/24", action: "Accept", target: "deviceApi" },
    { name: "rest", ipMask: "0.0.0.0/0", action: "Reject" },
  ];
  const resources = await plan([
    { name: "shared-dps-closed", publicNetworkAccess: "Disabled", privateEndpoint: { subnetId: subnet(SUB) } },
    { name: "shared-dps-filtered", ipFilterRules: rules },
  ]);
  expect((dpsNamed(resources, "shared-dps-closed").inputs.properties as Record<string, unknown>).publicNetworkAccess).toBe("Disabled");
  const filtered = dpsNamed(resources, "shared-dps-filtered").inputs.properties as Record<string, unknown>;
  expect(filtered.publicNetworkAccess).toBe("Enabled");
  expect(filtered.ipFilterRules).toEqual([
    { filterName: "factory", action: "Accept", ipMask: "198.51.100.0/24", target: "deviceApi" },
    { filterName: "rest", action: "Reject", ipMask: "0.0.0.0/0", target: "all" },
  ]);
  const endpoints = resources.filter((r) => r.type === ENDPOINT);
  expect(endpoints.map((e) => e.name)).toEqual(["dps-x509-shard-shared-dps-closed-dps-pe"]);
  expect(endpoints[0].inputs).toMatchObject({ privateEndpointName: "shared-dps-closed-pe", subnet: { id: subnet(SUB) } });
  expect(endpoints[0].inputs.privateLinkServiceConnections).toEqual([
    { name: "shared-dps-closed-pe", privateLinkServiceId: expect.stringMatching(new RegExp(`^/subscriptions/${SUB}/resourceGroups/iot-shared-rg/.*provisioningServices/shared-dps-closed$`)), groupIds: ["iotDps"] },
  ]);
  expect(endpoints[0].dependsOn).toContain("dps-x509-shard-shared-dps-closed-dps");
});

test("shards in a second subscription share one provider for it and live in their own resource group; the rest stay on the default", async () => {
  const resources = await plan([
    { name: "shared-dps-b", subscriptionId: OTHER, resourceGroupName: "iot-shards-rg", privateEndpoint: { subnetId: subnet(OTHER) } },
    { name: "shared-dps-c", subscriptionId: OTHER, resourceGroupName: "iot-shards-rg" },
    { name: "shared-dps-d" },
  ]);
  const providers = resources.filter((r) => r.type === PROVIDER);
  expect(providers.map((p) => [p.name, p.inputs.subscriptionId])).toEqual([[`dps-x509-subscription-${OTHER}`, OTHER]]);
  for (const name of ["shared-dps-b", "shared-dps-c"]) {
    expect(dpsNamed(resources, name)).toMatchObject({ provider: providers[0].name, inputs: { resourceGroupName: "iot-shards-rg" } });
  }
  expect(resources.find((r) => r.type === ENDPOINT)).toMatchObject({ provider: providers[0].name, inputs: { resourceGroupName: "iot-shards-rg" } });
  // The endpoint connects to the shard's DPS by its ARM id in that subscription and group.
  expect((resources.find((r) => r.type === ENDPOINT)!.inputs.privateLinkServiceConnections as Array<{ privateLinkServiceId: string }>)[0].privateLinkServiceId).toBe(
    `/subscriptions/${OTHER}/resourceGroups/iot-shards-rg/providers/Microsoft.Devices/provisioningServices/shared-dps-b`,
  );
  const stay = dpsNamed(resources, "shared-dps-d");
  expect(stay.provider).toBeUndefined();
  expect(stay.inputs.resourceGroupName).toBe("iot-shared-rg");
  expect(dpsNamed(resources, "shared-dps-x509").provider).toBeUndefined();
  // The hubs stay where they are: every DPS links both, by connection string.
  expect((dpsNamed(resources, "shared-dps-b").inputs.properties as { iotHubs: unknown[] }).iotHubs).toHaveLength(2);
  expect(resources.filter((r) => r.type === "azure-native:iothub:IotHubResource").every((hub) => hub.provider === undefined)).toBe(true);
});

test("a shard's network settings and placement are checked by the primary's rules, at the shard's own keys", async () => {
  const allConfig = {
    ...PLATFORM.allConfig,
    "azure-native:subscriptionId": SUB,
    "dps-x509:shards": JSON.stringify([
      { name: "shared-dps-b", publicNetworkAccess: "Disabled", ipFilterRules: [{ name: "office", ipMask: "10.0.0.300", action: "Accept" }] },
      { name: "shared-dps-c", subscriptionId: OTHER, privateEndpoint: { subnetId: subnet(SUB) } },
    ]),
  };
  const result = await evaluatePlan({ ...PLATFORM, allConfig }, "platform");
  expect(result.ok).toBe(false);
  const problems = result.ok ? [] : result.problems;
  expect(problems.map((p) => p.path).sort()).toEqual(
    ["shards[0].ipFilterRules", "shards[0].ipFilterRules[0].ipMask", "shards[1].privateEndpoint.subnetId", "shards[1].resourceGroupName"].sort(),
  );
  expect(problems.find((p) => p.path === "shards[0].ipFilterRules")!.message).toContain("ignored by Azure while publicNetworkAccess is Disabled");
});

test("`npm run plan` shows a shard's network settings and the provider of its subscription", () => {
  const { spawnSync } = require("child_process") as typeof import("child_process");
  const fs = require("fs") as typeof import("fs");
  const os = require("os") as typeof import("os");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dps-x509-shard-plan-"));
  const file = path.join(dir, "Pulumi.sharded.yaml");
  const yaml = fs.readFileSync(path.resolve(__dirname, "../Pulumi.platform.yaml"), "utf8").replace("config:\n", `config:\n  azure-native:subscriptionId: ${SUB}\n`);
  fs.writeFileSync(
    file,
    `${yaml}  dps-x509:shards:\n    - { name: shared-dps-b, publicNetworkAccess: Disabled, privateEndpoint: { subnetId: "${subnet(OTHER)}" }, subscriptionId: ${OTHER}, resourceGroupName: iot-shards-rg }\n`,
  );
  const root = path.resolve(__dirname, "..");
  const run = spawnSync(process.execPath, ["-r", path.join(root, "cli/tsRegister.js"), path.join(root, "cli/plan.ts"), "--config", file, "--json"], { cwd: root, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  fs.rmSync(dir, { recursive: true, force: true });
  expect(run.stderr).toBe("");
  expect(run.status).toBe(0);
  const planned = JSON.parse(run.stdout) as { resources: RecordedResource[] };
  const shard = planned.resources.find((r) => r.type === DPS && r.inputs.provisioningServiceName === "shared-dps-b")!;
  expect(shard.inputs).toMatchObject({ resourceGroupName: "iot-shards-rg", properties: { publicNetworkAccess: "Disabled" } });
  expect(planned.resources.find((r) => r.type === PROVIDER)!.inputs).toMatchObject({ subscriptionId: OTHER });
  expect(planned.resources.filter((r) => r.type === ENDPOINT).map((r) => r.inputs.privateEndpointName)).toEqual(["shared-dps-b-pe"]);
});

test("the platform tells tenants where a shard lives, and a tenant there uploads its CAs to that subscription and group", async () => {
  const platformPlan = await (async () => {
    const allConfig = {
      ...PLATFORM.allConfig,
      "azure-native:subscriptionId": SUB,
      "dps-x509:shards": JSON.stringify([{ name: "shared-dps-b", subscriptionId: OTHER, resourceGroupName: "iot-shards-rg" }]),
      "dps-x509:tenants": JSON.stringify([{ name: "customer-a", caCertificates: 1, enrollmentGroups: 5, shard: "shared-dps-b" }]),
      "dps-x509:quotas": JSON.stringify({ caCertificatesPerDps: 40 }),
    };
    const result = await evaluatePlan({ ...PLATFORM, allConfig }, "platform");
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    return result;
  })();
  expect((platformPlan.outputs.shards as Record<string, unknown>)["shared-dps-b"]).toMatchObject({ subscriptionId: OTHER, resourceGroupName: "iot-shards-rg" });
  expect((platformPlan.outputs.shards as Record<string, Record<string, unknown>>)["shared-dps-x509"]).not.toHaveProperty("subscriptionId");
  expect((platformPlan.outputs.capacity as { limits: unknown }).limits).toEqual({ caCertificates: 40, enrollmentGroups: 100 });

  const outputs = require("../examples/platform-outputs.signed.json") as Record<string, any>;
  const onShard = { dpsName: "shared-dps-b", idScope: "0ne00BBBBBB", serviceHostName: "shared-dps-b.azure-devices-provisioning.net", globalDeviceEndpoint: "global.azure-devices-provisioning.net", used: { caCertificates: 0, enrollmentGroups: 0 } };
  const sharded = {
    ...outputs,
    shards: {
      [outputs.dpsName]: { dpsName: outputs.dpsName, idScope: outputs.idScope, serviceHostName: outputs.serviceHostName, globalDeviceEndpoint: outputs.globalDeviceEndpoint, used: { caCertificates: 1, enrollmentGroups: 0 } },
      "shared-dps-b": { ...onShard, subscriptionId: OTHER, resourceGroupName: "iot-shards-rg" },
    },
    tenantShards: { "customer-a": "shared-dps-b", "customer-b": outputs.dpsName },
  };
  const tenant = await evaluatePlan(readStackFile(path.resolve(__dirname, "../Pulumi.tenant-customer-a.yaml")), "tenant-customer-a", { platformOutputs: sharded });
  if (!tenant.ok) throw new Error(JSON.stringify(tenant.problems));
  expect(tenant.resources.find((r) => r.type.endsWith(":DpsCertificateUpload"))!.inputs).toMatchObject({ subscriptionId: OTHER, resourceGroupName: "iot-shards-rg", dpsName: "shared-dps-b" });
  // Its outputs say where its DPS is, so `npm run doctor -- --stack <tenant>` reads the shard there.
  expect(tenant.outputs).toMatchObject({ subscriptionId: OTHER, resourceGroupName: "iot-shards-rg", dpsName: "shared-dps-b" });
});
