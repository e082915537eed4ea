/**
 * State written by azure-native's `DpsCertificate` (the CA upload until commit 686a1f2), read as this provider's
 * outputs. DpsCertificateUpload declares an alias to that type, so Pulumi hands such state to this provider's diff
 * and update. Without this reading, the missing `dpsName` and `subscriptionId` would read as another certificate
 * (a replacement: create before delete of one ARM certificate, which deletes it); with it, the same certificate is
 * the same resource, and a change of PEM is an update with If-Match.
 */
import type { DpsCertificateUploadOutputs } from "./dpsCertificateTypes";

interface AzureNativeDpsCertificateState {
  id?: string;
  provisioningServiceName?: string;
  resourceGroupName?: string;
  certificateName?: string;
  name?: string;
  etag?: string;
  properties?: { certificate?: string; thumbprint?: string; isVerified?: boolean; expiry?: string };
}

/** The outputs as this provider writes them; state already in this provider's shape is returned as it is. */
export function fromAzureNativeState(olds: DpsCertificateUploadOutputs): DpsCertificateUploadOutputs {
  const legacy = olds as unknown as AzureNativeDpsCertificateState & Record<string, unknown>;
  if (legacy.dpsName !== undefined || typeof legacy.provisioningServiceName !== "string") return olds;
  const subscriptionId = /^\/subscriptions\/([^/]+)\//i.exec(legacy.id ?? "")?.[1];
  const content = legacy.properties?.certificate;
  // azure-native sent `properties.certificate` as base64 of the PEM file (what `az iot dps certificate create` sends).
  const pem = typeof content === "string" ? (content.includes("-----BEGIN") ? content : Buffer.from(content, "base64").toString("utf8")) : undefined;
  return {
    ...olds,
    subscriptionId,
    resourceGroupName: legacy.resourceGroupName,
    dpsName: legacy.provisioningServiceName,
    certificateName: legacy.certificateName ?? legacy.name,
    certificatePem: pem,
    thumbprint: legacy.properties?.thumbprint,
    isVerified: legacy.properties?.isVerified === true,
    etag: legacy.etag,
  } as DpsCertificateUploadOutputs;
}
