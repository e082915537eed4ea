/**
 * The plan shows each revoked device's certificate by its thumbprints (what the portal and the individual enrollment
 * show), read at plan time with the provider's own parser (certs/deviceCertificate.ts).
 */
import { deviceCertificateFacts } from "../../certs/deviceCertificate";
import type { PlannedResource } from "./render";

export function withRevokedThumbprints(resource: PlannedResource): PlannedResource {
  if (!resource.type.endsWith(":RevokedDevice")) return resource;
  const pem = resource.inputs.certificatePem;
  if (typeof pem !== "string") return resource;
  try {
    const facts = deviceCertificateFacts(pem);
    return { ...resource, inputs: { ...resource.inputs, thumbprint: facts.sha1Thumbprint, sha256Thumbprint: facts.sha256Thumbprint } };
  } catch {
    return resource;
  }
}
