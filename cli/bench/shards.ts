/**
 * Bench at scale: a platform stack with 1,000 tenants on 10 shards (the primary DPS and 9 more).
 *
 * - planMs: the whole-process offline plan of that stack (goal < 10 s), timed with the plan bench's own helper.
 * - state per tenant (goal ≤ 4 KB): measured as cli/bench/state.ts measures state (the program run as an `up`
 *   under the mocks, dynamic resources created by their real providers, written as a checkpoint stores them,
 *   secrets encrypted), as the difference between a platform with tenants and the same platform without, divided by
 *   the number of tenants. Two cases: the 1,000 tenants as they fit Azure's limits today (a reservation each, no CA
 *   slot: 100 tenants × 1 CA would pass 25 CAs per DPS), and 10 tenants that each had an intermediate signed from
 *   a CSR (one TenantCertificate each, and the certificate in the outputs): the cost of a signed tenant.
 * - oneTenantChange: two plans of the signed platform, one tenant's CSR changed between them; every resource's
 *   inputs are compared. Only that tenant's resources differ, so an `up` calls no provider's create or update, and
 *   so sends no request, for any other tenant (a dynamic resource whose inputs are unchanged is left alone).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { benchInChild } from "./inChild";
import { printStateFiguresAndExit } from "./stateChild";

const PROJECT_ROOT = path.resolve(__dirname, "../..");
const SHARDS = 10;

/** A CSR any tenant may send (its CA name is the config key; the CSR's subject is not tied to the tenant). */
function sampleCsr(): string {
  const outputs = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "examples/tenant-customer-a-outputs.json"), "utf8")) as { caCsrs: Record<string, string> };
  return Object.values(outputs.caCsrs)[0];
}

export function shardedPlatformFile(options: { tenants: number; shards: number; signed: boolean; csrOf?: (tenant: string) => string }): string {
  const shardNames = Array.from({ length: options.shards }, (_, i) => `bench-dps-${i}`);
  const csr = sampleCsr();
  const tenants = Array.from({ length: options.tenants }, (_, i) => {
    const name = `tenant-${String(i).padStart(4, "0")}`;
    // Pinned round-robin: exactly tenants/shards on each, so the 100-group limit is met with no margin to spare.
    return {
      name,
      shard: shardNames[i % options.shards],
      caCertificates: options.signed ? 1 : 0,
      enrollmentGroups: 1,
      ...(options.signed ? { csrs: { [`${name}-intermediate-ca`]: options.csrOf?.(name) ?? csr } } : {}),
    };
  });
  return stringify({
    config: {
      "azure-native:location": "westeurope",
      "dps-x509:resourceGroupName": "bench-rg",
      "dps-x509:dps": { name: shardNames[0] },
      ...(options.shards > 1 ? { "dps-x509:shards": shardNames.slice(1).map((name) => ({ name })) } : {}),
      "dps-x509:hubs": [{ name: "bench-hub-a" }, { name: "bench-hub-b", location: "northeurope" }],
      "dps-x509:ca": { root: { name: "bench-root", commonName: "Bench Root" } },
      ...(options.tenants ? { "dps-x509:tenants": tenants } : {}),
    },
  });
}

type TimePlan = (args: string[]) => { ms: number; resourcesDeclared: number };

/** In the child (test TLS set up): state per tenant and the one-tenant diff. */
async function stateAndDiff(): Promise<object> {
  const { measureState } = await import("./state");
  const { parseStackFile } = await import("../plan/stackFile");
  const config = (text: string) => parseStackFile(text, "bench.yaml").allConfig;
  const step = (what: string) => process.stderr.write(`shards bench: ${what}\n`);
  step("state without tenants");
  const bare = await measureState(config(shardedPlatformFile({ tenants: 0, shards: SHARDS, signed: false })), "bench-shards");
  step("state with 1,000 tenants");
  const reserved = await measureState(config(shardedPlatformFile({ tenants: 1000, shards: SHARDS, signed: false })), "bench-shards");
  step("state with 10 signed tenants");
  const signed = await measureState(config(shardedPlatformFile({ tenants: 10, shards: SHARDS, signed: true })), "bench-shards");
  // The signing resource (TenantIssuer) is the platform's, one whatever the number of tenants: not a tenant's cost.
  const issuerBytes = (figures: typeof bare) => figures.byType.TenantIssuer?.maxBytes ?? 0;
  const perTenant = (figures: typeof bare, n: number) => Math.round((figures.totalBytes - issuerBytes(figures) - bare.totalBytes) / n);
  // The stack's outputs grow per tenant too (its reservation, its shard; a signed tenant's certificate).
  step("outputs per tenant");
  const outputsPerTenant = Math.round((await outputBytes(1000, false)) - (await outputBytes(0, false))) / 1000;
  const signedOutputsPerTenant = Math.round(((await outputBytes(10, true)) - (await outputBytes(0, false))) / 10);
  return {
    resourceBytesPerReservedTenant: perTenant(reserved, 1000),
    resourceBytesPerSignedTenant: perTenant(signed, 10),
    outputBytesPerReservedTenant: Math.round(outputsPerTenant),
    outputBytesPerSignedTenant: signedOutputsPerTenant,
    bytesPerReservedTenant: perTenant(reserved, 1000) + Math.round(outputsPerTenant),
    bytesPerSignedTenant: perTenant(signed, 10) + signedOutputsPerTenant,
    tenantCertificateBytes: signed.byType.TenantCertificate?.maxBytes,
    signingResourceBytes: issuerBytes(signed),
    oneTenantChange: (step("one tenant changed"), await oneTenantDiff()),
  };
}

