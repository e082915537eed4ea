/**
 * Global names: the DPS, each IoT hub and the vault make host names (`<name>.azure-devices-provisioning.net`,
 * `<name>.azure-devices.net`, `<name>.vault.azure.net`), so each must be free across Azure or already be this stack's
 * (the resource exists in the stack's resource group of this subscription). Asked with each provider's own
 * name-availability operation; a taken name is then looked up in the stack's resource group.
 */
import { azureError, unlessNotFound, type PreflightClients } from "./clients";
import type { Finding, PreflightTarget } from "./types";

interface Availability {
  nameAvailable?: boolean;
  reason?: string;
  message?: string;
}

async function checkName(
  check: string,
  available: () => Promise<Availability>,
  ours: (() => Promise<unknown>) | undefined,
  takenFix: string,
): Promise<Finding & { ours?: true }> {
  let answer: Availability;
  try {
    answer = await available();
  } catch (err) {
    return { check, status: "problem", detail: azureError(err), fix: "see Azure's message; the name could not be checked" };
  }
  if (answer.nameAvailable) return { check, status: "ok", detail: "free" };
  const azure = `${answer.reason ?? "unavailable"}${answer.message ? `: ${answer.message.replace(/\r/g, "").trim()}` : ""}`;
  if (answer.reason === "AlreadyExists" && ours) {
    try {
      if (await unlessNotFound(ours)) return { check, status: "ok", detail: "already ours: it exists in the stack's resource group, and up updates it", ours: true };
    } catch (err) {
      return { check, status: "problem", detail: `${azure}; and whether it is ours could not be read: ${azureError(err)}`, fix: takenFix };
    }
  }
  if (answer.reason === "Invalid" || answer.reason === "AccountNameInvalid") return { check, status: "problem", detail: azure, fix: "choose a name Azure accepts (see its message)" };
  return { check, status: "problem", detail: `${azure} (not in this stack's resource group: someone else has it)`, fix: takenFix };
}

/** The findings, and which names are already ours (they add nothing to the quota). */
export async function checkNames(clients: PreflightClients, target: PreflightTarget): Promise<{ findings: Finding[]; ours: Set<string> }> {
  const found: Array<Finding & { ours?: true }> = [];
  const findings = { push: (finding: Finding & { ours?: true }) => found.push(finding) };
  const rg = target.resourceGroupName;
  if (target.dpsName) {
    const dps = target.dpsName;
    findings.push(
      await checkName(
        `name of DPS ${dps}`,
        () => clients.dps().iotDpsResource.checkProvisioningServiceNameAvailability({ name: dps }),
        rg ? () => clients.dps().iotDpsResource.get(dps, rg) : undefined,
        "choose another dps.name (DPS names are global), or adopt yours with dps.adopt: true in the subscription and group that hold it",
      ),
    );
  }
  for (const hub of target.hubs) {
    findings.push(
      await checkName(
        `name of IoT hub ${hub.name}`,
        () => clients.iotHub().iotHubResource.checkNameAvailability({ name: hub.name }),
        rg ? () => clients.iotHub().iotHubResource.get(rg, hub.name) : undefined,
        "choose another hub name (hub names are global), or adopt yours with adopt: true in the subscription and group that hold it",
      ),
    );
  }
  const vault = target.vault;
  if (vault?.create) {
    const vaultRg = vault.resourceGroupName ?? rg;
    findings.push(
      await checkName(
        `name of Key Vault ${vault.name}`,
        () => clients.keyVault().vaults.checkNameAvailability({ name: vault.name, type: "Microsoft.KeyVault/vaults" }),
        vaultRg ? () => clients.keyVault().vaults.get(vaultRg, vault.name) : undefined,
        "choose another keyVault.name (vault names are global; a deleted vault keeps its name while soft-deleted: `az keyvault list-deleted`), or use yours with keyVault.create: false",
      ),
    );
  }
  const ours = new Set(found.filter((finding) => finding.ours).map((finding) => finding.check));
  return { findings: found.map(({ ours: _ours, ...finding }) => finding), ours };
}

/**
 * Each shard's DPS name, asked in the shard's subscription (`clientsOf`), and looked up as ours in its resource
 * group. Returns the findings and the shards (by name) whose DPS is already ours.
 */
export async function checkShardNames(clientsOf: (subscriptionId?: string) => PreflightClients, target: PreflightTarget): Promise<{ findings: Finding[]; ours: Set<string> }> {
  const found: Array<Finding & { ours?: true; shard: string }> = [];
  for (const [i, shard] of (target.shards ?? []).entries()) {
    const clients = clientsOf(shard.subscriptionId);
    const rg = shard.resourceGroupName;
    const finding = await checkName(
      `name of DPS ${shard.name} (shards[${i}]${shard.subscriptionId ? `, subscription ${shard.subscriptionId}` : ""})`,
      () => clients.dps().iotDpsResource.checkProvisioningServiceNameAvailability({ name: shard.name }),
      rg ? () => clients.dps().iotDpsResource.get(shard.name, rg) : undefined,
      `choose another shards[${i}].name (DPS names are global)`,
    );
    found.push({ ...finding, shard: shard.name });
  }
  const ours = new Set(found.filter((finding) => finding.ours).map((finding) => finding.shard));
  return { findings: found.map(({ ours: _ours, shard: _shard, ...finding }) => finding), ours };
}
