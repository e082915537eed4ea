/**
 * Retry with exponential backoff and jitter for Azure calls: retries HTTP 429 and 5xx, honours Retry-After
 * (delta-seconds or HTTP-date), and is bounded both in attempts and in total time spent waiting.
 * Pure apart from the injectable `sleep`, `random` and `now`.
 */

export interface RetryOptions {
  /** Attempts in all, the first included (default 6). */
  readonly maxAttempts?: number;
  /** Backoff before the second attempt, doubled after each retry (default 500 ms). */
  readonly baseDelayMs?: number;
  /** Cap on one backoff wait (default 30 s). A Retry-After is honoured as given, within `maxTotalWaitMs`. */
  readonly maxDelayMs?: number;
  /** Cap on the sum of all waits; a retry that would exceed it is not made (default 120 s). */
  readonly maxTotalWaitMs?: number;
  /** Injectable for tests. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** In [0, 1); injectable for tests. */
  readonly random?: () => number;
  /** Epoch milliseconds, for Retry-After HTTP dates; injectable for tests. */
  readonly now?: () => number;
  /** Which errors are retried (default: HTTP 429 and 5xx, as read by `httpStatusOf`). */
  readonly isRetryable?: (error: unknown) => boolean;
  /** Called before each wait. */
  readonly onRetry?: (info: RetryInfo) => void;
}

export interface RetryInfo {
  /** The attempt that failed (1-based). */
  readonly attempt: number;
  readonly delayMs: number;
  readonly status: number | undefined;
  /** True when the delay came from Retry-After. */
  readonly fromRetryAfter: boolean;
  readonly error: unknown;
}

const retryDefaults = { maxAttempts: 6, baseDelayMs: 500, maxDelayMs: 30_000, maxTotalWaitMs: 120_000 } as const;
export { retryDefaults };

/** The HTTP status carried by an error from Azure's SDKs (`statusCode`, `status`, or `response.statusCode`). */
export function httpStatusOf(error: unknown): number | undefined {
  if (!error || typeof error !== "object") return undefined;
  const e = error as { statusCode?: unknown; status?: unknown; response?: { statusCode?: unknown; status?: unknown } };
  for (const v of [e.statusCode, e.status, e.response?.statusCode, e.response?.status]) {
    if (typeof v === "number" && Number.isInteger(v)) return v;
  }
  return undefined;
}

/** The Retry-After header value carried by an error (`retryAfter`, or `response.headers["retry-after"]`). */
export function retryAfterOf(error: unknown): string | undefined {
  if (!error || typeof error !== "object") return undefined;
  const e = error as { retryAfter?: unknown; response?: { headers?: Record<string, unknown> | { get?: (k: string) => unknown } } };
  if (typeof e.retryAfter === "string" || typeof e.retryAfter === "number") return String(e.retryAfter);
  const headers = e.response?.headers;
  if (!headers) return undefined;
  const value = typeof (headers as { get?: unknown }).get === "function"
    ? (headers as { get: (k: string) => unknown }).get("retry-after")
    : (headers as Record<string, unknown>)["retry-after"];
  if (Array.isArray(value)) return value.length ? String(value[0]) : undefined;
  return typeof value === "string" || typeof value === "number" ? String(value) : undefined;
}

/**
 * Milliseconds to wait for a Retry-After value: delta-seconds (`"120"`, `"1.5"` tolerated) or an HTTP-date
 * (a date in the past means 0). Undefined for anything else.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (v === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  if (!/[a-z]/i.test(v)) return undefined; // "-5", "1e3": neither form
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

export function isRetryableStatus(status: number | undefined): boolean {
  return status === 429 || (status !== undefined && status >= 500 && status <= 599);
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `fn` (given the 1-based attempt number) until it succeeds, fails with an error that is not retryable,
 * runs out of attempts, or the next wait would take the total wait past `maxTotalWaitMs`. Rethrows the last
 * error unchanged, with `attempts` (and `totalWaitMs`) added when it is an object.
 *
 * The wait is Retry-After when the error carries one (never shortened: if it does not fit in what is left of
 * `maxTotalWaitMs`, the error is thrown instead), else "equal jitter" backoff:
 * half of min(maxDelay, base·2^(attempt-1)) plus a random part of the other half.
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const maxAttempts = Math.max(1, Math.floor(opts.maxAttempts ?? retryDefaults.maxAttempts));
  const base = Math.max(0, opts.baseDelayMs ?? retryDefaults.baseDelayMs);
  const maxDelay = Math.max(0, opts.maxDelayMs ?? retryDefaults.maxDelayMs);
  const maxTotalWait = Math.max(0, opts.maxTotalWaitMs ?? retryDefaults.maxTotalWaitMs);
  const sleep = opts.sleep ?? realSleep;
  const random = opts.random ?? Math.random;
  const now = opts.now ?? Date.now;
  const isRetryable = opts.isRetryable ?? ((e: unknown) => isRetryableStatus(httpStatusOf(e)));

  let totalWait = 0;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= maxAttempts || !isRetryable(error)) throw annotate(error, attempt, totalWait);
      const retryAfterMs = parseRetryAfter(retryAfterOf(error), now());
      let delayMs: number;
      if (retryAfterMs !== undefined) {
        delayMs = retryAfterMs; // never earlier than the service asked; the total-wait bound still applies
      } else {
        const cap = Math.min(maxDelay, base * 2 ** (attempt - 1));
        delayMs = Math.round(cap / 2 + random() * (cap / 2));
      }
      if (totalWait + delayMs > maxTotalWait) throw annotate(error, attempt, totalWait);
      opts.onRetry?.({ attempt, delayMs, status: httpStatusOf(error), fromRetryAfter: retryAfterMs !== undefined, error });
      totalWait += delayMs;
      await sleep(delayMs);
    }
  }
}

function annotate(error: unknown, attempts: number, totalWaitMs: number): unknown {
  if (error && typeof error === "object") {
    try {
      Object.assign(error, { attempts, totalWaitMs });
    } catch {
      // frozen error: rethrow as is
    }
  }
  return error;
}