/** Bytes of the stack outputs' JSON in a plan (a signed tenant's certificate, unknown in a plan, counted as the example platform's signed certificate of customer-a). */
async function outputBytes(tenants: number, signed: boolean): Promise<number> {
  const { evaluatePlan } = await import("../plan/evaluate");
  const { parseStackFile } = await import("../plan/stackFile");
  const result = await evaluatePlan(parseStackFile(shardedPlatformFile({ tenants, shards: SHARDS, signed }), "bench.yaml"), "bench-shards");
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  const outputs = { ...result.outputs } as Record<string, unknown>;
  const example = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "examples/platform-outputs.signed.json"), "utf8")) as { tenantCertificates: Record<string, Record<string, string>> };
  const rootPem = Object.values(example.tenantCertificates["customer-a"])[0];
  if (signed) outputs.tenantCertificates = Object.fromEntries(Array.from({ length: tenants }, (_, i) => `tenant-${String(i).padStart(4, "0")}`).map((t) => [t, { [`${t}-intermediate-ca`]: rootPem }]));
  return Buffer.byteLength(JSON.stringify(outputs));
}

/** Two plans of the signed platform, tenant-0003's CSR changed: which resources' inputs differ. */
async function oneTenantDiff(): Promise<object> {
  const { evaluatePlan } = await import("../plan/evaluate");
  const { parseStackFile } = await import("../plan/stackFile");
  const other = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "examples/tenant-customer-b-outputs.json"), "utf8")) as { caCsrs: Record<string, string> };
  const changedCsr = Object.values(other.caCsrs)[0];
  const plan = async (csrOf?: (tenant: string) => string) => {
    const result = await evaluatePlan(parseStackFile(shardedPlatformFile({ tenants: 10, shards: SHARDS, signed: true, csrOf }), "bench.yaml"), "bench-shards");
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    return new Map(result.resources.map((r) => [`${r.type}::${r.name}`, JSON.stringify(r.inputs)]));
  };
  const before = await plan();
  const after = await plan((tenant) => (tenant === "tenant-0003" ? changedCsr : sampleCsr()));
  const changed = [...after.keys()].filter((key) => before.get(key) !== after.get(key));
  const ofOthers = changed.filter((key) => !key.includes("tenant-0003"));
  return { resources: after.size, changed, changedOfOtherTenants: ofOthers, met: changed.length > 0 && ofOthers.length === 0 };
}

export async function benchShards(timePlan: TimePlan, runs: number): Promise<object> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dps-x509-bench-shards-"));
  try {
    const file = path.join(dir, "Pulumi.bench-shards.yaml");
    fs.writeFileSync(file, shardedPlatformFile({ tenants: 1000, shards: SHARDS, signed: false }));
    const bareFile = path.join(dir, "Pulumi.bench-shards-bare.yaml");
    fs.writeFileSync(bareFile, shardedPlatformFile({ tenants: 0, shards: SHARDS, signed: false }));
    const best = (args: string[]) => Array.from({ length: runs }, () => timePlan(args)).reduce((b, r) => (r.ms < b.ms ? r : b));
    const plan = best(["--config", file]);
    // The same platform without tenants: what the process costs before any tenant (start-up, modules, the shards).
    const bare = best(["--config", bareFile]);
    const state = (await benchInChild("cli/bench/shards.ts", ["--state"], 64 * 1024 * 1024)) as {
      bytesPerReservedTenant: number;
      bytesPerSignedTenant: number;
      tenantCertificateBytes?: number;
      oneTenantChange: { met: boolean };
    };
    return {
      name: "1,000 tenants on 10 shards",
      plan: { ...plan, withoutTenantsMs: bare.ms, thousandTenantsAddMs: plan.ms - bare.ms, goal: "< 10000 ms", met: plan.ms < 10_000 },
      statePerTenant: {
        ...state,
        oneTenantChange: undefined,
        goal: "<= 4096 bytes",
        met: state.bytesPerSignedTenant <= 4096 && state.bytesPerReservedTenant <= 4096,
      },
      oneTenantChange: { ...state.oneTenantChange, goal: "an up that changes one tenant changes no other tenant's resource" },
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module && process.argv.includes("--state")) printStateFiguresAndExit(stateAndDiff);
