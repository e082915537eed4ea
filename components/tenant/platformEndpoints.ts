/**
 * A tenant stack trusts its platform's outputs only as far as it checks them (issue #26.5): it sends its Entra token
 * to the DPS service host they name (its groups are written there), and its devices use the ID scope and the global
 * endpoint. Each must be of Azure's shape for the tenant's cloud (`azure-native:environment`): a DPS host
 * `<name>.azure-devices-provisioning.<cloud suffix>`, an ID scope `0ne` + 8 hex digits. Pure.
 */
import type { Problem } from "../config/problems";
import type { PlatformFacts } from "./platformOutputs";

/** DPS host suffix by `azure-native:environment` (Azure's cloud configurations; unset: public). */
const DPS_SUFFIX: Readonly<Record<string, string>> = {
  public: "azure-devices-provisioning.net",
  usgovernment: "azure-devices-provisioning.us",
  china: "azure-devices-provisioning.cn",
};
const ALIASES: Readonly<Record<string, string>> = { azurecloud: "public", azurepubliccloud: "public", azureusgovernment: "usgovernment", azureusgovernmentcloud: "usgovernment", azurechinacloud: "china" };
const ID_SCOPE = /^0ne[0-9a-f]{8}$/i;
// A DNS label of a DPS name (3-64 characters: letters, digits, hyphens), then the cloud's suffix.
const hostPattern = (suffix: string) => new RegExp(`^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]\\.${suffix.replace(/\./g, "\\.")}$`, "i");

export function checkPlatformEndpoints(facts: PlatformFacts, platform: string, environment: string | undefined): Problem[] {
  const cloud = environment ? (ALIASES[environment.trim().toLowerCase()] ?? environment.trim().toLowerCase()) : "public";
  const suffix = DPS_SUFFIX[cloud];
  if (!suffix) return []; // a cloud this program does not know (Azure Stack, a test set-up): its own suffixes
  const problems: Problem[] = [];
  const refuse = (output: string, value: string, expected: string, why: string) =>
    problems.push({ path: "platform", value: platform, message: `output ${output} of the platform stack is ${JSON.stringify(value)}, not ${expected} of the ${cloud} cloud; ${why}: check the platform stack's outputs (and azure-native:environment here)` });
  if (!hostPattern(suffix).test(facts.serviceHostName)) refuse("serviceHostName", facts.serviceHostName, `a DPS host <name>.${suffix}`, "this stack sends its Azure token there to write its groups");
  if (facts.globalDeviceEndpoint.toLowerCase() !== `global.${suffix}`) refuse("globalDeviceEndpoint", facts.globalDeviceEndpoint, `global.${suffix}`, "this stack's devices provision there");
  if (!ID_SCOPE.test(facts.idScope)) problems.push({ path: "platform", value: platform, message: `output idScope of the platform stack is ${JSON.stringify(facts.idScope)}, not a DPS ID scope ("0ne" and 8 hex digits); this stack's devices provision with it: check the platform stack's outputs` });
  return problems;
}
