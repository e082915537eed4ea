/**
 * Lists the devices provisioned through an enrollment group (registration id, assigned hub, status, last
 * update), like `az iot dps enrollment-group registration list`.
 *
 *   npm run registrations -- --stack <name> --group <enrollment id> [--json] [--page-size <n>]
 *   npm run registrations -- --connection-string-file dps.cs --group <id>      (or - for stdin)
 *   npm run registrations -- --dps-host <dps>.azure-devices-provisioning.net --group <id>   (DefaultAzureCredential)
 *
 * Credentials, first found: --connection-string-file (or --connection-string), the DPS_CONNECTION_STRING environment variable, else
 * DefaultAzureCredential (Azure RBAC on the DPS, e.g. "Device Provisioning Service Data Reader") with the host from
 * --dps-host or from the stack's `serviceHostName` output (`pulumi stack output --json --stack <name>`). Stacks do
 * not export the DPS key: tenants can read a platform's outputs. The connection string is never printed.
 */
import type { TokenCredential } from "@azure/identity";
import { createDpsServiceClient, DpsRecord, redact } from "../components/azure/dpsServiceClient";
import { enrollmentIdRule, isValidEnrollmentId } from "../components/requests/enrollmentGroupRequest";
import { inlineSecretWarning, isSignInError, readSecretOption, SIGN_IN_HINT, UsageError } from "./cliArgs";
import { readStackOutputs, stringOutput } from "./stackOutputs";

export interface RegistrationsIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Environment variables (default process.env). */
  readonly env?: Record<string, string | undefined>;
  /** stdout of `pulumi stack output --json --stack <stack>` (default: runs the Pulumi CLI). */
  stackOutputs?(stack: string): Promise<string>;
  /** For --dps-host (default DefaultAzureCredential). */
  readonly credential?: TokenCredential;
  /** stdin, for `--connection-string-file -` (default: the process's). */
  readStdin?(): Promise<string>;
}

/** The DPS data plane's token audience (Entra ID). */
const DPS_TOKEN_SCOPE = "https://azure-devices-provisioning.net/.default";

/** The stack output that names the DPS service host. */
export const STACK_OUTPUT_KEY = "serviceHostName";

const usage = `usage: npm run registrations -- --group <enrollment id> (--stack <name> | --connection-string <cs> | --dps-host <host>) [--json] [--page-size <n>]

  --group <id>                 the enrollment group whose device registrations to list
  --stack <name>               read the DPS host from the stack output "${STACK_OUTPUT_KEY}" (DefaultAzureCredential)
  --connection-string-file <f> read the DPS connection string from a file, or - for stdin (keeps it out of
                               shell history and ps); or set DPS_CONNECTION_STRING
  --connection-string <cs>     the same on the command line (visible in history and ps: prefer the file)
  --dps-host <host>            <dps>.azure-devices-provisioning.net, signing in with DefaultAzureCredential
  --page-size <n>              registrations per request (default 100)
  --json                       print the registration states as JSON
  --help                       this text

Exit codes: 0 listed, 1 failed (Azure refused, not signed in), 2 usage.
`;

interface Options {
  group?: string;
  stack?: string;
  connectionString?: string;
  connectionStringFile?: string;
  dpsHost?: string;
  pageSize: number;
  json: boolean;
  help: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { pageSize: 100, json: false, help: false };
  const value = (i: number, flag: string) => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith("--")) throw new Error(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].startsWith("--") && argv[i].includes("=") ? [argv[i].slice(0, argv[i].indexOf("=")), argv[i].slice(argv[i].indexOf("=") + 1)] : [argv[i], undefined];
    const take = () => (inline !== undefined ? inline : value(i++, flag));
    switch (flag) {
      case "--group": o.group = take(); break;
      case "--stack": o.stack = take(); break;
      case "--connection-string": o.connectionString = take(); break;
      case "--connection-string-file": {
        // "-" is a value here (stdin), not a flag.
        o.connectionStringFile = inline !== undefined ? inline : argv[i + 1] === "-" ? argv[++i] : take();
        break;
      }
      case "--dps-host": o.dpsHost = take(); break;
      case "--page-size": {
        const n = Number(take());
        if (!Number.isInteger(n) || n < 1 || n > 1000) throw new Error("--page-size must be an integer from 1 to 1000");
        o.pageSize = n;
        break;
      }
      case "--json": o.json = true; break;
      case "--help": case "-h": o.help = true; break;
      default: throw new Error(`unknown argument ${flag.startsWith("--") ? flag : JSON.stringify(flag)}`);
    }
  }
  return o;
}

