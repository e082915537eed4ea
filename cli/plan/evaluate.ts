/**
 * Evaluates the real program for a stack's config under Pulumi's runtime mocks (a preview: values only `up` can know
 * stay unknown) and returns what it declares. No cloud call, no credentials.
 */
import * as pulumi from "@pulumi/pulumi";
import { CONFIG_NAMESPACE, ConfigError, parseStackConfig, readRawStackConfig, type AnyStackConfig, type Problem } from "../../components/config";
import { recordDeclarationOrder } from "./declarationOrder";
import { dropAzureNativeVersionAliasesInPlan, lightenPlanMonitor, withCheapPulumiStacks } from "./lightRuntime";
import { AzureLikeMocks } from "./mocks";
import { providerCheckProblems } from "./providerChecks";
import { SECRET_MARKER, UNKNOWN_MARKER, recordRegistrations, type RecordedResource } from "./record";
import type { StackFileConfig } from "./stackFile";

const settings: { waitForRPCs(): Promise<void> } = require("@pulumi/pulumi/runtime/settings");

export type PlanResult =
  | { ok: true; resources: RecordedResource[]; outputs: Record<string, unknown>; config: AnyStackConfig; declarationOrder: string[] }
  | { ok: false; problems: Problem[] };

export interface PlanOptions {
  /** A tenant stack's platform outputs (`pulumi stack output --json` of the platform), answering its StackReference. */
  platformOutputs?: Record<string, unknown>;
  /** A platform's tenant stacks' outputs (`caCsrs`), by stack name; a tenant not given has sent no CSR yet. */
  stackOutputs?: Record<string, Record<string, unknown>>;
}

export function evaluatePlan(stackFile: StackFileConfig, stackName: string, options: PlanOptions = {}): Promise<PlanResult> {
  return withCheapPulumiStacks(() => evaluate(stackFile, stackName, options));
}

async function evaluate(stackFile: StackFileConfig, stackName: string, options: PlanOptions): Promise<PlanResult> {
  // The org is unknown offline; the project is this program's (its config namespace).
  const parsed = parseStackConfig({ ...readRawStackConfig(stackFile.allConfig, stackFile.decryptedKeys), self: { project: CONFIG_NAMESPACE, stack: stackName } });
  if (!parsed.ok) return { ok: false, problems: parsed.problems };
  if (parsed.config.role === "tenant" && !options.platformOutputs) {
    return {
      ok: false,
      problems: [{ path: "platform", value: parsed.config.platform, message: "is read from the platform stack's outputs: give them with --platform-outputs <file> (`pulumi stack output --json` of the platform stack)" }],
    };
  }

  await pulumi.runtime.setMocks(new AzureLikeMocks({ platformOutputs: options.platformOutputs, stackOutputs: parsed.config.role === "platform" ? options.stackOutputs ?? {} : options.stackOutputs }), CONFIG_NAMESPACE, stackName, true);
  pulumi.runtime.setAllConfig(stackFile.allConfig, stackFile.secretKeys);
  lightenPlanMonitor(); // before the recorder wraps the monitor
  const resources = recordRegistrations();
  const declared = recordDeclarationOrder();
  dropAzureNativeVersionAliasesInPlan();

  // Loaded after the mocks are in place, as Pulumi's testing guide requires.
  const { declareProgram } = await import("../../components/program");
  let outputs: Record<string, unknown>;
  try {
    outputs = await declareProgram(parsed.config);
  } catch (err) {
    if (err instanceof ConfigError) return { ok: false, problems: err.problems };
    throw err;
  }
  await settings.waitForRPCs();
  // What preview runs next: every provider's check on the declared inputs.
  const providerProblems = await providerCheckProblems(resources);
  if (providerProblems.length) return { ok: false, problems: providerProblems };
  return { ok: true, resources, outputs: await resolveOutputs(outputs), config: parsed.config, declarationOrder: await declared.urns() };
}

/** Resolves stack outputs for display: secrets and unknowns as markers. */
async function resolveOutputs(outputs: Record<string, unknown>): Promise<Record<string, unknown>> {
  const resolved: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(outputs)) {
    const output = pulumi.output(value) as pulumi.Output<unknown>;
    // `isKnown` is internal to the SDK but stable; an apply on an unknown value would never run.
    const isKnown = (output as unknown as { isKnown: Promise<boolean> }).isKnown;
    const [secret, known] = await Promise.all([pulumi.isSecret(output), isKnown]);
    resolved[key] = secret ? SECRET_MARKER : !known ? UNKNOWN_MARKER : await new Promise((resolve) => output.apply(resolve));
  }
  return resolved;
}
