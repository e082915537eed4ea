/**
 * What a stack's Pulumi Deployments settings must hold for onboarding to deploy it, checked before the first
 * deployment of a run (GET {api}/api/stacks/{org}/{project}/{stack}/deployments/settings): a git source to check the
 * pinned commit out of, and the Azure sign-in the program runs as (Deployments' Azure OIDC, or ARM_* variables, or
 * an ESC environment the stack imports). A stack onboarding created has none: the check names each missing setting
 * and where to set it, before anything runs.
 */
import { existsSync, readFileSync } from "fs";
import * as path from "path";

export interface SettingsProblem {
  readonly stack: string;
  readonly missing: string[];
}

type Json = Record<string, unknown> | undefined;
const obj = (value: unknown): Json => (value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined);
const text = (value: unknown) => typeof value === "string" && value.trim() !== "";

/** Whether the stack file imports an ESC environment (`environment:` at its top level), which may carry ARM_*. */
export function importsEscEnvironment(projectDir: string | undefined, stack: string): boolean {
  if (!projectDir) return false;
  const file = path.join(projectDir, `Pulumi.${stack.split("/").pop()}.yaml`);
  return existsSync(file) && /^environment:/m.test(readFileSync(file, "utf8"));
}

/** The settings onboarding needs that `settings` (undefined: the stack has none) lacks, each said as where to set it. */
export function missingSettings(settings: Json, escEnvironment: boolean): string[] {
  const missing: string[] = [];
  const source = obj(settings?.sourceContext);
  const git = obj(source?.git);
  const gitHub = obj(settings?.gitHub);
  if (!text(git?.repoUrl) && !text(gitHub?.repository)) missing.push("sourceContext.git.repoUrl (the repository holding this project; the deployment checks out the pinned commit from it)");
  const operation = obj(settings?.operationContext);
  const azure = obj(obj(operation?.oidc)?.azure);
  const variables = obj(operation?.environmentVariables);
  const oidc = text(azure?.clientId) && text(azure?.tenantId);
  const armVariables = text(variables?.ARM_CLIENT_ID) && text(variables?.ARM_TENANT_ID);
  if (!oidc && !armVariables && !escEnvironment) {
    missing.push("operationContext.oidc.azure.clientId and .tenantId (Azure OIDC: the identity azure-native and the program's own providers run as), or ARM_CLIENT_ID/ARM_TENANT_ID in operationContext.environmentVariables, or an ESC environment the stack file imports");
  }
  return missing;
}

/** One message for every stack that lacks settings. */
export function settingsMessage(problems: readonly SettingsProblem[]): string {
  const lines = problems.map(({ stack, missing }) => `  ${stack}:\n${missing.map((m) => `    - ${m}`).join("\n")}`);
  return `Pulumi Deployments: ${problems.length} stack(s) lack deployment settings onboarding needs; nothing was deployed. Set them in Pulumi Cloud (the stack's Settings > Deploy, or POST …/deployments/settings; docs/tenants.md):\n${lines.join("\n")}`;
}
