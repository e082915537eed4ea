/**
 * Why DPS refused a device, in plain words, with the fix: from what the device SDK threw (see register.ts for its
 * shapes) and what the device knows about the chain it sent. Pure.
 *
 * Azure's codes, as far as they are known:
 *   - HTTP 401, error 401002 ("Unauthorized", "Invalid certificate", "IotHubUnauthorizedAccess"): the certificate
 *     was not accepted. DPS does not say why, to a device; the usual causes are a chain that does not reach a
 *     verified CA certificate of the DPS (not uploaded, not verified, the intermediate missing from what the device
 *     sends), no enrollment group naming a CA of the chain, or a registration id that is not the CN.
 *     (azure-iot-sdk-c#2362, azure-iot-sdk-csharp#907, vscode-iot-workbench#590; iot-identity-service#111 for CN.)
 *   - status "disabled": the enrollment that matched is disabled (a revoked device's individual enrollment, or
 *     the group); status "failed" with 400208 (no hub to assign) or 400209 (the hub refused DPS), the codes
 *     azure-iot-sdk-c's prov_device_ll_client.c names DPS_HUB_ERROR_NO_HUB and DPS_HUB_ERROR_UNAUTH.
 */
import { parseDpsErrorBody } from "../../components/azure/dpsServiceClient";
import type { ChainFacts } from "./credentials";

export type RefusalKind =
  | "chain-not-accepted"
  | "leaf-only-chain"
  | "group-disabled"
  | "enrollment-disabled"
  | "no-hub"
  | "hub-refused"
  | "registration-failed"
  | "forbidden"
  | "unknown-id-scope"
  | "bad-request"
  | "throttled"
  | "service-error"
  | "tls-refused"
  | "endpoint-certificate"
  | "host-not-found"
  | "network"
  | "timeout"
  | "unexpected";

export interface Refusal {
  readonly kind: RefusalKind;
  /** What happened, in plain words. */
  readonly reason: string;
  /** What to do about it. */
  readonly fix: string;
  /** The evidence: what Azure said (status, code, message, tracking id), or the connection error. */
  readonly detail?: string;
}

export interface RefusalContext {
  readonly registrationId: string;
  readonly idScope: string;
  readonly globalEndpoint: string;
  readonly chain: ChainFacts;
}

const DOCTOR = "npm run doctor -- --stack <stack>";

interface SdkError {
  message?: string;
  name?: string;
  code?: string;
  responseBody?: string;
  response?: { statusCode?: number };
  result?: { status?: string; registrationState?: { errorCode?: number; errorMessage?: string; x509?: { enrollmentGroupId?: string } } };
}

function azureSaid(status: number | undefined, body: ReturnType<typeof parseDpsErrorBody>): string | undefined {
  if (status === undefined && body.errorCode === undefined) return undefined;
  const parts = [status !== undefined ? `HTTP ${status}` : undefined, body.errorCode !== undefined ? `error ${body.errorCode}` : undefined].filter(Boolean).join(", ");
  return `Azure said: ${parts}${body.message ? `: ${body.message}` : ""}${body.trackingId ? ` (tracking id ${body.trackingId})` : ""}`;
}

/** The refusal for a certificate DPS did not accept (401, or a TLS handshake it closed). */
function chainNotAccepted(ctx: RefusalContext, detail: string | undefined, kind: "chain-not-accepted" | "tls-refused"): Refusal {
  const leafOnly = ctx.chain.sentCount === 1 && !ctx.chain.leafSelfSigned;
  if (leafOnly) {
    return {
      kind: "leaf-only-chain",
      reason: `DPS did not accept the device certificate. The device sent only its own certificate (CN=${ctx.chain.leafCommonName}), not the chain: DPS can accept that only when the CA that signed it (${ctx.chain.leafIssuer}) is itself uploaded to the DPS and verified, and it is not.`,
      fix: `Send the full chain, leaf then intermediate (the <id>.fullchain.pem that \`npm run ca -- chain --device <id>\` writes: --cert <id>.fullchain.pem), or upload and verify the intermediate (ca.intermediates[].upload: true, then \`pulumi up\`).`,
      detail,
    };
  }
  const sent = ctx.chain.subjects.join(" ← ");
  return {
    kind,
    reason:
      (kind === "tls-refused" ? "The DPS endpoint closed the TLS handshake: it did not accept the device's certificate chain. " : "DPS did not accept the device certificate (unauthorized). ") +
      `The chain the device sent (${sent}) does not lead to a CA certificate that is uploaded to this DPS and verified, or no enrollment group names a CA of this chain.`,
    fix: `Run \`${DOCTOR}\`: each CA with upload: true must be present and verified (\`pulumi up\` uploads and proves it), and the group's caName must be a CA of this chain. A device certificate from another CA (another \`npm run ca -- chain\`) is refused: issue it from the stack's intermediate.`,
    detail,
  };
}

