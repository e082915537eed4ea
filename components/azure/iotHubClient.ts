/**
 * An ARM client for IoT hubs (`@azure/arm-iothub`, API 2023-06-30), with the same credential, endpoint and retry as
 * the DPS client (armClient.ts). `doctor` reads hubs with it; nothing here writes.
 */
import type { IotHubClient } from "@azure/arm-iothub";
import { armClientSettings, type DpsClientOptions } from "./armClient";

export function createIotHubClient(options: DpsClientOptions): IotHubClient {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const sdk = require("@azure/arm-iothub") as typeof import("@azure/arm-iothub");
  const { credential, clientOptions } = armClientSettings(options.endpoint);
  return new sdk.IotHubClient(credential, options.subscriptionId, clientOptions);
}
