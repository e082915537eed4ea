/**
 * Microsoft's ARM SDKs, pointed at the context's endpoint (Azure, a sovereign cloud, or a local test server), with
 * the same bounded retries as the program's own ARM client. Loaded when asked for, so that `--help` stays quick.
 */
import type { AuthorizationManagementClient } from "@azure/arm-authorization";
import type { IotDpsClient } from "@azure/arm-deviceprovisioningservices";
import type { IotHubClient } from "@azure/arm-iothub";
import type { KeyVaultManagementClient } from "@azure/arm-keyvault";
import type { ResourceManagementClient } from "@azure/arm-resources";
import { armClientOptions } from "../../components/azure/armClient";
import { wholeMessage } from "../../components/azure/errorText";
import type { PreflightContext } from "./types";

const options = (context: PreflightContext) => armClientOptions(context.armEndpoint, context.retryDelayInMs);

export interface PreflightClients {
  readonly subscriptionId: string;
  resources(): ResourceManagementClient;
  iotHub(): IotHubClient;
  dps(): IotDpsClient;
  keyVault(): KeyVaultManagementClient;
  authorization(): AuthorizationManagementClient;
}

export function preflightClients(context: PreflightContext): PreflightClients {
  const { credential, subscriptionId } = context;
  return {
    subscriptionId,
    resources: () => new (require("@azure/arm-resources") as typeof import("@azure/arm-resources")).ResourceManagementClient(credential, subscriptionId, options(context)),
    iotHub: () => new (require("@azure/arm-iothub") as typeof import("@azure/arm-iothub")).IotHubClient(credential, subscriptionId, options(context)),
    dps: () => new (require("@azure/arm-deviceprovisioningservices") as typeof import("@azure/arm-deviceprovisioningservices")).IotDpsClient(credential, subscriptionId, options(context)),
    keyVault: () => new (require("@azure/arm-keyvault") as typeof import("@azure/arm-keyvault")).KeyVaultManagementClient(credential, subscriptionId, options(context)),
    authorization: () => new (require("@azure/arm-authorization") as typeof import("@azure/arm-authorization")).AuthorizationManagementClient(credential, subscriptionId, options(context)),
  };
}

/** Azure's error, whole: its code and its message (every line, `\r` removed). */
export function azureError(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown; statusCode?: unknown };
  const message = wholeMessage(String(e?.message ?? err));
  return typeof e?.code === "string" && !message.startsWith(e.code) ? `${e.code}: ${message}` : message;
}

export function statusOf(err: unknown): number | undefined {
  const status = (err as { statusCode?: unknown })?.statusCode;
  return typeof status === "number" ? status : undefined;
}

/** The value, or undefined on 404 (anything else is thrown on). */
export async function unlessNotFound<T>(call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (err) {
    if (statusOf(err) === 404) return undefined;
    throw err;
  }
}
