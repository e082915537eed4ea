/**
 * The program behind index.ts (and the offline plan): declares a platform stack, or a tenant stack after reading and
 * checking its platform's outputs. Nothing is declared when a check fails.
 *
 * Tenants and the platform exchange only public values: a tenant exports CSRs (`caCsrs`), the platform signs the
 * CSRs of the tenants it lists and exports certificates (`tenantCertificates`). The order is tenant up, platform up,
 * tenant up; each stack's `waitingFor` output (and the plan) says what its next step waits for.
 */
import * as pulumi from "@pulumi/pulumi";
import { CONFIG_NAMESPACE, ConfigError, type AnyStackConfig, type StackConfig, type TenantStackConfig } from "../config";
import { DpsX509 } from "../resources/dpsX509";
import { platformStackOutputs, tenantStackOutputs } from "./stackOutputs";
import { ROOT_CERTIFICATE_OUTPUT, parsePlatformFacts, readPlatformFacts } from "../tenant/platformOutputs";
import { resolveTenant } from "../tenant/resolveTenant";
import { factsOnTenantShard } from "../tenant/shardFacts";
import { heldBackNote, heldBackTenants, platformWaitingFor, readTenantCsrs } from "../tenant/tenantCsrs";
import { TenantStack } from "../resources/tenantStack";
import { moveNote, tenantMoves } from "../shards/moves";

/** Declares the stack; throws ConfigError (before declaring anything) when a tenant does not fit its platform. */
export async function declareProgram(config: AnyStackConfig): Promise<Record<string, unknown>> {
  if (config.role === "platform") return declarePlatform(config);
  return declareTenant(config);
}

async function declarePlatform(config: StackConfig): Promise<Record<string, unknown>> {
  // The tenants' CSRs are read (and checked) before anything is declared.
  const tenantCsrs = await readTenantCsrs(config.tenants);
  const moved = tenantMoves(config, tenantCsrs);
  // A tenant's outputs are untrusted: one whose CSRs or DPS are wrong is held back, and every other tenant proceeds.
  const dpsNames = [config.dps.name, ...(config.shards ?? []).map((shard) => shard.name)];
  const heldBack = heldBackTenants(config.tenants, tenantCsrs, { commonNames: platformCaCommonNames(config), dpsNames });
  // A move the platform's own config causes (its shards changed) still asks the platform for a pin.
  const problems = moved.problems.filter((problem) => !tenantCsrs.some(({ tenant, index }) => heldBack.has(tenant) && problem.path.startsWith(`tenants[${index}]`)));
  if (problems.length) throw new ConfigError(problems);
  const waitingFor = [...platformWaitingFor(config.tenants, tenantCsrs), ...moved.moves.map(moveNote), ...[...heldBack].map(([tenant, reason]) => heldBackNote(tenant, reason))];
  for (const move of moved.moves) pulumi.log.warn(moveNote(move));
  for (const [tenant, reason] of heldBack) pulumi.log.warn(heldBackNote(tenant, reason));
  return platformStackOutputs(new DpsX509(CONFIG_NAMESPACE, { config, tenantCsrs, heldBack }), waitingFor);
}

/** The common names of the platform's own CAs: no tenant CA is named like one of them. */
function platformCaCommonNames(config: StackConfig): string[] {
  return [config.ca.root, ...config.ca.intermediates].map((entry) => entry.commonName).filter((name): name is string => typeof name === "string");
}

async function declareTenant(config: TenantStackConfig): Promise<Record<string, unknown>> {
  // Reading another stack's outputs changes nothing; the checks below run before any resource is declared.
  const platform = new pulumi.StackReference(`${CONFIG_NAMESPACE}-platform`, { name: config.platform });
  const facts = parsePlatformFacts(await readPlatformFacts(platform), config.platform);
  if (!facts.ok) throw new ConfigError(facts.problems);
  // On a platform with shards, the tenant works on its own shard's DPS.
  const resolved = resolveTenant(config, factsOnTenantShard(facts.facts, config.tenant));
  if (!resolved.ok) throw new ConfigError(resolved.problems);
  const stack = new TenantStack(CONFIG_NAMESPACE, {
    tenant: resolved.tenant,
    rootCertificatePem: platform.requireOutput(ROOT_CERTIFICATE_OUTPUT) as pulumi.Output<string>,
  });
  return tenantStackOutputs(stack);
}
