/**
 * Builds the ARM client for DPS certificates (`IotDpsClient` from `@azure/arm-deviceprovisioningservices`).
 *
 * Credentials: `azureCredential()` (credential.ts), built on every call: the OIDC token azure-native is given
 * (Pulumi Deployments), else `DefaultAzureCredential` (so `az login`, a service principal in
 * AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET, workload identity, or a managed identity all work), and
 * nothing is captured when a dynamic provider is serialized.
 *
 * Retries: the SDK's pipeline retries 429 and 503 honouring Retry-After (throttling strategy) and other 5xx
 * (but 501/505) and 408 with exponential backoff. We bound it: at most `ARM_RETRY.maxRetries` retries per
 * request, exponential delays capped at `maxRetryDelayInMs`, and a Retry-After longer than
 * `maxRetryAfterMs` is shortened to it (the SDK would otherwise sleep as long as the server asks).
 *
 * Packages are `require`d inside the functions: this module is serialized by value into dynamic providers,
 * and the `require` calls then resolve from the program's node_modules in the provider process.
 */
import type { IotDpsClient, IotDpsClientOptionalParams } from "@azure/arm-deviceprovisioningservices";
import type { TokenCredential } from "@azure/identity";

// The pipeline types, taken from the client's options (no direct dependency on @azure/core-rest-pipeline).
type PipelinePolicy = NonNullable<IotDpsClientOptionalParams["additionalPolicies"]>[number]["policy"];
type PipelineResponse = Awaited<ReturnType<PipelinePolicy["sendRequest"]>>;

export const DEFAULT_ARM_ENDPOINT = "https://management.azure.com";

/** Retry bounds for ARM calls (per request). Worst case ≈ maxRetries × maxRetryAfterMs of waiting. */
export const ARM_RETRY = {
  maxRetries: 4,
  retryDelayInMs: 1000,
  maxRetryDelayInMs: 16_000,
  maxRetryAfterMs: 30_000,
} as const;

export interface DpsClientOptions {
  /** Azure subscription holding the DPS. */
  readonly subscriptionId: string;
  /** ARM endpoint; default `https://management.azure.com` (set it for sovereign clouds or a local test server). */
  readonly endpoint?: string;
}

/**
 * Test-only seam. Tests call `setArmClientTestOverrides({ credential })` to replace `DefaultAzureCredential`
 * with a fake `TokenCredential` (and may shorten the exponential retry delay), and
 * `setArmClientTestOverrides(undefined)` to restore the defaults. Production code never calls it.
 * Note: a dynamic provider serialized while an override is set carries the override with it.
 */
export interface ArmClientTestOverrides {
  readonly credential?: TokenCredential;
  readonly retryDelayInMs?: number;
}

let testOverrides: ArmClientTestOverrides | undefined;

export function setArmClientTestOverrides(overrides: ArmClientTestOverrides | undefined): void {
  testOverrides = overrides;
}

/** `https://host/` → `https://host` (the SDK appends paths, and the token scope is `${endpoint}/.default`). */
export function normalizeArmEndpoint(endpoint: string | undefined): string {
  const value = (endpoint ?? "").trim() || DEFAULT_ARM_ENDPOINT;
  return value.replace(/\/+$/, "");
}

export function createDpsClient(options: DpsClientOptions): IotDpsClient {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const sdk = require("@azure/arm-deviceprovisioningservices") as typeof import("@azure/arm-deviceprovisioningservices");
  const { credential, clientOptions } = armClientSettings(options.endpoint);
  return new sdk.IotDpsClient(credential, options.subscriptionId, clientOptions);
}

/** The credential and client options every ARM client here uses: endpoint, bounded retry, capped Retry-After. */
export function armClientSettings(endpoint: string | undefined) {
  const overrides = testOverrides;
  const credential: TokenCredential = overrides?.credential ?? createDefaultCredential();
  return { credential, clientOptions: armClientOptions(endpoint, overrides?.retryDelayInMs) };
}

/** The client options of every ARM SDK client here (the CLIs' too): endpoint, bounded retry, capped Retry-After. */
export function armClientOptions(endpoint: string | undefined, retryDelayInMs: number = ARM_RETRY.retryDelayInMs) {
  return {
    endpoint: normalizeArmEndpoint(endpoint),
    retryOptions: { maxRetries: ARM_RETRY.maxRetries, retryDelayInMs, maxRetryDelayInMs: ARM_RETRY.maxRetryDelayInMs },
    // perRetry: runs inside the retry loop, so the retry policy sees the capped header.
    additionalPolicies: [{ policy: capRetryAfterPolicy(ARM_RETRY.maxRetryAfterMs), position: "perRetry" as const }],
  };
}

function createDefaultCredential(): TokenCredential {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  return (require("./credential") as typeof import("./credential")).azureCredential();
}

/** Shortens Retry-After (seconds or HTTP date) and the millisecond variants on 429/503 to at most `maxMs`. */
export function capRetryAfterPolicy(maxMs: number): PipelinePolicy {
  return {
    name: "dpsX509CapRetryAfter",
    async sendRequest(request, next): Promise<PipelineResponse> {
      const response = await next(request);
      if (response.status !== 429 && response.status !== 503) return response;
      for (const header of ["retry-after-ms", "x-ms-retry-after-ms"]) {
        const ms = Number(response.headers.get(header));
        if (Number.isFinite(ms) && ms > maxMs) response.headers.set(header, String(maxMs));
      }
      const retryAfter = response.headers.get("retry-after");
      if (retryAfter !== undefined) {
        const seconds = Number(retryAfter);
        const waitMs = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(retryAfter) - Date.now();
        if (Number.isFinite(waitMs) && waitMs > maxMs) response.headers.set("retry-after", String(Math.floor(maxMs / 1000)));
      }
      return response;
    },
  };
}
