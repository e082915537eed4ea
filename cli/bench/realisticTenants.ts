/**
 * Realistic tenants for the scale bench and the scale tests: what a platform of many customers holds, not a row of
 * identical reservations. Every tenant sends a CSR of its own (a distinct PEM: its CN is its name), most are attested
 * by signing certificate and a fifth by CA reference; some are still onboarding (no CSR yet) and some rotating (two
 * CSRs, two CA slots). None is pinned by hand: with `pin`, each is pinned where onboarding would pin it.
 *
 * CSRs are made from a small pool of RSA-2048 keys (a key takes ~100 ms to generate; a CSR 0.3 ms to sign), so a
 * thousand distinct CSRs cost under a second. Deterministic: tenant i always has the same kind.
 */
import { generateKeyPairSync, KeyObject } from "crypto";
import { stringify } from "yaml";
import { createCsr, keyObjectSigner } from "../../certs";
import { intermediateEntries, parseStackConfig, tenantReservationSchema, uploadedCaNames, type RawStackConfig, type StackConfig } from "../../components/config";
import { roomyShard } from "../../components/shards/roomyShard";

export type TenantKind = "signingCertificate" | "caReference" | "onboarding" | "rotating";

/** Tenant i's kind: of every 20 tenants, 14 signing-certificate, 4 CA-reference (a fifth), 1 onboarding, 1 rotating. */
export function tenantKind(i: number): TenantKind {
  const slot = i % 20;
  if (slot === 7) return "onboarding";
  if (slot === 13) return "rotating";
  if (slot % 5 === 0) return "caReference";
  return "signingCertificate";
}

export const tenantName = (i: number) => `tenant-${String(i).padStart(4, "0")}`;

let keyPool: KeyObject[] | undefined;
function keys(): KeyObject[] {
  keyPool ??= Array.from({ length: 4 }, () => generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey);
  return keyPool;
}

/** A CSR of its own for a tenant's CA (CN = the CA name, so no two tenants send the same PEM). */
export async function tenantCsr(caName: string, i: number): Promise<string> {
  return createCsr({ commonName: caName, signer: keyObjectSigner(keys()[i % keys().length]) });
}

/** The `tenants` entries of a platform with `count` realistic tenants. */
export async function realisticTenants(count: number, kinds?: TenantKind[]): Promise<Array<Record<string, unknown>>> {
  const tenants: Array<Record<string, unknown>> = [];
  for (let i = 0; i < count; i++) {
    const name = tenantName(i);
    const kind = kinds ? kinds[i % kinds.length] : tenantKind(i);
    const caNames = kind === "onboarding" ? [] : kind === "rotating" ? [`${name}-ca`, `${name}-ca-next`] : [`${name}-ca`];
    const csrs: Record<string, string> = {};
    for (const caName of caNames) csrs[caName] = await tenantCsr(caName, i);
    tenants.push({
      name,
      // A CA-reference tenant takes a CA slot per intermediate; a signing-certificate tenant none.
      attestation: kind === "caReference" ? "caReference" : "signingCertificate",
      caCertificates: Math.max(caNames.length, 1),
      enrollmentGroups: 1,
      // Onboarding: its stack has not run `up` yet, so it exports no CSR.
      ...(caNames.length ? { csrs } : { stack: `acme/dps-x509/${name}` }),
    });
  }
  return tenants;
}

/** A platform stack file (YAML) with `count` realistic tenants on `shards` DPS (the primary and shards − 1 more). */
export async function realisticPlatformFile(o: { tenants: number; shards: number; pin?: boolean; kinds?: TenantKind[] }): Promise<string> {
  const shardNames = Array.from({ length: o.shards }, (_, i) => `bench-dps-${i}`);
  const platform: Record<string, unknown> = {
    "azure-native:location": "westeurope",
    "dps-x509:resourceGroupName": "bench-rg",
    "dps-x509:dps": { name: shardNames[0] },
    ...(o.shards > 1 ? { "dps-x509:shards": shardNames.slice(1).map((name) => ({ name })) } : {}),
    "dps-x509:hubs": [{ name: "bench-hub-a" }, { name: "bench-hub-b", location: "northeurope" }],
    "dps-x509:ca": { root: { name: "bench-root", commonName: "Bench Root" } },
  };
  if (o.tenants) platform["dps-x509:tenants"] = await tenantsOf(o, platform);
  return stringify({ config: platform });
}

async function tenantsOf(o: { tenants: number; pin?: boolean; kinds?: TenantKind[] }, platform: Record<string, unknown>) {
  const tenants = await realisticTenants(o.tenants, o.kinds);
  if (o.pin) pinAsOnboarded(platform, tenants);
  return tenants;
}

/**
 * Pins every tenant where `npm run tenant -- onboard` would (components/shards/roomyShard.ts), one after another, as
 * a fleet onboarded over time: rendezvous hashing alone overfills a shard past ~890 tenants, onboarding's pins fill
 * each shard to its limits. No pin is written by hand.
 */
function pinAsOnboarded(platform: Record<string, unknown>, tenants: Array<Record<string, unknown>>): void {
  const values = Object.fromEntries(Object.entries(platform).filter(([key]) => key.startsWith("dps-x509:")).map(([key, value]) => [key.slice("dps-x509:".length), value]));
  const parsed = parseStackConfig({ values: { ...values, tenants: [] }, location: platform["azure-native:location"] as string } as RawStackConfig);
  if (!parsed.ok) throw new Error(`bench platform: ${JSON.stringify(parsed.problems)}`);
  let config = parsed.config as StackConfig;
  const platformCas = uploadedCaNames([{ path: "ca.root", entry: config.ca.root }, ...intermediateEntries(config.ca.intermediates)]).length;
  for (const tenant of tenants) {
    const reservation = tenantReservationSchema.parse(tenant);
    const found = roomyShard({ ...config, tenants: [...config.tenants, reservation] }, reservation.name, platformCas);
    if (!found.ok) throw new Error(`bench platform: ${found.reason}`);
    tenant.shard = found.shard;
    config = { ...config, tenants: [...config.tenants, { ...reservation, shard: found.shard }] };
  }
}
