/**
 * The checks of `individualEnrollments`: ids, exactly one attestation, a CA reference to a CA this stack uploads,
 * hubs of the stack, the group rules for allocation and twin, and the individual-enrollment provider's own check
 * (individualEnrollmentSpecProblems) so that what the plan accepts, the provider accepts. Registration ids share one
 * space on the DPS with the revoked devices (both are individual enrollments).
 */
import { checkAllocation, checkCaReference, duplicates, intermediateEntries, uploadedCaNames } from "./checks";
import { rotationNames } from "./dayTwoChecks";
import { SECRET_PLACEHOLDER } from "./limits";
import type { Problem } from "./problems";
import type { IndividualEnrollmentConfig, ParsedConfig, StackConfig } from "./schema";
import { checkTwinCollection } from "./twinRules";
import { individualEnrollmentSpecProblems } from "../requests/individualEnrollmentRequest";

export interface IndividualEnrollmentContext {
  /** CA names a CA reference may name (uploaded by this stack). */
  readonly uploadedCas: string[];
  readonly hubNames: string[];
  /** Registration ids the revoked devices already use. */
  readonly revokedIds: string[];
}

export function checkStackIndividualEnrollments(parsed: ParsedConfig, config: StackConfig): Problem[] {
  const entries = [{ path: "ca.root", entry: config.ca.root }, ...intermediateEntries(config.ca.intermediates)];
  return checkIndividualEnrollments(config.individualEnrollments ?? [], parsed.individualEnrollments.map((enrollment) => enrollment.iotHubs), {
    uploadedCas: [...uploadedCaNames(entries), ...rotationNames(entries)],
    hubNames: config.hubs.map((hub) => hub.name),
    revokedIds: config.enrollmentGroups.flatMap((group) => group.revokedDevices.map((device) => device.registrationId)),
  });
}

export function checkIndividualEnrollments(enrollments: IndividualEnrollmentConfig[], givenHubs: Array<string[] | undefined>, context: IndividualEnrollmentContext): Problem[] {
  const problems: Problem[] = [];
  enrollments.forEach((enrollment, i) => {
    const path = `individualEnrollments[${i}]`;
    const before = problems.length;
    if (enrollment.caName !== undefined) problems.push(...checkCaReference(`${path}.caName`, enrollment.caName, context.uploadedCas));
    (givenHubs[i] ?? []).forEach((hub, j) => {
      if (!context.hubNames.includes(hub)) problems.push({ path: `${path}.iotHubs[${j}]`, value: hub, message: `is not a hub linked to the DPS; allowed: ${context.hubNames.join(", ")}` });
    });
    problems.push(...duplicates(givenHubs[i] ?? [], (j) => `${path}.iotHubs[${j}]`, "hub"));
    problems.push(...checkAllocation(path, enrollment, givenHubs[i] !== undefined));
    problems.push(...checkTwinCollection(`${path}.initialTwin.tags`, enrollment.initialTwin?.tags, "tags"));
    problems.push(...checkTwinCollection(`${path}.initialTwin.properties.desired`, enrollment.initialTwin?.properties?.desired, "desired"));
    const reported = new Set(problems.slice(before).map((problem) => problem.path));
    problems.push(...providerProblems(path, enrollment, reported));
  });
  const ids = enrollments.map((enrollment) => enrollment.registrationId);
  problems.push(...duplicates(ids, (i) => `individualEnrollments[${i}].registrationId`, "registration id"));
  enrollments.forEach((enrollment, i) => {
    if (context.revokedIds.some((id) => id.toLowerCase() === enrollment.registrationId.toLowerCase())) {
      problems.push({ path: `individualEnrollments[${i}].registrationId`, value: enrollment.registrationId, message: "is also a revoked device (a revoked device is a disabled individual enrollment of the same id); keep one of the two" });
    }
  });
  return problems;
}

/** The provider's check on the spec the program builds; a key already reported is not repeated. */
function providerProblems(path: string, enrollment: IndividualEnrollmentConfig, reported: Set<string>): Problem[] {
  const secret = (v: unknown) => v === SECRET_PLACEHOLDER;
  const spec = {
    registrationId: enrollment.registrationId,
    deviceId: enrollment.deviceId,
    certificatePem: enrollment.certificatePem === SECRET_PLACEHOLDER ? undefined : enrollment.certificatePem,
    caName: enrollment.caName,
    provisioningStatus: enrollment.provisioningStatus,
    allocationPolicy: enrollment.allocationPolicy,
    iotHubHostNames: enrollment.iotHubs.map((hub) => `${hub}.azure-devices.net`),
    customAllocation: enrollment.allocationPolicy === "custom" && (enrollment.webhookUrl !== undefined || enrollment.apiVersion !== undefined) ? { webhookUrl: enrollment.webhookUrl ?? "", apiVersion: enrollment.apiVersion ?? "" } : undefined,
    initialTwin: enrollment.initialTwin,
    reprovisionPolicy: enrollment.reprovisionPolicy,
    edgeEnabled: enrollment.edgeEnabled,
  };
  const keyOf = (property: string) => {
    if (property.startsWith("iotHubHostNames")) return property.replace("iotHubHostNames", "iotHubs");
    if (property.startsWith("customAllocation")) return property.endsWith("apiVersion") ? "apiVersion" : "webhookUrl";
    return property;
  };
  const problems: Problem[] = [];
  const exactlyOne = enrollment.certificatePem === SECRET_PLACEHOLDER ? true : undefined;
  for (const problem of individualEnrollmentSpecProblems(spec, secret)) {
    if (exactlyOne && problem.property === "certificatePem") continue; // a secret PEM the offline plan cannot read
    const at = `${path}.${keyOf(problem.property)}`;
    if ([...reported].some((p) => p === at || p.startsWith(`${at}.`) || p.startsWith(`${at}[`))) continue;
    reported.add(at);
    const field = keyOf(problem.property).split(/[.[]/)[0] as keyof IndividualEnrollmentConfig;
    const value = field === "webhookUrl" ? SECRET_PLACEHOLDER : field === "certificatePem" ? (enrollment.certificatePem === undefined ? undefined : "(PEM)") : enrollment[field];
    problems.push({ path: at, value, message: problem.reason });
  }
  return problems;
}
