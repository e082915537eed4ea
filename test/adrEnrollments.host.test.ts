/**
 * An enrollment group with Device Registry names through Pulumi's own dynamic-provider host (a separate process
 * speaking gRPC) against the strict DPS server, with Entra ID: Check, Create (2026-11-01), 409 and adopt, Read (drift),
 * Update with the etag, Delete.
 */
import { DPS_DATA_CONTRIBUTOR, FakeDpsServiceServer } from "../azure-test-servers/dpsServiceServer";
import { FakeEntraTokenServer } from "../azure-test-servers/entraTokenServer";
import { ENROLLMENT_GROUP_PROVIDER_VERSION } from "../components/providers/enrollmentGroup";
import { DynamicProviderHost, Props, urnOf } from "../azure-test-servers/dynamicProviderHost";
import { hostEnv, registeredProviders, REPO } from "./support/hostEnvironment";
import { RESOURCE_TYPES } from "./support/serializedProviders";

let providers: Record<string, string>;
let entra: FakeEntraTokenServer;
let dps: FakeDpsServiceServer;
let host: DynamicProviderHost;

beforeAll(async () => {
  providers = registeredProviders();
  entra = await FakeEntraTokenServer.start();
  dps = await FakeDpsServiceServer.start({
    hostName: "dps-x509-adr-host.azure-devices-provisioning.net",
    linkedHubs: ["hub-a.azure-devices.net"],
    caCertificates: { "onboarding-ca": { verified: true } },
    entra: { issuer: entra.issuer, publicKeyPem: entra.publicKeyPem, roles: { [entra.principalId]: DPS_DATA_CONTRIBUTOR } },
  });
  host = await DynamicProviderHost.start({ cwd: REPO, env: hostEnv([{ host: dps.hostName, port: dps.port }], entra.env()) });
  expect(await host.configure()).toEqual({ acceptSecrets: false });
}, 60_000);

afterAll(async () => {
  await host?.stop();
  await dps?.close();
  await entra?.close();
});

const adr = { namespaceName: "plant-ns", certificateAuthorityName: "devices-ica", certificatePolicyName: "devices-30d" };
const group = (extra: Props = {}): Props => ({
  enrollmentId: "adr-host", primaryCaName: "onboarding-ca", provisioningStatus: "enabled", allocationPolicy: "hashed",
  iotHubHostNames: ["hub-a.azure-devices.net"], reprovisionPolicy: "reprovisionandmigratedata", edgeEnabled: false, deviceRegistry: adr,
  serviceHostName: dps.hostName, providerVersion: ENROLLMENT_GROUP_PROVIDER_VERSION, __provider: providers[RESOURCE_TYPES.enrollmentGroup], ...extra,
});

test("ADR enrollment group: Check, Create at 2026-11-01, 409, adopt, Read (drift), Update with the etag, Delete through the host", async () => {
  const urn = urnOf(RESOURCE_TYPES.enrollmentGroup, "dps-x509-group-adr-host");
  const bad = await host.check(urn, {}, group({ deviceRegistry: { ...adr, certificatePolicyName: "-p" } }));
  expect(bad.failures.map((f) => f.property)).toEqual(["deviceRegistry.certificatePolicyName"]);
  const checked = (await host.check(urn, {}, group())).inputs;
  const created = await host.create(urn, checked);
  expect(dps.requests.map((r) => `${r.method} ${r.query["api-version"]} ${r.status}`)).toEqual(["PUT 2026-11-01 200"]);
  expect(dps.group("adr-host")).toMatchObject(adr);

  // A second stack declaring the same group: 409, with the way to adopt it; adopt takes it as it is.
  await expect(host.create(urn, checked)).rejects.toThrow(/already exists/);
  const adopted = await host.create(urn, (await host.check(urn, {}, group({ adopt: true }))).inputs);
  expect(adopted.properties.adoptedChanges).toEqual([]);

  dps.editGroup("adr-host", (g) => (g.certificateAuthorityName = "other-ica"));
  const read = await host.read(urn, created.id, adopted.properties, checked);
  expect(read.properties.deviceRegistry).toEqual({ ...adr, certificateAuthorityName: "other-ica" });
  expect(await host.diff(urn, created.id, read.properties, checked)).toMatchObject({ changes: "some", replaces: [] });
  dps.resetRequests();
  const updated = await host.update(urn, created.id, read.properties, checked);
  const put = dps.requests.filter((r) => r.method === "PUT").pop()!;
  expect(put.query["api-version"]).toBe("2026-11-01");
  expect(put.headers["if-match"]?.replace(/"/g, "")).toBe(read.properties.etag);
  expect(dps.group("adr-host")).toMatchObject(adr);

  await host.delete(urn, created.id, updated.properties);
  expect(dps.group("adr-host")).toBeUndefined();
}, 90_000);
