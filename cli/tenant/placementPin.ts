/**
 * Onboarding's placement: a new tenant of a platform with shards is pinned (`tenants[].shard`) to a shard with room,
 * in the platform's stack file, before the platform's `up` reads it. The shard is the first of the tenant's
 * rendezvous ranking with room for its reservation (components/shards/roomyShard.ts); a tenant already pinned, or
 * already living on a DPS (its stack's `dpsName`), is pinned where it is, so no tenant ever moves. The file is edited
 * through the `yaml` package's Document API: its comments, order and layout stay as they were.
 */
import * as fs from "fs";
import * as path from "path";
import { isMap, isSeq, type YAMLMap } from "yaml";
import { CONFIG_NAMESPACE, intermediateEntries, parseStackConfig, readRawStackConfig, tenantReservationSchema, uploadedCaNames, type StackConfig } from "../../components/config";
import { roomyShard } from "../../components/shards/roomyShard";
import { parseStackFile } from "../plan/stackFile";
import { parseStackYamlDocument } from "../plan/stackYaml";
import type { StackRunner } from "./runner";
import { shortStackName, type OnboardingTarget } from "./stacks";

export interface PlacementPin {
  readonly tenant: string;
  readonly shard: string;
  /** The platform's stack file the pin is (or would be) written to. */
  readonly file: string;
  /** True when the pin was written; false with `write: false` (a plan that changes nothing). */
  readonly written: boolean;
}

/** The raw config values with `tenant` taken out of `tenants`, and its own entry. */
function withoutTenant(allConfig: Record<string, string>, tenant: string) {
  const raw = readRawStackConfig(allConfig);
  const tenants = Array.isArray(raw.values.tenants) ? (raw.values.tenants as Array<{ name?: unknown }>) : [];
  const entry = tenants.find((candidate) => candidate?.name === tenant);
  return { raw: { ...raw, values: { ...raw.values, tenants: tenants.filter((candidate) => candidate !== entry) } }, entry };
}

/** The platform's parsed config, or why it cannot be read. */
function platformConfig(file: string, raw: ReturnType<typeof readRawStackConfig>): StackConfig {
  const parsed = parseStackConfig(raw);
  if (!parsed.ok) throw new Error(`${file}: the platform's config has problems (run \`npm run plan\` on it): ${parsed.problems.map((p) => `${p.path}: ${p.message}`).join("; ")}`);
  if (parsed.config.role !== "platform") throw new Error(`${file} is not a platform stack`);
  return parsed.config;
}

/** The `tenants` entry of the document's config map, written with or without the namespace. */
function tenantEntry(document: ReturnType<typeof parseStackYamlDocument>, tenant: string): YAMLMap | undefined {
  const config = document.get("config");
  if (!isMap(config)) return undefined;
  const tenants = config.get(`${CONFIG_NAMESPACE}:tenants`) ?? config.get("tenants");
  if (!isSeq(tenants)) return undefined;
  return tenants.items.find((item): item is YAMLMap => isMap(item) && item.get("name") === tenant);
}

/**
 * Pins `tenant` in the platform stack file `file` when the platform has shards and the tenant has no pin yet.
 * `currentDps`: where the tenant lives now (its stack's `dpsName`), if anywhere. Returns the pin, or undefined when
 * none is needed (no shards, or pinned already).
 */
export async function pinPlacement(file: string, tenant: string, options: { currentDps: () => Promise<string | undefined>; write: boolean }): Promise<PlacementPin | undefined> {
  const text = fs.readFileSync(file, "utf8");
  const allConfig = parseStackFile(text, file).allConfig;
  // One DPS: nothing to choose (and the rest of the file need not be read).
  const shardsValue = allConfig[`${CONFIG_NAMESPACE}:shards`];
  if (shardsValue === undefined || shardsValue.trim() === "[]") return undefined;
  // The platform as it is without the new tenant (which, unpinned, may be what puts a shard over), and the tenant.
  const { raw, entry } = withoutTenant(allConfig, tenant);
  if (!entry) throw new Error(`${file} does not list tenant ${tenant} in ${CONFIG_NAMESPACE}:tenants`);
  const reservation = tenantReservationSchema.safeParse(entry);
  if (!reservation.success) throw new Error(`${file}: tenant ${tenant}'s entry in ${CONFIG_NAMESPACE}:tenants is not valid (run \`npm run plan\` on it)`);
  if (reservation.data.shard !== undefined) return undefined;
  const others = platformConfig(file, raw);
  const config = { ...others, tenants: [...others.tenants, reservation.data] };
  if (!config.shards?.length) return undefined;
  const known = [config.dps.name, ...config.shards.map((shard) => shard.name)];
  const current = await options.currentDps();
  let shard = current && known.includes(current) ? current : undefined;
  if (!shard) {
    const uploaded = uploadedCaNames([{ path: "ca.root", entry: config.ca.root }, ...intermediateEntries(config.ca.intermediates)]).length;
    const found = roomyShard(config, tenant, uploaded);
    if (!found.ok) throw new Error(`${path.basename(file)}: ${found.reason}`);
    shard = found.shard;
  }
  if (options.write) {
    const document = parseStackYamlDocument(text);
    const entry = tenantEntry(document, tenant);
    if (!entry) throw new Error(`${file}: tenant ${tenant} is not written as a map in ${CONFIG_NAMESPACE}:tenants (name: ${tenant}); pin it by hand with shard: ${shard}`);
    entry.set("shard", shard);
    // lineWidth 0: no line is folded or a flow map split because the writer would wrap it.
    fs.writeFileSync(file, document.toString({ lineWidth: 0 }));
  }
  return { tenant, shard, file, written: options.write };
}

/**
 * The onboarding hook: pins the target's tenant in its platform's stack file (in `projectDir`) when it needs a pin,
 * and says so. `write: false` (`--plan-only`) says where it would pin and writes nothing. `fromRepository`: the
 * platform's update runs from the repository (Pulumi Deployments), which does not have the pin until it is pushed,
 * so the run stops after writing it and says so.
 */
export async function pinOnboardingTarget(
  projectDir: string,
  target: OnboardingTarget,
  runner: Pick<StackRunner, "outputs">,
  progress: (line: string) => void,
  options: { write: boolean; fromRepository?: boolean },
): Promise<void> {
  const file = path.join(projectDir, `Pulumi.${shortStackName(target.platformStack)}.yaml`);
  if (!fs.existsSync(file)) return;
  const currentDps = async () => {
    // A tenant stack not created yet has no outputs (onboarding creates it); a read that fails stops here, since
    // pinning without knowing where the tenant lives could move it.
    const outputs = await runner.outputs(target.tenantStack);
    return typeof outputs.dpsName === "string" ? outputs.dpsName : undefined;
  };
  const pin = await pinPlacement(file, target.tenant, { currentDps, write: options.write });
  if (!pin) return;
  const name = path.basename(file);
  progress(`${target.tenant}: ${options.write ? "pinned" : "would pin"} to shard ${pin.shard} (tenants[].shard in ${name}: a shard with room; a pin never moves when other tenants come and go)`);
  if (options.write && options.fromRepository) {
    throw new Error(`${target.tenant} is pinned to shard ${pin.shard} in ${name}: commit and push it (the platform's deployment runs from the repository), then run the same command again`);
  }
}
