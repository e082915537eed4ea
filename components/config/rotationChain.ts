/**
 * The CA chain as a rotation will declare it, checked with the same rules as the current chain (caRules.ts, the CA
 * provider's checks): each rotation's new CA is a certificate of its own, with its own lifetime, issuer and, when
 * brought, its own PEM and key. The CA provider refuses a new intermediate that would outlive the root that signs
 * it (the new root when the root rotates, else the current one), so the plan refuses it too, at the rotation's keys.
 */
import { rotatedEntry as rotated } from "../rotation/apply";
import { checkCaChain } from "./caRules";
import type { Problem } from "./problems";
import type { CaEntryAt, StackConfig } from "./schema";

export function checkRotationChain(config: Pick<StackConfig, "ca">, now: Date): Problem[] {
  const root: CaEntryAt = { path: "ca.root", entry: config.ca.root };
  const rootRotates = root.entry.rotation !== undefined;
  const newIntermediates = config.ca.intermediates.flatMap((entry, i) => (entry.rotation ? [{ path: `ca.intermediates[${i}].rotation`, entry: rotated(entry) }] : []));
  if (!rootRotates && !newIntermediates.length) return [];
  const issuer = rootRotates ? { path: "ca.root.rotation", entry: rotated(root.entry) } : root;
  const problems = checkCaChain({ root: issuer, intermediates: newIntermediates, now });
  const rotationPaths = [...(rootRotates ? ["ca.root.rotation"] : []), ...newIntermediates.map(({ path }) => path)];
  const out: Problem[] = [];
  for (const problem of problems) {
    // A brought new intermediate's issuer problem is the new root's certificate (checkCaChain names ca.root).
    const path = rootRotates && problem.path === "ca.root.certificatePem" ? "ca.root.rotation.certificatePem" : problem.path;
    const at = rotationPaths.find((prefix) => path.startsWith(`${prefix}.`));
    // The current chain is checked on its own (checks.ts); only the rotations' new CAs are reported here.
    if (!at) continue;
    // A root generated earlier already exists when a rotation brings a new intermediate: its certificate is in
    // state, where the CA provider checks the chain at preview; offline it is not known.
    if (!rootRotates && /^cannot chain to ca\.root/.test(problem.message)) continue;
    if (path.endsWith(".renewBeforeDays")) {
      // renewBeforeDays is the entry's (a rotation has none); dayTwoChecks.ts reports it when the rotation keeps
      // the entry's validityDays.
      const entryPath = at.slice(0, -".rotation".length);
      const entry = entryPath === "ca.root" ? config.ca.root : config.ca.intermediates[Number(/\[(\d+)\]/.exec(entryPath)![1])];
      if (entry.rotation!.validityDays === undefined) continue;
      out.push({ ...problem, path: `${entryPath}.renewBeforeDays`, message: `for the new CA (${at}): ${problem.message}` });
      continue;
    }
    out.push({ ...problem, path });
  }
  return out;
}
