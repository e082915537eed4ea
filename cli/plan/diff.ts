/**
 * What a change does to a stack: two plans (the same stack file at a git ref, and now) compared resource by resource.
 * Resources are matched by URN (type, parent chain and name, as Pulumi matches them); a plan made by an older
 * version of this tool without URNs is matched by type and name. Secrets stay "[secret]": a field that is secret on
 * both sides is not compared (the plan cannot see the value), and the stack files' `secure:` values are compared by
 * ciphertext instead (secretConfig.ts).
 */
import { SECRET_MARKER, UNKNOWN_MARKER } from "./record";
import { replacementOf } from "./replacement";
import type { SecretConfigChanges } from "./secretConfig";
import { attributeSecretChanges } from "./secretAttribution";
import { sameObjectHazards, type Hazard } from "./hazards";
import { inputsAsNewType } from "./aliasedInputs";
import type { PlanJson } from "./planJson";

export type { PlanJson } from "./planJson";

export interface FieldChange {
  /** Dotted path into the inputs (`properties.iotHubs[0].connectionString`). */
  field: string;
  /** A secret on both sides whose config value changed: the values stay "[secret]"; this says it changed. */
  secretChanged?: true;
  /** For `secretChanged`: the config key it comes from. */
  configKey?: string;
  /** Absent when the field is new. */
  old?: unknown;
  /** Absent when the field is gone. */
  new?: unknown;
}

export interface ResourceChange {
  type: string;
  name: string;
  urn?: string;
  fields: FieldChange[];
  /** For a replacement: the inputs that force it. */
  replaces?: string[];
  /** Inputs Azure refuses to change in place (the `up` fails unless the resource is replaced by hand). */
  refusedByAzure?: string[];
  decidedBy?: string;
  /** Matched to the old resource by one of its `aliases`: the old resource's type and name. */
  aliasOf?: { type: string; name: string };
}

export interface PlanDiff {
  ref: string;
  stack: string;
  added: Array<{ type: string; name: string; urn?: string }>;
  removed: Array<{ type: string; name: string; urn?: string }>;
  replaced: ResourceChange[];
  updated: ResourceChange[];
  /** A removal and an addition that address the same Azure object (hazards.ts). */
  hazards: Hazard[];
  /** Resources matched to an old one by an alias (type, name or parent changed): not added, not removed. */
  aliased: Array<{ type: string; name: string; urn?: string; was: { type: string; name: string; urn?: string } }>;
  /** Resources whose inputs come from a replaced resource: they change too, with values known only after up. */
  affected: Array<{ type: string; name: string; because: string[] }>;
  outputs: FieldChange[];
  secretConfig: SecretConfigChanges;
  /** What this comparison cannot see, said once in the output. */
  notes: string[];
}

type Resource = PlanJson["resources"][number];

