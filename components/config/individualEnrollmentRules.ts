/**
 * The checks of `individualEnrollments`: hubs of the stack, the group rules for allocation and twin, and the
 * individual-enrollment provider's own check (individualEnrollmentSpecProblems: the device's certificate in each slot
 * parses, is not expired and has the registration id as its CN, of at most 64 characters), so that what the plan
 * accepts, the provider accepts. (A `caName` is refused by the schema: removedKeys.ts.) Registration ids share one
 * space on the DPS with the revoked devices (both are individual enrollments), device ids one space on each hub, and
 * the smoke test's throwaway device must not meet an individual enrollment of its registration id.
 */
import { checkAllocation, duplicates } from "./checks";
import { SECRET_PLACEHOLDER } from "./limits";
import type { Problem } from "./problems";
import type { IndividualEnrollmentConfig, ParsedConfig, StackConfig } from "./schema";
import { checkTwinCollection } from "./twinRules";
import { individualEnrollmentSpecProblems } from "../requests/individualEnrollmentRequest";

export interface IndividualEnrollmentContext {
  readonly hubNames: string[];
  /** The revoked devices: each a disabled individual enrollment, its registration id also its device id. */
  readonly revoked: Array<{ registrationId: string; path: string }>;
  /** The certificates are judged at this time (expiry); default now. */
  readonly now?: Date;
}

export function checkStackIndividualEnrollments(parsed: ParsedConfig, config: StackConfig, now?: Date): Problem[] {
  const enrollments = config.individualEnrollments ?? [];
  const revoked = config.enrollmentGroups.flatMap((group, i) => group.revokedDevices.map((device, j) => ({ registrationId: device.registrationId, path: `enrollmentGroups[${i}].revokedDevices[${j}]` })));
  const hubNames = config.hubs.map((hub) => hub.name);
  return [
    ...checkIndividualEnrollments(enrollments, parsed.individualEnrollments.map((enrollment) => enrollment.iotHubs), { hubNames, revoked, now }),
    ...checkDeviceIdsPerHub(enrollments, revoked, hubNames),
    ...checkSmokeTestMeetsNoEnrollment(config.smokeTest?.registrationId, enrollments, revoked),
  ];
}

export function checkIndividualEnrollments(enrollments: IndividualEnrollmentConfig[], givenHubs: Array<string[] | undefined>, context: IndividualEnrollmentContext): Problem[] {
  const problems: Problem[] = [];
  enrollments.forEach((enrollment, i) => {
    const path = `individualEnrollments[${i}]`;
    const before = problems.length;
    (givenHubs[i] ?? []).forEach((hub, j) => {
      if (!context.hubNames.includes(hub)) problems.push({ path: `${path}.iotHubs[${j}]`, value: hub, message: `is not a hub linked to the DPS; allowed: ${context.hubNames.join(", ")}` });
    });
    problems.push(...duplicates(givenHubs[i] ?? [], (j) => `${path}.iotHubs[${j}]`, "hub"));
    problems.push(...checkAllocation(path, enrollment, givenHubs[i] !== undefined));
    problems.push(...checkTwinCollection(`${path}.initialTwin.tags`, enrollment.initialTwin?.tags, "tags"));
    problems.push(...checkTwinCollection(`${path}.initialTwin.properties.desired`, enrollment.initialTwin?.properties?.desired, "desired"));
    const reported = new Set(problems.slice(before).map((problem) => problem.path));
    problems.push(...providerProblems(path, enrollment, reported, context.now ?? new Date()));
  });
  const ids = enrollments.map((enrollment) => enrollment.registrationId);
  problems.push(...duplicates(ids, (i) => `individualEnrollments[${i}].registrationId`, "registration id"));
  enrollments.forEach((enrollment, i) => {
    if (context.revoked.some((device) => device.registrationId.toLowerCase() === enrollment.registrationId.toLowerCase())) {
      problems.push({ path: `individualEnrollments[${i}].registrationId`, value: enrollment.registrationId, message: "is also a revoked device (a revoked device is a disabled individual enrollment of the same id); keep one of the two" });
    }
  });
  return problems;
}

