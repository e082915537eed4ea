/**
 * The enrollment-group and revoked-device providers as Pulumi ships them (serialized like `pulumi.dynamic.Resource`
 * does, loaded back from the text like the dynamic provider host does): the day-two helpers (adoption, delete with
 * If-Match) travel in the closure and behave the same against the strict local DPS service.
 */
import * as pulumi from "@pulumi/pulumi";
import { startRoutedFakeDps } from "../azure-test-servers/dpsServiceServer";
import { ENROLLMENT_GROUP_PROVIDER_VERSION, enrollmentGroupProvider, type EnrollmentGroupProviderInputs, type EnrollmentGroupProviderOutputs } from "../components/providers/enrollmentGroup";

// eslint-disable-next-line @typescript-eslint/no-var-requires
const requireFromString = require("require-from-string") as (code: string) => { handler: () => typeof enrollmentGroupProvider };

test("serialized: adopt puts with the existing etag; delete sends If-Match and refuses a group changed since", async () => {
  const text = (await pulumi.runtime.serializeFunction(() => enrollmentGroupProvider, { allowSecrets: true })).text;
  expect(text).toContain("adoptRecord");
  expect(text).toContain("deleteWithEtag");
  const provider = requireFromString(text).handler() as Required<typeof enrollmentGroupProvider>;
  const { server, stop } = await startRoutedFakeDps({ linkedHubs: ["hub-a.azure-devices.net"], caCertificates: { "root-ca": { verified: true } } });
  try {
    const inputs: EnrollmentGroupProviderInputs = {
      enrollmentId: "by-hand",
      primaryCaName: "root-ca",
      provisioningStatus: "enabled",
      allocationPolicy: "hashed",
      iotHubHostNames: ["hub-a.azure-devices.net"],
      reprovisionPolicy: "reprovisionandmigratedata",
      edgeEnabled: false,
      serviceHostName: server.hostName,
      connectionString: server.connectionString(),
      providerVersion: ENROLLMENT_GROUP_PROVIDER_VERSION,
    };
    await provider.create({ ...inputs, provisioningStatus: "disabled" });
    const handEtag = server.group("by-hand")!.etag;
    server.resetRequests();
    const { outs } = await provider.create({ ...inputs, adopt: true });
    expect(server.requests.map((r) => `${r.method} ${r.status}`)).toEqual(["GET 200", "PUT 200"]);
    expect(server.requests[1].headers["if-match"]!.replace(/"/g, "")).toBe(handEtag);
    expect((outs as EnrollmentGroupProviderOutputs).adoptedChanges).toEqual(["provisioningStatus"]);
    server.editGroup("by-hand", (g) => void (g.provisioningStatus = "disabled"));
    await expect(provider.delete("by-hand", outs as EnrollmentGroupProviderOutputs)).rejects.toThrow(/not deleting it\. Run `pulumi refresh`/);
    expect(server.group("by-hand")).toBeDefined();
  } finally {
    await stop();
  }
}, 60_000);
