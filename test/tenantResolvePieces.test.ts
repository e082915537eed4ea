/**
 * resolveTenant (components/tenant/resolveTenant.ts) at the keys the mutation run found untested: the secondary CA
 * and the smoke test get the tenant's prefix, the isolation messages say what to do instead, and capacity counts a
 * tenant's own reservation and other tenants' CA slots (none for one held by signing certificates).
 */
import * as fs from "fs";
import * as path from "path";
import { parseStackConfig, type TenantStackConfig } from "../components/config";
import { parsePlatformFacts, type PlatformFacts } from "../components/tenant/platformOutputs";
import { resolveTenant } from "../components/tenant/resolveTenant";

const OUTPUTS = JSON.parse(fs.readFileSync(path.resolve(__dirname, "../examples/platform-outputs.json"), "utf8")) as Record<string, unknown>;

function facts(change: (facts: PlatformFacts) => PlatformFacts = (f) => f): PlatformFacts {
  const parsed = parsePlatformFacts(OUTPUTS, "my-org/dps-x509/platform");
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return change(parsed.facts);
}

function tenantConfig(values: Record<string, unknown>): TenantStackConfig {
  const result = parseStackConfig({ values: { platform: "my-org/dps-x509/platform", tenant: "customer-a", ...values } });
  if (!result.ok || result.config.role !== "tenant") throw new Error(JSON.stringify(result));
  return result.config;
}

const twoCas = { ca: { intermediates: [{ name: "int-1", commonName: "A One" }, { name: "int-2", commonName: "A Two" }] } };
const roomFor = (cas: number) => (f: PlatformFacts) => ({ ...f, capacity: { ...f.capacity, tenants: { ...f.capacity.tenants, "customer-a": { caCertificates: cas, enrollmentGroups: 5 } } } });

test("the secondary CA and the smoke test's group get the tenant's prefix", () => {
  const result = resolveTenant(
    tenantConfig({ ...twoCas, enrollmentGroups: [{ enrollmentId: "devices", caName: "int-1", secondaryCaName: "int-2" }], smokeTest: { registrationId: "smoke-1", enrollmentId: "devices" } }),
    facts(roomFor(2)),
  );
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  expect(result.tenant.enrollmentGroups[0]).toMatchObject({ enrollmentId: "customer-a-devices", caName: "customer-a-int-1", secondaryCaName: "customer-a-int-2" });
  expect(result.tenant.smokeTest).toEqual({ registrationId: "smoke-1", enrollmentId: "customer-a-devices" });
  const plain = resolveTenant(tenantConfig({ ...twoCas, enrollmentGroups: [{ enrollmentId: "devices", caName: "int-1" }], smokeTest: { registrationId: "smoke-1" } }), facts(roomFor(2)));
  expect(plain.ok && [plain.tenant.enrollmentGroups[0].secondaryCaName, plain.tenant.smokeTest]).toEqual([undefined, { registrationId: "smoke-1", enrollmentId: undefined }]);
});

test("isolation: each refusal says what to do instead, the secondary CA included", () => {
  const result = resolveTenant(
    tenantConfig({
      ca: { intermediates: [{ name: "provider-root-ca", commonName: "Taken" }, { name: "int-1", commonName: "A One" }] },
      enrollmentGroups: [{ enrollmentId: "customer-b-devices", caName: "int-1", secondaryCaName: "customer-b-ca" }],
    }),
    facts(roomFor(2)),
  );
  expect(result.ok ? [] : result.problems.filter((p) => /is a (CA|group) of/.test(p.message))).toEqual([
    { path: "ca.intermediates[0].name", value: "provider-root-ca", message: 'is a CA of the platform on the shared DPS; choose another CA name: a tenant\'s CA names get its prefix "customer-a-"' },
    { path: "enrollmentGroups[0].enrollmentId", value: "customer-b-devices", message: 'is a group of tenant customer-b on the shared DPS; choose another enrollment id: a tenant\'s enrollment ids get its prefix "customer-a-"' },
    { path: "enrollmentGroups[0].secondaryCaName", value: "customer-b-ca", message: "is a CA of tenant customer-b on the shared DPS; a tenant stack may only use its own CAs: customer-a-provider-root-ca, customer-a-int-1" },
  ]);
});

