/**
 * `npm run doctor -- --stack <name>`: checks a live DPS against the stack, the tutorial's checklist after a
 * deployment. Each CA certificate with upload: true present, verified and the stack's own (thumbprint); none
 * expiring within its CA's renewBeforeDays (90 days when unset), and the stack's CAs not on the DPS by the output
 * `caNotAfter`; each hub linked; each group present, enabled as configured, naming verified CAs, with the
 * configured allocation policy and hubs; each hub's SAS, TLS and network settings and the DPS's network settings
 * (cli/doctor/networkChecks.ts); each shard's network settings and hub links, read in its own subscription and
 * resource group (cli/doctor/shardChecks.ts); the Device Registry namespace, its link, CAs and policies
 * (cli/doctor/adrChecks.ts). Prints a table and the fix for each failure; exits 1 if any check fails.
 *
 *   npm run doctor -- --stack dev
 *   npm run doctor -- --config Pulumi.dev.yaml --subscription <id> [--connection-string-file <file>|-]
 *
 * Reads: `Pulumi.<stack>.yaml` (or --config), the stack outputs (`pulumi stack output --json`) for
 * thumbprints, hub host names and names; ARM with DefaultAzureCredential; the DPS service API with --connection-string-file,
 * DPS_CONNECTION_STRING, or DefaultAzureCredential (stacks do not export the DPS key). Writes nothing.
 * Exit codes: 0 all checks pass, 1 a check failed (or the config is invalid), 2 usage.
 */
import type { TokenCredential } from "@azure/identity";
import { join, resolve } from "path";
import { parseArgs } from "util";
import { readStackFile } from "./plan/stackFile";
import { parseStackConfig, readRawStackConfig } from "../components/config";
import { formatProblems } from "../components/config/problems";
import { redact } from "../components/azure/dpsServiceClient";
import { failed, runChecks } from "./doctor/checks";
import { expectationsFromConfig } from "./doctor/expectations";
import { gatherLiveFacts } from "./doctor/gather";
import { networkChecks, networkExpectations } from "./doctor/networkChecks";
import { gatherNetworkFacts } from "./doctor/networkGather";
import { gatherShards, shardChecks, shardExpectations } from "./doctor/shardChecks";
import { formatReport } from "./doctor/render";
import { adrChecks, gatherAdr } from "./doctor/adrChecks";
import { readStackOutputs, stringOutput } from "./stackOutputs";
import { firstSentence, inlineSecretWarning, readSecretOption, SIGN_IN_HINT, UsageError, wholeErrorMessage } from "./cliArgs";
import { findSubscription, SUBSCRIPTION_ORDER } from "./azureSubscription";

export interface DoctorIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Environment variables (default process.env). */
  readonly env?: Record<string, string | undefined>;
  /** Where `Pulumi.<stack>.yaml` is (default the current directory). */
  readonly cwd?: string;
  /** stdout of `pulumi stack output --json --stack <stack>` (default: runs the Pulumi CLI). */
  stackOutputs?(stack: string): Promise<string>;
  /** For the DPS service API without a connection string (default DefaultAzureCredential). */
  readonly credential?: TokenCredential;
  readonly now?: () => Date;
  /** stdin, for `--connection-string-file -` (default: the process's). */
  readStdin?(): Promise<string>;
}

export const USAGE = `usage: npm run doctor -- (--stack <name> | --config <Pulumi.x.yaml>) [options]

  --stack <name>              check the stack: Pulumi.<name>.yaml and its outputs
  --config <file>             the stack file to check against (outputs only with --stack)
  --dps-name <name>           the DPS (default: the stack output dpsName, else the config's dps.name)
  --resource-group <name>     its resource group (default: the stack output, else the config's resourceGroupName)
  --subscription <id>         its subscription (default: the stack output subscriptionId, else azure-native:subscriptionId, else ARM_SUBSCRIPTION_ID, AZURE_SUBSCRIPTION_ID, az's default)
  --arm-endpoint <url>        ARM endpoint (default: the config's armEndpoint, else https://management.azure.com)
  --connection-string-file <file>
                              read the DPS service connection string from a file, or - for stdin (or set
                              DPS_CONNECTION_STRING; without one, DefaultAzureCredential with the
                              "Device Provisioning Service Data Reader" role)
  --connection-string <cs>    the same on the command line (visible in shell history and ps: prefer the file)
  --json                      print the checks as JSON
  --help                      this text

Signs in to ARM with DefaultAzureCredential: \`az login\`, or AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET.
Exit codes: 0 all checks pass, 1 a check failed (or the config is invalid, or not signed in), 2 usage.
`;

