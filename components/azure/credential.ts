/**
 * The one Azure sign-in of this program's own clients (ARM certificate calls, the DPS service API, Key Vault, and
 * the CLIs), so that they act as the same identity as azure-native:
 *
 * - **An OIDC token azure-native is given** (Pulumi Deployments' Azure OIDC, or any CI that sets it):
 *   `ARM_USE_OIDC=true` with `ARM_CLIENT_ID`, `ARM_TENANT_ID` and the federated token in `ARM_OIDC_TOKEN`, or in the
 *   file `ARM_OIDC_TOKEN_FILE_PATH`. `DefaultAzureCredential` reads none of these; a `ClientAssertionCredential`
 *   exchanges the same token at Entra ID (`client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer`).
 *   A token file named by `AZURE_FEDERATED_TOKEN_FILE` (workload identity) serves as well when `ARM_OIDC_TOKEN*` is
 *   not set. The token is read again on every exchange, so a file that is rotated keeps working.
 * - **Otherwise** `DefaultAzureCredential`: `AZURE_*` variables (secret, certificate, workload identity), a managed
 *   identity, the Azure CLI.
 *
 * Reads the environment when called: nothing is captured when a dynamic provider is serialized. `AZURE_AUTHORITY_HOST`
 * (a sovereign cloud's Entra ID) applies to both.
 */
import type { TokenCredential } from "@azure/identity";
import { readFileSync } from "fs";

/** Where the federated token comes from, and as which application it is exchanged. */
export interface OidcSignIn {
  readonly tenantId: string;
  readonly clientId: string;
  /** `ARM_OIDC_TOKEN`, `ARM_OIDC_TOKEN_FILE_PATH` or `AZURE_FEDERATED_TOKEN_FILE`: named in messages, never the token. */
  readonly source: string;
  /** Reads the token (again) when Entra ID is asked for an access token. */
  readonly assertion: () => string;
}

const truthy = (value: string | undefined) => /^(true|1|yes)$/i.test((value ?? "").trim());

/**
 * The OIDC sign-in the environment describes, or undefined when it describes none (then DefaultAzureCredential is
 * used). Throws when it is half there: ARM_USE_OIDC asks for OIDC but the client id, tenant or token is missing.
 */
export function oidcSignIn(env: NodeJS.ProcessEnv): OidcSignIn | undefined {
  const token = env.ARM_OIDC_TOKEN?.trim();
  const tokenFile = env.ARM_OIDC_TOKEN_FILE_PATH?.trim();
  const useOidc = truthy(env.ARM_USE_OIDC);
  if (!useOidc && !token && !tokenFile) return undefined;
  const source = token ? "ARM_OIDC_TOKEN" : tokenFile ? "ARM_OIDC_TOKEN_FILE_PATH" : env.AZURE_FEDERATED_TOKEN_FILE?.trim() ? "AZURE_FEDERATED_TOKEN_FILE" : undefined;
  // ARM_USE_OIDC alone, as GitHub Actions' workflows set it: azure-native asks GitHub for the token itself
  // (ACTIONS_ID_TOKEN_REQUEST_*), and `azure/login` has signed in the Azure CLI, which DefaultAzureCredential uses.
  if (!source) return undefined;
  const clientId = (env.ARM_CLIENT_ID ?? env.AZURE_CLIENT_ID)?.trim();
  const tenantId = (env.ARM_TENANT_ID ?? env.AZURE_TENANT_ID)?.trim();
  const missing = [...(clientId ? [] : ["ARM_CLIENT_ID"]), ...(tenantId ? [] : ["ARM_TENANT_ID"])];
  if (missing.length) throw new Error(`Azure OIDC sign-in: ${source} is set but ${missing.join(" and ")} ${missing.length > 1 ? "are" : "is"} not: set both to the identity the token is federated with (docs/operations.md#credentials-two-clients-two-sets-of-variables)`);
  const file = source === "ARM_OIDC_TOKEN_FILE_PATH" ? tokenFile! : source === "AZURE_FEDERATED_TOKEN_FILE" ? env.AZURE_FEDERATED_TOKEN_FILE!.trim() : undefined;
  const assertion = () => {
    const value = file === undefined ? token! : readTokenFile(file, source);
    if (!value) throw new Error(`Azure OIDC sign-in: ${source} holds no token`);
    return value;
  };
  return { tenantId: tenantId!, clientId: clientId!, source, assertion };
}

function readTokenFile(file: string, source: string): string {
  try {
    return readFileSync(file, "utf8").trim();
  } catch (err) {
    throw new Error(`Azure OIDC sign-in: the token file ${source}=${file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** The credential for this environment: a client assertion from the OIDC token when there is one, else DefaultAzureCredential. */
export function azureCredential(env: NodeJS.ProcessEnv = process.env): TokenCredential {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const identity = require("@azure/identity") as typeof import("@azure/identity");
  const oidc = oidcSignIn(env);
  const authorityHost = env.AZURE_AUTHORITY_HOST?.trim() || undefined;
  if (!oidc) return new identity.DefaultAzureCredential();
  return new identity.ClientAssertionCredential(oidc.tenantId, oidc.clientId, async () => oidc.assertion(), authorityHost ? { authorityHost } : undefined);
}

/** How the program signs in, in one line (for messages; never the token). */
export function describeSignIn(env: NodeJS.ProcessEnv = process.env): string {
  const oidc = oidcSignIn(env);
  return oidc ? `client assertion from ${oidc.source} as application ${oidc.clientId} in tenant ${oidc.tenantId}` : "DefaultAzureCredential (AZURE_* variables, managed identity, or the Azure CLI)";
}
