/**
 * The enrollment group provider's own check (enrollmentGroupSpecProblems, components/requests/), run at plan time on
 * the spec the program will hand it, so a group the plan accepts is one the provider accepts. Problems the config
 * rules already reported at the same key are not repeated.
 */
import { enrollmentGroupSpecProblems, type EnrollmentGroupSpec } from "../requests/enrollmentGroupRequest";
import { SECRET_PLACEHOLDER } from "./limits";
import type { Problem } from "./problems";
import type { EnrollmentGroupConfig } from "./schema";

/** Spec property → config key of a group. */
function configKey(property: string): string {
  if (property === "primaryCaName") return "caName";
  if (property.startsWith("iotHubHostNames")) return property.replace("iotHubHostNames", "iotHubs");
  if (property === "customAllocation" || property === "customAllocation.webhookUrl") return "webhookUrl";
  if (property === "customAllocation.apiVersion") return "apiVersion";
  return property;
}

/** The spec as the program builds it (components/resources/enrollmentGroup.ts), with hub host names as Azure gives them. */
export function specOfGroup(group: EnrollmentGroupConfig, hubHostName: (hub: string) => string): EnrollmentGroupSpec {
  return {
    enrollmentId: group.enrollmentId,
    primaryCaName: group.caName,
    secondaryCaName: group.secondaryCaName,
    provisioningStatus: group.provisioningStatus,
    allocationPolicy: group.allocationPolicy,
    iotHubHostNames: group.iotHubs.map(hubHostName),
    customAllocation: group.allocationPolicy === "custom" && (group.webhookUrl !== undefined || group.apiVersion !== undefined) ? { webhookUrl: group.webhookUrl ?? "", apiVersion: group.apiVersion ?? "" } : undefined,
    initialTwin: group.initialTwin,
    reprovisionPolicy: group.reprovisionPolicy,
    edgeEnabled: group.edgeEnabled,
  };
}

export function checkGroupSpecs(groups: EnrollmentGroupConfig[], already: Problem[], hubHostName: (hub: string) => string = (hub) => `${hub}.azure-devices.net`): Problem[] {
  const reported = new Set(already.map((problem) => problem.path));
  const problems: Problem[] = [];
  const hubProblems = already.some((problem) => problem.path.startsWith("hubs"));
  groups.forEach((group, i) => {
    // A group the config rules already refused: its remaining spec problems would repeat them in other words.
    if (already.some((problem) => problem.path.startsWith(`enrollmentGroups[${i}].`))) return;
    for (const problem of enrollmentGroupSpecProblems(specOfGroup(group, hubHostName) as never, (value) => value === SECRET_PLACEHOLDER)) {
      if (hubProblems && problem.property.startsWith("iotHubHostNames")) continue;
      const path = `enrollmentGroups[${i}].${configKey(problem.property)}`;
      const parent = path.replace(/\[\d+\]$/, "");
      if (reported.has(path) || reported.has(parent) || [...reported].some((p) => p.startsWith(`${path}.`) || p.startsWith(`${path}[`))) continue;
      reported.add(path);
      const field = configKey(problem.property).split(/[.[]/)[0] as keyof EnrollmentGroupConfig;
      problems.push({ path, value: field === "webhookUrl" ? SECRET_PLACEHOLDER : group[field], message: problem.reason });
    }
  });
  return problems;
}
