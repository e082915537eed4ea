/**
 * Shards: several DPS instances on one platform. Placement is stable under additions and removals of tenants
 * (fast-check), pins win, capacity is refused per shard with the numbers, a change of shards that would move an
 * unpinned tenant is refused while a pinned move is announced, and a tenant on a shard works on that shard's DPS.
 */
import * as fc from "fast-check";
import * as fs from "fs";
import * as path from "path";
import { parseStackConfig, readRawStackConfig, type StackConfig } from "../components/config";
import { readStackFile } from "../cli/plan/stackFile";
import { defaultShard, placeTenants } from "../components/shards/placement";
import { tenantMoves } from "../components/shards/moves";
import { factsOnTenantShard } from "../components/tenant/shardFacts";
import { parsePlatformFacts } from "../components/tenant/platformOutputs";

const ROOT = path.resolve(__dirname, "..");
const tenantName = fc.stringMatching(/^[a-z][a-z0-9]{1,10}$/);
const shardSet = fc.uniqueArray(fc.stringMatching(/^dps-[a-z0-9]{3,8}$/), { minLength: 1, maxLength: 10 });

describe("placement", () => {
  test("adding or removing a tenant never moves another (property)", () => {
    fc.assert(
      fc.property(shardSet, fc.uniqueArray(tenantName, { minLength: 1, maxLength: 60 }), tenantName, (shards, tenants, extra) => {
        fc.pre(!tenants.includes(extra));
        const before = placeTenants(tenants.map((name) => ({ name })), shards);
        const added = placeTenants([...tenants, extra].map((name) => ({ name })), shards);
        const removed = placeTenants(tenants.slice(1).map((name) => ({ name })), shards);
        for (const name of tenants) expect(added.get(name)).toBe(before.get(name));
        for (const name of tenants.slice(1)) expect(removed.get(name)).toBe(before.get(name));
      }),
    );
  });

  test("the order of tenants and shards does not matter, and a pin always wins (property)", () => {
    fc.assert(
      fc.property(shardSet, fc.uniqueArray(tenantName, { minLength: 1, maxLength: 30 }), fc.nat(), (shards, tenants, pick) => {
        const pin = shards[pick % shards.length];
        const forward = placeTenants(tenants.map((name, i) => ({ name, shard: i === 0 ? pin : undefined })), shards);
        const backward = placeTenants([...tenants].reverse().map((name) => ({ name, shard: name === tenants[0] ? pin : undefined })), [...shards].reverse());
        expect(forward.get(tenants[0])).toBe(pin);
        for (const name of tenants) expect(backward.get(name)).toBe(forward.get(name));
      }),
    );
  });

  test("a shard added takes some tenants, and only to itself: no tenant moves between the old shards (property)", () => {
    fc.assert(
      fc.property(shardSet, fc.uniqueArray(tenantName, { minLength: 1, maxLength: 60 }), fc.stringMatching(/^new-[a-z]{3}$/), (shards, tenants, added) => {
        for (const tenant of tenants) {
          const after = defaultShard(tenant, [...shards, added]);
          expect([defaultShard(tenant, shards), added]).toContain(after);
        }
      }),
    );
  });

  test("1,000 tenants spread over 10 shards within a reasonable balance", () => {
    const shards = Array.from({ length: 10 }, (_, i) => `dps-shard-${i}`);
    const placement = placeTenants(Array.from({ length: 1000 }, (_, i) => ({ name: `tenant-${i}` })), shards);
    const counts = shards.map((shard) => [...placement.values()].filter((s) => s === shard).length);
    expect(Math.min(...counts)).toBeGreaterThan(50);
    expect(Math.max(...counts)).toBeLessThan(150);
  });
});

function platform(values: Record<string, unknown>) {
  const raw = readRawStackConfig(readStackFile(path.join(ROOT, "Pulumi.platform.yaml")).allConfig);
  return parseStackConfig({ ...raw, values: { ...raw.values, ...values } });
}
const problemsOf = (values: Record<string, unknown>) => {
  const result = platform(values);
  return result.ok ? [] : result.problems;
};