/** The provider's check on the spec the program builds; a key already reported is not repeated. */
function providerProblems(path: string, enrollment: IndividualEnrollmentConfig, reported: Set<string>, now: Date): Problem[] {
  const secret = (v: unknown) => v === SECRET_PLACEHOLDER;
  const spec = {
    registrationId: enrollment.registrationId,
    deviceId: enrollment.deviceId,
    // A secret PEM the offline plan cannot read stays unknown: the provider checks it at `up`.
    certificatePem: enrollment.certificatePem,
    secondaryCertificatePem: enrollment.secondaryCertificatePem,
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
  for (const problem of individualEnrollmentSpecProblems(spec, secret, now)) {
    const at = `${path}.${keyOf(problem.property)}`;
    if ([...reported].some((p) => p === at || p.startsWith(`${at}.`) || p.startsWith(`${at}[`))) continue;
    reported.add(at);
    const field = keyOf(problem.property).split(/[.[]/)[0] as keyof IndividualEnrollmentConfig;
    const value = field === "webhookUrl" ? SECRET_PLACEHOLDER : field === "certificatePem" || field === "secondaryCertificatePem" ? "(PEM)" : enrollment[field];
    problems.push({ path: at, value, message: problem.reason });
  }
  return problems;
}

/**
 * One IoT hub holds one device of an id: two enrollments (or an enrollment and a revoked device) that give the same
 * device id on a hub they can both assign to would make the second device to provision take over the first's
 * identity. Device ids are case-sensitive in IoT Hub. A revoked device's enrollment names no hub: any linked hub.
 */
export function checkDeviceIdsPerHub(enrollments: IndividualEnrollmentConfig[], revoked: IndividualEnrollmentContext["revoked"], hubNames: string[]): Problem[] {
  const problems: Problem[] = [];
  const givers = [
    ...enrollments.map((enrollment, i) => ({ deviceId: enrollment.deviceId ?? enrollment.registrationId, registrationId: enrollment.registrationId, hubs: enrollment.iotHubs, path: `individualEnrollments[${i}]`, key: enrollment.deviceId !== undefined ? "deviceId" : "registrationId" })),
    ...revoked.map((device) => ({ deviceId: device.registrationId, registrationId: device.registrationId, hubs: hubNames, path: device.path, key: "registrationId" })),
  ];
  givers.forEach((later, j) => {
    const earlier = givers.slice(0, j).find((other) => other.deviceId === later.deviceId
      // The same registration id twice is reported as such (duplicates, revoked-device overlap).
      && other.registrationId.toLowerCase() !== later.registrationId.toLowerCase()
      && other.hubs.some((hub) => later.hubs.includes(hub)));
    if (!earlier) return;
    const hub = earlier.hubs.find((h) => later.hubs.includes(h));
    problems.push({
      path: `${later.path}.${later.key}`,
      value: later.key === "deviceId" ? later.deviceId : later.registrationId,
      message: `gives device id "${later.deviceId}" on hub ${hub}, as ${earlier.path} does: a hub holds one device of an id, so the second device to provision would take the first one's identity; allowed: a device id no other enrollment or revoked device gives on that hub (set deviceId, or list other hubs in iotHubs)`,
    });
  });
  return problems;
}

/**
 * DPS matches a device to its individual enrollment before any group. The smoke test registers a throwaway device
 * certificate through a group: under a registration id that has an individual enrollment (or a revoked device, a
 * disabled one), that enrollment holds another certificate and the registration is refused.
 */
export function checkSmokeTestMeetsNoEnrollment(registrationId: string | undefined, enrollments: IndividualEnrollmentConfig[], revoked: IndividualEnrollmentContext["revoked"]): Problem[] {
  if (registrationId === undefined) return [];
  const same = (id: string) => id.toLowerCase() === registrationId.toLowerCase();
  const i = enrollments.findIndex((enrollment) => same(enrollment.registrationId));
  const device = revoked.find((candidate) => same(candidate.registrationId));
  const holder = i >= 0 ? `an individual enrollment (individualEnrollments[${i}])` : device ? `a revoked device (${device.path}, a disabled individual enrollment)` : undefined;
  if (!holder) return [];
  return [{
    path: "smokeTest.registrationId",
    value: registrationId,
    message: `has ${holder} with another certificate: DPS matches a device to its individual enrollment before any group, so the smoke test's throwaway certificate would be refused; allowed: a registration id no individual enrollment or revoked device uses`,
  }];
}
