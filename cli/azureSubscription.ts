/**
 * Which subscription a command works in when neither a flag nor the stack says: one order for every command
 * (preflight, doctor), the order azure-native itself follows: `ARM_SUBSCRIPTION_ID`, then `AZURE_SUBSCRIPTION_ID`,
 * then az's default subscription (`isDefault` in `azureProfile.json`, under `AZURE_CONFIG_DIR` or `~/.azure`).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export interface FoundSubscription {
  readonly id: string;
  /** Where it came from, for messages: `ARM_SUBSCRIPTION_ID`, `az's default subscription (<file>)`. */
  readonly source: string;
  /** From az's profile: the tenant of that subscription. */
  readonly tenantId?: string;
}

export const SUBSCRIPTION_ORDER = "ARM_SUBSCRIPTION_ID, then AZURE_SUBSCRIPTION_ID, then az's default subscription (az account set)";

/** The path of az's profile for an environment. */
export function azureProfilePath(env: NodeJS.ProcessEnv): string {
  return path.join(env.AZURE_CONFIG_DIR || path.join(os.homedir(), ".azure"), "azureProfile.json");
}

/** az's default subscription from its profile; undefined when there is no profile or no default. */
export function azDefaultSubscription(profilePath: string): FoundSubscription | undefined {
  let text: string;
  try {
    text = fs.readFileSync(profilePath, "utf8");
  } catch {
    return undefined;
  }
  try {
    // az writes the file with a byte order mark.
    const profile = JSON.parse(text.replace(/^\uFEFF/, "")) as { subscriptions?: Array<{ id?: unknown; isDefault?: unknown; tenantId?: unknown }> };
    const found = profile.subscriptions?.find((subscription) => subscription.isDefault === true && typeof subscription.id === "string");
    if (!found) return undefined;
    return { id: String(found.id), source: `az's default subscription (${profilePath})`, tenantId: typeof found.tenantId === "string" ? found.tenantId : undefined };
  } catch {
    return undefined;
  }
}

/** The subscription by the one order; undefined when none of the three says. */
export function findSubscription(env: NodeJS.ProcessEnv): FoundSubscription | undefined {
  for (const name of ["ARM_SUBSCRIPTION_ID", "AZURE_SUBSCRIPTION_ID"] as const) {
    const value = env[name]?.trim();
    if (value) return { id: value, source: name };
  }
  return azDefaultSubscription(azureProfilePath(env));
}