/** Explains what `registerX509Device` threw. */
export function explainRefusal(error: unknown, ctx: RefusalContext): Refusal {
  const e = (error ?? {}) as SdkError;
  const status = e.response?.statusCode;
  const body = parseDpsErrorBody(e.responseBody);
  const azure = azureSaid(status, body);
  const nodeSaid = (message: string) => `connection error: ${message}`;
  const code = Number(body.errorCode);

  const result = e.result;
  if (result?.status === "disabled") {
    const group = result.registrationState?.x509?.enrollmentGroupId;
    return group
      ? {
          kind: "group-disabled",
          reason: `Enrollment group "${group}" is disabled: DPS refuses every device of it.`,
          fix: `Set provisioningStatus: enabled on enrollmentGroups[] "${group}" in the stack config and run \`pulumi up\` (\`${DOCTOR}\` lists each group's status).`,
          detail: "Azure said: status disabled",
        }
      : {
          kind: "enrollment-disabled",
          reason: `Device "${ctx.registrationId}" is disabled: it is revoked (a disabled individual enrollment holds its certificate) or its enrollment is disabled.`,
          fix: `If the device should provision again, remove it from enrollmentGroups[].revokedDevices in the stack config and run \`pulumi up\` (that deletes the disabled individual enrollment); otherwise this is the revocation working.`,
          detail: "Azure said: status disabled",
        };
  }
  if (result?.status === "failed") {
    const failure = result.registrationState ?? {};
    const said = `Azure said: status failed${failure.errorCode !== undefined ? `, error ${failure.errorCode}` : ""}${failure.errorMessage ? `: ${failure.errorMessage}` : ""}`;
    if (failure.errorCode === 400208) {
      return {
        kind: "no-hub",
        reason: "DPS found no IoT hub to assign the device to: the enrollment's hubs are not linked to the DPS (or none applies).",
        fix: `Link the hubs (hubs[] in the stack config, \`pulumi up\`) and check the group's iotHubs (\`${DOCTOR}\`).`,
        detail: said,
      };
    }
    if (failure.errorCode === 400209) {
      return {
        kind: "hub-refused",
        reason: "The assigned IoT hub refused DPS: the linked hub's connection string (its key) is no longer valid.",
        fix: "Re-link the hub with a current key: `pulumi up` (after `pulumi refresh` if the key was rotated outside Pulumi).",
        detail: said,
      };
    }
    return { kind: "registration-failed", reason: "DPS could not complete the registration.", fix: `Read Azure's message below; \`${DOCTOR}\` checks the set-up.`, detail: said };
  }

  if (status === 401) return chainNotAccepted(ctx, azure, "chain-not-accepted");
  if (status === 403) {
    // No documented device-side 403 was found; the DPS's network rules are the usual reason for a 403 from Azure.
    return {
      kind: "forbidden",
      reason: "DPS forbade the registration (HTTP 403): its IP filter rules or disabled public network access block this network, or the enrollment does not allow it.",
      fix: `Check the DPS's networking (IP filter rules, public network access) and \`${DOCTOR}\` for the groups' status.`,
      detail: azure,
    };
  }
  if (status === 404) {
    return {
      kind: "unknown-id-scope",
      reason: `No DPS with ID scope ${ctx.idScope} answered at ${ctx.globalEndpoint}.`,
      fix: "Use the DPS's ID scope (`pulumi stack output idScope`) and its global device endpoint (`pulumi stack output globalDeviceEndpoint`).",
      detail: azure,
    };
  }
  if (status === 400) return { kind: "bad-request", reason: "DPS refused the request as malformed.", fix: "Check the registration id (letters, digits and - . _ :) and the ID scope.", detail: azure };
  if (status === 429 || code === 429001) return { kind: "throttled", reason: "DPS is throttling registrations.", fix: "Wait and try again (DPS allows a limited number of registrations a minute).", detail: azure };
  if (status !== undefined && status >= 500) return { kind: "service-error", reason: "DPS failed on its side.", fix: "Try again; if it persists, check Azure status and quote the tracking id.", detail: azure };

  const nodeCode = String(e.code ?? "");
  const message = String(e.message ?? e);
  if (/ERR_SSL_.*ALERT|ECONNRESET|EPIPE|socket hang up|disconnected before secure TLS/i.test(`${nodeCode} ${message}`)) {
    return chainNotAccepted(ctx, nodeSaid(`${nodeCode ? `${nodeCode}: ` : ""}${message}`), "tls-refused");
  }
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS_CERT_ALTNAME_INVALID/.test(nodeCode)) {
    return {
      kind: "endpoint-certificate",
      reason: `The device could not verify the TLS certificate of ${ctx.globalEndpoint} (${nodeCode}).`,
      fix: "Check --global-endpoint, and any proxy that intercepts TLS.",
      detail: nodeSaid(message),
    };
  }
  if (nodeCode === "ENOTFOUND" || nodeCode === "EAI_AGAIN") {
    return { kind: "host-not-found", reason: `The host ${ctx.globalEndpoint} could not be resolved.`, fix: "Check --global-endpoint (default global.azure-devices-provisioning.net) and DNS.", detail: nodeSaid(message) };
  }
  if (nodeCode === "ECONNREFUSED" || nodeCode === "ETIMEDOUT" || nodeCode === "ENETUNREACH") {
    return { kind: "network", reason: `No connection to ${ctx.globalEndpoint}:443 (${nodeCode}).`, fix: "Check the network, firewall and proxy: DPS needs outbound TCP 443.", detail: nodeSaid(message) };
  }
  if (e.name === "TimeoutError") return { kind: "timeout", reason: "DPS did not answer in time.", fix: "Try again.", detail: nodeSaid(message) };
  return { kind: "unexpected", reason: "The registration failed.", fix: `Read the error below; \`${DOCTOR}\` checks the set-up.`, detail: azure ?? nodeSaid(message) };
}

/** Kinds where DPS never answered: the device did not get as far as being refused. */
const UNREACHED: ReadonlySet<RefusalKind> = new Set(["host-not-found", "network", "timeout", "endpoint-certificate"]);

/** The refusal as printed: reason, fix, and the evidence. */
export function formatRefusal(registrationId: string, refusal: Refusal): string {
  const head = UNREACHED.has(refusal.kind) ? `Device "${registrationId}" could not reach DPS` : `DPS refused device "${registrationId}"`;
  const lines = [`${head}: ${refusal.reason}`, `  fix: ${refusal.fix}`];
  if (refusal.detail) lines.push(`  (${refusal.detail})`);
  return `${lines.join("\n")}\n`;
}
