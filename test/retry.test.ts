import { httpStatusOf, parseRetryAfter, retryAfterOf, withRetry } from "../components/azure/retry";

/** An error shaped like the Azure SDKs' (status on the response, headers lower-cased). */
function httpError(status: number, retryAfter?: string): Error {
  return Object.assign(new Error(`HTTP ${status}`), { response: { statusCode: status, headers: retryAfter === undefined ? {} : { "retry-after": retryAfter } } });
}

/** A fake clock: sleep advances it and records each wait. */
function clock(start = Date.UTC(2026, 0, 1)) {
  let now = start;
  const waits: number[] = [];
  return {
    now: () => now,
    sleep: async (ms: number) => {
      waits.push(ms);
      now += ms;
    },
    waits,
  };
}

/** fn failing with the given errors in turn, then returning "ok". */
function failing(...errors: Error[]) {
  const calls: number[] = [];
  const fn = async (attempt: number) => {
    calls.push(attempt);
    const e = errors[attempt - 1];
    if (e) throw e;
    return "ok";
  };
  return { fn, calls };
}

describe("parseRetryAfter", () => {
  const now = Date.UTC(2026, 0, 1, 12, 0, 0);
  test.each([
    ["0", 0],
    ["1", 1000],
    ["120", 120_000],
    [" 7 ", 7000],
    ["1.5", 1500],
  ])("seconds %j → %d ms", (v, ms) => expect(parseRetryAfter(v, now)).toBe(ms));

  test("HTTP date: the time until then; in the past: 0", () => {
    expect(parseRetryAfter("Thu, 01 Jan 2026 12:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfter("Thu, 01 Jan 2026 11:00:00 GMT", now)).toBe(0);
  });

  test.each([[undefined], [""], ["-5"], ["soon"], ["1e3"]])("not a Retry-After: %j", (v) => expect(parseRetryAfter(v as string | undefined, now)).toBeUndefined());
});

describe("reading errors", () => {
  test("status from statusCode, status or response.statusCode", () => {
    expect(httpStatusOf({ statusCode: 429 })).toBe(429);
    expect(httpStatusOf({ status: 503 })).toBe(503);
    expect(httpStatusOf(httpError(500))).toBe(500);
    expect(httpStatusOf(new Error("x"))).toBeUndefined();
    expect(httpStatusOf(undefined)).toBeUndefined();
  });

  test("Retry-After from headers (object or Headers-like) or a retryAfter field", () => {
    expect(retryAfterOf(httpError(429, "3"))).toBe("3");
    expect(retryAfterOf({ response: { headers: { get: (k: string) => (k === "retry-after" ? "4" : undefined) } } })).toBe("4");
    expect(retryAfterOf({ retryAfter: 5 })).toBe("5");
    expect(retryAfterOf(httpError(429))).toBeUndefined();
  });
});

describe("withRetry", () => {
  test("returns the first success without waiting", async () => {
    const c = clock();
    const { fn, calls } = failing();
    await expect(withRetry(fn, { sleep: c.sleep })).resolves.toBe("ok");
    expect(calls).toEqual([1]);
    expect(c.waits).toEqual([]);
  });

  test("retries 429 and 5xx, honouring Retry-After in seconds and as an HTTP date", async () => {
    const c = clock(Date.UTC(2026, 0, 1, 12, 0, 0));
    const { fn, calls } = failing(httpError(429, "2"), httpError(503, "Thu, 01 Jan 2026 12:00:07 GMT"), httpError(500));
    const res = await withRetry(fn, { sleep: c.sleep, now: c.now, random: () => 0, baseDelayMs: 100 });
    expect(res).toBe("ok");
    expect(calls).toEqual([1, 2, 3, 4]);
    // 2 s; then until 12:00:07 from 12:00:02 = 5 s; then backoff for attempt 3 with random 0: cap 400 → 200
    expect(c.waits).toEqual([2000, 5000, 200]);
  });

  test("exponential backoff with equal jitter, capped by maxDelayMs", async () => {
    const c = clock();
    const { fn } = failing(httpError(500), httpError(500), httpError(500), httpError(500), httpError(500));
    await withRetry(fn, { sleep: c.sleep, random: () => 0.999999, baseDelayMs: 100, maxDelayMs: 500, maxAttempts: 6 });
    expect(c.waits).toEqual([100, 200, 400, 500, 500]);
    const low = clock();
    await withRetry(failing(httpError(500), httpError(500), httpError(500)).fn, { sleep: low.sleep, random: () => 0, baseDelayMs: 100 });
    expect(low.waits).toEqual([50, 100, 200]);
  });

  test("does not retry other errors (400, 404, 409, 412, no status)", async () => {
    for (const e of [httpError(400), httpError(404), httpError(409), httpError(412), new Error("boom")]) {
      const c = clock();
      const { fn, calls } = failing(e);
      await expect(withRetry(fn, { sleep: c.sleep })).rejects.toBe(e);
      expect(calls).toEqual([1]);
      expect(c.waits).toEqual([]);
    }
  });

  test("bounded attempts: the last error is rethrown, with the attempt count", async () => {
    const c = clock();
    const errors = Array.from({ length: 10 }, (_, i) => httpError(503 + (i % 2)));
    const { fn, calls } = failing(...errors);
    const err = await withRetry(fn, { sleep: c.sleep, maxAttempts: 3, baseDelayMs: 10 }).catch((e) => e);
    expect(err).toBe(errors[2]);
    expect(err.attempts).toBe(3);
    expect(calls).toEqual([1, 2, 3]);
    expect(c.waits.length).toBe(2);
  });

  test("bounded total wait: a Retry-After that does not fit is not waited, not shortened", async () => {
    const c = clock();
    const { fn, calls } = failing(httpError(429, "10"), httpError(429, "60"));
    const err = await withRetry(fn, { sleep: c.sleep, maxTotalWaitMs: 30_000 }).catch((e) => e);
    expect(err.response.statusCode).toBe(429);
    expect(calls).toEqual([1, 2]);
    expect(c.waits).toEqual([10_000]);
    expect(err.totalWaitMs).toBe(10_000);
  });

  test("a long Retry-After within the budget is honoured in full (not capped by maxDelayMs)", async () => {
    const c = clock();
    await withRetry(failing(httpError(429, "45")).fn, { sleep: c.sleep, maxDelayMs: 1000, maxTotalWaitMs: 60_000 });
    expect(c.waits).toEqual([45_000]);
  });

  test("isRetryable and onRetry are honoured", async () => {
    const c = clock();
    const seen: Array<[number, number, boolean]> = [];
    const e = Object.assign(new Error("reset"), { code: "ECONNRESET" });
    const res = await withRetry(failing(e, httpError(429, "1")).fn, {
      sleep: c.sleep,
      random: () => 0.5,
      baseDelayMs: 100,
      isRetryable: (err) => (err as { code?: string }).code === "ECONNRESET" || httpStatusOf(err) === 429,
      onRetry: (i) => seen.push([i.attempt, i.delayMs, i.fromRetryAfter]),
    });
    expect(res).toBe("ok");
    expect(seen).toEqual([[1, 75, false], [2, 1000, true]]);
  });

  test("real sleep by default (a short one)", async () => {
    const t0 = Date.now();
    await withRetry(failing(httpError(503)).fn, { baseDelayMs: 40, random: () => 0 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(18);
  });
});
