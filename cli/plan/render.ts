/** Prints a plan: a tree of resources with their key inputs, or JSON for machines and tests. */
import type { RecordedResource } from "./record";

export interface PlannedResource {
  type: string;
  name: string;
  parent: string | null;
  dependsOn: string[];
  inputs: Record<string, unknown>;
  /** For an enrollment group: the exact JSON body it would PUT to the DPS service API. */
  request?: unknown;
}

export interface Plan {
  stack: string;
  resources: PlannedResource[];
  outputs: Record<string, unknown>;
}

export function planJson(plan: Plan): string {
  return JSON.stringify({ stack: plan.stack, resources: plan.resources, outputs: plan.outputs }, null, 2);
}

/** Longer values are cut in the tree (the JSON has them whole). */
const MAX_VALUE_LENGTH = 240;

/** One input value on one line: PEM blocks by their first line, long values cut. */
function short(value: unknown): string {
  if (typeof value === "string") {
    if (value.startsWith("-----BEGIN")) return `${value.split("\n")[0]}…`;
    return value.length > MAX_VALUE_LENGTH ? `${value.slice(0, MAX_VALUE_LENGTH - 1)}…` : value;
  }
  const text = JSON.stringify(value) ?? "undefined";
  return text.length > MAX_VALUE_LENGTH ? `${text.slice(0, MAX_VALUE_LENGTH - 1)}…` : text;
}

function countByType(resources: RecordedResource[] | PlannedResource[]): string {
  const counts = new Map<string, number>();
  for (const resource of resources) {
    const shortType = resource.type.slice(resource.type.lastIndexOf(":") + 1);
    counts.set(shortType, (counts.get(shortType) ?? 0) + 1);
  }
  return [...counts].map(([type, count]) => `${count} ${type}`).join(", ");
}

export function planTree(plan: Plan): string {
  const lines: string[] = [`Plan for stack "${plan.stack}": ${plan.resources.length} resources (${countByType(plan.resources)})`, ""];
  const children = new Map<string | null, PlannedResource[]>();
  for (const resource of plan.resources) {
    const siblings = children.get(resource.parent) ?? [];
    siblings.push(resource);
    children.set(resource.parent, siblings);
  }
  const walk = (resource: PlannedResource, prefix: string, isLast: boolean, isRoot: boolean) => {
    const branch = isRoot ? "" : isLast ? "└─ " : "├─ ";
    lines.push(`${prefix}${branch}${resource.name}  (${resource.type})`);
    const inner = isRoot ? prefix : prefix + (isLast ? "   " : "│  ");
    const kids = children.get(resource.name) ?? [];
    const detailPrefix = inner + (kids.length ? "│     " : "      ");
    for (const [key, value] of Object.entries(resource.inputs)) {
      if (value === undefined) continue;
      lines.push(`${detailPrefix}${key}: ${short(value)}`);
    }
    if (resource.dependsOn.length) lines.push(`${detailPrefix}dependsOn: ${resource.dependsOn.join(", ")}`);
    if (resource.request !== undefined) {
      lines.push(`${detailPrefix}request (PUT enrollmentGroups/${String((resource.request as { enrollmentGroupId?: string }).enrollmentGroupId)}):`);
      for (const line of JSON.stringify(resource.request, null, 2).split("\n")) lines.push(`${detailPrefix}  ${line}`);
    }
    kids.forEach((kid, i) => walk(kid, inner, i === kids.length - 1, false));
  };
  for (const root of children.get(null) ?? []) walk(root, "", true, true);
  lines.push("", "Outputs:");
  for (const [key, value] of Object.entries(plan.outputs)) {
    // What the next step waits for (tenant CSRs, the platform's signature): each line in full.
    if (key === "waitingFor" && Array.isArray(value)) {
      lines.push(`  ${key}:${value.length ? "" : " (nothing)"}`);
      for (const item of value) lines.push(`    - ${String(item)}`);
      continue;
    }
    lines.push(`  ${key}: ${short(value)}`);
  }
  return lines.join("\n");
}
