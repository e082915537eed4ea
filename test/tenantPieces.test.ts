/**
 * The tenant pieces on their own (components/tenant/): reading tenants' CSRs (the engine's readStackOutputs) and
 * the platform's facts (a StackReference), under Pulumi's runtime mocks with the outputs as a stack would hold them,
 * one of them secret; which tenants are held back and what the platform waits for; a tenant's view of a sharded
 * platform. Written from the mutants
 * `npm run mutate -- --mutate 'components/tenant/**\/*.ts'` left alive.
 */
import * as pulumi from "@pulumi/pulumi";
import { opensslOk } from "./support/openssl";

/** Stack outputs by stack name, and which of them are secret. */
const STACKS: Record<string, { outputs: Record<string, unknown>; secret?: string[] }> = {
  "org/dps-x509/tenant-a": { outputs: { caCsrs: { "a-int": "CSR-A" }, dpsName: "shard-2" } },
  "org/dps-x509/tenant-s": { outputs: { caCsrs: { "s-int": "CSR-S" }, dpsName: "" }, secret: ["caCsrs"] },
  "org/dps-x509/tenant-new": { outputs: {} },
  "org/dps-x509/tenant-odd": { outputs: { caCsrs: "not an object", dpsName: 7 } },
  "org/dps-x509/platform": { outputs: { dpsName: "main-dps", idScope: "0ne001", hubHostNames: { h: "h.azure-devices.net" } }, secret: ["idScope"] },
};

pulumi.runtime.setMocks(
  {
    newResource: (args) => {
      if (args.type !== "pulumi:pulumi:StackReference") throw new Error(`unexpected resource ${args.type}`);
      const stack = STACKS[args.inputs.name];
      return { id: args.inputs.name, state: { name: args.inputs.name, outputs: stack.outputs, secretOutputNames: stack.secret ?? [] } };
    },
    call: (args) => {
      // The engine's built-in behind StackReference: a stack's outputs, with the names of the secret ones.
      if (args.token !== "pulumi:pulumi:readStackOutputs") throw new Error(`unexpected call ${args.token}`);
      const stack = STACKS[args.inputs.name];
      return { name: args.inputs.name, outputs: stack.outputs, secretOutputNames: stack.secret ?? [] };
    },
  },
  "project",
  "stack",
  false,
);

// Imported after setMocks, as every mock test does.
import { heldBackTenants, platformWaitingFor, readTenantCsrs, type TenantCsrs } from "../components/tenant/tenantCsrs";
import { factsOnTenantShard } from "../components/tenant/shardFacts";
import { parsePlatformFacts, readPlatformFacts, type PlatformFacts } from "../components/tenant/platformOutputs";
import type { TenantReservation } from "../components/config/schema";

const reservation = (name: string, extra: Partial<TenantReservation> = {}): TenantReservation => ({ name, caCertificates: 2, enrollmentGroups: 5, ...extra }) as TenantReservation;

describe("readTenantCsrs", () => {
  test("from config, from nothing, from each tenant's stack (plain or secret output), and from a stack not up yet", async () => {
    const tenants = [
      reservation("c", { csrs: { "c-int": "CSR-C" } }),
      reservation("none"),
      reservation("a", { stack: "org/dps-x509/tenant-a" }),
      reservation("s", { stack: "org/dps-x509/tenant-s" }),
      reservation("new", { stack: "org/dps-x509/tenant-new" }),
      reservation("odd", { stack: "org/dps-x509/tenant-odd" }),
    ];
    const read = await readTenantCsrs(tenants);
    expect(read).toEqual([
      { tenant: "c", index: 0, csrs: { "c-int": "CSR-C" }, source: "tenants[0].csrs" },
      { tenant: "none", index: 1, csrs: {}, source: "tenants[1]" },
      { tenant: "a", index: 2, csrs: { "a-int": "CSR-A" }, source: "tenants[2].stack", currentDps: "shard-2" },
      { tenant: "s", index: 3, csrs: { "s-int": "CSR-S" }, source: "tenants[3].stack" },
      { tenant: "new", index: 4, csrs: {}, source: "tenants[4].stack" },
      { tenant: "odd", index: 5, csrs: {}, source: "tenants[5].stack" },
    ]);
  });
});

