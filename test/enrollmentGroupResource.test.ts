/**
 * The EnrollmentGroup resource under Pulumi mocks: what it registers, that credentials are secret and not
 * captured in the serialized provider, and that the serialized provider (what `pulumi up` ships to the
 * dynamic provider host) works on its own against the fake DPS.
 */
import * as pulumi from "@pulumi/pulumi";

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, any>;
}
const registered: Registered[] = [];

pulumi.runtime.setMocks(
  {
    newResource: (args) => {
      registered.push({ type: args.type, name: args.name, inputs: args.inputs });
      return { id: `${args.name}-id`, state: { ...args.inputs, etag: "AAAAAAAAAAE=" } };
    },
    call: (args) => {
      throw new Error(`unexpected call ${args.token}`);
    },
  },
  "dps-x509",
  "test",
  false,
);

// imported after setMocks, as DESIGN.md asks
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { EnrollmentGroup } = require("../components/resources/enrollmentGroup") as typeof import("../components/resources/enrollmentGroup");
import { startRoutedFakeDps } from "../azure-test-servers/dpsServiceServer";
import { createDpsServiceClient } from "../components/azure/dpsServiceClient";

const HOST_FOR_CACHE = "dps-x509-cache.azure-devices-provisioning.net";
// Before any resource is serialized (Pulumi caches the serialized provider): a client made in this process
// with DefaultAzureCredential fills the process-wide cache (no request is sent). It must not be captured.
createDpsServiceClient({ serviceHostName: HOST_FOR_CACHE });

const promiseOf = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply((v) => resolve(v)));
const KEY = Buffer.from("k".repeat(32)).toString("base64");
const HOST = "dps-x509-test.azure-devices-provisioning.net";
const CONNECTION_STRING = `HostName=${HOST};SharedAccessKeyName=provisioningserviceowner;SharedAccessKey=${KEY}`;
const WEBHOOK = "https://alloc.example.net/api/allocate?code=FUNCTIONKEY";

function makeGroup(name = "line-1") {
  return new EnrollmentGroup(name, {
    enrollmentId: "line-1",
    primaryCaName: "root-ca",
    provisioningStatus: "enabled",
    allocationPolicy: "custom",
    iotHubHostNames: ["hub-a.azure-devices.net"],
    customAllocation: { webhookUrl: WEBHOOK, apiVersion: "2021-10-01" },
    reprovisionPolicy: "reprovisionandmigratedata",
    edgeEnabled: false,
    serviceHostName: HOST,
    connectionString: CONNECTION_STRING,
  });
}

test("registers one dynamic resource with the spec, the host, the provider version and the serialized provider", async () => {
  const group = makeGroup();
  await promiseOf(group.id);
  const r = registered.find((x) => x.name === "line-1")!;
  expect(r.type).toBe("pulumi-nodejs:dynamic/dps-x509:EnrollmentGroup");
  expect(r.inputs).toMatchObject({
    enrollmentId: "line-1",
    allocationPolicy: "custom",
    serviceHostName: HOST,
    providerVersion: "2",
  });
  expect(typeof r.inputs.__provider).toBe("string");
  expect(await promiseOf(group.etag)).toBe("AAAAAAAAAAE=");
});

test("the connection string and the webhook URL are secrets; the serialized provider captures neither, nor any client made in this process", async () => {
  const group = makeGroup("line-1-secrets");
  expect(await pulumi.isSecret(group.connectionString)).toBe(true);
  expect(await pulumi.isSecret(group.customAllocation)).toBe(true);
  expect(await pulumi.isSecret(group.enrollmentId)).toBe(false);
  await promiseOf(group.id);
  const provider: string = registered.find((x) => x.name === "line-1-secrets")!.inputs.__provider;
  for (const secret of [KEY, CONNECTION_STRING, WEBHOOK, "FUNCTIONKEY", HOST_FOR_CACHE]) expect(provider).not.toContain(secret);
  expect(provider).not.toMatch(/_restApiClient|_accessToken|sharedAccessSignature/);
  // The shim (components/providers/shim.ts): it loads the provider from the project, it does not carry it.
  expect(provider).toContain("'components/providers/shimLoader.js'");
  expect(provider).not.toContain("azure-iot-provisioning-service");
});

test("the serialized provider, loaded as the dynamic provider host loads it, creates and deletes a group", async () => {
  const group = makeGroup("line-1-serialized");
  await promiseOf(group.id);
  const text: string = registered.find((x) => x.name === "line-1-serialized")!.inputs.__provider;
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const requireFromString = require("require-from-string");
  const provider = requireFromString(text).handler();
  const { server, stop } = await startRoutedFakeDps({ hostName: HOST, key: KEY, linkedHubs: ["hub-a.azure-devices.net"] });
  try {
    const ins = {
      enrollmentId: "serialized-1", primaryCaName: "root-ca", provisioningStatus: "enabled", allocationPolicy: "hashed",
      iotHubHostNames: ["hub-a.azure-devices.net"], reprovisionPolicy: "never", edgeEnabled: true,
      serviceHostName: HOST, connectionString: CONNECTION_STRING, providerVersion: "1",
    };
    expect((await provider.check({}, ins)).failures).toEqual([]);
    const created = await provider.create(ins);
    expect(server.group("serialized-1")).toMatchObject({ capabilities: { iotEdge: true }, reprovisionPolicy: { updateHubAssignment: false, migrateDeviceData: false } });
    await provider.delete(created.id, created.outs);
    expect(server.group("serialized-1")).toBeUndefined();
  } finally {
    await stop();
  }
});
