/**
 * A small REST client for Microsoft.DeviceRegistry 2026-11-01 over ARM (no JavaScript SDK exists for it).
 *
 * It sends through the same pipeline as the project's other ARM clients (armClient.ts: `DefaultAzureCredential`
 * built per call, bearer token for `${endpoint}/.default`, 429/5xx retried with bounded backoff, Retry-After capped),
 * by borrowing the pipeline of an `IotDpsClient`: a plain `ServiceClient` with the same options would be the same
 * pipeline, built twice.
 *
 * Every write is a long-running operation, followed as Azure defines it (ARM RPC, and the spec's
 * `x-ms-long-running-operation-options`):
 *   PUT    200 done; 201 + `Azure-AsyncOperation` → poll it until `status` is terminal, then GET the resource.
 *   PATCH  200 done; 202 + `Location` → poll it, then GET the resource.
 *   DELETE 200/204 done (204: it was not there); 202 + `Location` → poll it.
 *   POST   (activate, revokeAndRotate) 200/204 done; 202 + `Location` → poll it.
 * A poll answer 202 (or 200 with a non-terminal `status`) means "not yet": wait Retry-After (default 5 s, capped)
 * and ask again; `Failed` / `Canceled` (or a 4xx/5xx) ends it with the operation's `error {code, message}`.
 * Errors carry `statusCode` and Azure's `code`, and their message never quotes a request body.
 *
 * Packages are `require`d inside the functions (this module runs inside dynamic providers).
 */
import type { IotDpsClient } from "@azure/arm-deviceprovisioningservices";
import { ARM_RETRY, armClientOptions, createDpsClient, normalizeArmEndpoint } from "./armClient";

export const DEVICE_REGISTRY_API_VERSION = "2026-11-01";

/** How long one long-running operation may be polled before giving up (an ICA's HSM key takes minutes at most). */
export const LRO_LIMITS = { defaultPollMs: 5_000, maxPollMs: ARM_RETRY.maxRetryAfterMs, maxTotalMs: 30 * 60_000 } as const;

export interface DeviceRegistryClientOptions {
  readonly subscriptionId: string;
  /** ARM endpoint; default https://management.azure.com. */
  readonly endpoint?: string;
  /** A credential of the caller's (the CLIs'); default DefaultAzureCredential, built per client (armClient.ts). */
  readonly credential?: import("@azure/identity").TokenCredential;
  /** With `credential`: the retry delay (tests shorten it). */
  readonly retryDelayInMs?: number;
}

/** An ARM error: HTTP status, Azure's code and message. */
export class DeviceRegistryError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

interface Answer {
  status: number;
  headers: { get(name: string): string | undefined };
  body: unknown;
}

const TERMINAL = new Set(["succeeded", "failed", "canceled", "cancelled"]);

export class DeviceRegistryClient {
  private readonly arm: IotDpsClient;

  constructor(private readonly options: DeviceRegistryClientOptions) {
    if (options.credential) {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const sdk = require("@azure/arm-deviceprovisioningservices") as typeof import("@azure/arm-deviceprovisioningservices");
      this.arm = new sdk.IotDpsClient(options.credential, options.subscriptionId, armClientOptions(options.endpoint, options.retryDelayInMs));
    } else {
      this.arm = createDpsClient({ subscriptionId: options.subscriptionId, endpoint: options.endpoint });
    }
  }

  /** The resource at `path` (an ARM id), or undefined when ARM answers 404. */
  async get<T>(path: string): Promise<T | undefined> {
    const answer = await this.send("GET", path);
    if (answer.status === 404) return undefined;
    this.assertOk(answer);
    return answer.body as T;
  }

  /** PUT then follow `Azure-AsyncOperation`; returns the resource as a GET reads it afterwards. */
  async put<T>(path: string, body: unknown): Promise<T> {
    const answer = await this.send("PUT", path, body);
    this.assertOk(answer);
    if (answer.status === 201 || answer.status === 202) {
      await this.follow(answer, answer.headers.get("azure-asyncoperation") ?? answer.headers.get("location"));
      return this.mustGet<T>(path);
    }
    return answer.body as T;
  }

  /** PATCH then follow `Location`; returns the resource as a GET reads it afterwards. */
  async patch<T>(path: string, body: unknown): Promise<T> {
    const answer = await this.send("PATCH", path, body);
    this.assertOk(answer);
    if (answer.status === 202) {
      await this.follow(answer, answer.headers.get("location") ?? answer.headers.get("azure-asyncoperation"));
      return this.mustGet<T>(path);
    }
    return answer.body as T;
  }

  /** DELETE then follow `Location`; true when something was deleted, false when it was not there (204/404). */
  async delete(path: string): Promise<boolean> {
    const answer = await this.send("DELETE", path);
    if (answer.status === 404 || answer.status === 204) return false;
    this.assertOk(answer);
    if (answer.status === 202) await this.follow(answer, answer.headers.get("location") ?? answer.headers.get("azure-asyncoperation"));
    return true;
  }

