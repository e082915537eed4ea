/**
 * Every example stack's enrollment groups, as the offline plan shows them, are accepted by the strict local DPS
 * service: the bodies are the ones the provider PUTs, sent through Microsoft's client. The fake knows only the
 * stack's linked hubs and its verified CAs, as the real DPS will after `pulumi up`.
 */
import * as fs from "fs";
import * as path from "path";
import { createDpsServiceClient } from "../components/azure/dpsServiceClient";
import { enrollmentGroupRequestBody, type EnrollmentGroupSpec } from "../components/requests/enrollmentGroupRequest";
import { evaluatePlan } from "../cli/plan/evaluate";
import { readStackFile } from "../cli/plan/stackFile";
import { startRoutedFakeDps } from "../azure-test-servers/dpsServiceServer";

const ROOT = path.resolve(__dirname, "..");
const PLATFORM_OUTPUTS = JSON.parse(fs.readFileSync(path.join(ROOT, "examples/platform-outputs.signed.json"), "utf8")) as Record<string, unknown>;

const STACKS = ["dev", "multiregion", "keyvault", "tenant-customer-a", "tenant-customer-b"];

test.each(STACKS)("the groups of Pulumi.%s.yaml are accepted by the DPS service", async (stack) => {
  const plan = await evaluatePlan(readStackFile(path.join(ROOT, `Pulumi.${stack}.yaml`)), stack, { platformOutputs: PLATFORM_OUTPUTS });
  if (!plan.ok) throw new Error(JSON.stringify(plan.problems));
  const bodies = plan.resources
    .filter((resource) => resource.type.endsWith(":EnrollmentGroup"))
    .map((resource) => enrollmentGroupRequestBody(resource.inputs as unknown as EnrollmentGroupSpec));
  expect(bodies.length).toBeGreaterThan(0);

  const linkedHubs = plan.resources.flatMap((resource) =>
    resource.type.endsWith(":IotHubResource") ? [`${String(resource.inputs.resourceName)}.azure-devices.net`] : [],
  );
  const tenantHubs = stack.startsWith("tenant-") ? Object.values(PLATFORM_OUTPUTS.hubHostNames as Record<string, string>) : [];
  const caNames = plan.resources.flatMap((resource) => (resource.type.endsWith(":DpsCertificateUpload") ? [String(resource.inputs.certificateName)] : []));
  const { server, stop } = await startRoutedFakeDps({
    linkedHubs: [...linkedHubs, ...tenantHubs],
    caCertificates: Object.fromEntries(caNames.map((name) => [name, { verified: true }])),
  });
  try {
    const client = createDpsServiceClient({ serviceHostName: server.hostName, connectionString: server.connectionString() });
    for (const body of bodies) {
      const stored = await client.putEnrollmentGroup(body);
      expect(stored.enrollmentGroupId).toBe(body.enrollmentGroupId);
      expect(stored.etag).toBeTruthy();
    }
  } finally {
    await stop();
  }
});

test("the strict server refuses a group whose CA it does not hold as verified", async () => {
  const plan = await evaluatePlan(readStackFile(path.join(ROOT, "Pulumi.dev.yaml")), "dev");
  if (!plan.ok) throw new Error(JSON.stringify(plan.problems));
  const group = plan.resources.find((resource) => resource.type.endsWith(":EnrollmentGroup"))!;
  const { server, stop } = await startRoutedFakeDps({
    linkedHubs: ["my-iot-hub-x509.azure-devices.net"],
    caCertificates: { "my-intermediate-ca": { verified: false } },
  });
  try {
    const client = createDpsServiceClient({ serviceHostName: server.hostName, connectionString: server.connectionString() });
    await expect(client.putEnrollmentGroup(enrollmentGroupRequestBody(group.inputs as unknown as EnrollmentGroupSpec))).rejects.toMatchObject({ statusCode: 400 });
  } finally {
    await stop();
  }
});
