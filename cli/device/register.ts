/**
 * One X.509 registration through Microsoft's device SDK: `azure-iot-provisioning-device` with the HTTP transport
 * (`azure-iot-provisioning-device-http`) and `azure-iot-security-x509`. The SDK PUTs
 * `https://<global endpoint>/<idScope>/registrations/<id>/register?api-version=2019-03-31` over mutual TLS (the
 * certificate chain and key go to Node's TLS as `cert` and `key`), then polls
 * `…/operations/<operationId>` every `retry-after` seconds until the status is no longer "assigning".
 *
 * What the SDK hands back on a refusal (read from its sources, 1.9.1):
 *   - an HTTP error ≥ 300: an azure-iot-common error (UnauthorizedError for 401, …) carrying `response.statusCode`
 *     and `responseBody` (Azure's `{ errorCode, trackingId, message }` as text);
 *   - status "failed": DeviceRegistrationFailedError with `result` (the operation status, with registrationState);
 *   - status "disabled" (a disabled enrollment): a SyntaxError "status is disabled" with `result` (the SDK does
 *     not know the status);
 *   - no answer: Node's own error (`code` ENOTFOUND, ECONNRESET, ERR_SSL_…), or the SDK's TimeoutError.
 */
import type { RegistrationResult } from "azure-iot-provisioning-device";

export interface X509RegistrationRequest {
  /** The global device endpoint, a host name. */
  readonly provisioningHost: string;
  readonly idScope: string;
  readonly registrationId: string;
  /** Leaf first. */
  readonly chainPem: string;
  readonly privateKeyPem: string;
}

/** Registers the device; resolves with the registration state (status "assigned"), rejects with the SDK's error. */
export async function registerX509Device(request: X509RegistrationRequest): Promise<RegistrationResult> {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { ProvisioningDeviceClient } = require("azure-iot-provisioning-device") as typeof import("azure-iot-provisioning-device");
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { Http } = require("azure-iot-provisioning-device-http") as typeof import("azure-iot-provisioning-device-http");
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { X509Security } = require("azure-iot-security-x509") as typeof import("azure-iot-security-x509");
  const security = new X509Security(request.registrationId, { cert: request.chainPem, key: request.privateKeyPem });
  const client = ProvisioningDeviceClient.create(request.provisioningHost, request.idScope, new Http(), security);
  return (await client.register()) as RegistrationResult;
}
