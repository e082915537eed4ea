/**
 * Shards filled to their limits with no tenant ever moved (components/shards/roomyShard.ts, the choice onboarding
 * pins: cli/tenant/placementPin.ts). Properties (fast-check): onboarding and removing tenants in any order never
 * changes where another tenant is placed, and no shard ever goes over its limits; a tenant is refused only when no
 * shard has room. Figures: 1,000 one-group tenants fill 10 shards of 100 exactly with no hand-written pin (hashing
 * alone cannot), and CA slots count for caReference tenants (25 per DPS) and not for signing-certificate tenants.
 */
import * as fc from "fast-check";
import * as path from "path";
import { parseStackConfig, readRawStackConfig, type StackConfig, type TenantReservation } from "../components/config";
import { readStackFile } from "../cli/plan/stackFile";
import { checkPlatformCapacity, capacityInput } from "../components/shards/checks";
import { shardUsage } from "../components/shards/capacity";
import { placeTenants, shardNames } from "../components/shards/placement";
import { roomyShard } from "../components/shards/roomyShard";

const ROOT = path.resolve(__dirname, "..");
const RAW = readRawStackConfig(readStackFile(path.join(ROOT, "Pulumi.platform.yaml")).allConfig);

/** The example platform with `count` shards (the primary one of them), none of its own groups, and no tenants. */
function platform(count: number, values: Record<string, unknown> = {}): StackConfig {
  const shards = Array.from({ length: count - 1 }, (_, i) => ({ name: `shared-dps-${i + 1}` }));
  const result = parseStackConfig({ ...RAW, values: { ...RAW.values, shards, tenants: [], enrollmentGroups: [], ...values } });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.config as StackConfig;
}

type Reservation = Pick<TenantReservation, "name" | "caCertificates" | "enrollmentGroups" | "attestation">;

/** Onboards one tenant as `npm run tenant -- onboard` does: listed, then pinned where roomyShard says. */
function onboard(config: StackConfig, tenant: Reservation): { config: StackConfig; shard?: string; refused?: string } {
  const listed = { ...config, tenants: [...config.tenants, tenant as TenantReservation] };
  const found = roomyShard(listed, tenant.name, 0);
  if (!found.ok) return { config, refused: found.reason };
  return { config: { ...config, tenants: [...config.tenants, { ...tenant, shard: found.shard } as TenantReservation] }, shard: found.shard };
}

const placementOf = (config: StackConfig) => placeTenants(config.tenants, shardNames(config));
const overLimits = (config: StackConfig) => checkPlatformCapacity(config, 0);

const reservation = fc.record({
  enrollmentGroups: fc.integer({ min: 0, max: 30 }),
  caCertificates: fc.integer({ min: 0, max: 6 }),
  attestation: fc.constantFrom<"caReference" | "signingCertificate">("caReference", "signingCertificate"),
});
const operation = fc.oneof(
  fc.record({ kind: fc.constant("onboard" as const), tenant: reservation }),
  fc.record({ kind: fc.constant("remove" as const), pick: fc.nat() }),
  // A tenant listed by hand without a pin: placed by hashing, as before onboarding pinned.
  fc.record({ kind: fc.constant("unpinned" as const), tenant: reservation }),
);

