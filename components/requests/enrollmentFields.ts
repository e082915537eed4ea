/**
 * What an enrollment group and an individual enrollment carry alike in the DPS service API (2021-10-01): status,
 * allocation policy and hubs, custom allocation, initial twin, reprovision policy, IoT Edge; and, at API 2026-11-01
 * only, the Azure Device Registry names that make DPS issue the device a certificate (deviceRegistryNames.ts).
 * Built into a request body and read back from a record with the service's defaults. Pure: no I/O, no Pulumi.
 */
import { type DeviceRegistryNames, deviceRegistryFieldsOf, deviceRegistryRequestFields } from "./deviceRegistryNames";

/** What a group and an individual enrollment carry alike (everything but the id and the attestation). */
export interface EnrollmentFields {
  provisioningStatus: "enabled" | "disabled";
  allocationPolicy: "hashed" | "geoLatency" | "static" | "custom";
  iotHubHostNames: string[];
  customAllocation?: { webhookUrl: string; apiVersion: string };
  initialTwin?: { tags?: Record<string, unknown>; properties?: { desired?: Record<string, unknown> } };
  reprovisionPolicy: "reprovisionandmigratedata" | "reprovisionandresetdata" | "never";
  edgeEnabled: boolean;
  /** ADR issuance (API 2026-11-01): the namespace, its CA and that CA's policy. Absent: a classic enrollment. */
  deviceRegistry?: DeviceRegistryNames;
}

export const provisioningStatuses = ["enabled", "disabled"] as const;
export const allocationPolicies = ["hashed", "geoLatency", "static", "custom"] as const;
export const reprovisionPolicyNames = ["reprovisionandmigratedata", "reprovisionandresetdata", "never"] as const;

const reprovisionFlags: Record<EnrollmentFields["reprovisionPolicy"], { updateHubAssignment: boolean; migrateDeviceData: boolean }> = {
  reprovisionandmigratedata: { updateHubAssignment: true, migrateDeviceData: true },
  reprovisionandresetdata: { updateHubAssignment: true, migrateDeviceData: false },
  never: { updateHubAssignment: false, migrateDeviceData: false },
};

/**
 * The common part of a PUT body. Every field is written, so that a PUT (which replaces the whole record) also clears
 * what the configuration no longer sets: an absent initial twin is sent as an empty one; `customAllocationDefinition`
 * only for the custom policy.
 */
export function enrollmentRequestFields(spec: EnrollmentFields): Record<string, unknown> {
  const body: Record<string, unknown> = {
    capabilities: { iotEdge: spec.edgeEnabled },
    initialTwin: {
      tags: { ...(spec.initialTwin?.tags ?? {}) },
      properties: { desired: { ...(spec.initialTwin?.properties?.desired ?? {}) } },
    },
    provisioningStatus: spec.provisioningStatus,
    reprovisionPolicy: { ...(reprovisionFlags[spec.reprovisionPolicy] ?? reprovisionFromLabel(spec.reprovisionPolicy)) },
    allocationPolicy: spec.allocationPolicy,
    iotHubs: [...(spec.iotHubHostNames ?? [])],
    ...deviceRegistryRequestFields(spec.deviceRegistry),
  };
  if (spec.allocationPolicy === "custom" && spec.customAllocation) {
    body.customAllocationDefinition = { webhookUrl: spec.customAllocation.webhookUrl, apiVersion: spec.customAllocation.apiVersion };
  }
  return body;
}

/** The label `specFromEnrollmentGroupRecord` gives a reprovision policy that matches none of the three names. */
function reprovisionLabel(updateHubAssignment: boolean, migrateDeviceData: boolean): string {
  return `updateHubAssignment=${updateHubAssignment},migrateDeviceData=${migrateDeviceData}`;
}

function reprovisionFromLabel(label: string): { updateHubAssignment: boolean; migrateDeviceData: boolean } {
  const m = /^updateHubAssignment=(true|false),migrateDeviceData=(true|false)$/.exec(String(label));
  if (!m) return { updateHubAssignment: true, migrateDeviceData: true };
  return { updateHubAssignment: m[1] === "true", migrateDeviceData: m[2] === "true" };
}

/** Twin collections as returned may carry `$metadata`/`$version`; they are the service's, not ours. */
function withoutServiceKeys(collection: unknown): Record<string, unknown> {
  if (!collection || typeof collection !== "object" || Array.isArray(collection)) return {};
  return Object.fromEntries(Object.entries(collection as Record<string, unknown>).filter(([k]) => !k.startsWith("$")));
}

/** The common fields of a returned group or individual enrollment, with the service's defaults. */
export function enrollmentFieldsFromRecord(record: Record<string, any>): EnrollmentFields {
  const rp = record?.reprovisionPolicy;
  const update = rp?.updateHubAssignment ?? true;
  const migrate = rp?.migrateDeviceData ?? true;
  const reprovision = (Object.keys(reprovisionFlags) as EnrollmentFields["reprovisionPolicy"][])
    .find((k) => reprovisionFlags[k].updateHubAssignment === update && reprovisionFlags[k].migrateDeviceData === migrate);
  const twin = record?.initialTwin;
  const tags = withoutServiceKeys(twin?.tags);
  const desired = withoutServiceKeys(twin?.properties?.desired);
  const spec: EnrollmentFields = {
    provisioningStatus: record?.provisioningStatus ?? "enabled",
    allocationPolicy: record?.allocationPolicy ?? undefined,
    iotHubHostNames: Array.isArray(record?.iotHubs) ? [...record.iotHubs] : [],
    reprovisionPolicy: (reprovision ?? reprovisionLabel(update, migrate)) as EnrollmentFields["reprovisionPolicy"],
    edgeEnabled: record?.capabilities?.iotEdge ?? false,
  };
  const cad = record?.customAllocationDefinition;
  if (cad && (cad.webhookUrl || cad.apiVersion)) spec.customAllocation = { webhookUrl: cad.webhookUrl, apiVersion: cad.apiVersion };
  if (Object.keys(tags).length || Object.keys(desired).length) spec.initialTwin = { tags, properties: { desired } };
  const deviceRegistry = deviceRegistryFieldsOf(record);
  if (deviceRegistry) spec.deviceRegistry = deviceRegistry;
  return spec;
}

/** JSON with object keys sorted, so that two equal documents compare equal as strings. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.keys(value as object).sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]));
  }
  return value;
}
