/**
 * `dps-x509:quotas` (components/config/quotas.ts): the plan counts against the quotas a stack states it has been
 * granted instead of Azure's defaults, refuses the one limit that cannot be raised, and counts DPS instances per
 * subscription when shards live in several.
 */
import * as path from "path";
import { parseStackConfig, readRawStackConfig } from "../components/config";
import { readStackFile } from "../cli/plan/stackFile";

const RAW = readRawStackConfig(readStackFile(path.resolve(__dirname, "../Pulumi.platform.yaml")).allConfig);
const OTHER = "00000000-0000-0000-0000-00000000b002";
const problemsOf = (values: Record<string, unknown>) => {
  const result = parseStackConfig({ ...RAW, subscriptionId: "00000000-0000-0000-0000-00000000a001", values: { ...RAW.values, ...values } });
  return result.ok ? [] : result.problems;
};
const bigTenants = (groups: number) => [{ name: "big", caCertificates: 1, enrollmentGroups: groups, shard: "shared-dps-b" }];

test("a shard over Azure's 100 groups is refused, and fits once the stack states the raised quota", () => {
  expect(problemsOf({ shards: [{ name: "shared-dps-b" }], tenants: bigTenants(150) })).toEqual([
    { path: "tenants", value: 150, message: expect.stringContaining("shard shared-dps-b would hold 150 X.509 enrollment groups (platform 0, 1 tenants (big 150)); a DPS holds at most 100 (quotas.enrollmentGroupsPerDps)") },
  ]);
  expect(problemsOf({ shards: [{ name: "shared-dps-b" }], tenants: bigTenants(150), quotas: { enrollmentGroupsPerDps: 200 } })).toEqual([]);
  expect(problemsOf({ shards: [{ name: "shared-dps-b" }], tenants: bigTenants(201), quotas: { enrollmentGroupsPerDps: 200 } })).toEqual([
    expect.objectContaining({ path: "tenants", value: 201, message: expect.stringContaining("a DPS holds at most 200") }),
  ]);
});

test("with one DPS the stated CA quota is the limit too", () => {
  const tenants = [{ name: "ta", caCertificates: 30 }];
  expect(problemsOf({ tenants })).toEqual([expect.objectContaining({ message: expect.stringContaining("a DPS holds at most 25") })]);
  expect(problemsOf({ tenants, quotas: { caCertificatesPerDps: 50 } })).toEqual([]);
});

test("the platform's own CA uploads and a rotation's overlap count against the stated CA quota", () => {
  const intermediates = (count: number, rotating = false) =>
    Array.from({ length: count }, (_, i) => ({ name: `own-${i}`, commonName: `Own ${i}`, ...(rotating && i === 0 ? { rotation: { step: "stage", name: "own-0-next" } } : {}) }));
  const ca = (count: number, rotating = false) => ({ root: { name: "provider-root-ca", commonName: "Provider Root CA" }, intermediates: intermediates(count, rotating) });
  // The root and 26 intermediates: 27 uploads.
  expect(problemsOf({ tenants: [], ca: ca(26) })).toEqual([
    { path: "ca", value: 27, message: "uploads 27 CA certificates; a DPS holds at most 25 (quotas.caCertificatesPerDps states a raised quota)" },
  ]);
  expect(problemsOf({ tenants: [], ca: ca(26), quotas: { caCertificatesPerDps: 27 } })).toEqual([]);
  // 27 uploads and the rotation's new intermediate beside them: 28 during the overlap.
  expect(problemsOf({ tenants: [], ca: ca(26, true), quotas: { caCertificatesPerDps: 27 } })).toEqual([
    { path: "ca", value: 28, message: "holds 28 CA certificates on the DPS during the rotation's overlap; a DPS holds at most 27: rotate fewer CAs at once" },
  ]);
  expect(problemsOf({ tenants: [], ca: ca(26, true), quotas: { caCertificatesPerDps: 28 } })).toEqual([]);
});

test("50 linked hubs per DPS is fixed: stating it is refused with why", () => {
  expect(problemsOf({ quotas: { linkedHubsPerDps: 100 } })).toEqual([
    { path: "quotas.linkedHubsPerDps", value: 100, message: expect.stringContaining("cannot be raised: Azure links at most 50 IoT hubs to a DPS") },
  ]);
});

