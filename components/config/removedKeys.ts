/**
 * Keys a stack may still carry from an older version, or from the other role's stack file, with what replaced them.
 * An unknown key found here is told what to do instead of only "is not a known key" (the docs promise it:
 * docs/key-vault.md "Tenants", docs/dps-auth.md, docs/configuration.md).
 */
import type { Problem } from "./problems";
import { NO_CA_REFERENCE } from "../requests/individualEnrollmentRequest";

export type StackRole = "platform" | "tenant";

interface RemovedKey {
  /** The key path below `dps-x509:`, as problems name it; `[]` stands for any list index. */
  readonly path: string;
  /** The stacks on which it is refused with this message. */
  readonly roles: ReadonlyArray<StackRole>;
  /** What replaced it, and what to do. */
  readonly instead: string;
}

/** Removed (or other-role) keys → what replaced them. */
export const REMOVED_KEYS: ReadonlyArray<RemovedKey> = [
  {
    path: "tenantSigning",
    roles: ["tenant"],
    instead:
      "was removed: it exported the platform root's private key to every tenant. Remove it; this stack makes its own intermediate key and exports a CSR (output caCsrs), and the platform lists this tenant with its stack (tenants[i].stack) and signs the CSR (docs/key-vault.md, \"Tenants\")",
  },
  {
    path: "dpsAuth",
    roles: ["tenant"],
    instead:
      "is not used on a tenant stack: tenant stacks always use Entra ID and never get the platform's DPS key. Remove it; have the platform's owner assign this stack's identity the Device Provisioning Service Data Contributor role on the DPS (docs/dps-auth.md)",
  },
  {
    path: "dpsDataRoleAssignment",
    roles: ["tenant"],
    instead:
      "is not used on a tenant stack: a tenant assigns no role on the platform's DPS. Remove it; the platform's owner assigns this stack's identity the Device Provisioning Service Data Contributor role (docs/dps-auth.md, \"Assigned by hand\")",
  },
  {
    path: "individualEnrollments[].caName",
    roles: ["platform"],
    instead: `is not allowed on an individual enrollment: ${NO_CA_REFERENCE}`,
  },
];

/** The unknown-key message for a removed key, or undefined when the key was never ours. */
export function removedKeyMessage(path: string, role: StackRole): string | undefined {
  const anyIndex = path.replace(/\[\d+\]/g, "[]");
  return REMOVED_KEYS.find((removed) => removed.path === anyIndex && removed.roles.includes(role))?.instead;
}

/** Replaces "is not a known key" with what replaced the key, where the table knows it. */
export function explainRemovedKeys(problems: Problem[], role: StackRole): Problem[] {
  return problems.map((problem) => {
    if (!problem.message.startsWith("is not a known key")) return problem;
    const instead = removedKeyMessage(problem.path, role);
    return instead ? { ...problem, message: instead } : problem;
  });
}
