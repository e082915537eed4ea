/** The doctor's report: a table of every check, then each failure with its fix. Pure. */
import type { CheckResult } from "./checks";

const LABEL = { pass: "PASS", fail: "FAIL", skip: "SKIP" } as const;

export function formatReport(results: readonly CheckResult[], target: string): string {
  const rows = [["STATUS", "CHECK", "FOUND"], ...results.map((r) => [LABEL[r.status], r.check, r.detail])];
  const widths = [0, 1].map((c) => Math.max(...rows.map((r) => r[c].length)));
  const table = rows.map((r) => `${r[0].padEnd(widths[0])}  ${r[1].padEnd(widths[1])}  ${r[2]}`).join("\n");
  const failures = results.filter((r) => r.status === "fail");
  const skipped = results.filter((r) => r.status === "skip").length;
  const summary = failures.length
    ? `${failures.length} of ${results.length} checks failed${skipped ? ` (${skipped} skipped)` : ""}.`
    : `All ${results.length - skipped} checks passed${skipped ? ` (${skipped} skipped)` : ""}.`;
  const fixes = failures.map((r) => `  ✗ ${r.check}: ${r.detail}\n    fix: ${r.fix ?? "see the row above"}`).join("\n");
  return `Doctor for ${target}\n\n${table}\n\n${summary}\n${fixes ? `\nTo fix:\n${fixes}\n` : ""}`;
}
