/**
 * How the program reaches the DPS service API, per `dpsAuth` (docs/dps-auth.md), under Pulumi's runtime mocks:
 * Entra ID by default (a role assignment on the DPS for the running identity, no DPS key read, none in any group),
 * `dpsDataRoleAssignment: false` (no assignment: assigned by hand), `dpsAuth: sas` (the key, as a secret).
 * The invokes a preview makes are counted by the bench's recorder (cli/bench/state.ts).
 */
import * as path from "path";
import { evaluatePlan } from "../cli/plan/evaluate";
import type { RecordedResource } from "../cli/plan/record";
import { readStackFile } from "../cli/plan/stackFile";
import { previewInvokes } from "../cli/bench/state";

const DEV = readStackFile(path.resolve(__dirname, "../Pulumi.dev.yaml"));

async function declared(extra: Record<string, string>): Promise<RecordedResource[]> {
  const result = await evaluatePlan({ ...DEV, allConfig: { ...DEV.allConfig, ...extra } }, "dev");
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.resources;
}

const ofType = (resources: RecordedResource[], type: string) => resources.filter((r) => r.type === type);
const GROUP = "pulumi-nodejs:dynamic/dps-x509:EnrollmentGroup";
const ROLE = "azure-native:authorization:RoleAssignment";

test("default: the DPS data contributor role on the DPS for the running identity; groups wait for it and carry no key", async () => {
  const resources = await declared({});
  const [role] = ofType(resources, ROLE);
  expect(role.inputs).toMatchObject({
    principalId: "00000000-0000-0000-0000-000000000002", // getClientConfig's objectId in the mocks
    roleDefinitionId: "/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions/dfce44e4-17b7-4bd1-a6d1-04996ec95633",
  });
  expect(role.dependsOn).toContain("dps-x509-provisioning-dps"); // scope: the DPS's id
  const [group] = ofType(resources, GROUP);
  expect(group.dependsOn).toContain(role.name);
  expect(group.inputs).not.toHaveProperty("connectionString");
  expect(group.inputs).toHaveProperty("dataRoleAssignedAt");
});

test("dpsDataRoleAssignment: false declares no role assignment (assigned by hand)", async () => {
  const resources = await declared({ "dps-x509:dpsDataRoleAssignment": "false" });
  expect(ofType(resources, ROLE)).toEqual([]);
  const [group] = ofType(resources, GROUP);
  expect(group.inputs).not.toHaveProperty("connectionString");
  expect(group.inputs).not.toHaveProperty("dataRoleAssignedAt");
});

test("dpsAuth: sas keeps the provisioningserviceowner connection string, as a secret, and assigns no role", async () => {
  const resources = await declared({ "dps-x509:dpsAuth": "sas" });
  expect(ofType(resources, ROLE)).toEqual([]);
  expect(ofType(resources, GROUP)[0].inputs.connectionString).toBe("[secret]");
});

test("a preview with Entra ID makes no listIotDpsResourceKeys invoke; with sas it makes one", async () => {
  const entra = await previewInvokes(DEV.allConfig, "dev");
  expect(Object.keys(entra).filter((t) => /listIotDpsResourceKeys/.test(t))).toEqual([]);
  expect(entra["azure-native:authorization:getClientConfig"]).toBe(1);
  const sas = await previewInvokes({ ...DEV.allConfig, "dps-x509:dpsAuth": "sas" }, "dev");
  expect(sas["azure-native:deviceprovisioningservices:listIotDpsResourceKeysForKeyName"]).toBe(1);
});

test("a wrong dpsAuth is a config problem naming the key, the value and what is allowed", async () => {
  const result = await evaluatePlan({ ...DEV, allConfig: { ...DEV.allConfig, "dps-x509:dpsAuth": "aad" } }, "dev");
  expect(result.ok).toBe(false);
  const text = JSON.stringify(!result.ok && result.problems);
  expect(text).toContain("dpsAuth");
  expect(text).toMatch(/entraId/);
  expect(text).toMatch(/sas/);
});
