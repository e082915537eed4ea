/**
 * Tenant references that can never work, refused before anything is declared (docs/tenants.md):
 * - a stack name Pulumi cannot resolve (`platform`, `tenants[i].stack`): `<org>/<project>/<stack>` with Pulumi's own
 *   naming rules, so the StackReference would fail at `up` whatever the backend holds;
 * - a stack that names itself: a platform listing itself as a tenant, a tenant whose platform is itself;
 * - two tenants read from the same stack: a stack is one tenant (its `dps-x509:tenant`), so the other tenant's CSRs
 *   could never arrive;
 * - a tenant given both `stack` and `csrs`: the CSRs in config are used and the stack is never read;
 * - a tenant's names that become one name under its prefix (`devices` and `customer-a-devices` are both
 *   `customer-a-devices` on the DPS).
 */
import type { Problem } from "./problems";
import type { TenantReservation } from "./schema";

/** The running stack, as Pulumi names it; `organization` is unknown offline. */
export interface StackIdentity {
  readonly organization?: string;
  readonly project: string;
  readonly stack: string;
}

/**
 * Pulumi's naming rules: project and stack names 1–100 letters, digits, `_ . -` (sdk/go/common/tokens); an owner
 * (organization or user) letters, digits, `-` and `_`, starting and ending with a letter or digit, at most 40 (the
 * Pulumi Service's rule, which also asks for 3 at least: not enforced here, a user name may be shorter; local and
 * object-storage backends use the literal `organization`).
 */
const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,38}[A-Za-z0-9])?$/;
const PROJECT_OR_STACK = /^[A-Za-z0-9_.-]{1,100}$/;

interface StackName {
  owner: string;
  project: string;
  stack: string;
}

function splitStackName(value: string): StackName | undefined {
  const parts = value.split("/");
  return parts.length === 3 ? { owner: parts[0], project: parts[1], stack: parts[2] } : undefined;
}

/** What is wrong with a fully qualified stack name, if anything. */
export function stackNameProblem(value: string): string | undefined {
  const name = splitStackName(value);
  if (!name) return "must be <org>/<project>/<stack>, e.g. my-org/dps-x509/platform (on a local or object-storage backend the org is the word organization)";
  if (!OWNER.test(name.owner)) return `has the org ${JSON.stringify(name.owner)}, which Pulumi cannot name: up to 40 letters, digits, - and _, starting and ending with a letter or digit (on a local or object-storage backend: organization)`;
  if (!PROJECT_OR_STACK.test(name.project)) return `has the project ${JSON.stringify(name.project)}, which Pulumi cannot name: 1–100 letters, digits, _ . and -`;
  if (!PROJECT_OR_STACK.test(name.stack)) return `has the stack ${JSON.stringify(name.stack)}, which Pulumi cannot name: 1–100 letters, digits, _ . and -`;
  return undefined;
}

/** Whether a stack name is the running stack (by org, when known, project and stack). */
function isSelf(value: string, self: StackIdentity | undefined): boolean {
  const name = splitStackName(value);
  if (!name || !self) return false;
  const sameOwner = self.organization === undefined || name.owner.toLowerCase() === self.organization.toLowerCase();
  return sameOwner && name.project === self.project && name.stack === self.stack;
}

function selfName(self: StackIdentity): string {
  return `${self.organization ?? "<org>"}/${self.project}/${self.stack}`;
}

/** A platform's `tenants` list. */
export function checkPlatformTenantReferences(tenants: ReadonlyArray<TenantReservation>, self: StackIdentity | undefined): Problem[] {
  const problems: Problem[] = [];
  const firstByStack = new Map<string, number>();
  tenants.forEach((tenant, i) => {
    if (tenant.stack === undefined) return;
    const path = `tenants[${i}].stack`;
    if (tenant.csrs !== undefined) {
      problems.push({ path, value: tenant.stack, message: `is never read: tenants[${i}].csrs gives tenant ${tenant.name}'s CSRs in config, and those are used; keep one of stack or csrs` });
    }
    const wrong = stackNameProblem(tenant.stack);
    if (wrong) {
      problems.push({ path, value: tenant.stack, message: wrong });
      return;
    }
    if (isSelf(tenant.stack, self)) {
      problems.push({ path, value: tenant.stack, message: `is this platform stack itself (${selfName(self!)}): name tenant ${tenant.name}'s own stack, the one whose dps-x509:tenant is ${tenant.name}` });
      return;
    }
    const key = tenant.stack.toLowerCase();
    const first = firstByStack.get(key);
    if (first === undefined) firstByStack.set(key, i);
    else {
      problems.push({
        path,
        value: tenant.stack,
        message: `is already tenants[${first}].stack (tenant ${tenants[first].name}): a stack is one tenant (its dps-x509:tenant), so tenant ${tenant.name} would never get its CSRs signed; name tenant ${tenant.name}'s own stack`,
      });
    }
  });
  return problems;
}

/** A tenant stack's `platform`. */
export function checkPlatformReference(platform: string, self: StackIdentity | undefined): Problem[] {
  // The schema has refused a value without three parts; here Pulumi's naming rules and the stack itself.
  if (!splitStackName(platform)) return [];
  const wrong = stackNameProblem(platform);
  if (wrong) return [{ path: "platform", value: platform, message: wrong }];
  if (isSelf(platform, self)) {
    return [{ path: "platform", value: platform, message: `is this tenant stack itself (${selfName(self!)}): name the platform stack, the one that owns the DPS and lists this tenant under dps-x509:tenants` }];
  }
  return [];
}

/** A tenant's names that its prefix makes one: each would be declared twice on the shared DPS. */
export function checkPrefixedNames(names: ReadonlyArray<{ path: string; value: string }>, prefixed: (value: string) => string, what: string): Problem[] {
  const problems: Problem[] = [];
  const first = new Map<string, { path: string; value: string }>();
  for (const name of names) {
    const key = prefixed(name.value).toLowerCase();
    const taken = first.get(key);
    if (!taken) first.set(key, name);
    // The same name written twice is a plain duplicate, reported by the name checks.
    else if (taken.value.toLowerCase() !== name.value.toLowerCase()) {
      problems.push({ path: name.path, value: name.value, message: `becomes ${prefixed(name.value)} with the tenant's prefix, the same ${what} as ${taken.path} (${JSON.stringify(taken.value)}); each must be unique: rename one` });
    }
  }
  return problems;
}

/** `<tenant>-<name>` unless the name already starts so: two tenants' names cannot collide. */
export function tenantPrefixed(tenant: string, value: string): string {
  return value.toLowerCase().startsWith(`${tenant}-`) ? value : `${tenant}-${value}`;
}
