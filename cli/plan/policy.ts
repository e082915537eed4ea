/**
 * The policy pack (policy/) over the resources the offline plan records, printed as `pulumi preview --policy-pack`
 * prints violations. The same rule functions and levels as the pack: a mandatory violation fails the plan, as it
 * fails a preview.
 */
import { GUARDRAILS } from "../../policy/policies";
import type { PolicySubject } from "../../policy/rules";
import type { PlannedResource } from "./render";

export const POLICY_PACK = "dps-x509-guardrails";

export interface PolicyViolation {
  readonly policy: string;
  readonly enforcementLevel: "advisory" | "mandatory";
  readonly description: string;
  /** The resource's name and type. */
  readonly resource: string;
  readonly type: string;
  readonly message: string;
}

function subjectOf(resource: PlannedResource): PolicySubject {
  return { type: resource.type, name: resource.name, props: resource.inputs, dependencies: resource.dependsOn };
}

/** Every violation of the pack's policies by these resources (`config`: the pack's policy config, as in `--policy-pack-config`). */
export function planViolations(resources: readonly PlannedResource[], config: Record<string, Record<string, unknown>> = {}): PolicyViolation[] {
  const subjects = resources.filter((resource) => !resource.read).map(subjectOf);
  const typeOf = new Map(subjects.map((s) => [s.name, s.type]));
  return GUARDRAILS.flatMap((policy) => {
    const base = { policy: policy.name, enforcementLevel: policy.enforcementLevel, description: policy.description };
    const findings = policy.checkResource
      ? subjects.flatMap((subject) => policy.checkResource!(subject).map((message) => ({ resource: subject.name, message })))
      : policy.checkStack!(subjects, config[policy.name] ?? {});
    return findings.map((finding) => ({ ...base, resource: finding.resource, type: typeOf.get(finding.resource) ?? "", message: finding.message }));
  });
}

/** The violations as `pulumi preview` prints them under "Policy Violations:"; nothing when there are none. */
export function violationLines(violations: readonly PolicyViolation[]): string[] {
  if (!violations.length) return [];
  return [
    "",
    "Policy Violations:",
    ...violations.flatMap((v) => [`    [${v.enforcementLevel}]  ${POLICY_PACK}  ${v.policy}  (${v.resource}: ${v.type})`, `    ${v.description}`, `    ${v.message}`, ""]),
  ];
}

export function failsPreview(violations: readonly PolicyViolation[]): boolean {
  return violations.some((v) => v.enforcementLevel === "mandatory");
}