/** A fixed-width table; the last column is not padded. */
function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]))).join("  ")).join("\n") + "\n";
}

export function formatRegistrations(groupId: string, items: DpsRecord[]): string {
  if (items.length === 0) return `No devices have registered through enrollment group "${groupId}".\n`;
  const rows = [["REGISTRATION ID", "ASSIGNED HUB", "STATUS", "LAST UPDATED (UTC)"]];
  for (const r of items) {
    const status = r.status === "assigned" && r.substatus ? `assigned (${r.substatus})` : r.status === "failed" && r.errorMessage ? `failed: ${r.errorMessage}` : String(r.status ?? "");
    rows.push([String(r.registrationId ?? ""), String(r.assignedHub ?? "-"), status, String(r.lastUpdatedDateTimeUtc ?? "")]);
  }
  return table(rows) + `${items.length} registration${items.length === 1 ? "" : "s"} in enrollment group "${groupId}".\n`;
}

/** The command, testable in-process: returns the exit code (0 ok, 1 failed, 2 usage). */
export async function runRegistrations(argv: string[], io: RegistrationsIo): Promise<number> {
  const env = io.env ?? process.env;
  let secrets: string[] = [];
  let opts: Options;
  try {
    opts = parseArgs(argv);
  } catch (err) {
    io.stderr(`${(err as Error).message}\n${usage}`);
    return 2;
  }
  if (opts.help) {
    io.stdout(usage);
    return 0;
  }
  if (!opts.group) {
    io.stderr(`--group is required\n${usage}`);
    return 2;
  }
  if (!isValidEnrollmentId(opts.group)) {
    io.stderr(`--group ${JSON.stringify(opts.group)} is not an enrollment group id: ${enrollmentIdRule}\n`);
    return 2;
  }
  let connectionString: string | undefined;
  try {
    connectionString = await readSecretOption("--connection-string", { inline: opts.connectionString, file: opts.connectionStringFile, env: env.DPS_CONNECTION_STRING }, io.readStdin);
  } catch (err) {
    io.stderr(`${(err as Error).message}\n${err instanceof UsageError ? usage : ""}`);
    return err instanceof UsageError ? 2 : 1;
  }
  if (opts.connectionString !== undefined) io.stderr(inlineSecretWarning("--connection-string"));
  try {
    let host = opts.dpsHost;
    if (!connectionString && !host) {
      if (!opts.stack) {
        io.stderr(`say where the DPS is: --stack, --connection-string-file (or DPS_CONNECTION_STRING) or --dps-host\n${usage}`);
        return 2;
      }
      const outputs = await readStackOutputs(opts.stack, io.stackOutputs);
      const value = stringOutput(outputs, STACK_OUTPUT_KEY);
      if (!value) {
        throw new Error(`stack ${opts.stack} has no "${STACK_OUTPUT_KEY}" output (outputs: ${Object.keys(outputs).join(", ") || "none"}); pass --connection-string or --dps-host`);
      }
      host = value;
    }
    if (connectionString) {
      secrets = [connectionString];
      const hostName = /(?:^|;)\s*HostName\s*=\s*([^;]+)/i.exec(connectionString)?.[1]?.trim();
      if (host && hostName && host.toLowerCase() !== hostName.toLowerCase()) throw new Error(`--dps-host ${host} does not match the connection string's host ${hostName}`);
      host = hostName ?? host;
    }
    if (!host) throw new Error("the DPS connection string has no HostName");
    let credential = io.credential;
    if (!connectionString) {
      // The DPS client reports a missing sign-in as a failed call; ask for a token first to say how to sign in.
      credential ??= (require("../components/azure/credential") as typeof import("../components/azure/credential")).azureCredential();
      await credential.getToken(DPS_TOKEN_SCOPE);
    }
    const client = createDpsServiceClient({ serviceHostName: host, connectionString, credential });
    const items = await client.listGroupRegistrations(opts.group, opts.pageSize);
    io.stdout(opts.json ? `${JSON.stringify(items, null, 2)}\n` : formatRegistrations(opts.group, items));
    return 0;
  } catch (err) {
    if (isSignInError(err)) {
      io.stderr(`registrations: ${SIGN_IN_HINT}; or pass --connection-string-file\n`);
      return 1;
    }
    const e = err as { statusCode?: number; message?: string };
    const hint = e.statusCode === 404 ? ` (is "${opts.group}" an enrollment group of this DPS?)` : "";
    io.stderr(`${redact(String(e.message ?? err), secrets)}${hint}\n`);
    return 1;
  }
}

if (require.main === module) {
  runRegistrations(process.argv.slice(2), { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) })
    .then((code) => (process.exitCode = code));
}
