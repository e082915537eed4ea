/**
 * Which stacks onboarding runs on, read from the project's `Pulumi.<stack>.yaml` files: a tenant stack sets
 * `dps-x509:tenant` and `dps-x509:platform` (the platform's full name); the platform lists its tenants in
 * `dps-x509:tenants`, each with the full name of its stack (`tenants[].stack`) when it has one.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { CONFIG_NAMESPACE } from "../../components/config";

/** One tenant to onboard: its stack and its platform's. */
export interface OnboardingTarget {
  readonly tenant: string;
  /** The tenant stack's name as `pulumi --stack` takes it (full `<org>/<project>/<stack>` when known). */
  readonly tenantStack: string;
  /** The platform stack's full name, as the tenant's `dps-x509:platform` gives it. */
  readonly platformStack: string;
}

interface StackFile {
  readonly stack: string;
  readonly config: Record<string, unknown>;
}

function readStackFiles(projectDir: string): StackFile[] {
  return fs
    .readdirSync(projectDir)
    .filter((file) => /^Pulumi\.[^.]+(\.[^.]+)*\.yaml$/.test(file) && file !== "Pulumi.yaml")
    .map((file) => {
      const document = parse(fs.readFileSync(path.join(projectDir, file), "utf8")) as { config?: Record<string, unknown> } | null;
      return { stack: file.slice("Pulumi.".length, -".yaml".length), config: document?.config ?? {} };
    });
}

const key = (name: string) => `${CONFIG_NAMESPACE}:${name}`;

/** The last part of a stack name (`my-org/dps-x509/platform` → `platform`). */
export function shortStackName(stack: string): string {
  return stack.split("/").pop() ?? stack;
}

interface Listed {
  readonly name: string;
  readonly stack?: string;
}

function listedTenants(file: StackFile): Listed[] {
  const tenants = file.config[key("tenants")];
  return Array.isArray(tenants) ? tenants.filter((t): t is Listed => t && typeof t === "object" && typeof t.name === "string") : [];
}

/** The tenant's stack and platform; an error says which file or key is missing. */
export function findTarget(projectDir: string, tenant: string): OnboardingTarget {
  const files = readStackFiles(projectDir);
  const tenantFiles = files.filter((file) => file.config[key("tenant")] === tenant);
  if (tenantFiles.length === 0) throw new Error(`no stack file in ${projectDir} sets ${key("tenant")}: ${tenant}; add Pulumi.<stack>.yaml for it (see docs/tenants.md#onboarding-in-one-command)`);
  if (tenantFiles.length > 1) throw new Error(`tenant ${tenant} is set by ${tenantFiles.length} stack files (${tenantFiles.map((f) => `Pulumi.${f.stack}.yaml`).join(", ")}); keep one`);
  const [file] = tenantFiles;
  const platformStack = file.config[key("platform")];
  if (typeof platformStack !== "string" || !platformStack) throw new Error(`Pulumi.${file.stack}.yaml sets no ${key("platform")}: the tenant's platform stack, <org>/<project>/<stack>`);
  const platformFile = files.find((candidate) => candidate.stack === shortStackName(platformStack));
  const listed = platformFile ? listedTenants(platformFile).find((entry) => entry.name === tenant) : undefined;
  if (platformFile && !listed) throw new Error(`the platform (Pulumi.${platformFile.stack}.yaml) does not list tenant ${tenant} in ${key("tenants")}: add it there first`);
  const qualified = listed?.stack && shortStackName(listed.stack) === file.stack ? listed.stack : qualifiedLike(platformStack, file.stack);
  return { tenant, tenantStack: qualified, platformStack };
}

/** A stack name in the same organisation and project as the platform's. */
function qualifiedLike(platformStack: string, stack: string): string {
  const parts = platformStack.split("/");
  return parts.length === 3 ? `${parts[0]}/${parts[1]}/${stack}` : stack;
}

/** Every tenant the platform lists, in its order. `platform` picks the platform file when there are several. */
export function findAllTargets(projectDir: string, platform?: string): OnboardingTarget[] {
  const platforms = readStackFiles(projectDir).filter((file) => listedTenants(file).length > 0 && (!platform || file.stack === shortStackName(platform)));
  if (platforms.length === 0) throw new Error(platform ? `Pulumi.${shortStackName(platform)}.yaml lists no ${key("tenants")}` : `no stack file in ${projectDir} lists ${key("tenants")}`);
  if (platforms.length > 1) throw new Error(`several platform stacks list tenants (${platforms.map((f) => f.stack).join(", ")}): choose one with --platform <stack>`);
  return listedTenants(platforms[0]).map((entry) => findTarget(projectDir, entry.name));
}
