/**
 * Defects known and being fixed on another branch (none today: the five found when the combined tests were written
 * were fixed by issue #24). A stack or a pair that meets one must fail, and only with the faults listed here: when
 * the fix is merged, the test fails with "fixed: remove it from test/combined/knownFailing.ts", and removing the
 * entry makes the test demand a green plan.
 * Do not add an entry to make a test pass; an entry names the branch and the issue point that fix it.
 */
export interface KnownDefect {
  /** What is wrong, and where it is being fixed. */
  readonly reason: string;
  /** Every fault the defect causes matches this: a config problem line, `<policy>: <message>`, or `expect <fragment>: <what is missing>`. */
  readonly faults: RegExp;
}

/** Fragment names (all of them in a combination) → the defect that combination meets. */
export const KNOWN_FAILING_FRAGMENTS: ReadonlyArray<{ fragments: readonly string[]; defect: KnownDefect }> = [];

/** Stack files (path from the repository's root) → the defects they meet. */
export const KNOWN_FAILING_STACK_FILES: Readonly<Record<string, readonly KnownDefect[]>> = {};

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
