/**
 * `dps-x509:environment`: what a stack is for. A stack that says `production` tags its resource group
 * `dps-x509-environment: production`, which is how the policy pack (policy/) knows, in this stack or any other
 * that tags a resource group so, that no CA private key may be kept in state.
 */
export const stackEnvironments = ["development", "test", "staging", "production"] as const;
export type StackEnvironment = (typeof stackEnvironments)[number];

/** The resource-group tag that carries the environment. */
export const ENVIRONMENT_TAG = "dps-x509-environment";

/** Tags for the stack's resource group: none unless the stack declares an environment (no diff on older stacks). */
export function environmentTags(environment: StackEnvironment | undefined): Record<string, string> | undefined {
  return environment ? { [ENVIRONMENT_TAG]: environment } : undefined;
}