/** Leaves of a JSON value by path; arrays by index, so one changed hub shows as one field. */
function flatten(value: unknown, path: string, out: Map<string, unknown>): Map<string, unknown> {
  if (Array.isArray(value) && value.length) value.forEach((item, i) => flatten(item, `${path}[${i}]`, out));
  else if (value !== null && typeof value === "object" && Object.keys(value).length) {
    for (const [key, inner] of Object.entries(value)) flatten(inner, path ? `${path}.${key}` : key, out);
  } else out.set(path, value);
  return out;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Field changes between two values; both-secret and both-unknown leaves are not comparable offline. */
export function fieldChanges(before: unknown, after: unknown): FieldChange[] {
  const old = flatten(before ?? {}, "", new Map());
  const now = flatten(after ?? {}, "", new Map());
  const changes: FieldChange[] = [];
  for (const field of [...new Set([...old.keys(), ...now.keys()])].sort()) {
    const inOld = old.has(field);
    const inNew = now.has(field);
    const a = old.get(field);
    const b = now.get(field);
    if (inOld && inNew && same(a, b)) continue;
    changes.push({ field, ...(inOld ? { old: a } : {}), ...(inNew ? { new: b } : {}) });
  }
  return changes;
}

/** Stack outputs' changes; `waitingFor` compared as a whole list, so that it prints as the tree prints it. */
function outputChanges(before: Record<string, unknown>, after: Record<string, unknown>): FieldChange[] {
  const { waitingFor: oldWaiting, ...oldRest } = before;
  const { waitingFor: newWaiting, ...newRest } = after;
  const changes = fieldChanges(oldRest, newRest);
  if (!same(oldWaiting, newWaiting)) {
    changes.push({ field: "waitingFor", ...("waitingFor" in before ? { old: oldWaiting } : {}), ...("waitingFor" in after ? { new: newWaiting } : {}) });
  }
  return changes;
}

function topLevelKey(field: string): string {
  return field.split(/[.[]/)[0];
}

/** A URN without its stack and project (`urn:pulumi:<stack>::<project>::`): a stack file given as `x.yaml` may be named differently by two versions. */
function keyOf(resource: Resource, byUrn: boolean): string {
  return byUrn && resource.urn ? urnKey(resource.urn) : `${resource.type}::${resource.name}`;
}

function urnKey(urn: string): string {
  return urn.split("::").slice(2).join("::");
}

/** An alias URN as keyOf keys the other plan: by URN, or by type and name against a plan made before URNs. */
function aliasKey(aliasUrn: string, byUrn: boolean): string {
  if (byUrn) return urnKey(aliasUrn);
  const [, , qualifiedType, ...name] = aliasUrn.split("::");
  return `${qualifiedType.split("$").pop()}::${name.join("::")}`;
}

/**
 * The old key each new resource takes over through its `aliases` (Pulumi's rule: a resource whose alias names an old
 * URN is that resource), where the old URN is not itself still declared.
 */
function aliasMatches(before: Map<string, Resource>, after: Map<string, Resource>, byUrn: boolean): Map<string, string> {
  const matches = new Map<string, string>();
  for (const [key, resource] of after) {
    if (before.has(key)) continue;
    const old = (resource.aliases ?? []).map((alias) => aliasKey(alias, byUrn)).find((alias) => before.has(alias) && !after.has(alias));
    if (old) matches.set(key, old);
  }
  return matches;
}

function brief(resource: Resource) {
  return { type: resource.type, name: resource.name, ...(resource.urn ? { urn: resource.urn } : {}) };
}

export async function diffPlans(
  before: PlanJson,
  after: PlanJson,
  context: { ref: string; stack: string; secretConfig: SecretConfigChanges; stackFileText?: string },
): Promise<PlanDiff> {
  const byUrn = [...before.resources, ...after.resources].every((resource) => typeof resource.urn === "string");
  const old = new Map(before.resources.map((resource) => [keyOf(resource, byUrn), resource]));
  const now = new Map(after.resources.map((resource) => [keyOf(resource, byUrn), resource]));
  // A resource matched by an alias is the old one under its new key: compared as one, neither added nor removed.
  const aliased = aliasMatches(old, now, byUrn);
  for (const [newKey, oldKey] of aliased) {
    old.set(newKey, old.get(oldKey)!);
    old.delete(oldKey);
  }
  const diff: PlanDiff = {
    ref: context.ref,
    stack: context.stack,
    added: [],
    removed: [],
    replaced: [],
    updated: [],
    affected: [],
    hazards: [],
    aliased: [...aliased.keys()].map((key) => ({ ...brief(now.get(key)!), was: brief(old.get(key)!) })),
    outputs: outputChanges(before.outputs ?? {}, after.outputs ?? {}),
    secretConfig: context.secretConfig,
    notes: [
      `fields shown as ${SECRET_MARKER} on both sides are not compared; secret config values are compared by ciphertext`,
      `values shown as ${UNKNOWN_MARKER} are known only after \`pulumi up\`: resources that read a replaced resource's outputs are listed as affected`,
      "replacement is decided from inputs (the providers' rules), not from state: drift and date-based renewals show only in `pulumi preview`",
    ],
  };
  // Plans from before URNs did not record read resources (a tenant's StackReference): not an addition.
  const legacy = !byUrn && !before.resources.some((resource) => resource.read);
  for (const [key, resource] of now) if (!old.has(key) && !(legacy && resource.read)) diff.added.push(brief(resource));
  for (const [key, resource] of old) if (!now.has(key)) diff.removed.push(brief(resource));
  diff.hazards = sameObjectHazards(
    [...old].filter(([key]) => !now.has(key)).map(([, resource]) => resource),
    diff.added.map((added) => now.get(keyOf(added as Resource, byUrn))!),
  );
  for (const [key, resource] of now) {
    const previous = old.get(key);
    if (!previous) continue;
    const previousInputs = inputsAsNewType(previous.type, previous.inputs ?? {}, resource.type, resource.inputs ?? {});
    const fields = fieldChanges(previousInputs, resource.inputs);
    if (!fields.length) continue;
    const changedKeys = [...new Set(fields.map((change) => topLevelKey(change.field)))];
    const verdict = await replacementOf(resource.type, changedKeys, previousInputs, resource.inputs ?? {});
    const change: ResourceChange = {
      ...brief(resource),
      fields,
      ...(verdict.refusedByAzure.length ? { refusedByAzure: verdict.refusedByAzure } : {}),
      decidedBy: verdict.decidedBy,
      ...(aliased.has(key) ? { aliasOf: { type: previous.type, name: previous.name } } : {}),
    };
    if (verdict.replaces.length) diff.replaced.push({ ...change, replaces: verdict.replaces });
    else diff.updated.push(change);
  }
  // A changed secure config value, on the resource it feeds (both sides print "[secret]").
  for (const attribution of attributeSecretChanges(context.secretConfig.changed, context.stackFileText, after.resources)) {
    const key = keyOf({ type: attribution.type, name: attribution.name, urn: attribution.urn }, byUrn);
    if (!old.has(key)) continue;
    const field: FieldChange = { field: attribution.field, old: SECRET_MARKER, new: SECRET_MARKER, secretChanged: true, configKey: attribution.configKey };
    const listed = [...diff.replaced, ...diff.updated].find((r) => keyOf(r, byUrn) === key);
    if (listed) listed.fields.push(field);
    else diff.updated.push({ type: attribution.type, name: attribution.name, ...(attribution.urn ? { urn: attribution.urn } : {}), fields: [field], decidedBy: "secret config" });
  }
  // A replaced (or added) resource's outputs are new: whatever depends on it is affected even where its inputs
  // read "(known after up)" on both sides.
  const renewed = new Set([...diff.replaced.map((r) => r.name), ...diff.added.map((r) => r.name)]);
  const listed = new Set([...diff.replaced, ...diff.updated, ...diff.added].map((r) => r.name));
  for (const resource of after.resources) {
    if (listed.has(resource.name)) continue;
    const because = (resource.dependsOn ?? []).filter((name) => renewed.has(name) && old.has(keyOf(resource, byUrn)));
    if (because.length && JSON.stringify(resource.inputs ?? {}).includes(UNKNOWN_MARKER)) diff.affected.push({ type: resource.type, name: resource.name, because });
  }
  return diff;
}

export function hasChanges(diff: PlanDiff): boolean {
  const s = diff.secretConfig;
  return diff.added.length + diff.removed.length + diff.replaced.length + diff.updated.length + diff.aliased.length + diff.outputs.length + s.added.length + s.removed.length + s.changed.length > 0;
}
