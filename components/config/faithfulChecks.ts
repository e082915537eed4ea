/**
 * Checks of what `preview` or `up` would otherwise meet after the plan said yes (issue 20): the two settings of a
 * sovereign cloud, Key Vault key names, the rotations' new CAs, and tenant references that can never work. Run by
 * load.ts for both roles, so the plan and the program refuse the same stacks before anything is declared.
 */
import { intermediateEntries } from "./checks";
import { checkKeyVaultKeyNames, vaultCas } from "./keyVaultKeyNames";
import type { Problem } from "./problems";
import { checkRotationChain } from "./rotationChain";
import type { CaEntryAt, StackConfig, TenantStackConfig } from "./schema";
import { checkSovereignCloud } from "./sovereignCloud";
import { checkPlatformReference, checkPlatformTenantReferences, checkPrefixedNames, tenantPrefixed, type StackIdentity } from "./tenantReferences";

/** What these checks read of the raw config besides the keys (RawStackConfig's fields of the same names). */
export interface StackContext {
  /** `azure-native:environment`. */
  readonly environment?: string;
  /** The running stack. */
  readonly self?: StackIdentity;
  /** When CA lifetimes are judged. */
  readonly now?: Date;
}

/** A platform stack. */
export function platformFaithfulnessProblems(raw: StackContext, config: StackConfig): Problem[] {
  const entries = [{ path: "ca.root", entry: config.ca.root }, ...intermediateEntries(config.ca.intermediates)];
  return [
    ...checkSovereignCloud(raw.environment, config.armEndpoint, config.keyVault),
    ...checkKeyVaultKeyNames(vaultCas(entries)),
    ...checkRotationChain(config, raw.now ?? new Date()),
    ...checkPlatformTenantReferences(config.tenants, raw.self),
  ];
}

/** A tenant stack: its names as declared, with its prefix. */
export function tenantFaithfulnessProblems(raw: StackContext, config: TenantStackConfig, entries: CaEntryAt[]): Problem[] {
  const prefixed = (value: string) => tenantPrefixed(config.tenant, value);
  return [
    ...checkSovereignCloud(raw.environment, config.armEndpoint, config.keyVault),
    ...checkPlatformReference(config.platform, raw.self),
    ...checkPrefixedNames(entries.map(({ path, entry }) => ({ path: `${path}.name`, value: entry.name })), prefixed, "CA name"),
    ...checkPrefixedNames(config.enrollmentGroups.map((group, i) => ({ path: `enrollmentGroups[${i}].enrollmentId`, value: group.enrollmentId })), prefixed, "enrollment id"),
    ...checkKeyVaultKeyNames(vaultCas(entries, prefixed)),
  ];
}

