/**
 * Which `principalType` the role assignments to the identity running `up` get. ARM refuses an assignment whose type
 * does not match the principal (`UnmatchedPrincipalType`), and azure-native fills in `User` when none is given, so a
 * service principal in CI needs `ServicePrincipal` said out loud.
 *
 * In order: the config override `dps-x509:deployer.principalType`; the environment azure-native signs in from (a
 * client id or managed identity means a service principal); the ARM token's claims (`idtyp` is `app` or `user`);
 * otherwise `User`, the `az login` case. Pure, so that the offline plan and the tests use the same decision.
 */
import type { DeployerPrincipalType } from "../config/deployer";

export interface PrincipalTypeDecision {
  readonly type: DeployerPrincipalType;
  /** Why, in a sentence the plan prints. */
  readonly reason: string;
}

/** Environment variables that make azure-native (and DefaultAzureCredential) sign in as a service principal. */
const SERVICE_PRINCIPAL_ENV = ["ARM_CLIENT_ID", "AZURE_CLIENT_ID"] as const;
const MANAGED_IDENTITY_ENV = ["ARM_USE_MSI"] as const;

export const OVERRIDE_KEY = "dps-x509:deployer.principalType";

/** The decision that needs no token: the override, then the environment; undefined when only the token can tell. */
export function principalTypeWithoutToken(override: DeployerPrincipalType | undefined, env: NodeJS.ProcessEnv): PrincipalTypeDecision | undefined {
  if (override) return { type: override, reason: `set by ${OVERRIDE_KEY}` };
  for (const name of SERVICE_PRINCIPAL_ENV) {
    if (env[name]?.trim()) return { type: "ServicePrincipal", reason: `${name} is set: Pulumi signs in as that service principal (or workload identity)` };
  }
  for (const name of MANAGED_IDENTITY_ENV) {
    if (env[name]?.trim().toLowerCase() === "true") return { type: "ServicePrincipal", reason: `${name}=true: Pulumi signs in as a managed identity` };
  }
  return undefined;
}

/** The claims of a JWT (not verified: only read, to tell an app from a user); undefined when it is not one. */
export function jwtClaims(token: string): Record<string, unknown> | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
    return claims !== null && typeof claims === "object" && !Array.isArray(claims) ? (claims as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The decision from the ARM token's claims. Entra ID's v1 and v2 access tokens carry `idtyp` (`app` for an
 * application or managed identity, `user` for a person) when the optional claim is on, which it is for ARM; without
 * it, a token with `scp` (delegated scopes) is a user's and one without is an app's.
 */
export function principalTypeFromClaims(claims: Record<string, unknown> | undefined): PrincipalTypeDecision {
  const idtyp = typeof claims?.idtyp === "string" ? claims.idtyp.toLowerCase() : undefined;
  if (idtyp === "app") return { type: "ServicePrincipal", reason: "the ARM token's idtyp claim is \"app\" (a service principal or managed identity)" };
  if (idtyp === "user") return { type: "User", reason: "the ARM token's idtyp claim is \"user\" (a signed-in user)" };
  if (claims && typeof claims.scp === "string") return { type: "User", reason: "the ARM token carries delegated scopes (scp): a signed-in user" };
  if (claims && typeof claims.oid === "string" && claims.scp === undefined) {
    return { type: "ServicePrincipal", reason: "the ARM token carries no delegated scopes (no scp): an application" };
  }
  return { type: "User", reason: `nothing says otherwise: a signed-in user (az login) is assumed; set ${OVERRIDE_KEY} to change it` };
}

/** The whole decision: without a token when the override or environment decide, else from the token. */
export function decidePrincipalType(override: DeployerPrincipalType | undefined, env: NodeJS.ProcessEnv, token?: string): PrincipalTypeDecision {
  return principalTypeWithoutToken(override, env) ?? principalTypeFromClaims(token === undefined ? undefined : jwtClaims(token));
}
