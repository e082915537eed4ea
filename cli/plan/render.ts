/** Prints a plan: a tree of resources with their key inputs, or JSON for machines and tests. */
import { serviceApiVersionFor } from "../../components/requests/deviceRegistryNames";
import type { RecordedResource } from "./record";
import { dayTwoLines, type DayTwoReport } from "./dayTwo";
import { showValue, waitingForLines } from "./renderValue";

export interface PlannedResource {
  type: string;
  name: string;
  parent: string | null;
  /** URNs: the tree is built from them, since names may collide. */
  urn: string;
  parentUrn: string | null;
  /** A resource the program reads (a tenant's platform StackReference), not one it manages. */
  read?: true;
  dependsOn: string[];
  /** The same as URNs (names may collide). */
  dependsOnUrns?: string[];
  /** URNs the resource was known by before (Pulumi `aliases`). */
  aliases?: string[];
  inputs: Record<string, unknown>;
  /** For an enrollment group: the exact JSON body it would PUT to the DPS service API. */
  request?: unknown;
  /** An adopted resource: the ARM id Pulumi imports it from. */
  importId?: string;
  /** What to read beside some inputs, by input key (cli/plan/inputNotes.ts). */
  notes?: Record<string, string>;
  /** A role assignment to the deployer: why its principalType is what it is (cli/plan/principalTypeNote.ts). */
  principalTypeReason?: string;
}

export interface Plan {
  stack: string;
  /** The stack file the plan was made from, as given (`Pulumi.dev.yaml`, `x.yaml`). */
  file: string;
  resources: PlannedResource[];
  outputs: Record<string, unknown>;
  /** Rotation, expiry and adoption (cli/plan/dayTwo.ts); platform stacks. */
  dayTwo?: DayTwoReport;
}

export function planJson(plan: Plan): string {
  return JSON.stringify({ stack: plan.stack, file: plan.file, resources: plan.resources, outputs: plan.outputs, ...(plan.dayTwo ? { dayTwo: plan.dayTwo } : {}) }, null, 2);
}

/** Longer values are cut in the tree (the JSON has them whole). */
const MAX_VALUE_LENGTH = 240;

/** One input value on one line (renderValue.ts: the same rules as the diff). */
function short(value: unknown): string {
  return showValue(value, MAX_VALUE_LENGTH, false);
}

function countByType(resources: RecordedResource[] | PlannedResource[]): string {
  const counts = new Map<string, number>();
  for (const resource of resources) {
    const shortType = resource.type.slice(resource.type.lastIndexOf(":") + 1);
    counts.set(shortType, (counts.get(shortType) ?? 0) + 1);
  }
  return [...counts].map(([type, count]) => `${count} ${type}`).join(", ");
}

/** `stack "dev" (Pulumi.dev.yaml)`, or the file alone when its name is not `Pulumi.<stack>.yaml`. */
export function planLabel(plan: Pick<Plan, "stack" | "file">): string {
  const base = plan.file.split(/[\\/]/).pop() ?? plan.file;
  return base === `Pulumi.${plan.stack}.yaml` ? `stack "${plan.stack}" (${plan.file})` : `${plan.file} (as stack "${plan.stack}")`;
}

export function planTree(plan: Plan): string {
  const lines: string[] = [`Plan for ${planLabel(plan)}: ${plan.resources.length} resources (${countByType(plan.resources)})`, ""];
  // Keyed by URN: two resources may share a name (a CA "x" has an upload "…-x-cert"; a CA "x-cert" is "…-x-cert").
  const children = new Map<string | null, PlannedResource[]>();
  const urns = new Set(plan.resources.map((resource) => resource.urn));
  for (const resource of plan.resources) {
    const parent = resource.parentUrn && urns.has(resource.parentUrn) ? resource.parentUrn : null;
    const siblings = children.get(parent) ?? [];
    siblings.push(resource);
    children.set(parent, siblings);
  }
  const walk = (resource: PlannedResource, prefix: string, isLast: boolean, isRoot: boolean) => {
    const branch = isRoot ? "" : isLast ? "└─ " : "├─ ";
    lines.push(`${prefix}${branch}${resource.name}  (${resource.type}${resource.read ? ", read only" : ""})${resource.importId ? `  adopt: import ${resource.importId}` : ""}`);
    const inner = isRoot ? prefix : prefix + (isLast ? "   " : "│  ");
    const kids = children.get(resource.urn) ?? [];
    const detailPrefix = inner + (kids.length ? "│     " : "      ");
    for (const [key, value] of Object.entries(resource.inputs)) {
      if (value === undefined) continue;
      const note = resource.notes?.[key];
      lines.push(`${detailPrefix}${key}: ${short(value)}${note ? `  # ${note}` : ""}`);
    }
    if (resource.principalTypeReason) lines.push(`${detailPrefix}principalType because: ${resource.principalTypeReason}`);
    if (resource.dependsOn.length) lines.push(`${detailPrefix}dependsOn: ${resource.dependsOn.join(", ")}`);
    if (resource.request !== undefined) {
      const request = resource.request as { enrollmentGroupId?: string; registrationId?: string };
      const target = request.enrollmentGroupId !== undefined ? `enrollmentGroups/${request.enrollmentGroupId}` : `enrollments/${String(request.registrationId)}`;
      // Enrollments with Device Registry names go at the service API version that knows them (deviceRegistryNames.ts).
      lines.push(`${detailPrefix}request (PUT ${target}?api-version=${serviceApiVersionFor(resource.inputs as { deviceRegistry?: unknown })}):`);
      for (const line of JSON.stringify(resource.request, null, 2).split("\n")) lines.push(`${detailPrefix}  ${line}`);
    }
    kids.forEach((kid, i) => walk(kid, inner, i === kids.length - 1, false));
  };
  for (const root of children.get(null) ?? []) walk(root, "", true, true);
  lines.push("", "Outputs:");
  for (const [key, value] of Object.entries(plan.outputs)) {
    // What the next step waits for (tenant CSRs, the platform's signature): each line in full, as the diff prints it.
    if (key === "waitingFor") {
      lines.push(...waitingForLines(value, "  "));
      continue;
    }
    lines.push(`  ${key}: ${short(value)}`);
  }
  if (plan.dayTwo) lines.push(...dayTwoLines(plan.dayTwo));
  return lines.join("\n");
}