describe("heldBackTenants", () => {
  const csr = (cn: string) => opensslOk(["req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "/dev/null", "-subj", `/CN=${cn}`]);
  const validA = csr("A Intermediate");
  const platform = { commonNames: ["Platform Root CA"], dpsNames: ["main-dps", "shard-2"] };

  test("as many CSRs as reserved, each of the tenant's own CAs and a valid CSR, on a DPS of the platform: none held back", () => {
    expect(heldBackTenants([reservation("a")], [{ tenant: "a", index: 0, csrs: { "a-one": validA, "A-two": validA }, source: "tenants[0].stack", currentDps: "shard-2" }], platform)).toEqual(new Map());
  });

  test("one more than reserved, a CA without the prefix, a CSR that does not parse, another platform's DPS: each named, the tenant held back", () => {
    const read: TenantCsrs[] = [{ tenant: "a", index: 0, csrs: { "a-one": validA, "b-two": validA, "a-bad": "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n" }, source: "tenants[0].csrs", currentDps: "elsewhere" }];
    const reason = heldBackTenants([reservation("a", { caCertificates: 1 })], read, platform).get("a")!;
    expect(reason).toBe([
      "its tenants[0].csrs holds 3 CSRs; the platform reserves 1 CA certificates for it (tenants[0].caCertificates): remove the extra CAs from its stack, or raise its reservation",
      'its tenants[0].csrs names CA "b-two" without the prefix "a-": a tenant may only ask for its own CAs',
      "the CSR of a-bad is malformed: the tenant runs `pulumi up` on its stack to export a new one",
      'its stack\'s dpsName output is "elsewhere", not a DPS of this platform (main-dps, shard-2): the tenant runs `pulumi up` on its stack against this platform\'s outputs',
    ].join("; "));
  });

  test("a CA named like a platform CA, or carrying a longer tenant's prefix: held back; the other tenant is not", () => {
    const tenants = [reservation("a"), reservation("a-b")];
    const read: TenantCsrs[] = [
      { tenant: "a", index: 0, csrs: { "a-b-ca": validA }, source: "tenants[0].stack" },
      { tenant: "a-b", index: 1, csrs: { "a-b-ca": validA }, source: "tenants[1].stack" },
    ];
    const held = heldBackTenants(tenants, read, { commonNames: ["A-B-CA"], dpsNames: ["main-dps"] });
    expect([...held.keys()]).toEqual(["a", "a-b"]);
    expect(held.get("a")).toContain("CA a-b-ca carries the prefix of tenant a-b");
    expect(held.get("a-b")).toBe("CA a-b-ca would be named like a CA of the platform: rename it in the tenant's stack");
  });

  test("of several longer tenants whose prefix a CA carries, the one listed first is named, whatever the case; a shorter or the same tenant is never", () => {
    const platformNames = { commonNames: [], dpsNames: ["main-dps"] };
    const reasonFor = (names: string[], caName: string) => {
      const tenants = names.map((name) => reservation(name));
      const at = names.indexOf("a-x");
      return heldBackTenants(tenants, [{ tenant: "a-x", index: at, csrs: { [caName]: validA }, source: `tenants[${at}].stack` }], platformNames).get("a-x");
    };
    expect(reasonFor(["a-x", "a-x-b", "a-x-b-c"], "a-x-b-c-ca")).toBe("CA a-x-b-c-ca carries the prefix of tenant a-x-b: rename it in the tenant's stack");
    expect(reasonFor(["a-x-B-c", "a-x", "a-x-b"], "a-x-b-c-ca")).toBe("CA a-x-b-c-ca carries the prefix of tenant a-x-B-c: rename it in the tenant's stack");
    // "a" is shorter than the asking tenant, "a-x" is the tenant itself, "a-xc" is not followed by "-": none of them.
    expect(reasonFor(["a", "a-x", "a-xc"], "a-x-c-ca")).toBeUndefined();
  });
});

test("platformWaitingFor: only tenants without CSRs, each told where the CSR should come from", () => {
  const tenants = [reservation("a", { stack: "org/dps-x509/tenant-a" }), reservation("b"), reservation("c")];
  const read: TenantCsrs[] = [
    { tenant: "a", index: 0, csrs: {}, source: "tenants[0].stack" },
    { tenant: "b", index: 1, csrs: {}, source: "tenants[1]" },
    { tenant: "c", index: 2, csrs: { "c-int": "x" }, source: "tenants[2].csrs" },
  ];
  expect(platformWaitingFor(tenants, read)).toEqual([
    "tenant a: no CSR yet from org/dps-x509/tenant-a; run `pulumi up` on that stack (it makes its keys and exports caCsrs), then `pulumi up` here",
    "tenant b: no CSR; set tenants[1].stack (its stack) or tenants[1].csrs",
  ]);
});

describe("factsOnTenantShard", () => {
  const usage = (n: number) => ({ caCertificates: n, enrollmentGroups: n });
  const facts = {
    dpsName: "main",
    idScope: "0ne-main",
    serviceHostName: "main.azure-devices-provisioning.net",
    globalDeviceEndpoint: "global.azure-devices-provisioning.net",
    capacity: { limits: usage(25), used: usage(3), tenants: { a: usage(2), b: usage(4) } },
    shards: { s2: { dpsName: "shard-2", idScope: "0ne-s2", serviceHostName: "shard-2.azure-devices-provisioning.net", globalDeviceEndpoint: "global.s2", used: usage(1) } },
    tenantShards: { a: "s2", b: "main" },
  } as unknown as PlatformFacts;

  test("a tenant on a shard sees the shard's DPS, and only the tenants placed there", () => {
    expect(factsOnTenantShard(facts, "a")).toEqual({
      ...facts,
      dpsName: "shard-2",
      idScope: "0ne-s2",
      serviceHostName: "shard-2.azure-devices-provisioning.net",
      globalDeviceEndpoint: "global.s2",
      capacity: { limits: usage(25), used: usage(1), tenants: { a: usage(2), b: usage(0) } },
    });
  });

  test("a tenant on a DPS that is not a listed shard, or on a platform without shards, sees the facts as they are", () => {
    expect(factsOnTenantShard(facts, "b")).toBe(facts);
    expect(factsOnTenantShard(facts, "unplaced")).toBe(facts);
    const plain = { ...facts, shards: undefined, tenantShards: undefined } as PlatformFacts;
    expect(factsOnTenantShard(plain, "a")).toBe(plain);
    // Placements without the shards' facts (a platform part-way through an upgrade): the facts as they are.
    const placedOnly = { ...facts, shards: undefined } as PlatformFacts;
    expect(factsOnTenantShard(placedOnly, "a")).toBe(placedOnly);
  });
});

describe("the platform's facts", () => {
  test("readPlatformFacts: plain and secret outputs read, missing ones left out", async () => {
    const values = await readPlatformFacts(new pulumi.StackReference("platform-ref", { name: "org/dps-x509/platform" }));
    expect(values).toEqual({ dpsName: "main-dps", idScope: "0ne001", hubHostNames: { h: "h.azure-devices.net" } });
    // Left out, not present as undefined: the schema's defaults then apply.
    expect(Object.keys(values).sort()).toEqual(["dpsName", "hubHostNames", "idScope"]);
  });

  test("parsePlatformFacts names each output missing or malformed, and the fix", () => {
    const result = parsePlatformFacts({ dpsName: 7 }, "org/dps-x509/platform");
    expect(result.ok).toBe(false);
    const messages = (result as { problems: Array<{ path: string; value: unknown; message: string }> }).problems;
    expect(messages.find((p) => p.message.startsWith("output dpsName "))).toEqual({
      path: "platform",
      value: "org/dps-x509/platform",
      message: "output dpsName of the platform stack is malformed: run `pulumi up` on the platform stack with this version of dps-x509 first",
    });
    expect(messages.find((p) => p.message.startsWith("output idScope "))?.message).toBe("output idScope of the platform stack is missing: run `pulumi up` on the platform stack with this version of dps-x509 first");
    expect(messages.find((p) => p.message.startsWith("output capacity."))).toBeUndefined();
  });

  test("a malformed nested output is named by its whole path", () => {
    const result = parsePlatformFacts({ capacity: { limits: "25", used: { caCertificates: 0, enrollmentGroups: 0 }, tenants: {} } }, "org/dps-x509/platform");
    expect(result.ok ? [] : result.problems.map((p) => p.message)).toContain("output capacity.limits of the platform stack is malformed: run `pulumi up` on the platform stack with this version of dps-x509 first");
  });

  test("outputs that are not an object at all are named as a whole", () => {
    const result = parsePlatformFacts([] as unknown as Record<string, unknown>, "org/dps-x509/platform");
    expect(result.ok ? [] : result.problems.map((p) => p.message)).toEqual(["output (all) of the platform stack is missing: run `pulumi up` on the platform stack with this version of dps-x509 first"]);
  });
});
