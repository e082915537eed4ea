/**
 * `npm run preflight -- --stack <name>` (or `--config <file>`): read-only checks of the signed-in subscription
 * before the first `pulumi up` (docs/operations.md): identity and its principal type, tenant and subscription;
 * resource providers registered; every global name free or already ours; IoT Hub and DPS quota; the identity's
 * permissions at the resource group; CA certificates and groups already in an existing DPS. Each finding says what
 * to do. Exit codes: 0 ready, 1 problems (or an invalid config), 2 usage. `--json` prints the same findings.
 */
import type { TokenCredential } from "@azure/identity";
import { join, resolve } from "path";
import { parseArgs } from "util";
import { formatProblems, parseStackConfig, readRawStackConfig } from "../components/config";
import { normalizeArmEndpoint } from "../components/azure/armClient";
import { readStackFile } from "./plan/stackFile";
import { findSubscription, SUBSCRIPTION_ORDER, type FoundSubscription } from "./azureSubscription";
import { firstSentence, UsageError } from "./cliArgs";
import { runPreflightChecks } from "./preflight/run";
import { findingsJson, isReady, renderFindings } from "./preflight/render";

export const USAGE = `usage: npm run preflight -- (--stack <name> | --config <file.yaml>) [--for deploy|preview] [--subscription <id>] [--json]
  --stack <name>          check Pulumi.<name>.yaml
  --config <file>         check another stack file
  --for <what>            what this identity will run: deploy (default: every check, the rights of pulumi up) or
                          preview (the rights of a live pulumi preview only; docs/least-privilege.md)
  --subscription <id>     the subscription (default: ${SUBSCRIPTION_ORDER})
  --arm-endpoint <url>    ARM endpoint (default: the stack's armEndpoint, else https://management.azure.com)
  --json                  print the findings as JSON
  --help                  this text

Read-only. Signs in as the program's providers do: the OIDC token azure-native is given (ARM_OIDC_TOKEN,
ARM_OIDC_TOKEN_FILE_PATH), else DefaultAzureCredential (az login, a service principal, workload identity, managed identity).
Reads existing enrollment groups with Entra ID, or DPS_CONNECTION_STRING when set.
Exit codes: 0 ready for pulumi up, 1 problems found (or the config is invalid), 2 usage.
`;

export interface PreflightIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env?: NodeJS.ProcessEnv;
  /** Where relative paths start (default INIT_CWD, the directory npm was run from, else the process's). */
  cwd?: string;
  /** Default azureCredential(env) (components/azure/credential.ts). */
  credential?: TokenCredential;
  /** Tests shorten the SDKs' retry delay. */
  retryDelayInMs?: number;
}

function options(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        stack: { type: "string" },
        config: { type: "string" },
        subscription: { type: "string" },
        for: { type: "string" },
        "arm-endpoint": { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (e) {
    throw new UsageError(firstSentence((e as Error).message));
  }
}

async function preflight(argv: string[], io: PreflightIo): Promise<number> {
  const o = options(argv);
  if (o.help) {
    io.stdout(USAGE);
    return 0;
  }
  if (!o.stack === !o.config) throw new UsageError("say which stack: --stack <name> or --config <Pulumi.x.yaml> (one of them)");
  const purpose = o.for ?? "deploy";
  if (purpose !== "deploy" && purpose !== "preview") throw new UsageError(`--for is deploy or preview, not "${purpose}"`);
  const env = io.env ?? process.env;
  const cwd = io.cwd ?? env.INIT_CWD ?? process.cwd();
  const file = o.config ? resolve(cwd, o.config) : join(resolve(__dirname, ".."), `Pulumi.${o.stack}.yaml`);
  // A missing or unreadable stack file is a config problem, as in plan and doctor: exit 1, one line, no usage.
  const stackFile = readStackFile(file);
  const parsed = parseStackConfig(readRawStackConfig(stackFile.allConfig));
  if (!parsed.ok) {
    io.stderr(`${file}: the stack config has ${parsed.problems.length} problem(s):\n${formatProblems(parsed.problems)}\n`);
    return 1;
  }
  const config = parsed.config;
  const platformSubscription = config.role === "platform" ? config.subscriptionId : undefined;
  const subscription: FoundSubscription | undefined = o.subscription
    ? { id: o.subscription, source: "--subscription" }
    : platformSubscription
      ? { id: platformSubscription, source: "azure-native:subscriptionId in the stack file" }
      : findSubscription(env);
  if (!subscription) throw new UsageError(`which subscription? pass --subscription, or set one of: ${SUBSCRIPTION_ORDER}`);
  const credential = io.credential ?? (require("../components/azure/credential") as typeof import("../components/azure/credential")).azureCredential(env);
  const armEndpoint = normalizeArmEndpoint(o["arm-endpoint"] ?? config.armEndpoint);
  const findings = await runPreflightChecks(config, {
    context: { credential, armEndpoint, subscriptionId: subscription.id, retryDelayInMs: io.retryDelayInMs },
    subscription,
    env,
    dpsConnectionString: env.DPS_CONNECTION_STRING,
    purpose,
  });
  const label = o.stack ? `stack "${o.stack}"` : file;
  io.stdout(o.json ? findingsJson(o.stack ?? file, subscription.id, findings) : renderFindings(label, findings, purpose === "preview" ? "pulumi preview" : "pulumi up"));
  return isReady(findings) ? 0 : 1;
}

/** The command, testable in-process: returns the exit code. Never throws. */
export async function runPreflight(argv: string[], io: PreflightIo): Promise<number> {
  try {
    return await preflight(argv, io);
  } catch (e) {
    const message = (e instanceof Error ? e.message : String(e)).replace(/\r/g, "");
    io.stderr(`preflight: ${message}\n${e instanceof UsageError ? USAGE : ""}`);
    return e instanceof UsageError ? 2 : 1;
  }
}

if (require.main === module) {
  runPreflight(process.argv.slice(2), { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) }).then(
    (code) => (process.exitCode = code),
    () => (process.exitCode = 1),
  );
}
