/**
 * A sovereign cloud needs two settings that agree (docs/operations.md, "Sovereign clouds"): `azure-native:environment`
 * (where azure-native creates the hubs and the DPS) and `dps-x509:armEndpoint` (where this program's own providers
 * upload and prove the CAs). With only one of them, or two that name different clouds, `pulumi up` creates the hubs
 * in one cloud and uploads the CAs to another, and fails half way.
 *
 * Endpoints: Azure's cloud configurations (`az cloud show --name AzureCloud | AzureUSGovernment | AzureChinaCloud`,
 * resourceManager); names: the azure-native provider's `environment` setting (public, usgovernment, china).
 */
import type { Problem } from "./problems";

interface Cloud {
  readonly environment: string;
  /** The same cloud under the names `az cloud list` gives it (compared without case). */
  readonly aliases: ReadonlyArray<string>;
  readonly armEndpoint: string;
}

export const AZURE_CLOUDS: ReadonlyArray<Cloud> = [
  { environment: "public", aliases: ["azurecloud", "azurepubliccloud"], armEndpoint: "https://management.azure.com" },
  { environment: "usgovernment", aliases: ["azureusgovernment", "azureusgovernmentcloud"], armEndpoint: "https://management.usgovcloudapi.net" },
  { environment: "china", aliases: ["azurechinacloud"], armEndpoint: "https://management.chinacloudapi.cn" },
];

function cloudNamed(environment: string): Cloud | undefined {
  const name = environment.trim().toLowerCase();
  return AZURE_CLOUDS.find((cloud) => cloud.environment === name || cloud.aliases.includes(name));
}

const PUBLIC = AZURE_CLOUDS[0];

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname.toLowerCase().replace(/\.$/, "");
  } catch {
    return undefined;
  }
}

/** The cloud whose ARM endpoint this is; undefined for any other host (a test server, an Azure Stack hub). */
function cloudOfEndpoint(armEndpoint: string): Cloud | undefined {
  const host = hostOf(armEndpoint);
  return AZURE_CLOUDS.find((cloud) => hostOf(cloud.armEndpoint) === host);
}

/**
 * `environment` is `azure-native:environment` as set (undefined: public), `armEndpoint` is `dps-x509:armEndpoint`
 * (undefined: the public cloud's). An endpoint of no known cloud is left alone: it is how the tests and private
 * clouds point the providers elsewhere.
 */
export function checkSovereignCloud(environment: string | undefined, armEndpoint: string | undefined, keyVault?: { create: boolean }): Problem[] {
  const problems = checkCloudPair(environment, armEndpoint);
  const cloud = environment === undefined || environment === "" ? PUBLIC : cloudNamed(environment);
  // A vault the stack does not create is addressed as https://<name>.vault.azure.net (components/azure/keyVault.ts):
  // the public cloud's. A vault it creates is addressed by the vaultUri ARM returns, right in every cloud.
  if (keyVault && !keyVault.create && cloud && cloud !== PUBLIC) {
    problems.push({
      path: "keyVault.create",
      value: false,
      message: `names an existing vault, which this program addresses by the public cloud's name (https://<name>.vault.azure.net), not ${cloud.environment}'s; let the stack create the vault (keyVault.create: true), or keep the CA keys in state (keyStore: state)`,
    });
  }
  return problems;
}

function checkCloudPair(environment: string | undefined, armEndpoint: string | undefined): Problem[] {
  const names = AZURE_CLOUDS.map((cloud) => cloud.environment).join(", ");
  const cloud = environment === undefined || environment === "" ? PUBLIC : cloudNamed(environment);
  if (!cloud) {
    return [{ path: "azure-native:environment", value: environment, message: `is not an Azure cloud azure-native knows; allowed: ${names} (with dps-x509:armEndpoint set to that cloud's ARM endpoint)` }];
  }
  if (armEndpoint === undefined) {
    if (cloud === PUBLIC) return [];
    return [{
      path: "armEndpoint",
      value: undefined,
      message: `is not set, so the CA upload and proof of possession go to the public cloud (${PUBLIC.armEndpoint}) while azure-native:environment ${environment} creates the hubs and DPS in another; set \`pulumi config set dps-x509:armEndpoint ${cloud.armEndpoint}\``,
    }];
  }
  const endpointCloud = cloudOfEndpoint(armEndpoint);
  if (!endpointCloud || endpointCloud === cloud) return [];
  const environmentSetting = cloud === PUBLIC && !environment ? "azure-native:environment is not set (public)" : `azure-native:environment is ${environment}`;
  return [{
    path: "armEndpoint",
    value: armEndpoint,
    message: `is the ${endpointCloud.environment} cloud's ARM endpoint, but ${environmentSetting}: the hubs and DPS would be created in one cloud and the CAs uploaded to another. Set both to the same cloud: \`pulumi config set azure-native:environment ${endpointCloud.environment}\`, or dps-x509:armEndpoint ${cloud.armEndpoint}`,
  }];
}
