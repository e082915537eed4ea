/**
 * The principal of the identity running Pulumi, for the role assignments the stack makes to it: its object id
 * (`getClientConfig`) and its `principalType` (principalType.ts). The ARM token is asked for only when neither the
 * config nor the environment decide; it is read for its claims and goes nowhere else (not in state, not in outputs).
 */
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import type { DeployerConfig } from "../config/deployer";
import { principalTypeFromClaims, jwtClaims, principalTypeWithoutToken } from "./principalType";

export interface DeployerPrincipal {
  readonly principalId: pulumi.Output<string>;
  readonly principalType: pulumi.Output<string>;
}

/** `client`: the `getClientConfig` the caller already made (one invoke per preview is enough). */
export function deployerPrincipal(
  parent: pulumi.Resource,
  config: DeployerConfig | undefined,
  client: pulumi.Output<{ objectId: string }>,
  env: NodeJS.ProcessEnv = process.env,
): DeployerPrincipal {
  const decided = principalTypeWithoutToken(config?.principalType, env);
  const principalType = decided
    ? pulumi.output(decided.type)
    : pulumi.unsecret(authorization.getClientTokenOutput({}, { parent }).token.apply((token) => principalTypeFromClaims(jwtClaims(token)).type));
  return { principalId: client.apply((c) => c.objectId), principalType };
}
