/**
 * The Device Registry REST client follows long-running operations as Azure defines them, against the strict local
 * server: 201 + Azure-AsyncOperation polled with the Retry-After the server asks, 202 + Location, 204 for nothing
 * to delete, and a Failed operation's error surfaced; the api-version is 2026-11-01.
 */
import { setArmClientTestOverrides } from "../components/azure/armClient";
import { DeviceRegistryClient, adrIds, retryAfterMs } from "../components/azure/deviceRegistryClient";
import { startArmServerWithDeviceRegistry, newAdrServerState, type AdrServerState } from "../azure-test-servers/armDeviceRegistry";
import { AdrIssuers } from "../azure-test-servers/adrIssuers";
import type { ArmServer } from "../azure-test-servers/armServer";

const SUB = "00000000-0000-0000-0000-00000000c11e";
let arm: ArmServer;
let adr: AdrServerState;
const ns = adrIds.namespace({ subscriptionId: SUB, resourceGroupName: "rg", namespaceName: "lro-ns" });

beforeAll(async () => {
  ({ server: arm, adr } = await startArmServerWithDeviceRegistry({ adr: newAdrServerState(new AdrIssuers()) }));
  setArmClientTestOverrides({ credential: { getToken: async () => ({ token: "t", expiresOnTimestamp: Date.now() + 3600_000 }) }, retryDelayInMs: 10 });
});
afterAll(async () => {
  setArmClientTestOverrides(undefined);
  await arm.close();
});

test("PUT 201: polls Azure-AsyncOperation, waiting Retry-After between polls, then reads the resource", async () => {
  adr.retryAfterSeconds = 1;
  adr.pollsUntilDone = 2;
  arm.requests.clear();
  const started = Date.now();
  const body = await new DeviceRegistryClient({ subscriptionId: SUB, endpoint: arm.url }).put<{ properties: { provisioningState: string } }>(ns, { location: "eastus" });
  const took = Date.now() - started;
  adr.retryAfterSeconds = 0;
  adr.pollsUntilDone = 1;
  expect(body.properties.provisioningState).toBe("Succeeded");
  expect(arm.requests.all.map((r) => `${r.method} ${r.extraRoute} ${r.status}`)).toEqual([
    "PUT adr.namespace.put 201",
    "GET adr.operationStatus 200",
    "GET adr.operationStatus 200",
    "GET adr.operationStatus 200",
    "GET adr.namespace.get 200",
  ]);
  expect(took).toBeGreaterThanOrEqual(3000); // 1 s before each of the three polls
  expect(arm.requests.all.every((r) => r.apiVersion === "2026-11-01")).toBe(true);
}, 20_000);

test("DELETE 202 + Location, then 204 for what is gone; a Failed operation's error is thrown", async () => {
  const client = new DeviceRegistryClient({ subscriptionId: SUB, endpoint: arm.url });
  await client.put(ns, { location: "eastus" });
  adr.failNext = { route: "adr.namespace.patch", code: "LinkUpdateFailed", message: "the link could not be changed" };
  await expect(client.patch(ns, { tags: { a: "b" } })).rejects.toThrow("LinkUpdateFailed: the link could not be changed");
  arm.requests.clear();
  expect(await client.delete(ns)).toBe(true);
  expect(await client.delete(ns)).toBe(false);
  expect(arm.requests.all.map((r) => `${r.method} ${r.extraRoute} ${r.status}`)).toEqual(["DELETE adr.namespace.delete 202", "GET adr.operationStatus 200", "GET adr.operationStatus 200", "DELETE adr.namespace.delete 204"]);
  expect(await client.get(ns)).toBeUndefined();
});

test("Retry-After: seconds honoured, capped; absent → the default poll interval", () => {
  expect(retryAfterMs("2")).toBe(2000);
  expect(retryAfterMs("3600")).toBe(30_000);
  expect(retryAfterMs(undefined)).toBe(5000);
  expect(retryAfterMs("soon")).toBe(5000);
});
