/**
 * The fake ARM server's DPS resource GET (`iotDpsResource.get`), through Microsoft's SDK: the linked hubs' host names
 * in `properties.iotHubs[].name`, the ID scope, 404 for a DPS it does not know.
 */
import { createDpsClient, setArmClientTestOverrides } from "../components/azure/armClient";
import { ArmServer, startArmServer } from "../azure-test-servers/armServer";

const SUB = "00000000-0000-0000-0000-0000000000a1";
let arm: ArmServer;

beforeAll(async () => {
  arm = await startArmServer();
  setArmClientTestOverrides({ credential: { getToken: async () => ({ token: "t", expiresOnTimestamp: Date.now() + 3600_000 }) }, retryDelayInMs: 10 });
});
afterAll(async () => {
  setArmClientTestOverrides(undefined);
  await arm.close();
});

test("GET of the DPS resource returns its linked hubs, as the SDK reads them", async () => {
  arm.state.dps(SUB, "rg-1", "dps-1").linkHubs(["hub-a.azure-devices.net", "hub-b.azure-devices.net"], { idScope: "0ne000ABCDE", allocationPolicy: "GeoLatency" });
  const client = createDpsClient({ subscriptionId: SUB, endpoint: arm.url });
  const dps = await client.iotDpsResource.get("dps-1", "rg-1");
  expect(dps.name).toBe("dps-1");
  expect(dps.properties.idScope).toBe("0ne000ABCDE");
  expect(dps.properties.allocationPolicy).toBe("GeoLatency");
  expect(dps.properties.iotHubs?.map((h) => h.name)).toEqual(["hub-a.azure-devices.net", "hub-b.azure-devices.net"]);
  expect(dps.properties.iotHubs?.[0].connectionString).toContain("SharedAccessKey=****");
  expect(arm.requests.all.map((r) => [r.method, r.route, r.status, r.apiVersion])).toEqual([["GET", "provisioningService.get", 200, "2022-02-05"]]);
  // The certificate routes are unchanged beside it.
  expect((await client.dpsCertificate.list("rg-1", "dps-1")).value).toEqual([]);
});

test("a DPS nobody set up is 404 ResourceNotFound", async () => {
  const client = createDpsClient({ subscriptionId: SUB, endpoint: arm.url });
  await expect(client.iotDpsResource.get("nope", "rg-1")).rejects.toMatchObject({ statusCode: 404, code: "ResourceNotFound" });
});