  /** POST an action (`activate`, `revokeAndRotate`) then follow `Location`. */
  async action(path: string, body?: unknown): Promise<void> {
    const answer = await this.send("POST", path, body);
    this.assertOk(answer);
    if (answer.status === 202) await this.follow(answer, answer.headers.get("location") ?? answer.headers.get("azure-asyncoperation"));
  }

  private async mustGet<T>(path: string): Promise<T> {
    const resource = await this.get<T>(path);
    if (resource === undefined) throw new DeviceRegistryError(404, "NotFound", `${path} is gone after its operation succeeded`);
    return resource;
  }

  /** Polls a status URL until the operation is terminal; throws its error when it failed or was canceled. */
  private async follow(first: Answer, url: string | undefined): Promise<void> {
    if (!url) throw new DeviceRegistryError(first.status, "NoOperationUrl", `answer ${first.status} carries neither Azure-AsyncOperation nor Location`);
    const started = Date.now();
    let previous = first;
    for (;;) {
      const waitMs = retryAfterMs(previous.headers.get("retry-after"));
      if (Date.now() - started + waitMs > LRO_LIMITS.maxTotalMs) {
        throw new DeviceRegistryError(408, "OperationTimedOut", `the operation at ${stripQuery(url)} did not finish in ${LRO_LIMITS.maxTotalMs / 60_000} minutes`);
      }
      await new Promise((resolve) => setTimeout(resolve, waitMs));
      const poll = await this.send("GET", url);
      if (poll.status === 202) {
        previous = poll;
        continue;
      }
      this.assertOk(poll);
      const status = String((poll.body as { status?: unknown } | undefined)?.status ?? "Succeeded");
      if (!TERMINAL.has(status.toLowerCase())) {
        previous = poll;
        continue;
      }
      if (status.toLowerCase() === "succeeded") return;
      const error = (poll.body as { error?: { code?: string; message?: string } }).error;
      throw new DeviceRegistryError(200, error?.code ?? `Operation${status}`, error?.message ?? `the operation ended ${status}`);
    }
  }

  private assertOk(answer: Answer): void {
    if (answer.status >= 200 && answer.status < 300) return;
    const error = (answer.body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
    throw new DeviceRegistryError(
      answer.status,
      typeof error?.code === "string" ? error.code : `Http${answer.status}`,
      typeof error?.message === "string" ? error.message : `ARM answered ${answer.status}`,
    );
  }

  private async send(method: string, pathOrUrl: string, body?: unknown): Promise<Answer> {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const rest = require("@azure/core-rest-pipeline") as typeof import("@azure/core-rest-pipeline");
    const base = normalizeArmEndpoint(this.options.endpoint);
    const url = /^https?:\/\//.test(pathOrUrl) ? pathOrUrl : `${base}${pathOrUrl}?api-version=${DEVICE_REGISTRY_API_VERSION}`;
    const request = rest.createPipelineRequest({
      url,
      method: method as "GET",
      headers: rest.createHttpHeaders({ accept: "application/json", ...(body === undefined ? {} : { "content-type": "application/json" }) }),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const response = await this.arm.sendRequest(request);
    let parsed: unknown;
    if (response.bodyAsText) {
      try {
        parsed = JSON.parse(response.bodyAsText);
      } catch {
        parsed = undefined;
      }
    }
    return { status: response.status, headers: { get: (name) => response.headers.get(name) }, body: parsed };
  }
}

/** Retry-After (seconds) in ms, default 5 s, capped as armClient caps it. */
export function retryAfterMs(value: string | undefined): number {
  const seconds = value === undefined ? NaN : Number(value);
  const ms = Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : LRO_LIMITS.defaultPollMs;
  return Math.min(ms, LRO_LIMITS.maxPollMs);
}

function stripQuery(url: string): string {
  return url.replace(/\?.*$/, "");
}

/** ARM ids of the Device Registry resources. */
export const adrIds = {
  namespace: (p: { subscriptionId: string; resourceGroupName: string; namespaceName: string }) =>
    `/subscriptions/${p.subscriptionId}/resourceGroups/${p.resourceGroupName}/providers/Microsoft.DeviceRegistry/namespaces/${p.namespaceName}`,
  certificateAuthority: (p: { subscriptionId: string; resourceGroupName: string; namespaceName: string; certificateAuthorityName: string }) =>
    `${adrIds.namespace(p)}/certificateAuthorities/${p.certificateAuthorityName}`,
  certificatePolicy: (p: { subscriptionId: string; resourceGroupName: string; namespaceName: string; certificateAuthorityName: string; certificatePolicyName: string }) =>
    `${adrIds.certificateAuthority(p)}/certificatePolicies/${p.certificatePolicyName}`,
};
