/**
 * The plan runs every dynamic provider's `check` on what the program declared, as `pulumi preview` does: a provider
 * check that the config checks missed still fails the plan (cli/plan/providerChecks.ts).
 */
import * as fs from "fs";
import * as path from "path";
import { providerCheckProblems } from "../cli/plan/providerChecks";
import type { RecordedResource } from "../cli/plan/record";
import { formatProblem } from "../components/config/problems";
import { providers } from "../components/providers/registry";

const group = (inputs: Record<string, unknown>): RecordedResource => ({
  type: "pulumi-nodejs:dynamic/dps-x509:EnrollmentGroup",
  name: "dps-x509-group-1",
  parent: null,
  parentUrn: null,
  dependsOn: [],
  dependsOnUrns: [],
  urn: "urn:pulumi:plan::dps-x509::pulumi-nodejs:dynamic/dps-x509:EnrollmentGroup::dps-x509-group-1",
  inputs: {
    enrollmentId: "group-1",
    primaryCaName: "int-ca",
    provisioningStatus: "enabled",
    allocationPolicy: "hashed",
    iotHubHostNames: ["hub-one.azure-devices.net"],
    reprovisionPolicy: "reprovisionandmigratedata",
    edgeEnabled: false,
    serviceHostName: "(known after up)",
    connectionString: "[secret]",
    providerVersion: "1",
    ...inputs,
  },
});

test("good: inputs the provider accepts (secrets and unknowns are not judged, as in a preview)", async () => {
  expect(await providerCheckProblems([group({})])).toEqual([]);
});

test("bad: inputs the provider refuses fail the plan, naming the resource, the input and the reason", async () => {
  const problems = await providerCheckProblems([group({ provisioningStatus: "Enabled" })]);
  expect(problems.map((problem) => problem.path)).toEqual(["EnrollmentGroup dps-x509-group-1: provisioningStatus"]);
  expect(formatProblem(problems[0])).toMatch(/provisioningStatus.*refuses it at preview/);
});

test("a refused input that is not a number or a boolean is not shown (it may be a key)", async () => {
  const revoked: RecordedResource = {
    ...group({}),
    type: "pulumi-nodejs:dynamic/dps-x509:RevokedDevice",
    name: "dps-x509-revoked-device-1",
    inputs: { registrationId: "device-1", certificatePem: "-----BEGIN PRIVATE KEY-----\nMIIEsecret\n-----END PRIVATE KEY-----\n", serviceHostName: "(known after up)", providerVersion: "1" },
  };
  const problems = await providerCheckProblems([revoked]);
  expect(problems.map((problem) => problem.path)).toContain("RevokedDevice dps-x509-revoked-device-1: certificatePem");
  expect(problems.map(formatProblem).join("\n")).not.toMatch(/PRIVATE KEY|MIIEsecret/);
});

test("every provider of the registry has its resource type here", () => {
  const source = fs.readFileSync(path.join(__dirname, "../cli/plan/providerChecks.ts"), "utf8");
  const mapped = [...source.matchAll(/^\s+\w+: "(\w+)",$/gm)].map((m) => m[1]);
  expect(mapped.sort()).toEqual(Object.keys(providers).sort());
});

test("a dynamic resource of a kind the plan does not know fails loudly, never passes unchecked", async () => {
  await expect(providerCheckProblems([{ ...group({}), type: "pulumi-nodejs:dynamic/dps-x509:Unheard" }])).rejects.toThrow(/no provider for/);
});
