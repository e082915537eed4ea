/**
 * Hubs and DPS for an X.509 fleet (docs/network-and-auth.md), as the program declares them under Pulumi's runtime
 * mocks: the X.509-only defaults on a new hub, each changeable; IP rules and private endpoints from config; an
 * adopted hub sent only what its config says; a production stack's resource-group tag.
 */
import * as path from "path";
import { evaluatePlan } from "../cli/plan/evaluate";
import type { RecordedResource } from "../cli/plan/record";
import { readStackFile } from "../cli/plan/stackFile";

const DEV = readStackFile(path.resolve(__dirname, "../Pulumi.dev.yaml"));
const SUBNET = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/net-rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/iot";

async function declared(extra: Record<string, unknown>, azure: Record<string, string> = {}): Promise<RecordedResource[]> {
  const allConfig = { ...DEV.allConfig, ...azure, ...Object.fromEntries(Object.entries(extra).map(([key, value]) => [`dps-x509:${key}`, typeof value === "string" ? value : JSON.stringify(value)])) };
  const result = await evaluatePlan({ ...DEV, allConfig }, "dev");
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.resources;
}

const ofType = (resources: RecordedResource[], type: string) => resources.filter((r) => r.type === type);
const HUB = "azure-native:iothub:IotHubResource";
const DPS = "azure-native:deviceprovisioningservices:IotDpsResource";
const ENDPOINT = "azure-native:network:PrivateEndpoint";
const hub = (extra: Record<string, unknown>) => ({ hubs: [{ name: "my-iot-hub-x509", ...extra }] });

test("a new hub refuses device and module SAS and TLS below 1.2, keeps its policies' SAS for the DPS link, stays public", async () => {
  const [declaredHub] = ofType(await declared({}), HUB);
  expect(declaredHub.inputs.properties).toEqual({ disableDeviceSAS: true, disableModuleSAS: true, disableLocalAuth: false, minTlsVersion: "1.2", publicNetworkAccess: "Enabled" });
});

test("each default can be changed in config; minTlsVersion 1.0 leaves the property unset (Azure's default)", async () => {
  const [declaredHub] = ofType(await declared(hub({ disableDeviceSAS: false, disableModuleSAS: false, minTlsVersion: "1.0", publicNetworkAccess: "Disabled" })), HUB);
  expect(declaredHub.inputs.properties).toEqual({ disableDeviceSAS: false, disableModuleSAS: false, disableLocalAuth: false, publicNetworkAccess: "Disabled" });
});

test("a hub's IP allow list becomes a network rule set that denies everything else", async () => {
  const [declaredHub] = ofType(await declared(hub({ ipAllowList: [{ name: "office", ipMask: "203.0.113.0/24" }] })), HUB);
  expect((declaredHub.inputs.properties as Record<string, unknown>).networkRuleSets).toEqual({
    defaultAction: "Deny",
    applyToBuiltInEventHubEndpoint: true,
    ipRules: [{ filterName: "office", action: "Allow", ipMask: "203.0.113.0/24" }],
  });
});

test("the DPS takes public network access and IP filter rules in order, with their target", async () => {
  const dps = { name: "my-dps-x509", publicNetworkAccess: "Enabled", ipFilterRules: [{ name: "factory", ipMask: "198.51.100.7", action: "Accept", target: "deviceApi" }, { name: "rest", ipMask: "0.0.0.0/0", action: "Reject" }] };
  const [declaredDps] = ofType(await declared({ dps }), DPS);
  const properties = declaredDps.inputs.properties as Record<string, unknown>;
  expect(properties.publicNetworkAccess).toBe("Enabled");
  expect(properties.ipFilterRules).toEqual([
    { filterName: "factory", action: "Accept", ipMask: "198.51.100.7", target: "deviceApi" },
    { filterName: "rest", action: "Reject", ipMask: "0.0.0.0/0", target: "all" },
  ]);
});

test("a subnet id gives the hub and the DPS each a private endpoint with Private Link's group id (iotHub, iotDps)", async () => {
  const resources = await declared({ ...hub({ privateEndpoint: { subnetId: SUBNET } }), dps: { name: "my-dps-x509", privateEndpoint: { subnetId: SUBNET, location: "westeurope" } } });
  const endpoints = ofType(resources, ENDPOINT).sort((a, b) => a.name.localeCompare(b.name));
  expect(endpoints.map((e) => e.name)).toEqual(["dps-x509-provisioning-dps-pe", "dps-x509-provisioning-hub-my-iot-hub-x509-pe"]);
  const [dpsEndpoint, hubEndpoint] = endpoints;
  expect(hubEndpoint.inputs).toMatchObject({ privateEndpointName: "my-iot-hub-x509-pe", location: "eastus", subnet: { id: SUBNET } });
  expect(hubEndpoint.inputs.privateLinkServiceConnections).toEqual([{ name: "my-iot-hub-x509-pe", privateLinkServiceId: expect.stringMatching(/\/resourceGroups\/[^/]+\/providers\/Microsoft\.Devices\/IotHubs\/my-iot-hub-x509$/), groupIds: ["iotHub"] }]);
  expect(hubEndpoint.dependsOn).toContain("dps-x509-provisioning-hub-my-iot-hub-x509");
  expect(dpsEndpoint.inputs).toMatchObject({ privateEndpointName: "my-dps-x509-pe", location: "westeurope" });
  expect((dpsEndpoint.inputs.privateLinkServiceConnections as Array<{ groupIds: string[] }>)[0].groupIds).toEqual(["iotDps"]);
  expect(dpsEndpoint.dependsOn).toContain("dps-x509-provisioning-dps");
});

test("without a subnet id, no private endpoint", async () => {
  expect(ofType(await declared({}), ENDPOINT)).toEqual([]);
});

test("an adopted hub is sent only what its config says (a Pulumi import must match the live hub)", async () => {
  const resources = await declared(hub({ adopt: true, disableDeviceSAS: true }), { "azure-native:subscriptionId": "00000000-0000-0000-0000-000000000000" });
  const [declaredHub] = ofType(resources, HUB);
  expect(declaredHub.importId).toMatch(/IotHubs\/my-iot-hub-x509$/i);
  expect(declaredHub.inputs.properties).toEqual({ disableDeviceSAS: true });
});

test("environment: production tags the resource group; no environment, no tag", async () => {
  const [tagged] = ofType(await declared({ environment: "production" }), "azure-native:resources:ResourceGroup");
  expect(tagged.inputs.tags).toEqual({ "dps-x509-environment": "production" });
  const [plain] = ofType(await declared({}), "azure-native:resources:ResourceGroup");
  expect(plain.inputs.tags).toBeUndefined();
});
