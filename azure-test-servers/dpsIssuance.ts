/**
 * Test infrastructure: what the local DPS device endpoint does with a CSR at device API 2026-11-01
 * (device.json: RegisterDeviceAndIssueCertificate; DeviceRegistration `{registrationId, tpm?, csr?, payload?}`).
 *
 * - An enrollment that names an Azure Device Registry namespace, CA and policy issues: the device must send `csr`
 *   ("Base64-encoded DER PKCS #10, excluding PEM headers and footers; the CN must match the registrationId"; Learn:
 *   "the device must submit a CSR"). A missing CSR, one that does not parse, one in PEM, or one whose CN is not the
 *   registration id is a bad request (400, the fake's 400004 for invalid arguments), answered at the PUT.
 * - The chain comes from the shared store of ADR issuing CAs (adrIssuers.ts, filled by the ARM Device Registry
 *   server): base64 DER, leaf first, then the ICA and its issuers, ending with the root. A CA that is not found, not
 *   active, or has no such policy fails the registration (status "failed", the fake's codes 400301–400303): DPS
 *   accepted the request and the issuance failed behind it (open question 7: Azure does not document its codes).
 * - A CSR sent for a classic enrollment (no ADR names) issues nothing; the registration goes on as before.
 * - A CSR at an older api-version, or at the status lookup (POST /registrations/{id}), is a bad request.
 */
import { parseCsr } from "../certs/csr";
import { pemEncode } from "../certs/der";
import { AdrIssuers, adrIssuers as sharedIssuers, IssuanceError } from "./adrIssuers";

/** The device API version that carries `csr` and answers `issuedCertificateChain`. */
export const ISSUING_DEVICE_API_VERSION = "2026-11-01";

/** A refusal answered synchronously (HTTP status, Azure-style six-digit code). */
export class DeviceRequestRefused extends Error {
  constructor(readonly status: number, readonly errorCode: number, message: string) {
    super(message);
  }
}

/** A failed issuance: the registration's outcome, not an HTTP error. */
export interface IssuanceFailure {
  readonly errorCode: number;
  readonly errorMessage: string;
}

const FAILURE_CODES: Record<IssuanceError["code"], number> = {
  NamespaceOrCaNotFound: 400301,
  CertificateAuthorityNotActive: 400302,
  CertificatePolicyNotFound: 400303,
  InvalidCsr: 400004,
};

/** The three ADR names of an enrollment record, when it has them. */
export function adrNamesOf(enrollment: Record<string, unknown>): { namespaceName: string; certificateAuthorityName: string; certificatePolicyName: string } | undefined {
  const { namespaceName, certificateAuthorityName, certificatePolicyName } = enrollment as Record<string, string | undefined>;
  return namespaceName && certificateAuthorityName && certificatePolicyName ? { namespaceName, certificateAuthorityName, certificatePolicyName } : undefined;
}

/** The register body's `csr` by the version's rules: only at 2026-11-01, base64 DER (not PEM). Undefined when absent. */
export function csrOfRegisterBody(body: Record<string, unknown>, apiVersion: string): Buffer | undefined {
  const csr = body.csr;
  if (csr === undefined || csr === null) return undefined;
  if (apiVersion !== ISSUING_DEVICE_API_VERSION) throw new DeviceRequestRefused(400, 400004, `csr is not a property of DeviceRegistration at api-version ${apiVersion}; use ${ISSUING_DEVICE_API_VERSION}`);
  if (typeof csr !== "string" || csr === "" || /-----BEGIN/.test(csr) || !/^[A-Za-z0-9+/]+={0,2}$/.test(csr)) {
    throw new DeviceRequestRefused(400, 400004, "csr must be a base64-encoded DER PKCS #10 request, without PEM headers and footers");
  }
  return Buffer.from(csr, "base64");
}

/**
 * Issues a device certificate for an ADR enrollment. Throws DeviceRequestRefused for a bad request; returns the chain,
 * or the failure the registration reports.
 */
export function issueForEnrollment(
  enrollment: Record<string, unknown>, registrationId: string, csrDer: Buffer | undefined, issuers: AdrIssuers = sharedIssuers,
): { chain: string[] } | { failure: IssuanceFailure } | undefined {
  const names = adrNamesOf(enrollment);
  if (!names) return undefined;
  if (!csrDer) throw new DeviceRequestRefused(400, 400004, "This enrollment issues the device a certificate: the registration must carry a csr");
  let commonName: string | undefined;
  try {
    commonName = parseCsr(pemEncode("CERTIFICATE REQUEST", csrDer), "the csr").commonName;
  } catch (e) {
    throw new DeviceRequestRefused(400, 400004, (e as Error).message);
  }
  if ((commonName ?? "").toLowerCase() !== registrationId.toLowerCase()) { // registration ids compare without case
    throw new DeviceRequestRefused(400, 400004, `The csr's common name (${JSON.stringify(commonName ?? "")}) must match the registration id ${registrationId}`);
  }
  try {
    return { chain: issuers.issueDeviceCertificate(names.namespaceName, names.certificateAuthorityName, names.certificatePolicyName, csrDer) };
  } catch (e) {
    if (!(e instanceof IssuanceError)) throw e;
    if (e.code === "InvalidCsr") throw new DeviceRequestRefused(400, 400004, e.message);
    return { failure: { errorCode: FAILURE_CODES[e.code], errorMessage: e.message } };
  }
}
