/**
 * Whether a stack exists, and creating one, without touching the user's selected stack. The Automation API offers
 * only `pulumi stack select` (which changes the selection) and `pulumi stack init` (which selects what it creates),
 * so these two run the CLI the Automation API found, with the commands that leave the selection alone:
 *
 *   pulumi stack --stack <s> --show-name --non-interactive      prints the name; "no stack named '<s>' found" if none
 *   pulumi stack init <s> --no-select --non-interactive         creates it, selection unchanged
 *
 * (Pulumi's own RemoteWorkspace checks a stack the first way, for the same reason.)
 */
import { execFile } from "child_process";

/** A stack onboarding needs does not exist (and may not be created here). */
export class MissingStackError extends Error {
  constructor(readonly stack: string) {
    super(`stack ${stack} does not exist`);
    this.name = "MissingStackError";
  }
}

const NOT_FOUND = /no stack named .* found/;

function runPulumi(command: string, args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(command, [...args, "--non-interactive"], { cwd, maxBuffer: 4 * 1024 * 1024, env: { ...process.env, PULUMI_AUTOMATION_API: "true" } }, (err, stdout, stderr) => {
      if (err && typeof (err as NodeJS.ErrnoException).code === "string") reject(new Error(missingCliMessage(command)));
      else resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** True when the stack exists; rejects on any other failure (not logged in, a backend error). */
export async function stackExists(command: string, workDir: string, stack: string): Promise<boolean> {
  const result = await runPulumi(command, ["stack", "--stack", stack, "--show-name"], workDir);
  if (result.code === 0) return true;
  if (NOT_FOUND.test(result.stderr)) return false;
  throw new Error(`pulumi stack --stack ${stack} failed: ${result.stderr.trim() || `exit code ${result.code}`}`);
}

/** Creates the stack and leaves the selected stack as it was. */
export async function initStackUnselected(command: string, workDir: string, stack: string): Promise<void> {
  const result = await runPulumi(command, ["stack", "init", stack, "--no-select"], workDir);
  if (result.code !== 0) throw new Error(`pulumi stack init ${stack} failed: ${result.stderr.trim() || `exit code ${result.code}`}`);
}

/** One line for a Pulumi CLI that cannot be run (`pulumi` not on PATH, or `--pulumi-root` without `bin/pulumi`). */
export function missingCliMessage(command: string): string {
  return command === "pulumi"
    ? "the pulumi CLI is not on PATH: install it (https://www.pulumi.com/docs/iac/download-install/) or give --pulumi-root <dir>"
    : `the pulumi CLI ${command} cannot be run: check --pulumi-root`;
}
