/**
 * Reads a stack's outputs for the command-line tools: `pulumi stack output --json --stack <name>`. Without
 * --show-secrets: the tools need only plain outputs (ID scope, host names, thumbprints), and secrets print as
 * "[secret]". Tests pass their own reader instead.
 */

/**
 * The arguments that print a stack's outputs without decrypting its secrets (they print as "[secret]"). The
 * Automation API's `Stack.outputs()` adds `--show-secrets`, which decrypts every secret output (a dev stack's
 * intermediate keys among them): onboarding reads outputs with these arguments instead.
 */
export function stackOutputArgs(stack: string): string[] {
  return ["stack", "output", "--json", "--stack", stack];
}

/** Runs the Pulumi CLI (`command`: another installation's binary; `cwd`: the project); resolves with its stdout. */
export function runPulumiStackOutput(stack: string, where: { command?: string; cwd?: string } = {}): Promise<string> {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { execFile } = require("child_process") as typeof import("child_process");
  return new Promise((resolve, reject) => {
    execFile(where.command ?? "pulumi", stackOutputArgs(stack), { maxBuffer: 16 * 1024 * 1024, cwd: where.cwd, env: process.env }, (err, stdout, stderr) => {
      if (err) {
        const reason = (err as NodeJS.ErrnoException).code === "ENOENT" ? "the pulumi CLI is not on PATH" : String(stderr || err.message).trim();
        reject(new Error(`pulumi stack output --stack ${stack} failed: ${reason}`));
      } else resolve(stdout);
    });
  });
}

/** The outputs as an object; `read` defaults to the Pulumi CLI. */
export async function readStackOutputs(stack: string, read: (stack: string) => Promise<string> = runPulumiStackOutput): Promise<Record<string, unknown>> {
  const text = await read(stack);
  let outputs: unknown;
  try {
    outputs = JSON.parse(text);
  } catch {
    throw new Error(`pulumi stack output --stack ${stack} did not print JSON`);
  }
  if (!outputs || typeof outputs !== "object" || Array.isArray(outputs)) throw new Error(`pulumi stack output --stack ${stack} did not print an object`);
  return outputs as Record<string, unknown>;
}

/** A string output, or undefined. */
export function stringOutput(outputs: Record<string, unknown> | undefined, key: string): string | undefined {
  const value = outputs?.[key];
  return typeof value === "string" && value ? value : undefined;
}

/** A map of strings output (e.g. `caThumbprints`, `hubHostNames`), or an empty object. */
export function stringMapOutput(outputs: Record<string, unknown> | undefined, key: string): Record<string, string> {
  const value = outputs?.[key];
  if (!value || typeof value !== "object" || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).filter(([, v]) => typeof v === "string")) as Record<string, string>;
}
