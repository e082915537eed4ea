/** The ARM steps of the CA upload provider (dpsCertificate.ts): upload, delete with the current etag, one retry after a 412. */
import type { CertificateResponse, IotDpsClient } from "@azure/arm-deviceprovisioningservices";
import { createDpsClient, normalizeArmEndpoint } from "../azure/armClient";
import { azureErrorText, httpStatus, isUnknown, normalizeThumbprint, thumbprintOfPem, toDpsCertificateBytes } from "../azure/dpsCertificates";
import type { DpsCertificateUploadInputs, DpsCertificateUploadOutputs, Identity } from "./dpsCertificateTypes";

export async function uploadOnce(client: IotDpsClient, inputs: DpsCertificateUploadInputs, mode: "create" | "update"): Promise<CertificateResponse> {
  const wanted = thumbprintOfPem(inputs.certificatePem);
  if (!wanted) throw new Error(`${where(inputs)}: certificatePem is not a PEM X.509 certificate`);
  const current = await getOrUndefined(client, inputs);
  if (current) {
    const held = normalizeThumbprint(current.properties?.thumbprint ?? "");
    if (mode === "create" && held !== wanted) throw existingCertificateError(inputs, held, wanted);
    // Adoption on create, or an update with nothing left to do: no write.
    if (held === wanted && (!inputs.isVerified || current.properties?.isVerified === true)) return current;
    if (!current.etag) throw new Error(`${where(inputs)}: Azure returned the certificate without an etag; cannot update it`);
  }
  try {
    return await client.dpsCertificate.createOrUpdate(
      inputs.resourceGroupName,
      inputs.dpsName,
      inputs.certificateName,
      // Left out for proof of possession: an explicit false would undo a verification.
      { properties: { certificate: toDpsCertificateBytes(inputs.certificatePem), ...(inputs.isVerified ? { isVerified: true } : {}) } },
      current ? { ifMatch: current.etag } : undefined,
    );
  } catch (e) {
    if (httpStatus(e) === 412) throw e;
    throw describeFailure(inputs, current ? "update" : "upload", e);
  }
}

/**
 * A certificate of this name holds another certificate. Adoption matches by thumbprint: the stack must bring the
 * very certificate the DPS holds (and its key), never overwrite it.
 */
export function existingCertificateError(inputs: DpsCertificateUploadInputs, held: string, wanted: string): Error {
  const facts = `it holds the certificate with thumbprint ${held || "(none)"}, this stack's has ${wanted}. Nothing was changed`;
  if (inputs.adopt) {
    return new Error(
      `${where(inputs)} cannot be adopted: ${facts}. Adoption takes over the same certificate (matched by thumbprint): bring the ` +
        `certificate the DPS holds as this CA's certificatePem and its key as a secret privateKeyPem, or give this CA another name`,
    );
  }
  return new Error(
    `${where(inputs)} already exists and is not managed by this stack: ${facts}; to take it over, bring that certificate ` +
      `(certificatePem, and privateKeyPem as a secret) with adopt: true on the CA; or delete it from the DPS, or give this CA another name`,
  );
}

/** One GET (etag) → DELETE with If-Match. Already gone at either step: done. */
export async function deleteOnce(client: IotDpsClient, props: Identity): Promise<void> {
  const current = await getOrUndefined(client, props);
  if (!current) return;
  if (!current.etag) throw new Error(`${where(props)}: Azure returned the certificate without an etag; cannot delete it`);
  try {
    await client.dpsCertificate.delete(props.resourceGroupName, current.etag, props.dpsName, props.certificateName);
  } catch (e) {
    const status = httpStatus(e);
    if (status === 404) return;
    if (status === 412) throw e;
    throw describeFailure(props, "delete", e);
  }
}

/** Runs `attempt`; on 412 (the etag moved between our GET and our write) runs it once more from a fresh GET. */
export async function retryOnce412<T>(p: Identity, step: string, attempt: () => Promise<T>): Promise<T> {
  try {
    return await attempt();
  } catch (e) {
    if (httpStatus(e) !== 412) throw e;
    try {
      return await attempt();
    } catch (again) {
      throw httpStatus(again) === 412 ? describeFailure(p, `${step} (the etag changed twice)`, again) : again;
    }
  }
}

export async function getOrUndefined(client: IotDpsClient, p: Identity): Promise<CertificateResponse | undefined> {
  try {
    return await client.dpsCertificate.get(p.certificateName, p.resourceGroupName, p.dpsName);
  } catch (e) {
    if (httpStatus(e) === 404) return undefined;
    throw describeFailure(p, "read", e);
  }
}

export function azureFacts(p: Identity, cert: CertificateResponse): Pick<DpsCertificateUploadOutputs, "name" | "thumbprint" | "etag" | "isVerified" | "expiry"> {
  const expiry = cert.properties?.expiry;
  return {
    name: cert.name ?? p.certificateName,
    thumbprint: normalizeThumbprint(cert.properties?.thumbprint ?? ""),
    etag: cert.etag ?? "",
    isVerified: cert.properties?.isVerified === true,
    expiry: expiry instanceof Date && !Number.isNaN(expiry.getTime()) ? expiry.toISOString() : "",
  };
}

export function outputsOf(inputs: DpsCertificateUploadInputs, cert: CertificateResponse): DpsCertificateUploadOutputs {
  return { ...inputs, ...azureFacts(inputs, cert), requestedIsVerified: inputs.isVerified };
}

/** The `isVerified` asked for by the last create/update (state written by this provider always has it). */
export function requestedOf(olds: DpsCertificateUploadOutputs): boolean {
  return typeof olds.requestedIsVerified === "boolean" ? olds.requestedIsVerified : olds.isVerified === true;
}

/** ARM compares subscription ids, resource group, DPS and certificate names without regard to case. */
export function sameArmName(a: unknown, b: unknown): boolean {
  return typeof a === "string" && typeof b === "string" && !isUnknown(a) && !isUnknown(b) && a.toLowerCase() === b.toLowerCase();
}

export function where(p: { certificateName: string; dpsName: string }): string {
  return `CA certificate "${p.certificateName}" on DPS "${p.dpsName}"`;
}

/** An Error naming the certificate, the DPS, the step and Azure's code and message; never request bodies. */
export function describeFailure(p: { certificateName: string; dpsName: string }, step: string, e: unknown): Error {
  const status = httpStatus(e);
  return new Error(`${where(p)}: ${step} failed${status ? ` (HTTP ${status})` : ""}: ${azureErrorText(e)}`);
}
