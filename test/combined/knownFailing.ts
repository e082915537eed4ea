/**
 * Defects known when the combined tests were written, each being fixed on another branch. A stack or a pair that
 * meets one must fail, and only with the faults listed here: when the fix is merged, the test fails with "fixed:
 * remove it from test/combined/knownFailing.ts", and removing the entry makes the test demand a green plan.
 * Do not add an entry to make a test pass; an entry names the branch and the issue point that fix it.
 */
export interface KnownDefect {
  /** What is wrong, and where it is being fixed. */
  readonly reason: string;
  /** Every fault the defect causes matches this: a config problem line, `<policy>: <message>`, or `expect <fragment>: <what is missing>`. */
  readonly faults: RegExp;
}

const SIGNING_GROUP_POLICY = (group: string): KnownDefect => ({
  reason: "a signing-certificate group fails the mandatory policy group-ca-verified-by-stack (#24.1, branch policy)",
  faults: new RegExp(`^group-ca-verified-by-stack: enrollment group ${group} references CA `),
});
const ADOPTED_HUB_POLICY = (hub: string): KnownDefect => ({
  reason: "an adopted hub as the tutorial made it (device SAS on, TLS 1.0) fails the mandatory hub-x509-only, which it cannot fix without being recreated (#24.1, branch policy)",
  faults: new RegExp(`^hub-x509-only: IoT hub dps-x509-provisioning-hub-${hub}: `),
});
const GROUP_ON_ROOT_POLICY: KnownDefect = {
  reason: "a group on a root CA fails the mandatory group-attests-through-intermediate; Azure accepts it (#24.1, branch policy)",
  faults: /^group-attests-through-intermediate: enrollment group root-devices attests through combo-root-ca/,
};
const SHARD_DROPS_NETWORK: KnownDefect = {
  reason: "a shard's DPS is declared without its publicNetworkAccess, ipFilterRules and privateEndpoint (#24.2, branch shards)",
  faults: /^expect private-shard: shard combo-dps-shard-1 is declared with publicNetworkAccess undefined/,
};
const BROUGHT_VAULT_ROOT_ROTATION: KnownDefect = {
  reason: "a brought root whose key is in Key Vault cannot rotate an intermediate: dayTwoChecks reads only privateKeyPem and asks for a brought intermediate (#24 intro, branch network)",
  faults: /^dps-x509:ca\.intermediates\[0\]\.rotation\.certificatePem = \(missing\): is needed: the root was brought without its private key/,
};

/** Fragment names (all of them in a combination) → the defect that combination meets. */
export const KNOWN_FAILING_FRAGMENTS: ReadonlyArray<{ fragments: readonly string[]; defect: KnownDefect }> = [
  { fragments: ["brought-root-in-key-vault", "rotation"], defect: BROUGHT_VAULT_ROOT_ROTATION },
];

/** Stack files (path from the repository's root) → the defects they meet. */
export const KNOWN_FAILING_STACK_FILES: Readonly<Record<string, readonly KnownDefect[]>> = {
};

/**
 * Whether a run's faults are exactly what the known defects explain: none when none is known; otherwise each
 * fault matches a defect, and each defect still shows. Returns what is wrong, or nothing.
 */
export function unexplainedFaults(faults: readonly string[], known: readonly KnownDefect[], expected: readonly RegExp[] = []): string | undefined {
  const patterns = [...expected, ...known.map((defect) => defect.faults)];
  const unexplained = faults.filter((fault) => !patterns.some((pattern) => pattern.test(fault)));
  if (unexplained.length) return `unexpected faults:\n  ${unexplained.join("\n  ")}`;
  const missing = expected.filter((pattern) => !faults.some((fault) => pattern.test(fault)));
  if (missing.length) return `the expected refusal did not come: ${missing.join(", ")}`;
  const fixed = known.filter((defect) => !faults.some((fault) => defect.faults.test(fault)));
  if (fixed.length) return `fixed: remove it from test/combined/knownFailing.ts: ${fixed.map((defect) => defect.reason).join("; ")}`;
  return undefined;
}
