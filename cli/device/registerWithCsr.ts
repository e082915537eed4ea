/**
 * One X.509 registration at device API 2026-11-01 that asks for a certificate (Azure Device Registry issuance), by
 * plain HTTPS: Microsoft's device SDK (azure-iot-provisioning-device 1.9, its HTTP transport) sends api-version
 * 2019-03-31 and a body of `{ registrationId }` or `{ registrationId, tpm }` only, with no way to add `csr` (read from
 * node_modules/azure-iot-provisioning-device-http/dist/http.js), so this call is written directly, doing what the SDK
 * does otherwise: mutual TLS with the onboarding certificate, PUT …/register, then GET …/operations/{id} every
 * `retry-after` seconds until the status is no longer "assigning".
 *
 *   PUT https://{global}/{idScope}/registrations/{registrationId}/register?api-version=2026-11-01
 *       { registrationId, csr }   csr: base64 DER PKCS #10, no PEM headers (device.json, DeviceRegistration)
 *   → 200/202 { operationId, status }  → … → { status: "assigned", registrationState: { …, issuedCertificateChain } }
 *
 * Failures are thrown in the SDK's shapes (an Error with `response.statusCode` and `responseBody`, or `result` for a
 * failed / disabled registration) so that explain.ts reads them as it reads the SDK's.
 */
import * as https from "https";

export const ISSUING_DEVICE_API_VERSION = "2026-11-01";

export interface CsrRegistrationRequest {
  readonly provisioningHost: string;
  readonly idScope: string;
  readonly registrationId: string;
  /** The onboarding credential: the certificate chain (leaf first) and its key, PEM. */
  readonly chainPem: string;
  readonly privateKeyPem: string;
  /** The CSR, DER. */
  readonly csrDer: Buffer;
  /** Polls before giving up (default 30). */
  readonly maxPolls?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** The registration state DPS returns, with the issued chain (base64 DER, leaf first). */
export interface IssuedRegistration {
  readonly registrationId: string;
  readonly assignedHub?: string;
  readonly deviceId?: string;
  readonly status?: string;
  readonly substatus?: string;
  readonly x509?: { enrollmentGroupId?: string };
  readonly issuedCertificateChain?: string[];
}

interface Answer {
  readonly statusCode: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
}

function call(request: CsrRegistrationRequest, method: string, path: string, body?: unknown): Promise<Answer> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: request.provisioningHost,
      port: 443,
      method,
      path,
      cert: request.chainPem,
      key: request.privateKeyPem,
      headers: {
        Accept: "application/json",
        "User-Agent": "dps-x509-device",
        ...(payload === undefined ? {} : { "Content-Type": "application/json; charset=utf-8", "Content-Length": String(Buffer.byteLength(payload)) }),
      },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ statusCode: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
    req.end(payload);
  });
}

/** An HTTP error in the shape the SDK throws (what explain.ts reads). */
function httpError(answer: Answer): Error {
  const error = new Error(`DPS answered HTTP ${answer.statusCode}`) as Error & Record<string, unknown>;
  error.response = { statusCode: answer.statusCode };
  error.responseBody = answer.text;
  return error;
}

/** Registers with a CSR; resolves with the assigned registration state (and its issued chain). */
export async function registerWithCsr(request: CsrRegistrationRequest): Promise<IssuedRegistration> {
  const sleep = request.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const base = `/${encodeURIComponent(request.idScope)}/registrations/${encodeURIComponent(request.registrationId)}`;
  const query = `?api-version=${ISSUING_DEVICE_API_VERSION}`;
  let answer = await call(request, "PUT", `${base}/register${query}`, { registrationId: request.registrationId, csr: request.csrDer.toString("base64") });
  for (let poll = 0; ; poll++) {
    if (answer.statusCode >= 300) throw httpError(answer);
    const result = JSON.parse(answer.text || "{}") as { operationId?: string; status?: string; registrationState?: IssuedRegistration };
    if (result.status === "assigned") return result.registrationState as IssuedRegistration;
    if (result.status && result.status !== "assigning" && result.status !== "unassigned") {
      const error = new Error(`registration ${result.status}`) as Error & Record<string, unknown>;
      error.name = result.status === "failed" ? "DeviceRegistrationFailedError" : "SyntaxError";
      error.result = result;
      throw error;
    }
    if (!result.operationId) throw new Error("DPS answered without an operationId");
    if (poll >= (request.maxPolls ?? 30)) throw new Error(`DPS still assigning after ${poll} polls`);
    const retryAfter = Number(answer.headers["retry-after"] ?? 2);
    await sleep(Math.min(Number.isFinite(retryAfter) ? retryAfter : 2, 30) * 1000);
    answer = await call(request, "GET", `${base}/operations/${encodeURIComponent(result.operationId)}${query}`);
  }
}
