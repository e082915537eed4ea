/**
 * Manners every command-line tool shares: exit 2 for a usage error and 1 for a config or runtime problem, JSON
 * files named in their parse errors, secrets read from a file or stdin instead of the command line, and one
 * line on how to sign in when Azure credentials are missing.
 */
import * as fs from "fs";
import { wholeMessage } from "../components/azure/errorText";

/** A problem in how the command was called: exit 2, with the usage. */
export class UsageError extends Error {}

/** The exit code for an error thrown by a command: 2 for a usage error, else 1. */
export function exitCodeOf(err: unknown): number {
  return err instanceof UsageError ? 2 : 1;
}

/** util.parseArgs messages are one line but long; the first sentence says it. */
export function firstSentence(message: string): string {
  return message.split(/\. |\n/)[0];
}

/** A JSON file's value; a missing file or a parse error names the file (and the flag that gave it). */
export function readJsonFile(file: string, flag?: string): unknown {
  const label = flag ? `${flag} ${file}` : file;
  if (!fs.existsSync(file)) throw new Error(`${label}: no such file`);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new Error(`${label}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${label} is not valid JSON: ${firstSentence((err as Error).message)}`);
  }
}

/** Reads all of stdin (fd 0) as text. */
export function readStdinText(): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on("data", (chunk: Buffer) => chunks.push(chunk));
    process.stdin.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    process.stdin.on("error", reject);
  });
}

export interface SecretOptionSources {
  /** The value given inline (`--connection-string <cs>`): visible in shell history and `ps`. */
  readonly inline?: string;
  /** `--<name>-file PATH`, or `-` for stdin. */
  readonly file?: string;
  /** An environment variable's value. */
  readonly env?: string;
}

/**
 * A secret option from, in order: `--<flag>-file PATH|-`, `--<flag> <value>`, the environment. Giving both the
 * file and the inline value is a usage error. The value is trimmed (a file usually ends with a newline).
 */
export async function readSecretOption(flag: string, sources: SecretOptionSources, readStdin: () => Promise<string> = readStdinText): Promise<string | undefined> {
  if (sources.file !== undefined && sources.inline !== undefined) throw new UsageError(`give ${flag} or ${flag}-file, not both`);
  if (sources.file !== undefined) {
    let text: string;
    if (sources.file === "-") text = await readStdin();
    else {
      if (!fs.existsSync(sources.file)) throw new UsageError(`${flag}-file ${sources.file}: no such file`);
      text = fs.readFileSync(sources.file, "utf8");
    }
    const value = text.trim();
    if (!value) throw new UsageError(`${flag}-file ${sources.file === "-" ? "- (stdin)" : sources.file} is empty`);
    return value;
  }
  return sources.inline ?? (sources.env || undefined);
}

/** What to say when a secret was given on the command line. */
export function inlineSecretWarning(flag: string): string {
  return `note: ${flag} on the command line stays in shell history and is visible in \`ps\`; prefer ${flag}-file <path> (or - for stdin)\n`;
}

/** One line: how to sign in to Azure for these tools. */
export const SIGN_IN_HINT =
  "not signed in to Azure: run `az login` (and `az account set --subscription <id>`), or set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET for a service principal";

const SIGN_IN_ERROR_NAMES = new Set(["AggregateAuthenticationError", "CredentialUnavailableError", "AuthenticationRequiredError"]);

/** True when an error says that DefaultAzureCredential found no usable sign-in (as opposed to a refusal by Azure). */
export function isSignInError(err: unknown): boolean {
  const e = err as { name?: string; errors?: unknown[]; cause?: unknown } | undefined;
  if (!e || typeof e !== "object") return false;
  if (e.name && SIGN_IN_ERROR_NAMES.has(e.name)) return true;
  return e.cause !== undefined && e.cause !== err && isSignInError(e.cause);
}

/**
 * An error's message for the user, whole: Azure's messages run over several lines (Key Vault's RBAC 403 names the
 * refused action on its fourth), so none is cut to its first; carriage returns and trailing blanks are removed.
 */
export function wholeErrorMessage(e: unknown): string {
  return wholeMessage(e instanceof Error ? e.message : String(e));
}
