/**
 * How the plan's tree and its `--against` diff print a value, so that both read alike: an empty value ("", [], {},
 * null, or none at all) is always EMPTY_TEXT, a PEM block shows its first line (a certificate with its subject's CN and
 * Azure's thumbprint), a long value is cut, and a list of what the stack waits for (`waitingFor`) is one item a line.
 */
import { certificateLabel, certificateOf } from "../../policy/subjects";

/** The one rendering of an empty value. */
export const EMPTY_TEXT = "(empty)";

export function isEmptyValue(value: unknown): boolean {
  if (value === undefined || value === null || value === "") return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === "object" && Object.keys(value as object).length === 0;
}

/** Which empty it is, for the rare diff between two empties ("" → unset). */
export function emptyKind(value: unknown): string {
  if (value === undefined) return "unset";
  return value === null ? "null" : JSON.stringify(value);
}

/**
 * One value on one line: empties as EMPTY_TEXT, PEM blocks by their first line, long values cut. `quoteStrings`: the
 * diff quotes strings (so that a trailing space shows), the tree does not.
 */
export function showValue(value: unknown, maxLength: number, quoteStrings: boolean): string {
  if (isEmptyValue(value)) return EMPTY_TEXT;
  if (typeof value === "string" && value.startsWith("-----BEGIN")) return `${value.split("\n")[0]}…${certificateSummary(value)}`;
  const text = typeof value === "string" && !quoteStrings ? value : JSON.stringify(value);
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
}

/** `waitingFor` (what the stack's next step waits for), in the tree and in the diff: each item in full on a line. */
export function waitingForLines(value: unknown, indent: string, label = "waitingFor"): string[] {
  const items = Array.isArray(value) ? value : isEmptyValue(value) ? [] : [value];
  if (!items.length) return [`${indent}${label}: ${EMPTY_TEXT}`];
  return [`${indent}${label}:`, ...items.map((item) => `${indent}  - ${String(item)}`)];
}

/** ` (CN=…, thumbprint …)` for a certificate PEM, the thumbprint as the portal and `az` show it; "" for other PEMs. */
function certificateSummary(pem: string): string {
  const cert = certificateOf(pem);
  return cert ? ` (${certificateLabel(cert)})` : "";
}
