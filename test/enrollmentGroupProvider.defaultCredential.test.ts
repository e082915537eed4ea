/**
 * Without a connection string the provider signs in with DefaultAzureCredential (replaced here by a fake
 * that hands out a token the fake DPS accepts), once per process, and sends `Authorization: Bearer`.
 */
const tokenRequests: unknown[] = [];
let constructed = 0;
jest.mock("@azure/identity", () => ({
  DefaultAzureCredential: class {
    constructor() {
      constructed++;
    }
    async getToken(scope: unknown) {
      tokenRequests.push(scope);
      return { token: "aad-token", expiresOnTimestamp: Date.now() + 3600_000 };
    }
  },
}));

import { enrollmentGroupProvider, EnrollmentGroupProviderInputs } from "../components/providers/enrollmentGroup";
import { FakeDpsServiceServer, startRoutedFakeDps } from "../azure-test-servers/dpsServiceServer";

const provider = enrollmentGroupProvider as Required<typeof enrollmentGroupProvider>;
let server: FakeDpsServiceServer;
let stop: () => Promise<void>;
beforeAll(async () => {
  ({ server, stop } = await startRoutedFakeDps({ bearerTokens: ["aad-token"] }));
});
afterAll(async () => stop());

test("create, read, update and delete with DefaultAzureCredential: one credential, one token, Bearer on every request", async () => {
  const ins: EnrollmentGroupProviderInputs = {
    enrollmentId: "eg-aad", primaryCaName: "root-ca", provisioningStatus: "enabled", allocationPolicy: "hashed",
    iotHubHostNames: ["hub-a.azure-devices.net"], reprovisionPolicy: "reprovisionandmigratedata", edgeEnabled: false,
    serviceHostName: server.hostName, providerVersion: "1",
  };
  expect((await provider.check({} as never, ins)).failures).toEqual([]);
  const created = await provider.create(ins);
  const read = await provider.read(created.id, created.outs);
  const updated = await provider.update(created.id, read.props!, { ...ins, provisioningStatus: "disabled" });
  await provider.delete(created.id, updated.outs!);
  expect(server.requests.map((r) => `${r.method} ${r.status} ${r.headers.authorization}`)).toEqual(["PUT 200 Bearer", "GET 200 Bearer", "GET 200 Bearer", "PUT 200 Bearer", "DELETE 204 Bearer"]);
  expect(constructed).toBe(1);
  expect(tokenRequests).toEqual(["https://azure-devices-provisioning.net/.default"]);
  expect(created.outs).not.toHaveProperty("connectionString");
});
