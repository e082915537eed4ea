/** Preflight's report: one line per finding (and its fix), or JSON with the same findings. */
import type { Finding } from "./types";

const LABEL = { ok: "OK  ", problem: "FAIL", warning: "WARN" } as const;

export function isReady(findings: readonly Finding[]): boolean {
  return !findings.some((finding) => finding.status === "problem");
}

export function renderFindings(label: string, findings: readonly Finding[], command = "pulumi up"): string {
  const lines = [`Preflight for ${label}:`, ""];
  for (const finding of findings) {
    lines.push(`${LABEL[finding.status]}  ${finding.check}: ${finding.detail}`);
    if (finding.fix) lines.push(`      fix: ${finding.fix}`);
  }
  const problems = findings.filter((finding) => finding.status === "problem").length;
  const warnings = findings.filter((finding) => finding.status === "warning").length;
  lines.push("", problems ? `${problems} problem(s) to fix before \`${command}\`${warnings ? `, ${warnings} warning(s)` : ""}.` : `Ready for \`${command}\`${warnings ? ` (${warnings} warning(s))` : ""}.`);
  return `${lines.join("\n")}\n`;
}

export function findingsJson(stack: string, subscriptionId: string | undefined, findings: readonly Finding[]): string {
  return `${JSON.stringify({ stack, subscriptionId, ready: isReady(findings), findings }, null, 2)}\n`;
}
