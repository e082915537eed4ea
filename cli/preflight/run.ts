/**
 * The checks in order, read-only: identity and subscription first (without them nothing else can be asked), then
 * resource providers, global names, quota, permissions, and what already exists in the DPS.
 */
import type { AnyStackConfig } from "../../components/config";
import type { FoundSubscription } from "../azureSubscription";
import { checkAccess } from "./access";
import { preflightClients } from "./clients";
import { checkExistingDps } from "./existingDps";
import { checkIdentity } from "./identity";
import { checkNames } from "./names";
import type { Purpose } from "./permissions";
import { checkProviders } from "./providers";
import { checkDpsCount, checkHubQuota } from "./quota";
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
  if (run.purpose === "preview") return [...findings, ...(await checkAccess(clients, target, "preview", objectId))];

  const namespaces = [...(target.dpsName ? ["Microsoft.Devices"] : []), ...(target.vault ? ["Microsoft.KeyVault"] : [])];
  findings.push(...(await checkProviders(clients, namespaces)));
  const names = await checkNames(clients, target);
  findings.push(...names.findings);
  if (target.dpsName) {
    const newHubs = target.hubs.filter((hub) => !names.ours.has(`name of IoT hub ${hub.name}`));
    findings.push(...(await checkHubQuota(clients, newHubs)));
    findings.push(await checkDpsCount(clients, !names.ours.has(`name of DPS ${target.dpsName}`)));
  }
  findings.push(...(await checkAccess(clients, target, "deploy", objectId)));
  if (target.dpsName && names.ours.has(`name of DPS ${target.dpsName}`)) {
    findings.push(...(await checkExistingDps(clients, target, { credential: context.credential, connectionString: run.dpsConnectionString })));
  }
  return findings;
}
