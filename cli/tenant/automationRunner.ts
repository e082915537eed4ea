/**
 * Runs the steps on this machine with Pulumi's Automation API: a LocalWorkspace on the project directory (the
 * program and its `Pulumi.<stack>.yaml` files as they are), driving the `pulumi` CLI. `pulumiRoot` points at
 * another CLI installation (`<root>/bin/pulumi`): tests use a stand-in that records its calls.
 */
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation";
import { readStackOutputs, runPulumiStackOutput } from "../stackOutputs";
import type { PreviewResult, StackRunner } from "./runner";
import type { Outputs } from "./steps";

export interface AutomationRunnerOptions {
  readonly projectDir: string;
  /** An installation root whose `bin/pulumi` to run (default: `pulumi` on PATH). */
  readonly pulumiRoot?: string;
  /** Stacks that may be created when missing (the tenant's, on its first onboarding). */
  readonly createIfMissing?: (stack: string) => boolean;
}

export function automationRunner(options: AutomationRunnerOptions): StackRunner {
  let command: Promise<PulumiCommand> | undefined;
  const stacks = new Map<string, Promise<Stack>>();

  const open = (stackName: string): Promise<Stack> => {
    let stack = stacks.get(stackName);
    if (!stack) {
      command ??= PulumiCommand.get(options.pulumiRoot ? { root: options.pulumiRoot } : undefined);
      stack = command.then((pulumiCommand) => {
        const args = { stackName, workDir: options.projectDir };
        return options.createIfMissing?.(stackName) ? LocalWorkspace.createOrSelectStack(args, { pulumiCommand }) : LocalWorkspace.selectStack(args, { pulumiCommand });
      });
      // A failed open is not cached: the next call tries again.
      stack.catch(() => stacks.delete(stackName));
      stacks.set(stackName, stack);
    }
    return stack;
  };

  return {
    async outputs(stackName: string): Promise<Outputs> {
      // Not Stack.outputs(): it runs `stack output --show-secrets` and decrypts every secret output, which onboarding
      // never needs (cli/stackOutputs.ts).
      await open(stackName);
      const pulumiCommand = await command!;
      return readStackOutputs(stackName, (stack) => runPulumiStackOutput(stack, { command: pulumiCommand.command, cwd: options.projectDir }));
    },
    async preview(stackName: string): Promise<PreviewResult> {
      const result = await (await open(stackName)).preview({ diff: true });
      return { text: result.stdout, changes: Object.fromEntries(Object.entries(result.changeSummary).filter((entry): entry is [string, number] => typeof entry[1] === "number")) };
    },
    async up(stackName: string, progress: (line: string) => void): Promise<void> {
      await (await open(stackName)).up({ onOutput: (text) => text.split("\n").filter((line) => line.trim()).forEach(progress) });
    },
  };
}
