/**
 * Onboards one tenant: runs the first step not done yet (steps.ts judges from both stacks' outputs), reads the
 * outputs again, and goes on until the tenant is onboarded. Idempotent: an onboarded tenant runs nothing. Resumable:
 * after a failure anywhere, the next run starts at the step the stacks show as not done. A step that ran but left
 * its stack still waiting stops the run with what the stack says it waits for (no loop).
 */
import { shortStackName, type OnboardingTarget } from "./stacks";
import type { StackRunner } from "./runner";
import { MissingStackError } from "./stackPresence";
import { STEPS, nextStep, stepDone, waitingForOf, type Step } from "./steps";

export type Progress = (line: string) => void;

export interface OnboardDeps {
  readonly runner: StackRunner;
  readonly progress: Progress;
  /** Runs `pulumi up` on the platform; --all passes one that batches the tenants' requests into one update. */
  readonly platformUp?: (stack: string) => Promise<void>;
}

function stepLabel(step: Step, target: OnboardingTarget): string {
  const index = STEPS.indexOf(step) + 1;
  const stack = step.role === "tenant" ? target.tenantStack : target.platformStack;
  return `${target.tenant}: step ${index}/${STEPS.length} ${step.name} (${step.role} up on ${stack})`;
}

/** The platform's outputs; a platform that does not exist is an error that says what to do. */
async function platformOutputsOf(runner: StackRunner, target: OnboardingTarget) {
  try {
    return await runner.outputs(target.platformStack);
  } catch (err) {
    if (err instanceof MissingStackError) throw new Error(`the platform stack ${target.platformStack} does not exist: onboarding updates a platform but does not create one; deploy the platform first (docs/tenants.md)`);
    throw err;
  }
}

/** Runs what is left of the onboarding; resolves once every step is done, rejects on the first failure. */
export async function onboardTenant(target: OnboardingTarget, deps: OnboardDeps): Promise<void> {
  const { runner, progress } = deps;
  const platformUp = deps.platformUp ?? ((stack: string) => runner.up(stack, (line) => progress(`  ${line}`)));
  const ran = new Set<string>();
  for (;;) {
    // The platform first: without one, nothing is read or created for the tenant (its stack included).
    const platformOutputs = await platformOutputsOf(runner, target);
    const tenantOutputs = await runner.outputs(target.tenantStack);
    const step = nextStep(target.tenant, tenantOutputs, platformOutputs);
    if (!step) {
      progress(`${target.tenant}: onboarded (all ${STEPS.length} steps done)`);
      return;
    }
    for (const done of STEPS.slice(0, STEPS.indexOf(step))) if (!ran.has(done.name)) progress(`${stepLabel(done, target)}: done already`);
    if (ran.has(step.name)) {
      const stack = step.role === "tenant" ? target.tenantStack : target.platformStack;
      const waiting = waitingForOf(step.role === "tenant" ? tenantOutputs : platformOutputs);
      throw new Error(`${stepLabel(step, target)} ran but is not done: ${stack} waits for: ${waiting.length ? waiting.join("; ") : "nothing it reports"}`);
    }
    progress(`${stepLabel(step, target)}: running`);
    if (step.role === "platform") await platformUp(target.platformStack);
    else await runner.up(target.tenantStack, (line) => progress(`  ${line}`));
    ran.add(step.name);
    progress(`${stepLabel(step, target)}: finished`);
  }
}

/**
 * The steps and what each one's preview says now; runs no update and creates no stack. A tenant stack still to be
 * created cannot be previewed: the plan says so, and how to see its first update offline.
 */
export async function planOnboarding(target: OnboardingTarget, deps: Pick<OnboardDeps, "runner" | "progress">): Promise<void> {
  const { runner, progress } = deps;
  const platformOutputs = await platformOutputsOf(runner, target);
  let tenantOutputs: Record<string, unknown> | undefined;
  try {
    tenantOutputs = await runner.outputs(target.tenantStack);
  } catch (err) {
    if (!(err instanceof MissingStackError)) throw err;
    progress(`${target.tenant}: the tenant stack ${target.tenantStack} does not exist yet: onboarding creates it first (\`pulumi stack init ${target.tenantStack} --no-select\`), then runs the 3 steps below`);
  }
  const previews = new Map<string, Promise<Awaited<ReturnType<StackRunner["preview"]>>>>();
  let pendingBefore = false;
  for (const step of STEPS) {
    progress(`${stepLabel(step, target)}: ${step.summary}`);
    if (tenantOutputs && stepDone(step.name, target.tenant, tenantOutputs, platformOutputs)) {
      progress("  done already: no update");
      continue;
    }
    const stack = step.role === "tenant" ? target.tenantStack : target.platformStack;
    if (step.role === "tenant" && !tenantOutputs) {
      progress(step.name === "tenant-csr" ? `  no preview: the stack does not exist yet. Its first update declares what the offline plan shows:\n${offlinePlanHint(target)}` : "  no preview: the stack does not exist yet");
      pendingBefore = true;
      continue;
    }
    const first = !previews.has(stack);
    if (first) previews.set(stack, runner.preview(stack));
    const preview = await previews.get(stack)!;
    if (pendingBefore) progress("  previewed now, before the steps above have run: its plan changes once they have");
    if (!first) progress(`  same stack as an earlier step: its preview is above`);
    else {
      const counts = Object.entries(preview.changes).map(([operation, count]) => `${count} ${operation}`).join(", ");
      if (counts) progress(`  plan: ${counts}`);
      for (const line of preview.text.split("\n").filter((l) => l.trim())) progress(`  | ${line}`);
    }
    pendingBefore = true;
  }
}

/** The commands that show a tenant stack's first update offline, against its platform's outputs of today. */
function offlinePlanHint(target: OnboardingTarget): string {
  return [
    `      pulumi stack output --json --stack ${target.platformStack} > platform-outputs.json`,
    `      npm run plan -- --stack ${shortStackName(target.tenantStack)} --platform-outputs platform-outputs.json`,
  ].join("\n");
}
