/**
 * Who runs preflight (and so, on this machine or runner, `pulumi up`): the ARM token's claims say the principal, its
 * type and its tenant, without any call beyond getting the token.
 */
import { jwtClaims, principalTypeWithoutToken, principalTypeFromClaims } from "../../components/deployer/principalType";
import type { DeployerPrincipalType } from "../../components/config/deployer";
import type { FoundSubscription } from "../azureSubscription";
import { normalizeArmEndpoint } from "../../components/azure/armClient";
import { describeSignIn } from "../../components/azure/credential";
import type { Finding, PreflightContext } from "./types";

export interface Identity {
  readonly objectId?: string;
  readonly tenantId?: string;
  readonly name: string;
  readonly principalType: DeployerPrincipalType;
  readonly reason: string;
}

export const SIGN_IN_FIX = "sign in: `az login` (a user), or set AZURE_CLIENT_ID/AZURE_TENANT_ID with a secret, certificate or federated token (a service principal); see docs/ci.md";

export async function checkIdentity(
  context: PreflightContext,
  subscription: FoundSubscription,
  override: DeployerPrincipalType | undefined,
  env: NodeJS.ProcessEnv,
): Promise<{ identity?: Identity; findings: Finding[] }> {
  let token: string;
  try {
    const got = await context.credential.getToken(`${normalizeArmEndpoint(context.armEndpoint)}/.default`);
    if (!got) throw new Error("no token was returned");
    token = got.token;
  } catch (err) {
    const message = String((err as Error)?.message ?? err).replace(/\r/g, "").trim();
    let how: string;
    try {
      how = describeSignIn(env);
    } catch (e) {
      how = (e as Error).message;
    }
    return { findings: [{ check: "identity", status: "problem", detail: `no ARM token (${how}): ${message}`, fix: SIGN_IN_FIX }] };
  }
  const claims = jwtClaims(token) ?? {};
  const decision = principalTypeWithoutToken(override, env) ?? principalTypeFromClaims(claims);
  const text = (key: string) => (typeof claims[key] === "string" ? (claims[key] as string) : undefined);
  const identity: Identity = {
    objectId: text("oid"),
    tenantId: text("tid"),
    name: text("upn") ?? text("unique_name") ?? text("preferred_username") ?? text("appid") ?? text("azp") ?? text("oid") ?? "(unnamed)",
    principalType: decision.type,
    reason: decision.reason,
  };
  const findings: Finding[] = [
    { check: "identity", status: "ok", detail: `${identity.name} (object id ${identity.objectId ?? "unknown"}), tenant ${identity.tenantId ?? "unknown"}` },
    { check: "identity type", status: "ok", detail: `role assignments will use principalType ${decision.type}: ${decision.reason}` },
  ];
  // The token's own type against an override that says otherwise: ARM would refuse the assignments.
  const fromToken = principalTypeFromClaims(claims);
  if (override && typeof claims.idtyp === "string" && fromToken.type !== override) {
    findings[1] = {
      check: "identity type",
      status: "problem",
      detail: `dps-x509:deployer.principalType is ${override}, but ${fromToken.reason}: ARM refuses the role assignments with UnmatchedPrincipalType`,
      fix: `set dps-x509:deployer.principalType to ${fromToken.type}, or remove it`,
    };
  }
  const subscriptionFinding: Finding =
    subscription.tenantId && identity.tenantId && subscription.tenantId.toLowerCase() !== identity.tenantId.toLowerCase()
      ? {
          check: "subscription",
          status: "problem",
          detail: `${subscription.id} (from ${subscription.source}) is in tenant ${subscription.tenantId}, but the token is for tenant ${identity.tenantId}`,
          fix: `sign in to the subscription's tenant: \`az login --tenant ${subscription.tenantId}\`, or pick another subscription`,
        }
      : { check: "subscription", status: "ok", detail: `${subscription.id} (from ${subscription.source})` };
  findings.push(subscriptionFinding);
  return { identity, findings };
}
