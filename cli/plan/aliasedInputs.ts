/**
 * The inputs of a resource matched by an alias to an old resource of another type, read in the new type's shape, as
 * the new provider reads the old state: so that the diff compares like with like (the same certificate reads as the
 * same, not as a replacement because its DPS is now named `dpsName` instead of `provisioningServiceName`).
 */
import { certificateArmId } from "../../components/azure/dpsCertificates";
import { LEGACY_DPS_CERTIFICATE_TYPE, fromAzureNativeState } from "../../components/providers/legacyDpsCertificate";
import type { DpsCertificateUploadOutputs } from "../../components/providers/dpsCertificateTypes";
import { UNKNOWN_MARKER } from "./record";

const UPLOAD = "pulumi-nodejs:dynamic/dps-x509:DpsCertificateUpload";
const str = (value: unknown) => (typeof value === "string" ? value : "");

export function inputsAsNewType(oldType: string, oldInputs: Record<string, unknown>, newType: string, newInputs: Record<string, unknown>): Record<string, unknown> {
  if (oldType !== LEGACY_DPS_CERTIFICATE_TYPE || newType !== UPLOAD) return oldInputs;
  // The subscription: azure-native's inputs do not name it (its provider's config does); the plan's is the same.
  const id = certificateArmId({ subscriptionId: str(newInputs.subscriptionId), resourceGroupName: str(oldInputs.resourceGroupName), dpsName: str(oldInputs.provisioningServiceName), certificateName: str(oldInputs.certificateName) });
  const read = fromAzureNativeState(id, { properties: oldInputs.properties } as unknown as DpsCertificateUploadOutputs);
  const { subscriptionId, resourceGroupName, dpsName, certificateName } = read;
  // A value the old plan could not know stays unknown (it is not base64 of a PEM).
  const certificate = (oldInputs.properties as { certificate?: unknown } | undefined)?.certificate;
  const certificatePem = certificate === UNKNOWN_MARKER ? UNKNOWN_MARKER : read.certificatePem;
  return { subscriptionId, resourceGroupName, dpsName, certificateName, certificatePem, isVerified: (oldInputs.properties as { isVerified?: unknown } | undefined)?.isVerified === true };
}
