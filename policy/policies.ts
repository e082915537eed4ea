/**
 * The pack's policies: each wraps a rule of rules.ts for Pulumi's policy runtime, with its default enforcement level
 * (a `--policy-pack-config` file changes it). The offline plan reads the same list (cli/plan/policy.ts) and applies
 * the same config the same way, so names, levels and messages are the same in both.
 */
import type { EnforcementLevel, PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { groupCasVerifiedByStack, groupsAttestThroughIntermediates, hubHardenedAfterAdoption, hubX509Only, noCaKeyInStateInProduction, oneEnrollmentPerCertificate, type Finding, type PolicySubject } from "./rules";

/** What the plan shows for a value Pulumi knows only after `up` (the same marker as cli/plan/record.ts). */
export const UNKNOWN = "(known after up)";

/** A policy as both callers run it: over one resource, or over the whole stack. */
export interface GuardrailPolicy {
  readonly name: string;
  readonly description: string;
  readonly enforcementLevel: Extract<EnforcementLevel, "advisory" | "mandatory">;
  /** Per resource (resource-level policies). */
  readonly checkResource?: (resource: PolicySubject) => string[];
  /** Over all resources (stack-level policies); `config` is the policy's config in the pack. */
  readonly checkStack?: (resources: readonly PolicySubject[], config: Record<string, unknown>) => Finding[];
  readonly configSchema?: StackValidationPolicy["configSchema"];
}

export const GUARDRAILS: readonly GuardrailPolicy[] = [
  {
    name: "hub-x509-only",
    description: "IoT hubs refuse device SAS tokens and TLS older than 1.2: an X.509 fleet needs neither.",
    enforcementLevel: "mandatory",
    checkResource: hubX509Only,
  },
  {
    name: "hub-hardened-after-adoption",
    description: "An IoT hub that leaves device SAS or its minimum TLS version as Azure holds them (an adopted hub) is reported, with the way to X.509 only and TLS 1.2.",
    enforcementLevel: "advisory",
    checkResource: hubHardenedAfterAdoption,
  },
  {
    name: "group-attests-through-intermediate",
    description: "Enrollment entries attest through an intermediate CA, not a root (by CA reference or signing certificate).",
    enforcementLevel: "advisory",
    checkStack: (resources) => groupsAttestThroughIntermediates(resources),
  },
  {
    name: "group-ca-verified-by-stack",
    description: "Every CA an enrollment entry references is one the stack uploads and verifies; a signing-certificate group holds its CA's certificate instead.",
    enforcementLevel: "mandatory",
    checkStack: (resources) => groupCasVerifiedByStack(resources),
  },
  {
    name: "one-enrollment-per-certificate",
    description: "A certificate is named by one enrollment entry only (group, individual enrollment or revoked device), as DPS requires.",
    enforcementLevel: "advisory",
    checkStack: (resources) => oneEnrollmentPerCertificate(resources),
  },
  {
    name: "no-ca-key-in-state-in-production",
    description: "A production stack keeps no CA private key in its state (keyStore: keyVault).",
    enforcementLevel: "mandatory",
    checkStack: (resources, config) => noCaKeyInStateInProduction(resources, config.production === true),
    configSchema: {
      properties: { production: { type: "boolean", default: false, description: "Treat every stack the pack runs on as production, tagged or not." } },
    },
  },
];

/**
 * A plain copy of a value from the policy runtime. Reading a value unknown in a preview throws there; the copy holds
 * UNKNOWN in its place instead, so one unknown input does not stop a whole stack's check.
 */
export function plainCopy(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== "object" || depth > 20) return value;
  if (Array.isArray(value)) return Array.from({ length: safeRead(() => value.length, 0) }, (_, i) => safeRead(() => plainCopy(value[i], depth + 1), UNKNOWN));
  const out: Record<string, unknown> = {};
  for (const key of safeRead(() => Object.keys(value), [] as string[])) {
    out[key] = safeRead(() => plainCopy((value as Record<string, unknown>)[key], depth + 1), UNKNOWN);
  }
  return out;
}

function safeRead<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch {
    return fallback;
  }
}

export function subjectOf(resource: Pick<PolicyResource, "type" | "name" | "props"> & { dependencies?: Array<{ name: string }> }): PolicySubject {
  return {
    type: resource.type,
    name: resource.name,
    props: plainCopy(resource.props) as Record<string, any>,
    dependencies: (resource.dependencies ?? []).map((d) => d.name),
  };
}

/** The policies in @pulumi/policy's shape. */
export function packPolicies(): Array<ResourceValidationPolicy | StackValidationPolicy> {
  return GUARDRAILS.map((policy) => {
    const common = { name: policy.name, description: policy.description, enforcementLevel: policy.enforcementLevel };
    if (policy.checkResource) {
      const check = policy.checkResource;
      return {
        ...common,
        validateResource: (args, reportViolation) => {
          for (const message of check(subjectOf(args))) reportViolation(message);
        },
      } satisfies ResourceValidationPolicy;
    }
    const check = policy.checkStack!;
    return {
      ...common,
      ...(policy.configSchema ? { configSchema: policy.configSchema } : {}),
      validateStack: (args, reportViolation) => {
        const config = safeRead(() => args.getConfig<Record<string, unknown>>(), {});
        for (const finding of check(args.resources.map(subjectOf), config)) {
          const resource = args.resources.find((r) => r.name === finding.resource);
          reportViolation(finding.message, resource?.urn);
        }
      },
    } satisfies StackValidationPolicy;
  });
}
