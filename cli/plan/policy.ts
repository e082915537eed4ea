/**
 * The policy pack (policy/) over the resources the offline plan records, printed as `pulumi preview --policy-pack`
 * prints violations. The same rule functions as the pack, at the levels a `--policy-pack-config` file sets
 * (cli/plan/policyPackConfig.ts), applied as Pulumi applies them: a disabled policy does not run, a mandatory
 * violation fails the plan as it fails a preview, an advisory one is printed and does not.
 */
import { GUARDRAILS } from "../../policy/policies";
import type { PolicySubject } from "../../policy/rules";
import { readPolicyPackConfig, resolvePolicyPackConfig, type ResolvedPolicyConfig } from "./policyPackConfig";
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

/** The pack's own levels, with no config file. */
export const PACK_DEFAULTS: ResolvedPolicyConfig = resolvePolicyPackConfig(GUARDRAILS);

/** The pack's levels and config with `--policy-pack-config <file>` applied; throws PolicyPackConfigError. */
export function packConfigFromFile(file: string): ResolvedPolicyConfig {
  return resolvePolicyPackConfig(GUARDRAILS, readPolicyPackConfig(file));
}

/** Every violation of the pack's policies by these resources, at the levels `config` resolves to. */
export function planViolations(resources: readonly PlannedResource[], config: ResolvedPolicyConfig = PACK_DEFAULTS): PolicyViolation[] {
  const subjects = resources.filter((resource) => !resource.read).map(subjectOf);
  const typeOf = new Map(subjects.map((s) => [s.name, s.type]));
  return GUARDRAILS.flatMap((policy) => {
    const { enforcementLevel: level, properties } = config.policies.get(policy.name) ?? { enforcementLevel: policy.enforcementLevel, properties: {} };
    if (level === "disabled") return [];
    // As @pulumi/policy does: a validation policy at "remediate" reports its violations as mandatory.
    const base = { policy: policy.name, enforcementLevel: level === "advisory" ? ("advisory" as const) : ("mandatory" as const), description: policy.description };
    const findings = policy.checkResource
      ? subjects.flatMap((subject) => policy.checkResource!(subject).map((message) => ({ resource: subject.name, message })))
      : policy.checkStack!(subjects, properties);
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

/** Which levels applied: from a file (and what in it the pack does not know), or the pack's defaults. */
export function policyLevelLines(config: ResolvedPolicyConfig, file: string | undefined): string[] {
  const levels = [...config.policies].map(([name, { enforcementLevel }]) => `${name}=${enforcementLevel}`).join(", ");
  return [
    `Policy levels (${file ? `--policy-pack-config ${file}` : "the pack's defaults"}): ${levels}`,
    ...config.unknownNames.map((name) => `  ${file}: "${name}" is not a policy of ${POLICY_PACK}; ignored, as Pulumi ignores it`),
  ];
}

export function failsPreview(violations: readonly PolicyViolation[]): boolean {
  return violations.some((v) => v.enforcementLevel === "mandatory");
}