test("DPS instances are counted per subscription: 12 in one is refused, 6 of them in a second subscription fit, as does a raised quota", () => {
  const shards = Array.from({ length: 11 }, (_, i) => ({ name: `shared-dps-s${i}` }));
  expect(problemsOf({ shards })).toEqual([{ path: "shards", value: 12, message: expect.stringContaining("declares 12 DPS instances (dps and 11 shards); a subscription holds at most 10 (quotas.dpsPerSubscription") }]);
  const split = shards.map((shard, i) => (i < 6 ? { ...shard, subscriptionId: OTHER, resourceGroupName: "iot-shards-rg" } : shard));
  expect(problemsOf({ shards: split })).toEqual([]);
  expect(problemsOf({ shards, quotas: { dpsPerSubscription: 12 } })).toEqual([]);
  const crowded = Array.from({ length: 11 }, (_, i) => ({ name: `shared-dps-o${i}`, subscriptionId: OTHER, resourceGroupName: "iot-shards-rg" }));
  expect(problemsOf({ shards: crowded })).toEqual([{ path: "shards", value: 11, message: expect.stringContaining(`declares 11 DPS instances in subscription ${OTHER}`) }]);
});

test("a quota is a whole number of at least 1, and quotas takes only its keys", () => {
  expect(problemsOf({ quotas: { enrollmentGroupsPerDps: 0 } }).map((p) => p.path)).toEqual(["quotas.enrollmentGroupsPerDps"]);
  expect(problemsOf({ quotas: { hubsPerSubscription: 60 } }).map((p) => p.path)).toEqual([expect.stringMatching(/^quotas/)]);
});

test("the platform's own groups count against the stated quota too", () => {
  const groups = Array.from({ length: 150 }, (_, i) => ({ enrollmentId: `g-${i}`, caName: "provider-root-ca" }));
  expect(problemsOf({ tenants: [], enrollmentGroups: groups })).toEqual([
    expect.objectContaining({ path: "enrollmentGroups", value: 150, message: expect.stringContaining("a DPS holds at most 100") }),
  ]);
  expect(problemsOf({ tenants: [], enrollmentGroups: groups, quotas: { enrollmentGroupsPerDps: 200 } })).toEqual([]);
});

describe("preflight's comparison with Microsoft.Devices/usages (cli/preflight/quota.ts)", () => {
  const { checkStatedQuotas } = require("../cli/preflight/quota") as typeof import("../cli/preflight/quota");
  // Only the one SDK call the check makes; ARM today lists FreeHubCount alone, so a DPS entry is hypothetical here.
  const clientsListing = (value: unknown[]) => ({ iotHub: () => ({ resourceProviderCommon: { getSubscriptionQuota: async () => ({ value }) } }) }) as never;
  const FREE = { name: { value: "FreeHubCount" }, currentValue: 0, limit: 1 };

  test("a stated quota ARM reports lower is a problem with the granted figure; one it reports at or above, ok", async () => {
    const dps = { name: { value: "ProvisioningServiceCount" }, currentValue: 3, limit: 15 };
    expect(await checkStatedQuotas(clientsListing([FREE, dps]), { dpsPerSubscription: 20 })).toEqual([
      { check: "quotas.dpsPerSubscription", status: "problem", detail: "20 stated, but Microsoft.Devices/usages ProvisioningServiceCount grants 15", fix: expect.stringContaining("quotas.dpsPerSubscription: 15") },
    ]);
    expect((await checkStatedQuotas(clientsListing([FREE, dps]), { dpsPerSubscription: 15 }))[0].status).toBe("ok");
  });

  test("nothing stated, nothing asked; a refused read is a problem naming the permission", async () => {
    expect(await checkStatedQuotas({} as never, undefined)).toEqual([]);
    const denied = { iotHub: () => ({ resourceProviderCommon: { getSubscriptionQuota: async () => Promise.reject(Object.assign(new Error("no"), { code: "AuthorizationFailed" })) } }) } as never;
    expect(await checkStatedQuotas(denied, { caCertificatesPerDps: 50 })).toEqual([expect.objectContaining({ status: "problem", fix: expect.stringContaining("Microsoft.Devices/usages/read") })]);
  });
});
