/**
 * A platform with shards under the offline plan's mocks: each shard is one more DPS linking the same hubs, the
 * primary keeps its resource names (a stack with one `dps` plans as before), and the outputs say where each tenant
 * lives; a tenant on a shard uploads and writes its groups on that shard's DPS.
 */
import * as path from "path";
import { evaluatePlan } from "../cli/plan/evaluate";
import { readStackFile } from "../cli/plan/stackFile";
import { defaultShard } from "../components/shards/placement";

const ROOT = path.resolve(__dirname, "..");

test("a platform with two shards declares two more DPS linking the same hubs, and exports each tenant's shard", async () => {
  const file = readStackFile(path.join(ROOT, "Pulumi.platform.yaml"));
  const plain = await evaluatePlan(file, "platform");
  if (!plain.ok) throw new Error(JSON.stringify(plain.problems));
  const allConfig = { ...file.allConfig, "dps-x509:shards": JSON.stringify([{ name: "shared-dps-b" }, { name: "shared-dps-c" }]) };
  const result = await evaluatePlan({ ...file, allConfig }, "platform");
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  const dpsResources = result.resources.filter((r) => r.type === "azure-native:deviceprovisioningservices:IotDpsResource");
  expect(dpsResources.map((r) => r.inputs.provisioningServiceName).sort()).toEqual(["shared-dps-b", "shared-dps-c", "shared-dps-x509"]);
  // Every DPS links both hubs.
  for (const dps of dpsResources) expect((dps.inputs.properties as { iotHubs: unknown[] }).iotHubs).toHaveLength(2);
  // The primary DPS keeps its name (and so its URN) from the plan without shards.
  const primaryName = (r: { name: string; inputs: Record<string, unknown> }) => r.inputs.provisioningServiceName === "shared-dps-x509";
  expect(dpsResources.find(primaryName)!.name).toBe(plain.resources.find((r) => r.type === "azure-native:deviceprovisioningservices:IotDpsResource")!.name);
  expect(plain.outputs).not.toHaveProperty("tenantShards");
  const shards = ["shared-dps-x509", "shared-dps-b", "shared-dps-c"];
  expect(result.outputs.tenantShards).toEqual({ "customer-a": defaultShard("customer-a", shards), "customer-b": defaultShard("customer-b", shards) });
  expect(Object.keys(result.outputs.shards as object).sort()).toEqual([...shards].sort());
});

test("a tenant on a shard targets that shard's DPS and exports its ID scope and service host", async () => {
  const platformOutputs = require("../examples/platform-outputs.signed.json") as Record<string, any>;
  const sharded = {
    ...platformOutputs,
    shards: {
      [platformOutputs.dpsName]: { dpsName: platformOutputs.dpsName, idScope: platformOutputs.idScope, serviceHostName: platformOutputs.serviceHostName, globalDeviceEndpoint: platformOutputs.globalDeviceEndpoint, used: { caCertificates: 1, enrollmentGroups: 0 } },
      "shared-dps-b": { dpsName: "shared-dps-b", idScope: "0ne00BBBBBB", serviceHostName: "shared-dps-b.azure-devices-provisioning.net", globalDeviceEndpoint: "global.azure-devices-provisioning.net", used: { caCertificates: 0, enrollmentGroups: 0 } },
    },
    tenantShards: { "customer-a": "shared-dps-b", "customer-b": platformOutputs.dpsName },
  };
  const result = await evaluatePlan(readStackFile(path.join(ROOT, "Pulumi.tenant-customer-a.yaml")), "tenant-customer-a", { platformOutputs: sharded });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  expect(result.resources.find((r) => r.type.endsWith(":DpsCertificateUpload"))!.inputs).toMatchObject({ dpsName: "shared-dps-b" });
  expect(result.resources.find((r) => r.type.endsWith(":EnrollmentGroup"))!.inputs).toMatchObject({ serviceHostName: "shared-dps-b.azure-devices-provisioning.net" });
  expect(result.outputs).toMatchObject({ dpsName: "shared-dps-b", idScope: "0ne00BBBBBB", serviceHostName: "shared-dps-b.azure-devices-provisioning.net" });
});