function options(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        stack: { type: "string" },
        config: { type: "string" },
        "dps-name": { type: "string" },
        "resource-group": { type: "string" },
        subscription: { type: "string" },
        "arm-endpoint": { type: "string" },
        "connection-string": { type: "string" },
        "connection-string-file": { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (e) {
    throw new UsageError(firstSentence((e as Error).message));
  }
}

async function doctor(argv: string[], io: DoctorIo, secrets: string[]): Promise<number> {
  const o = options(argv);
  if (o.help) {
    io.stdout(USAGE);
    return 0;
  }
  if (!o.stack && !o.config) throw new UsageError("say which stack: --stack <name> or --config <Pulumi.x.yaml>");
  const env = io.env ?? process.env;
  const path = o.config ? resolve(io.cwd ?? process.cwd(), o.config) : join(io.cwd ?? process.cwd(), `Pulumi.${o.stack}.yaml`);
  const parsed = parseStackConfig(readRawStackConfig(readStackFile(path).allConfig));
  if (!parsed.ok) {
    io.stderr(`${path}: the stack config has ${parsed.problems.length} problem(s):\n${formatProblems(parsed.problems)}\n`);
    return 1;
  }
  const config = parsed.config;
  const outputs = o.stack ? await readOutputsOrWarn(o.stack, io) : undefined;
  const platform = config.role === "tenant" ? undefined : config;

  const dpsName = o["dps-name"] ?? stringOutput(outputs, "dpsName") ?? platform?.dps.name;
  const resourceGroupName = o["resource-group"] ?? stringOutput(outputs, "resourceGroupName") ?? platform?.resourceGroupName;
  const subscriptionId = o.subscription ?? stringOutput(outputs, "subscriptionId") ?? platform?.subscriptionId ?? findSubscription(env)?.id;
  if (!dpsName) throw new UsageError("which DPS? pass --dps-name (a tenant stack's config does not name it)");
  if (!resourceGroupName) throw new UsageError("which resource group? pass --resource-group (a tenant stack's config does not name it)");
  if (!subscriptionId) throw new UsageError(`which subscription? pass --subscription, or set one of: ${SUBSCRIPTION_ORDER}`);
  const connectionString = await readSecretOption(
    "--connection-string",
    { inline: o["connection-string"], file: o["connection-string-file"], env: env.DPS_CONNECTION_STRING },
    io.readStdin,
  );
  if (connectionString) secrets.push(connectionString);
  if (o["connection-string"] !== undefined) io.stderr(inlineSecretWarning("--connection-string"));
  const serviceHostName =
    /(?:^|;)\s*HostName\s*=\s*([^;]+)/i.exec(connectionString ?? "")?.[1]?.trim() ?? stringOutput(outputs, "serviceHostName") ?? `${dpsName}.azure-devices-provisioning.net`;

  const expected = expectationsFromConfig(config, outputs, dpsName);
  let notSignedIn = false;
  const live = await gatherLiveFacts(
    {
      subscriptionId,
      resourceGroupName,
      dpsName,
      armEndpoint: o["arm-endpoint"] ?? config.armEndpoint,
      serviceHostName,
      connectionString,
      credential: io.credential,
      onSignInError: () => (notSignedIn = true),
    },
    expected.groups.map((g) => g.enrollmentId),
  );
  // Without a sign-in the ARM rows fail for the same reason: say once, up front, how to fix it.
  if (notSignedIn) io.stderr(`doctor: ${SIGN_IN_HINT}${connectionString ? "" : "; the DPS service API also takes --connection-string-file"}\n`);
  const network = networkExpectations(config);
  const armTarget = { subscriptionId, resourceGroupName, dpsName, armEndpoint: o["arm-endpoint"] ?? config.armEndpoint };
  const networkRows = network ? networkChecks(network, await gatherNetworkFacts(armTarget, network)) : [];
  // Each shard where it lives (its own subscription and resource group, else this DPS's).
  const shards = shardExpectations(config, { subscriptionId, resourceGroupName });
  const shardRows = shards.length ? shardChecks(shards, await gatherShards(shards, armTarget.armEndpoint), expected.linkedHubHostNames) : [];
  const adrRows = adrChecks(config, armTarget, await gatherAdr(config, armTarget), io.now?.() ?? new Date());
  const results = [...runChecks(expected, live, io.now?.() ?? new Date()), ...networkRows, ...shardRows, ...adrRows];
  const target = `DPS ${dpsName} (resource group ${resourceGroupName}) against ${o.stack ? `stack ${o.stack}` : path}`;
  io.stdout(o.json ? `${JSON.stringify({ target, results }, null, 2)}\n` : formatReport(results, target));
  return failed(results).length ? 1 : 0;
}

/** The stack's outputs; when they cannot be read (no Pulumi CLI, not logged in), a warning and none. */
async function readOutputsOrWarn(stack: string, io: DoctorIo): Promise<Record<string, unknown> | undefined> {
  try {
    return await readStackOutputs(stack, io.stackOutputs);
  } catch (err) {
    io.stderr(`warning: ${(err as Error).message}; checking without the stack's outputs (thumbprints are skipped)\n`);
    return undefined;
  }
}

/** The command, testable in-process: returns the exit code. Never throws. */
export async function runDoctor(argv: string[], io: DoctorIo): Promise<number> {
  const secrets: string[] = [];
  try {
    return await doctor(argv, io, secrets);
  } catch (e) {
    const message = redact(wholeErrorMessage(e), secrets);
    io.stderr(`doctor: ${message}\n${e instanceof UsageError ? USAGE : ""}`);
    return e instanceof UsageError ? 2 : 1;
  }
}

if (require.main === module) {
  runDoctor(process.argv.slice(2), { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) }).then(
    (code) => (process.exitCode = code),
    () => (process.exitCode = 1),
  );
}
