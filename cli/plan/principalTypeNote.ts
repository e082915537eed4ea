/**
 * The plan says which `principalType` each role assignment to the deployer gets, and why: the same decision the
 * program makes (components/deployer/principalType.ts) from the config override and the environment. When only the
 * ARM token can tell (at `up`), the plan says so and shows what a signed-in user gets.
 */
import type { AnyStackConfig } from "../../components/config";
import { OVERRIDE_KEY, principalTypeWithoutToken } from "../../components/deployer/principalType";
import type { PlannedResource } from "./render";

const ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment";

export function principalTypeReason(config: AnyStackConfig, env: NodeJS.ProcessEnv): string {
  const decided = principalTypeWithoutToken(config.deployer?.principalType, env);
  if (decided) return decided.reason;
  return `no ARM_CLIENT_ID or AZURE_CLIENT_ID here: \`up\` reads the ARM token's idtyp claim (a user from az login gets User, an app ServicePrincipal); set ${OVERRIDE_KEY} to fix it`;
}

/** The role assignments annotated with the reason for their principalType. */
export function withPrincipalTypeReason(config: AnyStackConfig, env: NodeJS.ProcessEnv) {
  const reason = principalTypeReason(config, env);
  return <R extends PlannedResource>(resource: R): R => (resource.type === ROLE_ASSIGNMENT ? { ...resource, principalTypeReason: reason } : resource);
}
