/**
 * State written by azure-native's `DpsCertificate` (the CA upload until commit 686a1f2), read as this provider's
 * outputs. DpsCertificateUpload declares an alias to that type, so Pulumi hands such state to this provider's diff
 * and update. Without this reading, the missing `dpsName` and `subscriptionId` would read as another certificate
 * (a replacement: create before delete of one ARM certificate, which deletes it); with it, the same certificate is
 * the same resource, and a change of PEM is an update with If-Match.
 */
import type { DpsCertificateUploadOutputs } from "./dpsCertificateTypes";

/** azure-native's CA certificate resource, which uploaded the CAs before DpsCertificateUpload (until commit 686a1f2). */
export const LEGACY_DPS_CERTIFICATE_TYPE = "azure-native:deviceprovisioningservices:DpsCertificate";

/** What azure-native kept of a DpsCertificate: its response (`name`, `etag`, `properties`), maybe its inputs. */
interface AzureNativeDpsCertificateState {
  name?: string;
  etag?: string;
  properties?: { certificate?: string; thumbprint?: string; isVerified?: boolean; expiry?: string };
}

const ARM_CERTIFICATE_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Devices\/provisioningServices\/([^/]+)\/certificates\/([^/]+)$/i;

/**
 * The outputs as this provider writes them, from the resource's id (azure-native's id is the certificate's ARM id)
 * and its state; state already in this provider's shape is returned as it is.
 */
export function fromAzureNativeState(id: string, olds: DpsCertificateUploadOutputs): DpsCertificateUploadOutputs {
  const legacy = olds as unknown as AzureNativeDpsCertificateState & Record<string, unknown>;
  const armId = ARM_CERTIFICATE_ID.exec(id ?? "");
  if (legacy.dpsName !== undefined || !armId) return olds;
  const [, subscriptionId, resourceGroupName, dpsName, certificateName] = armId;
  const content = legacy.properties?.certificate;
  // azure-native sent `properties.certificate` as base64 of the PEM file (what `az iot dps certificate create` sends).
  const pem = typeof content === "string" ? (content.includes("-----BEGIN") ? content : Buffer.from(content, "base64").toString("utf8")) : undefined;
  // Only this provider's fields: azure-native's others (properties, systemData) would stay in state for nothing.
  return {
    subscriptionId,
    resourceGroupName,
    dpsName,
    certificateName,
    certificatePem: pem,
    thumbprint: legacy.properties?.thumbprint,
    isVerified: legacy.properties?.isVerified === true,
    etag: legacy.etag,
    expiry: legacy.properties?.expiry,
    name: legacy.name ?? certificateName,
    // azure-native sent no isVerified for proof of possession: a verified certificate holding the wanted PEM then
    // needs no PUT (a PUT would leave it unverified, and its CaVerification, unchanged, would not prove it again).
    requestedIsVerified: false,
  } as DpsCertificateUploadOutputs;
}
