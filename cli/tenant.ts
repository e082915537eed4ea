/**
 * `npm run tenant -- onboard <tenant>`: tenant up, platform up, tenant up, in one command, through Pulumi's
 * Automation API. Idempotent and resumable: each step's "done" is read from the stacks' outputs, so a second run
 * (after a failure, or on another machine) starts where the first stopped. `--plan-only` prints the steps and each
 * one's preview and changes nothing. `--all` onboards every tenant the platform lists, a few at a time, with the
 * platform's updates one at a time (tenants waiting share one). `--runner deployments` runs the updates as Pulumi
 * Deployments in Pulumi Cloud (docs/tenants.md#onboarding-through-pulumi-deployments).
 *
 * Exit codes: 0 onboarded (or planned), 1 a step failed (or a stack file, the platform stack or the Pulumi CLI is
 * missing), 2 usage.
 */
import * as path from "path";
import { parseArgs } from "util";
import { UsageError, exitCodeOf, firstSentence } from "./cliArgs";
import { automationRunner } from "./tenant/automationRunner";
import { deploymentsRunner } from "./tenant/deploymentsRunner";
import { onboardFleet } from "./tenant/fleet";
import { onboardTenant, planOnboarding } from "./tenant/onboard";
import type { StackRunner } from "./tenant/runner";
import { findAllTargets, findTarget, type OnboardingTarget } from "./tenant/stacks";
import { pinOnboardingTarget } from "./tenant/placementPin";

export const USAGE = `usage: npm run tenant -- onboard (<tenant> | --all) [options]

  onboard <tenant>        tenant up, platform up, tenant up; skips the steps already done
  onboard --all           every tenant the platform lists (--platform <stack> when several list tenants)
  --plan-only             print the steps and what each one's preview says; change nothing
  --concurrency <n>       with --all: tenants onboarded at once (default 4); platform updates run one at a time
  --runner <local|deployments>
                          local: the Automation API on this machine (default); deployments: each update as a
                          Pulumi Deployment (needs PULUMI_ACCESS_TOKEN and the stacks' deployment settings)
  --api <url>             Pulumi Cloud's API for --runner deployments (default https://api.pulumi.com)
  --project <dir>         the project directory (default: the current directory)
  --pulumi-root <dir>     run <dir>/bin/pulumi instead of pulumi on PATH
  --help                  this text (also: npm run tenant -- help)

Exit codes: 0 onboarded (or planned), 1 a step failed (or a stack file, the platform stack or the Pulumi CLI is
missing), 2 usage.`;

export interface TenantCliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  readonly env?: Record<string, string | undefined>;
  readonly cwd?: string;
  /** Poll interval for Deployments (tests shorten it). */
  readonly pollIntervalMs?: number;
}

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        all: { type: "boolean" },
        "plan-only": { type: "boolean" },
        concurrency: { type: "string" },
        runner: { type: "string" },
        api: { type: "string" },
        project: { type: "string" },
        platform: { type: "string" },
        "pulumi-root": { type: "string" },
        help: { type: "boolean" },
      },
    });
  } catch (err) {
    throw new UsageError(firstSentence((err as Error).message));
  }
}

function concurrencyOf(value: string | undefined): number {
  if (value === undefined) return 4;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new UsageError(`--concurrency ${value}: give a whole number from 1 to 64`);
  return n;
}

/** Runs the command; resolves with the exit code. */
export async function runTenantCli(argv: string[], io: TenantCliIo): Promise<number> {
  // Whether any step began: only then does running the command again resume something.
  let began = false;
  try {
    const { values, positionals } = parse(argv);
    const [verb, tenant, ...extra] = positionals;
    if (values.help || (verb === "help" && tenant === undefined)) {
      io.stdout(`${USAGE}\n`);
      return 0;
    }
    if (verb !== "onboard") throw new UsageError(verb ? `unknown command "${verb}": the command is onboard` : "say what to do: onboard <tenant> or onboard --all");
    if (extra.length) throw new UsageError(`one tenant at a time (or --all): unexpected ${extra.join(" ")}`);
    if (!!values.all === (tenant !== undefined)) throw new UsageError("name one tenant, or give --all");
    const runnerKind = values.runner ?? "local";
    if (runnerKind !== "local" && runnerKind !== "deployments") throw new UsageError(`--runner ${runnerKind}: use local or deployments`);
    const concurrency = concurrencyOf(values.concurrency);
    const env = io.env ?? process.env;
    const projectDir = path.resolve(io.cwd ?? process.cwd(), values.project ?? ".");
    const targets: OnboardingTarget[] = values.all ? findAllTargets(projectDir, values.platform) : [findTarget(projectDir, tenant!)];
    const tenantStacks = new Set(targets.map((target) => target.tenantStack));
    // --plan-only creates no stack: a tenant stack still to be created is planned as such (onboard.ts).
    const createIfMissing = values["plan-only"] ? () => false : (stack: string) => tenantStacks.has(stack);
    const local = automationRunner({ projectDir, pulumiRoot: values["pulumi-root"], createIfMissing });
    let runner: StackRunner = local;
    if (runnerKind === "deployments") {
      const accessToken = env.PULUMI_ACCESS_TOKEN;
      if (!accessToken) throw new UsageError("--runner deployments needs PULUMI_ACCESS_TOKEN (a Pulumi Cloud access token)");
      // Pinned to this folder's commit; every stack's deployment settings are checked before the first deployment.
      const stacks = [...new Set(targets.flatMap((target) => [target.tenantStack, target.platformStack]))];
      runner = deploymentsRunner({ apiUrl: values.api, accessToken, reads: local, pollIntervalMs: io.pollIntervalMs, projectDir, stacks, env });
    }
    const progress = (line: string) => {
      began = true;
      io.stdout(`${line}\n`);
    };
    // Shards: each new tenant is pinned to a shard with room before the platform's up reads the file.
    for (const target of targets) await pinOnboardingTarget(projectDir, target, runner, progress, { write: !values["plan-only"], fromRepository: runnerKind === "deployments" });
    if (values["plan-only"]) {
      for (const target of targets) await planOnboarding(target, { runner, progress });
      return 0;
    }
    if (!values.all) {
      await onboardTenant(targets[0], { runner, progress });
      return 0;
    }
    const result = await onboardFleet(targets, runner, progress, concurrency);
    io.stdout(`onboarded ${result.onboarded.length} of ${targets.length}${result.failed.length ? `; failed: ${result.failed.map((f) => f.tenant).join(", ")} (run the same command again to resume)` : ""}\n`);
    return result.failed.length ? 1 : 0;
  } catch (err) {
    io.stderr(`${err instanceof UsageError ? `${err.message}\n\n${USAGE}` : `error: ${(err as Error).message}${began ? "\nrun the same command again to resume from this step" : ""}`}\n`);
    return exitCodeOf(err);
  }
}

if (require.main === module) {
  runTenantCli(process.argv.slice(2), { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) }).then((code) => {
    process.exitCode = code;
  });
}
