/** Prints a plan diff for a pull request's reviewer: what is added, removed, replaced and updated, field by field. */
import { builtInRoleName } from "./builtInRoles";
import { hasChanges, type FieldChange, type PlanDiff, type ResourceChange } from "./diff";
import { EMPTY_TEXT, emptyKind, isEmptyValue, showValue, waitingForLines } from "./renderValue";

const MAX_VALUE_LENGTH = 160;

/** One value (renderValue.ts: the same rules as the tree, strings quoted). */
function show(value: unknown): string {
  return showValue(value, MAX_VALUE_LENGTH, true);
}

/** Two long strings from a little before where they first differ, so that the change is what shows. */
function showPair(a: unknown, b: unknown): [string, string] {
  if (typeof a !== "string" || typeof b !== "string" || a.startsWith("-----BEGIN") || Math.max(a.length, b.length) <= MAX_VALUE_LENGTH) return [show(a), show(b)];
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const start = Math.max(0, i - 40);
  const window = (text: string) => `${start ? "…" : ""}${text.slice(start, start + MAX_VALUE_LENGTH)}${start + MAX_VALUE_LENGTH < text.length ? "…" : ""}`;
  return [JSON.stringify(window(a)), JSON.stringify(window(b))];
}

/** A role definition id's built-in role name, after the value. */
function roleNote(change: FieldChange, value: unknown): string {
  const name = change.field.endsWith("roleDefinitionId") ? builtInRoleName(value) : undefined;
  return name ? ` (${name})` : "";
}

function fieldLine(change: FieldChange): string {
  if (!("old" in change)) return `+ ${change.field}: ${show(change.new)}${roleNote(change, change.new)}`;
  if (!("new" in change)) return `- ${change.field}: ${show(change.old)}${roleNote(change, change.old)}`;
  if (change.secretChanged) return `~ ${change.field}: ${show(change.old)} → ${show(change.new)}  (a secret changed, or was encrypted again: ${change.configKey})`;
  if (isEmptyValue(change.old) && isEmptyValue(change.new)) return `~ ${change.field}: ${EMPTY_TEXT} → ${EMPTY_TEXT}  (${emptyKind(change.old)} → ${emptyKind(change.new)})`;
  const [old, now] = showPair(change.old, change.new);
  return `~ ${change.field}: ${old}${roleNote(change, change.old)} → ${now}${roleNote(change, change.new)}`;
}

/** A stack output's change; `waitingFor` as whole lists, one item a line, as the tree prints it. */
function outputLines(change: FieldChange): string[] {
  if (change.field !== "waitingFor") return [`  ${fieldLine(change)}`];
  return [
    ...("old" in change ? waitingForLines(change.old, "  - ", "waitingFor (before)") : []),
    ...("new" in change ? waitingForLines(change.new, "  + ", "waitingFor (now)") : []),
  ];
}

/** For a resource matched by alias: what it was. */
function wasLine(change: ResourceChange): string {
  return change.aliasOf ? `, was ${change.aliasOf.name}  (${change.aliasOf.type}), matched by alias` : "";
}

export function diffJson(diff: PlanDiff): string {
  return JSON.stringify(diff, null, 2);
}

export function diffText(diff: PlanDiff): string {
  const lines: string[] = [`Changes to stack "${diff.stack}" against ${diff.ref}:`];
  if (!hasChanges(diff)) {
    lines.push("", "no change: the same resources with the same inputs and outputs.");
    return lines.join("\n");
  }
  const counts = [
    `${diff.added.length} to add`,
    `${diff.removed.length} to remove`,
    `${diff.replaced.length} to replace`,
    `${diff.updated.length} to update`,
  ];
  if (diff.affected.length) counts.push(`${diff.affected.length} affected by a replacement`);
  if (diff.hazards.length) counts.push(`${diff.hazards.length} HAZARD${diff.hazards.length === 1 ? "" : "S"}: the same Azure object removed and added`);
  lines.push(counts.join(", "));
  const section = (title: string, items: string[]) => {
    if (items.length) lines.push("", title, ...items);
  };
  section(
    "Hazards (a removal and an addition of the same Azure object):",
    diff.hazards.flatMap((h) => [`  ! ${h.removed.name} (${h.removed.type}) → ${h.added.name} (${h.added.type}): both are ${h.object}`, `      ${h.upWould}.`, `      Avoid it: ${h.avoid}.`]),
  );
  section(
    "Matched by alias (the same resource under a new type, name or parent: not added, not removed):",
    (diff.aliased ?? []).map((r) => `  = ${r.name}  (${r.type}), was ${r.was.name}  (${r.was.type})`),
  );
  section("Added:", diff.added.map((r) => `  + ${r.name}  (${r.type})`));
  section("Removed:", diff.removed.map((r) => `  - ${r.name}  (${r.type})`));
  section(
    "Replaced (created anew, then the old one deleted):",
    diff.replaced.flatMap((r) => [`  ± ${r.name}  (${r.type})${wasLine(r)}, because of: ${r.replaces!.join(", ")}`, ...r.fields.map((f) => `      ${fieldLine(f)}`)]),
  );
  section(
    "Updated in place:",
    diff.updated.flatMap((r) => [
      `  ~ ${r.name}  (${r.type})${wasLine(r)}`,
      ...r.fields.map((f) => `      ${fieldLine(f)}`),
      ...(r.refusedByAzure?.length ? [`      ! Azure refuses to change ${r.refusedByAzure.join(", ")} of an existing resource: \`pulumi up\` will fail here`] : []),
    ]),
  );
  section("Affected (inputs from a replaced or new resource, known after up):", diff.affected.map((r) => `  ~ ${r.name}  (${r.type}), from ${r.because.join(", ")}`));
  section("Stack outputs:", diff.outputs.flatMap(outputLines));
  const s = diff.secretConfig;
  section("Secret config values ([secret]: compared by ciphertext, never shown):", [
    ...s.added.map((key) => `  + ${key}: a secret was added`),
    ...s.removed.map((key) => `  - ${key}: a secret was removed`),
    ...s.changed.map((key) => `  ~ ${key}: a secret changed (or was encrypted again)`),
  ]);
  lines.push("", "Notes:", ...diff.notes.map((note) => `  - ${note}`));
  return lines.join("\n");
}
