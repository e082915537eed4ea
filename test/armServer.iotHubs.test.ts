/**
 * The local ARM server's IoT hubs (azure-test-servers/armIotHubs.ts) through Microsoft's `@azure/arm-iothub`: the
 * body as the REST spec's `iothub_get.json` (2023-06-30) shapes it, ARM's 404 and api-version refusals.
 */
import { IotHubClient } from "@azure/arm-iothub";
import { startArmServer, type ArmServer } from "../azure-test-servers/armServer";

const SUB = "00000000-0000-0000-0000-0000000000a1";
const credential = { getToken: async () => ({ token: "t", expiresOnTimestamp: Date.now() + 3600_000 }) };
let arm: ArmServer;

beforeAll(async () => {
  arm = await startArmServer();
});
afterAll(() => arm.close());

test("a seeded hub reads back through the SDK with its settings and approved private endpoints", async () => {
  const endpoint = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Network/privateEndpoints/pe`;
  arm.state.hubs.put(SUB, "rg", "hub-a", { disableDeviceSAS: true, minTlsVersion: "1.2", publicNetworkAccess: "Disabled", privateEndpointIds: [endpoint] });
  const hub = await new IotHubClient(credential, SUB, { endpoint: arm.url }).iotHubResource.get("rg", "hub-a");
  expect(hub.id).toBe(`/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Devices/IotHubs/hub-a`);
  expect(hub.properties).toMatchObject({ hostName: "hub-a.azure-devices.net", disableDeviceSAS: true, minTlsVersion: "1.2", publicNetworkAccess: "Disabled" });
  expect(hub.properties?.disableModuleSAS).toBeUndefined();
  expect(hub.properties?.privateEndpointConnections?.map((c) => [c.properties.privateEndpoint?.id, c.properties.privateLinkServiceConnectionState.status])).toEqual([[endpoint, "Approved"]]);
});

test("a hub not there is ARM's 404 ResourceNotFound; another api-version is refused with 400", async () => {
  await expect(new IotHubClient(credential, SUB, { endpoint: arm.url }).iotHubResource.get("rg", "nope")).rejects.toMatchObject({ statusCode: 404, code: "ResourceNotFound" });
  await expect(new IotHubClient(credential, SUB, { endpoint: arm.url, apiVersion: "2021-07-02" }).iotHubResource.get("rg", "hub-a")).rejects.toMatchObject({ statusCode: 400, code: "InvalidApiVersionParameter" });
});

test("private endpoint connections in every state Azure reports, shaped as the SDK's PrivateLinkServiceConnectionState", async () => {
  const pe = (name: string) => `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Network/privateEndpoints/${name}`;
  const states = ["Pending", "Approved", "Rejected", "Disconnected"] as const;
  arm.state.hubs.put(SUB, "rg", "hub-b", { privateEndpoints: states.map((status) => ({ id: pe(status.toLowerCase()), status })) });
  const hub = await new IotHubClient(credential, SUB, { endpoint: arm.url }).iotHubResource.get("rg", "hub-b");
  const listed = hub.properties?.privateEndpointConnections ?? [];
  expect(listed.map((c) => [c.properties.privateEndpoint?.id, c.properties.privateLinkServiceConnectionState.status])).toEqual(states.map((status) => [pe(status.toLowerCase()), status]));
  // description is required in the REST spec; each connection is a child resource of the hub.
  for (const c of listed) {
    expect(typeof c.properties.privateLinkServiceConnectionState.description).toBe("string");
    expect(c.properties.privateLinkServiceConnectionState.description.length).toBeGreaterThan(0);
    expect(c.id).toMatch(new RegExp(`^/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Devices/IotHubs/hub-b/privateEndpointConnections/`));
    expect(c.type).toBe("Microsoft.Devices/IotHubs/PrivateEndpointConnections");
  }
});
