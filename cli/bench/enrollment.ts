/**
 * Benchmark: create 100 enrollment groups through the dynamic provider (Microsoft's SDK, withRetry) against
 * the local fake DPS, once without faults and once with 1 request in 10 answered 429 + Retry-After. Reports
 * time and request counts, that every group was created and none twice, and whether the faulted run took at
 * most twice the fault-free run plus the sum of the Retry-After waits.
 *
 *   node azure-test-servers/with-test-tls.js node -r ./cli/tsRegister.js cli/bench/enrollment.ts
 *
 * The fake server speaks HTTPS with a throwaway CA that Node must trust from its start (NODE_EXTRA_CA_CERTS),
 * so without DPS_X509_TEST_TLS_DIR `benchEnrollmentGroups()` runs itself again under
 * azure-test-servers/with-test-tls.js in a child process and returns the child's result.
 */
import { benchInChild } from "./inChild";

export interface EnrollmentBenchOptions {
  /** Groups to create (default 100). */
  readonly groups?: number;
  /** One request in this many is answered 429 in the faulted run (default 10). */
  readonly faultEvery?: number;
  /** Retry-After of those 429s, in seconds (default 1). */
  readonly retryAfterSeconds?: number;
  /** Creates in flight at once (default 1: sequential, so that the waits add up and the bound means something). */
  readonly concurrency?: number;
}

interface RunResult {
  totalMs: number;
  requests: number;
  throttled: number;
  sumOfRetryAfterWaitsMs: number;
  created: number;
  createdOnce: boolean;
}

async function runOnce(o: Required<EnrollmentBenchOptions>, faulted: boolean): Promise<RunResult> {
  const { startRoutedFakeDps } = await import("../../azure-test-servers/dpsServiceServer");
  const { enrollmentGroupProvider } = await import("../../components/providers/enrollmentGroup");
  const { server, stop } = await startRoutedFakeDps({ linkedHubs: ["hub-a.azure-devices.net", "hub-b.azure-devices.net"] });
  try {
    if (faulted) server.failEvery(o.faultEvery, { status: 429, retryAfter: o.retryAfterSeconds });
    const ids = Array.from({ length: o.groups }, (_, i) => `bench-group-${String(i).padStart(3, "0")}`);
    const inputs = (id: string) => ({
      enrollmentId: id, primaryCaName: "root-ca", provisioningStatus: "enabled" as const, allocationPolicy: "hashed" as const,
      iotHubHostNames: ["hub-a.azure-devices.net", "hub-b.azure-devices.net"], reprovisionPolicy: "reprovisionandmigratedata" as const,
      edgeEnabled: false, initialTwin: { tags: { bench: true } }, serviceHostName: server.hostName,
      connectionString: server.connectionString(), providerVersion: "1",
    });
    let next = 0;
    const t0 = process.hrtime.bigint();
    await Promise.all(Array.from({ length: Math.max(1, o.concurrency) }, async () => {
      while (next < ids.length) {
        const id = ids[next++];
        await enrollmentGroupProvider.create(inputs(id));
      }
    }));
    const totalMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const throttled = server.requests.filter((r) => r.status === 429).length;
    const successfulPuts = new Map<string, number>();
    for (const r of server.requests) {
      if (r.method === "PUT" && r.status === 200) successfulPuts.set(r.path, (successfulPuts.get(r.path) ?? 0) + 1);
    }
    const stored = server.groupIds();
    return {
      totalMs: Math.round(totalMs),
      requests: server.requestCount,
      throttled,
      sumOfRetryAfterWaitsMs: throttled * o.retryAfterSeconds * 1000,
      created: new Set(stored).size === ids.length && ids.every((id) => stored.includes(id)) ? ids.length : stored.length,
      createdOnce: ids.every((id) => successfulPuts.get(`/enrollmentGroups/${id}`) === 1) && !server.requests.some((r) => r.status === 409),
    };
  } finally {
    await stop();
  }
}

async function benchInProcess(o: Required<EnrollmentBenchOptions>): Promise<object> {
  const faultFree = await runOnce(o, false);
  const with429 = await runOnce(o, true);
  const boundMs = 2 * faultFree.totalMs + with429.sumOfRetryAfterWaitsMs;
  return {
    name: "enrollment groups: create through the provider against the fake DPS",
    groups: o.groups,
    concurrency: o.concurrency,
    faultFree: { totalMs: faultFree.totalMs, requests: faultFree.requests, msPerGroup: +(faultFree.totalMs / o.groups).toFixed(2) },
    with429: {
      faultEvery: o.faultEvery,
      retryAfterSeconds: o.retryAfterSeconds,
      totalMs: with429.totalMs,
      requests: with429.requests,
      throttled: with429.throttled,
      sumOfRetryAfterWaitsMs: with429.sumOfRetryAfterWaitsMs,
      overheadBeyondWaitsMs: with429.totalMs - with429.sumOfRetryAfterWaitsMs - faultFree.totalMs,
    },
    allCreated: faultFree.created === o.groups && with429.created === o.groups,
    noneTwice: faultFree.createdOnce && with429.createdOnce,
    boundMs,
    withinBound: with429.totalMs <= boundMs,
  };
}

export async function benchEnrollmentGroups(options: EnrollmentBenchOptions = {}): Promise<object> {
  const o: Required<EnrollmentBenchOptions> = { groups: 100, faultEvery: 10, retryAfterSeconds: 1, concurrency: 1, ...options };
  return process.env.DPS_X509_TEST_TLS_DIR ? benchInProcess(o) : benchInChild("cli/bench/enrollment.ts", ["--json", JSON.stringify(o)], 16 * 1024 * 1024);
}

if (require.main === module) {
  const jsonIndex = process.argv.indexOf("--json");
  const options = jsonIndex >= 0 && process.argv[jsonIndex + 1] ? JSON.parse(process.argv[jsonIndex + 1]) : {};
  benchEnrollmentGroups(options).then(
    (result) => {
      process.stdout.write(`${JSON.stringify(result, null, jsonIndex >= 0 ? 0 : 2)}\n`);
      const r = result as { allCreated?: boolean; noneTwice?: boolean; withinBound?: boolean };
      if (!r.allCreated || !r.noneTwice || !r.withinBound) process.exitCode = 1;
    },
    (err) => {
      process.stderr.write(`${(err as Error).stack ?? err}\n`);
      process.exitCode = 1;
    },
  );
}
