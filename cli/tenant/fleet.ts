/**
 * `onboard --all`: every listed tenant, at most `concurrency` at a time. Two updates of one stack cannot run at
 * once (Pulumi refuses a second update while one holds the stack's lock), and every tenant's middle step is an
 * update of the same platform stack: those go through one batcher per platform, so tenants that ask while an update
 * runs share the next one (a platform update signs every CSR it reads, so one update serves them all).
 */
import { onboardTenant, type Progress } from "./onboard";
import type { StackRunner } from "./runner";
import type { OnboardingTarget } from "./stacks";

/** Calls `run` one at a time; callers that arrive while it runs share the next call. */
export function serialBatcher(run: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> = Promise.resolve();
  let next: Promise<void> | undefined;
  return () => {
    if (!next) {
      const queued = running.catch(() => undefined).then(() => {
        next = undefined;
        return run();
      });
      next = queued;
      running = queued;
    }
    return next;
  };
}

export interface FleetResult {
  readonly onboarded: string[];
  readonly failed: { tenant: string; error: string }[];
}

export async function onboardFleet(targets: OnboardingTarget[], runner: StackRunner, progress: Progress, concurrency: number): Promise<FleetResult> {
  const batchers = new Map<string, () => Promise<void>>();
  const platformUp = (stack: string) => {
    let batcher = batchers.get(stack);
    if (!batcher) {
      batcher = serialBatcher(() => runner.up(stack, (line) => progress(`  [${stack}] ${line}`)));
      batchers.set(stack, batcher);
    }
    return batcher();
  };
  const result: FleetResult = { onboarded: [], failed: [] };
  const queue = [...targets];
  const worker = async () => {
    for (let target = queue.shift(); target; target = queue.shift()) {
      try {
        await onboardTenant(target, { runner, progress, platformUp });
        result.onboarded.push(target.tenant);
      } catch (err) {
        result.failed.push({ tenant: target.tenant, error: (err as Error).message });
        progress(`${target.tenant}: failed: ${(err as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, targets.length)) }, worker));
  return result;
}