describe("capacity per shard, with the numbers", () => {
  test("a shard over 25 CA certificates is refused, naming the shard, the count, the platform's share and the limit", () => {
    const tenants = [
      { name: "ta", caCertificates: 10, shard: "dps-b" },
      { name: "tb", caCertificates: 10, shard: "dps-b" },
      { name: "tc", caCertificates: 6, shard: "dps-b" },
      { name: "td", caCertificates: 24, shard: "shared-dps-x509" },
    ];
    const problems = problemsOf({ shards: [{ name: "dps-b" }], tenants });
    expect(problems).toEqual([
      { path: "tenants", value: 26, message: expect.stringMatching(/^shard dps-b would hold 26 CA certificates \(platform 0, 3 tenants \(ta 10, tb 10, tc 6\)\); a DPS holds at most 25/) },
    ]);
  });

  test("the primary counts the platform's own CA: 24 for a tenant plus 1 fits, 25 does not", () => {
    expect(problemsOf({ shards: [{ name: "dps-b" }], tenants: [{ name: "ta", caCertificates: 24, shard: "shared-dps-x509" }] })).toEqual([]);
    expect(problemsOf({ shards: [{ name: "dps-b" }], tenants: [{ name: "ta", caCertificates: 25, shard: "shared-dps-x509" }] })).toEqual([
      { path: "tenants", value: 26, message: expect.stringContaining("shard shared-dps-x509 would hold 26 CA certificates (platform 1, 1 tenants (ta 25))") },
    ]);
  });

  test("groups per shard: 101 refused with the count and the limit of 100", () => {
    const tenants = Array.from({ length: 11 }, (_, i) => ({ name: `g${i}`, enrollmentGroups: i === 10 ? 1 : 10, caCertificates: 1, shard: "dps-b" }));
    expect(problemsOf({ shards: [{ name: "dps-b" }], tenants })).toEqual([
      { path: "tenants", value: 101, message: expect.stringContaining("would hold 101 X.509 enrollment groups (platform 0, 11 tenants") },
    ]);
  });

  test("more than 10 DPS instances in a subscription is refused with both numbers", () => {
    const shards = Array.from({ length: 10 }, (_, i) => ({ name: `dps-s${i}` }));
    expect(problemsOf({ shards })).toEqual([{ path: "shards", value: 11, message: expect.stringContaining("declares 11 DPS instances (dps and 10 shards); a subscription holds at most 10") }]);
  });

  test("a pin must name a DPS of the stack; shard names must differ", () => {
    expect(problemsOf({ shards: [{ name: "dps-b" }, { name: "shared-dps-x509" }], tenants: [{ name: "ta", shard: "dps-z" }] })).toEqual([
      expect.objectContaining({ path: "shards[1].name", value: "shared-dps-x509", message: expect.stringContaining("already the name of dps") }),
      expect.objectContaining({ path: "tenants[0].shard", value: "dps-z", message: expect.stringContaining("allowed: shared-dps-x509, dps-b, shared-dps-x509") }),
    ]);
  });

  test("one DPS and no shards: the capacity message is the one it always was", () => {
    expect(problemsOf({ tenants: [{ name: "ta", caCertificates: 20 }, { name: "tb", caCertificates: 5 }] })).toEqual([
      expect.objectContaining({ path: "tenants", message: expect.stringContaining("reserve 25 CA certificates for tenants besides the platform's 1") }),
    ]);
  });
});

describe("moves", () => {
  const config = (tenants: { name: string; shard?: string }[]) => {
    const result = platform({ shards: [{ name: "dps-b" }, { name: "dps-c" }], tenants });
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    return result.config as StackConfig;
  };
  const shards = ["shared-dps-x509", "dps-b", "dps-c"];

  test("an unpinned tenant that the default would put elsewhere than where it lives is refused, with both pins offered", () => {
    const placed = defaultShard("acme", shards);
    const elsewhere = shards.find((s) => s !== placed)!;
    const { moves, problems } = tenantMoves(config([{ name: "acme" }]), [{ tenant: "acme", index: 0, csrs: {}, source: "tenants[0].stack", currentDps: elsewhere }]);
    expect(moves).toEqual([]);
    expect(problems).toEqual([
      { path: "tenants[0]", value: "acme", message: expect.stringContaining(`lives on DPS ${elsewhere} (its stack's dpsName) but the default placement now puts it on ${placed}`) },
    ]);
    expect(problems[0].message).toContain(`tenants[0].shard: ${elsewhere} to keep it there`);
  });

  test("a pin away from where the tenant lives is a move, announced; a tenant where it belongs is neither", () => {
    const placed = defaultShard("acme", shards);
    const target = shards.find((s) => s !== placed)!;
    const moved = tenantMoves(config([{ name: "acme", shard: target }]), [{ tenant: "acme", index: 0, csrs: {}, source: "s", currentDps: placed }]);
    expect(moved).toEqual({ moves: [{ tenant: "acme", from: placed, to: target }], problems: [] });
    expect(tenantMoves(config([{ name: "acme" }]), [{ tenant: "acme", index: 0, csrs: {}, source: "s", currentDps: placed }])).toEqual({ moves: [], problems: [] });
  });
});

describe("a tenant on a shard", () => {
  const outputs = JSON.parse(fs.readFileSync(path.join(ROOT, "examples/platform-outputs.json"), "utf8")) as Record<string, any>;
  const sharded = {
    ...outputs,
    capacity: { ...outputs.capacity, tenants: { "customer-a": { caCertificates: 1, enrollmentGroups: 5 }, "customer-b": { caCertificates: 2, enrollmentGroups: 10 } } },
    shards: {
      [outputs.dpsName]: { dpsName: outputs.dpsName, idScope: outputs.idScope, serviceHostName: outputs.serviceHostName, globalDeviceEndpoint: outputs.globalDeviceEndpoint, used: { caCertificates: 1, enrollmentGroups: 0 } },
      "dps-b": { dpsName: "dps-b", idScope: "0ne00BBBBBB", serviceHostName: "dps-b.azure-devices-provisioning.net", globalDeviceEndpoint: "global.azure-devices-provisioning.net", used: { caCertificates: 0, enrollmentGroups: 0 } },
    },
    tenantShards: { "customer-a": "dps-b", "customer-b": outputs.dpsName },
  };

  test("works on its shard's DPS, and counts only the tenants there", () => {
    const parsed = parsePlatformFacts(sharded, "my-org/dps-x509/platform");
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const facts = factsOnTenantShard(parsed.facts, "customer-a");
    expect(facts).toMatchObject({ dpsName: "dps-b", idScope: "0ne00BBBBBB", serviceHostName: "dps-b.azure-devices-provisioning.net" });
    expect(facts.capacity.used).toEqual({ caCertificates: 0, enrollmentGroups: 0 });
    expect(facts.capacity.tenants["customer-b"]).toEqual({ caCertificates: 0, enrollmentGroups: 0 });
    expect(Object.keys(facts.capacity.tenants).sort()).toEqual(["customer-a", "customer-b"]);
    expect(factsOnTenantShard(parsed.facts, "customer-b").idScope).toBe(outputs.idScope);
  });
});