describe("capacity", () => {
  test("exactly the tenant's reservation fits; one more does not", () => {
    expect(resolveTenant(tenantConfig(twoCas), facts(roomFor(2))).ok).toBe(true);
    const over = resolveTenant(tenantConfig(twoCas), facts(roomFor(1)));
    expect(over.ok ? [] : over.problems).toEqual([{ path: "ca.intermediates", value: 2, message: "2 CA certificates exceed the 1 the platform my-org/dps-x509/platform reserves for tenant customer-a" }]);
  });

  test("other tenants' CA slots count, except a tenant held by signing certificates (it takes none)", () => {
    // No reservation for customer-a: it is counted against what is left. Platform 23, customer-b 1, customer-a 1: 25.
    const crowded = (attestation: "caReference" | "signingCertificate", bCas: number) => (f: PlatformFacts) => ({
      ...f,
      capacity: { ...f.capacity, used: { caCertificates: 23, enrollmentGroups: 0 }, tenants: { "customer-a": undefined as never, "customer-b": { caCertificates: bCas, enrollmentGroups: 90, attestation } } },
    });
    const oneCa = { ca: { intermediates: [{ name: "int-1", commonName: "A One" }] } };
    expect(resolveTenant(tenantConfig(oneCa), facts(crowded("caReference", 1))).ok).toBe(true);
    const full = resolveTenant(tenantConfig(oneCa), facts(crowded("caReference", 2)));
    expect(full.ok ? [] : full.problems).toEqual([{ path: "ca.intermediates", value: 1, message: "1 CA certificates would bring the shared DPS to 26 (platform 23, other tenants 2); it holds at most 25" }]);
    expect(resolveTenant(tenantConfig(oneCa), facts(crowded("signingCertificate", 2))).ok).toBe(true);
    // Groups: customer-b's 90 reserved groups count, whatever its attestation: 90 + 11 > 100.
    const groups = Array.from({ length: 11 }, (_, i) => ({ enrollmentId: `g${i}`, caName: "int-1" }));
    const tooMany = resolveTenant(tenantConfig({ ...oneCa, enrollmentGroups: groups }), facts(crowded("signingCertificate", 0)));
    expect(tooMany.ok ? [] : tooMany.problems).toEqual([{ path: "enrollmentGroups", value: 11, message: "11 enrollment groups would bring the shared DPS to 101 (platform 0, other tenants 90); it holds at most 100" }]);
  });
});

test("a brought intermediate is checked against the platform's root: one from another root is refused at its certificate", () => {
  const { opensslOk, scratch } = require("./support/openssl") as typeof import("./support/openssl");
  const work = scratch();
  try {
    const file = (name: string) => `${work.dir}/${name}`;
    opensslOk(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", file("other.key"), "-out", file("other.pem"), "-days", "3650", "-subj", "/CN=Other Root", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
    opensslOk(["req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", file("int.key"), "-out", file("int.csr"), "-subj", "/CN=A Brought"]);
    work.write("ext.cnf", "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n");
    opensslOk(["x509", "-req", "-in", file("int.csr"), "-CA", file("other.pem"), "-CAkey", file("other.key"), "-CAcreateserial", "-out", file("int.pem"), "-days", "365", "-extfile", file("ext.cnf")]);
    const fs = require("fs") as typeof import("fs");
    const result = parseStackConfig({
      values: {
        platform: "my-org/dps-x509/platform",
        tenant: "customer-a",
        ca: { intermediates: [{ name: "brought", commonName: "A Brought", certificatePem: fs.readFileSync(file("int.pem"), "utf8"), privateKeyPem: fs.readFileSync(file("int.key"), "utf8") }] },
      },
      decryptedKeys: ["dps-x509:ca"],
    });
    if (!result.ok || result.config.role !== "tenant") throw new Error(JSON.stringify(result));
    const resolved = resolveTenant(result.config, facts());
    expect(resolved.ok ? [] : resolved.problems.map((p) => [p.path, p.message])).toEqual([["ca.intermediates[0].certificatePem", expect.stringMatching(/Provider Root CA/)]]);
  } finally {
    work.cleanup();
  }
});
