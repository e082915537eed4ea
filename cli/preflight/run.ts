/**
 * The checks in order, read-only: identity and subscription first (without them nothing else can be asked), then
 * resource providers, global names, quota, permissions, and what already exists in the DPS.
 */
import type { AnyStackConfig } from "../../components/config";
import type { FoundSubscription } from "../azureSubscription";
import { checkAccess, checkShardAccess } from "./access";
import { preflightClients } from "./clients";
import { checkExistingDps } from "./existingDps";
import { checkIdentity } from "./identity";
import { checkNames, checkShardNames } from "./names";
import type { Purpose } from "./permissions";
import { checkProviders } from "./providers";
import { checkDeviceRegistry, DEVICE_REGISTRY_PROVIDER } from "./deviceRegistry";
import { checkDpsCount, checkHubQuota, checkStatedQuotas, DPS_PER_SUBSCRIPTION } from "./quota";
import { preflightTarget } from "./target";
import type { Finding, PreflightContext } from "./types";

export interface PreflightRun {
  readonly context: PreflightContext;
  readonly subscription: FoundSubscription;
  readonly env: NodeJS.ProcessEnv;
  /** A DPS connection string for reading existing groups (DPS_CONNECTION_STRING), else Entra ID. */
  readonly dpsConnectionString?: string;
  /** What the identity will run (`--for`): a live preview needs its rights only; a deploy, every check. */
  readonly purpose?: Purpose;
}

export async function runPreflightChecks(config: AnyStackConfig, run: PreflightRun): Promise<Finding[]> {
  const { context } = run;
  const identity = await checkIdentity(context, run.subscription, config.deployer?.principalType, run.env);
  if (!identity.identity) return identity.findings;
  const findings = [...identity.findings];
  const target = preflightTarget(config);
  const clients = preflightClients(context);
  // A preview changes nothing: names, quota and what the DPS holds matter to the deploy only.
  const objectId = identity.identity.objectId;
  // Each shard is followed to its subscription (its name, the DPS count and the rights there).
  const clientsOf = (subscriptionId?: string) => (subscriptionId && subscriptionId !== context.subscriptionId ? preflightClients({ ...context, subscriptionId }) : clients);
  if (run.purpose === "preview") {
    return [...findings, ...(await checkAccess(clients, target, "preview", objectId)), ...(await checkShardAccess(clientsOf, target, context.subscriptionId, "preview"))];
  }

  const adr = config.role !== "tenant" && config.deviceRegistry ? [DEVICE_REGISTRY_PROVIDER] : [];
  const namespaces = [...(target.dpsName ? ["Microsoft.Devices"] : []), ...(target.vault ? ["Microsoft.KeyVault"] : []), ...adr];
  findings.push(...(await checkProviders(clients, namespaces)));
  const names = await checkNames(clients, target);
  findings.push(...names.findings);
  const shardNames = await checkShardNames(clientsOf, target);
  findings.push(...shardNames.findings);
  if (target.dpsName) {
    const newHubs = target.hubs.filter((hub) => !names.ours.has(`name of IoT hub ${hub.name}`));
    findings.push(...(await checkHubQuota(clients, newHubs)));
    const limit = target.quotas?.dpsPerSubscription ?? DPS_PER_SUBSCRIPTION;
    const subscriptionOf = (shard: { subscriptionId?: string }) => (shard.subscriptionId?.toLowerCase() === context.subscriptionId.toLowerCase() ? undefined : shard.subscriptionId?.toLowerCase());
    const newShards = (target.shards ?? []).filter((shard) => !shardNames.ours.has(shard.name));
    const addsHere = (names.ours.has(`name of DPS ${target.dpsName}`) ? 0 : 1) + newShards.filter((shard) => !subscriptionOf(shard)).length;
    findings.push(await checkDpsCount(clients, addsHere, limit));
    findings.push(...(await checkStatedQuotas(clients, target.quotas)));
    const others = [...new Set((target.shards ?? []).map(subscriptionOf).filter((id): id is string => !!id))];
    for (const other of others) {
      findings.push(await checkDpsCount(clientsOf(other), newShards.filter((shard) => subscriptionOf(shard) === other).length, limit, other));
      findings.push(...(await checkStatedQuotas(clientsOf(other), target.quotas, other)));
    }
  }
  findings.push(...(await checkDeviceRegistry(context, config)));
  findings.push(...(await checkAccess(clients, target, "deploy", objectId)));
  findings.push(...(await checkShardAccess(clientsOf, target, context.subscriptionId, "deploy")));
  if (target.dpsName && names.ours.has(`name of DPS ${target.dpsName}`)) {
    findings.push(...(await checkExistingDps(clients, target, { credential: context.credential, connectionString: run.dpsConnectionString })));
  }
  return findings;
}
