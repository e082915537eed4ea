/**
 * Which input changes replace a resource rather than update it, as `pulumi up` would decide. Where our own provider
 * decides and its diff works on inputs alone, its diff is asked (enrollment groups); elsewhere the keys below mirror
 * the provider's diff (components/providers/*) or azure-native's rule that a property in the resource's ARM path
 * forces a replacement. This is an approximation of `pulumi preview`: it compares inputs, not state, so drift and
 * renewals due by date (`renewBeforeDays`) are not seen. docs/operations.md says what else it cannot see.
 */
import { IDENTITY_KEYS } from "../../components/azure/dpsCertificates";
import { UNKNOWN_MARKER } from "./record";

/** Keys that force a replacement, by resource type (full Pulumi type token). */
const REPLACE_KEYS: Record<string, readonly string[]> = {
  // components/providers/caCertificate.ts: REPLACE_ON_CHANGE, and a brought key that changes.
  "pulumi-nodejs:dynamic/dps-x509:CaCertificate": ["role", "commonName", "keySize", "validityDays", "pathLength", "issuerCertificatePem", "providedCertificatePem", "providedPrivateKeyPem"],
  // components/providers/dpsCertificate.ts: another ARM certificate (a change of case only is an update).
  "pulumi-nodejs:dynamic/dps-x509:DpsCertificateUpload": IDENTITY_KEYS,
  // components/providers/caVerification.ts: another certificate, or the same name holding a new one.
  "pulumi-nodejs:dynamic/dps-x509:CaVerification": [...IDENTITY_KEYS, "certificatePem"],
  // components/providers/revokedDevice.ts.
  "pulumi-nodejs:dynamic/dps-x509:RevokedDevice": ["registrationId", "serviceHostName"],
  // components/providers/individualEnrollment.ts.
  "pulumi-nodejs:dynamic/dps-x509:IndividualEnrollment": ["registrationId", "serviceHostName"],
  // azure-native: properties in the resource's ARM path (pulumi/pulumi-azure-native#77).
  "azure-native:resources:ResourceGroup": ["resourceGroupName"],
  "azure-native:iothub:IotHubResource": ["resourceGroupName", "resourceName"],
  "azure-native:deviceprovisioningservices:IotDpsResource": ["resourceGroupName", "provisioningServiceName"],
  // @pulumi/command: a change of triggers replaces (runs create again).
  "command:local:Command": ["triggers"],
};

/** Inputs azure-native updates in place but Azure itself refuses to change (it answers with an error on `up`). */
const AZURE_REFUSES: Record<string, readonly string[]> = {
  "azure-native:resources:ResourceGroup": ["location"],
  "azure-native:iothub:IotHubResource": ["location"],
  "azure-native:deviceprovisioningservices:IotDpsResource": ["location"],
};

function caseOnlyChange(a: unknown, b: unknown): boolean {
  return typeof a === "string" && typeof b === "string" && a !== b && a.toLowerCase() === b.toLowerCase();
}

/** The plan's marker for an unknown back to Pulumi's sentinel, which the providers' diffs recognise. */
function withSentinels(value: unknown, unknown: string): unknown {
  if (value === UNKNOWN_MARKER) return unknown;
  if (Array.isArray(value)) return value.map((item) => withSentinels(item, unknown));
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withSentinels(v, unknown)]));
  return value;
}

export interface ReplacementVerdict {
  /** Top-level inputs whose change replaces the resource; empty: an update. */
  replaces: string[];
  /** Inputs Azure will refuse to change in place. */
  refusedByAzure: string[];
  /** Which rule decided: the provider's own diff, or the key table above. */
  decidedBy: "provider diff" | "replace keys";
}

/** Whether going from `olds` to `news` (both plan inputs) replaces a resource of this type. */
export async function replacementOf(type: string, changedKeys: readonly string[], olds: Record<string, unknown>, news: Record<string, unknown>): Promise<ReplacementVerdict> {
  const refusedByAzure = (AZURE_REFUSES[type] ?? []).filter((key) => changedKeys.includes(key));
  if (type === "pulumi-nodejs:dynamic/dps-x509:EnrollmentGroup") {
    // Loaded here, not at the top: the plan loads the program's modules only once its mocks are in place.
    const { enrollmentGroupProvider, UNKNOWN } = await import("../../components/providers/enrollmentGroup");
    const result = await enrollmentGroupProvider.diff!("plan", withSentinels(olds, UNKNOWN), withSentinels(news, UNKNOWN));
    return { replaces: result.replaces ?? [], refusedByAzure, decidedBy: "provider diff" };
  }
  const keys = REPLACE_KEYS[type] ?? [];
  const replaces = keys.filter((key) => changedKeys.includes(key) && !(type.endsWith(":DpsCertificateUpload") && caseOnlyChange(olds[key], news[key])));
  return { replaces, refusedByAzure, decidedBy: "replace keys" };
}