describe("onboarding pins: no tenant ever moves, no shard ever over its limits (property)", () => {
  const configs = new Map<number, StackConfig>();
  const base = (count: number) => configs.get(count) ?? configs.set(count, platform(count)).get(count)!;

  test("any sequence of onboardings and removals", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 6 }), fc.array(operation, { minLength: 1, maxLength: 40 }), (count, operations) => {
        let config = base(count);
        let next = 0;
        for (const op of operations) {
          const before = placementOf(config);
          if (op.kind === "remove") {
            if (!config.tenants.length) continue;
            const gone = config.tenants[op.pick % config.tenants.length];
            config = { ...config, tenants: config.tenants.filter((t) => t !== gone) };
          } else if (op.kind === "unpinned") {
            const tenant = { name: `t${next++}`, ...op.tenant } as TenantReservation;
            const listed = { ...config, tenants: [...config.tenants, tenant] };
            if (overLimits(listed).length) continue; // the plan refuses it: it is never deployed
            config = listed;
          } else {
            const tenant = { name: `t${next++}`, ...op.tenant };
            const result = onboard(config, tenant);
            if (result.refused) {
              // Refused only when no shard has room for it.
              const input = capacityInput(config, 0);
              const slots = op.tenant.attestation === "caReference" ? op.tenant.caCertificates : 0;
              for (const usage of shardUsage(input)) {
                expect(usage.enrollmentGroups + op.tenant.enrollmentGroups > 100 || usage.caCertificates + slots > 25).toBe(true);
              }
              continue;
            }
            config = result.config;
          }
          const after = placementOf(config);
          for (const [name, shard] of before) if (after.has(name)) expect(after.get(name)).toBe(shard);
          expect(overLimits(config)).toEqual([]);
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe("1,000 tenants with one group each fill 10 shards of 100, no pin written by hand", () => {
  const tenants = Array.from({ length: 1000 }, (_, i) => ({ name: `tenant-${i}`, caCertificates: 0, enrollmentGroups: 1, attestation: "signingCertificate" as const }));

  test("hashing alone does not fit them (the uneven spread the issue measured)", () => {
    const config = { ...platform(10), tenants: tenants as TenantReservation[] };
    const counts = shardUsage(capacityInput(config, 0)).map((usage) => usage.enrollmentGroups);
    expect(Math.max(...counts)).toBeGreaterThan(100);
    expect(overLimits(config).length).toBeGreaterThan(0);
  });

  test("onboarded one by one, every tenant is pinned and every shard holds exactly 100", () => {
    let config = platform(10);
    for (const tenant of tenants) {
      const result = onboard(config, tenant);
      if (result.refused) throw new Error(result.refused);
      config = result.config;
    }
    expect(shardUsage(capacityInput(config, 0)).map((usage) => usage.enrollmentGroups)).toEqual(Array(10).fill(100));
    expect(overLimits(config)).toEqual([]);
    // The 1,001st finds no room, and says what to do.
    expect(onboard(config, { name: "tenant-1000", caCertificates: 0, enrollmentGroups: 1 }).refused).toMatch(/no shard has room for tenant tenant-1000.*add a shard \(shards\), or state a raised quota \(quotas\)/);
  });

  test("most tenants stay where hashing alone puts them: a pin moves a tenant only off a full shard", () => {
    let config = platform(10);
    for (const tenant of tenants) config = onboard(config, tenant).config;
    const hashed = placeTenants(tenants, shardNames(config));
    const same = config.tenants.filter((tenant) => tenant.shard === hashed.get(tenant.name)).length;
    expect(same).toBeGreaterThan(850);
  });
});

describe("CA slots: 25 per DPS for caReference tenants, none for signing-certificate tenants", () => {
  test("a fifth by CA reference: 1,000 tenants still fill 10 shards of 100 groups, no shard over 25 CA slots", () => {
    let config = platform(10);
    for (let i = 0; i < 1000; i++) {
      const attestation = i % 5 === 0 ? ("caReference" as const) : ("signingCertificate" as const);
      const result = onboard(config, { name: `tenant-${i}`, caCertificates: 1, enrollmentGroups: 1, attestation });
      if (result.refused) throw new Error(result.refused);
      config = result.config;
    }
    const usage = shardUsage(capacityInput(config, 0));
    expect(usage.map((u) => u.enrollmentGroups)).toEqual(Array(10).fill(100));
    expect(usage.reduce((sum, u) => sum + u.caCertificates, 0)).toBe(200);
    expect(Math.max(...usage.map((u) => u.caCertificates))).toBeLessThanOrEqual(25);
  });

  test("CA slots run out at 25 per DPS for caReference tenants, while signing-certificate tenants still fit", () => {
    let config = platform(2);
    for (let i = 0; i < 50; i++) config = onboard(config, { name: `ref-${i}`, caCertificates: 1, enrollmentGroups: 1, attestation: "caReference" }).config;
    expect(shardUsage(capacityInput(config, 0)).map((u) => u.caCertificates)).toEqual([25, 25]);
    expect(onboard(config, { name: "ref-50", caCertificates: 1, enrollmentGroups: 1, attestation: "caReference" }).refused).toMatch(/no shard has room for tenant ref-50 \(1 groups, 1 CA slots\)/);
    expect(onboard(config, { name: "signed", caCertificates: 1, enrollmentGroups: 1, attestation: "signingCertificate" }).shard).toBeDefined();
  });

  test("a stated quota is room: 50 CA slots per DPS take twice the caReference tenants", () => {
    let config = platform(2, { quotas: { caCertificatesPerDps: 50 } });
    for (let i = 0; i < 100; i++) {
      const result = onboard(config, { name: `ref-${i}`, caCertificates: 1, enrollmentGroups: 1, attestation: "caReference" });
      if (result.refused) throw new Error(result.refused);
      config = result.config;
    }
    expect(shardUsage(capacityInput(config, 0)).map((u) => u.caCertificates)).toEqual([50, 50]);
  });
});
