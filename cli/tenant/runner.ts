/**
 * What onboarding asks of Pulumi, per stack: read its outputs, preview it, update it. Two ways to run it: on this
 * machine through the Automation API (automationRunner.ts), or as Pulumi Deployments in Pulumi Cloud
 * (deploymentsRunner.ts).
 */
import type { Outputs } from "./steps";

export interface PreviewResult {
  /** What the preview printed (the plan, as `pulumi preview` shows it). */
  readonly text: string;
  /** Counts by operation (`create`, `update`, `same`, …), when the engine reported them. */
  readonly changes: Record<string, number>;
}

export interface StackRunner {
  /** The stack's outputs (plain values; secrets are not needed here and are not printed). */
  outputs(stack: string): Promise<Outputs>;
  preview(stack: string): Promise<PreviewResult>;
  /** `pulumi up`; `progress` gets lines to show while it runs. Rejects when the update fails. */
  up(stack: string, progress: (line: string) => void): Promise<void>;
}
