/**
 * Runs the steps on this machine with Pulumi's Automation API: a LocalWorkspace on the project directory (the
 * program and its `Pulumi.<stack>.yaml` files as they are), driving the `pulumi` CLI. `pulumiRoot` points at
 * another CLI installation (`<root>/bin/pulumi`): tests use a stand-in that records its calls.
 *
 * The user's selected stack is left as it was. The Automation API's `selectStack` runs `pulumi stack select` and
 * `createOrSelectStack` runs `pulumi stack init` (which selects too); but every command a Stack runs afterwards
 * names its stack (`--stack`), so nothing needs the selection. The workspace's `selectStack` therefore only checks
 * that the stack exists (stackPresence.ts), and a stack onboarding may create is made with `--no-select`.
 */
import { LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { readStackOutputs, runPulumiStackOutput } from "../stackOutputs";
import type { PreviewResult, StackRunner } from "./runner";
import { MissingStackError, initStackUnselected, missingCliMessage, stackExists } from "./stackPresence";
import type { Outputs } from "./steps";

export interface AutomationRunnerOptions {
  readonly projectDir: string;
  /** An installation root whose `bin/pulumi` to run (default: `pulumi` on PATH). */
  readonly pulumiRoot?: string;
  /** Stacks that may be created when missing (the tenant's, on its first onboarding); never with --plan-only. */
  readonly createIfMissing?: (stack: string) => boolean;
}

async function pulumiCommandOf(pulumiRoot: string | undefined): Promise<PulumiCommand> {
  try {
    return await PulumiCommand.get(pulumiRoot ? { root: pulumiRoot } : undefined);
  } catch (err) {
    // The Automation API says "Command failed with ENOENT: pulumi version" and more: one line instead.
    if (/ENOENT|EACCES/.test((err as Error).message)) throw new Error(missingCliMessage(pulumiRoot ? `${pulumiRoot}/bin/pulumi` : "pulumi"));
    throw err;
  }
}

export function automationRunner(options: AutomationRunnerOptions): StackRunner {
  let setup: Promise<{ command: string; workspace: LocalWorkspace }> | undefined;
  const stacks = new Map<string, Promise<Stack>>();
  const ready = () =>
    (setup ??= (async () => {
      const pulumiCommand = await pulumiCommandOf(options.pulumiRoot);
      const workspace = await LocalWorkspace.create({ workDir: options.projectDir, pulumiCommand });
      const command = pulumiCommand.command;
      // Stack.select calls this: a check that the stack exists, instead of `pulumi stack select`.
      workspace.selectStack = async (stackName: string) => {
        if (!(await stackExists(command, options.projectDir, stackName))) throw new MissingStackError(stackName);
      };
      return { command, workspace };
    })());
  const open = (stackName: string): Promise<Stack> => {
    let stack = stacks.get(stackName);
    if (!stack) {
      stack = ready().then(async ({ command, workspace }) => {
        try {
          return await Stack.select(stackName, workspace);
        } catch (err) {
          if (!(err instanceof MissingStackError) || !options.createIfMissing?.(stackName)) throw err;
          await initStackUnselected(command, options.projectDir, stackName);
          return Stack.select(stackName, workspace);
        }
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
      const { command } = await ready();
      return readStackOutputs(stackName, (stack) => runPulumiStackOutput(stack, { command, cwd: options.projectDir }));
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
