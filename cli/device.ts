/**
 * `npm run device -- register`: a simulated device provisions through DPS with X.509, through Microsoft's device SDK,
 * and says where it landed or, in plain words, why DPS refused it and what fixes that.
 *
 *   npm run device -- register --id-scope 0ne00… --cert out/dev-1.fullchain.pem --key out/dev-1.key.pem
 *   npm run device -- register --stack dev --issuer-cert out/intermediate.pem --issuer-key out/intermediate.key.pem --registration-id dev-2
 *   npm run device -- register --stack adr --cert onboard.pem --key onboard.key.pem --issue --out out/   (Device Registry issuance)
 *
 * Exit codes: 0 registered, 1 refused (or the credentials are wrong), 2 usage. Key material is never printed.
 */
import { readFileSync } from "fs";
import { ISSUED_ROOTS_ENV, ISSUER_CERT_ENV, ISSUER_KEY_ENV, ISSUER_KEY_ID_ENV } from "../components/resources/smokeTestCommand";
import { issueThrowawayDeviceInVault } from "./device/vaultIssuer";
import { chainFacts, credentialWarnings, DeviceCredentials, issueThrowawayDevice, loadDeviceCredentials } from "./device/credentials";
import { explainRefusal, formatRefusal } from "./device/explain";
import { registerX509Device } from "./device/register";
import { registerWithCsr } from "./device/registerWithCsr";
import { newDeviceKeyAndCsr } from "./device/issuedCertificate";
import { completeIssuance, formatIssuance, rootsAmong } from "./device/issue";
import { readStackOutputs, stringOutput } from "./stackOutputs";
import { UsageError, wholeErrorMessage } from "./cliArgs";

import { DEFAULT_GLOBAL_ENDPOINT, parseRegisterArgs, type RegisterValues, USAGE } from "./device/registerArgs";

export { DEFAULT_GLOBAL_ENDPOINT, USAGE };

export interface DeviceIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Environment variables (default process.env). */
  readonly env?: Record<string, string | undefined>;
  /** stdout of `pulumi stack output --json --stack <stack>` (default: runs the Pulumi CLI). */
  stackOutputs?(stack: string): Promise<string>;
  /** One registration attempt (default: Microsoft's device SDK). */
  registerDevice?: typeof registerX509Device;
  /** Waits between attempts (default: a timer). */
  sleep?(ms: number): Promise<void>;
}

interface RegisterOptions {
  idScope: string;
  globalEndpoint: string;
  expectHubs: string[];
  json: boolean;
  attempts: number;
  retryDelayMs: number;
}

function readInput(path: string, flag: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new Error(`${flag} ${path}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : "cannot be read"}`);
  }
}

/** `https://host/` or `host:443` → `host` (the SDK takes a host name). */
export function normalizeEndpoint(value: string): string {
  const host = value.trim().replace(/^https?:\/\//i, "").replace(/\/.*$/, "").replace(/:443$/, "");
  if (!/^[A-Za-z0-9.-]+$/.test(host)) throw new UsageError(`--global-endpoint ${JSON.stringify(value)} is not a host name`);
  return host.toLowerCase();
}

/** The device's credentials from whichever source the flags name (exactly one). */
async function credentialsFrom(values: RegisterValues, env: Record<string, string | undefined>): Promise<DeviceCredentials> {
  const fromFiles = values.cert !== undefined || values.key !== undefined;
  const fromIssuerFiles = values["issuer-cert"] !== undefined || values["issuer-key"] !== undefined || values["issuer-key-id"] !== undefined;
  const fromEnv = values["issuer-from-env"] === true;
  const sources = [fromFiles, fromIssuerFiles, fromEnv].filter(Boolean).length;
  if (sources !== 1) throw new UsageError("give the device's certificate one way: --cert and --key, or --issuer-cert and --issuer-key, or --issuer-from-env");
  const registrationId = values["registration-id"];
  if (fromFiles) {
    if (!values.cert || !values.key) throw new UsageError("--cert and --key go together");
    return loadDeviceCredentials({
      chainPem: readInput(values.cert, "--cert"),
      privateKeyPem: readInput(values.key, "--key"),
      registrationId,
      certWhat: `--cert ${values.cert}`,
      keyWhat: `--key ${values.key}`,
    });
  }
  if (!registrationId) throw new UsageError("--registration-id is required to issue a device certificate");
  if (fromIssuerFiles) {
    if (values["issuer-cert"] && values["issuer-key-id"] && !values["issuer-key"]) {
      return issueThrowawayDeviceInVault({ issuerCertificatePem: readInput(values["issuer-cert"], "--issuer-cert"), issuerKeyId: values["issuer-key-id"], registrationId });
    }
    if (!values["issuer-cert"] || !values["issuer-key"] || values["issuer-key-id"]) throw new UsageError("--issuer-cert goes with --issuer-key or --issuer-key-id (one of them)");
    return issueThrowawayDevice({
      issuerCertificatePem: readInput(values["issuer-cert"], "--issuer-cert"),
      issuerPrivateKeyPem: readInput(values["issuer-key"], "--issuer-key"),
      registrationId,
    });
  }
  const certificatePem = env[ISSUER_CERT_ENV];
  const keyPem = env[ISSUER_KEY_ENV];
  const keyId = env[ISSUER_KEY_ID_ENV];
  if (certificatePem && keyId && !keyPem) return issueThrowawayDeviceInVault({ issuerCertificatePem: certificatePem, issuerKeyId: keyId, registrationId });
  if (!certificatePem || !keyPem) throw new UsageError(`--issuer-from-env needs ${ISSUER_CERT_ENV} and ${ISSUER_KEY_ENV} in the environment`);
  return issueThrowawayDevice({ issuerCertificatePem: certificatePem, issuerPrivateKeyPem: keyPem, registrationId });
}

async function whereTheDpsIs(values: RegisterValues, io: DeviceIo): Promise<RegisterOptions> {
  let idScope = values["id-scope"];
  let endpoint = values["global-endpoint"];
  if (values.stack && (!idScope || !endpoint)) {
    const outputs = await readStackOutputs(values.stack, io.stackOutputs);
    idScope ??= stringOutput(outputs, "idScope");
    endpoint ??= stringOutput(outputs, "globalDeviceEndpoint");
    if (!idScope) throw new Error(`stack ${values.stack} has no "idScope" output; pass --id-scope`);
  }
  if (!idScope) throw new UsageError("--id-scope (or --stack) is required: the DPS's ID scope, `pulumi stack output idScope`");
  if (!/^[A-Za-z0-9]+$/.test(idScope)) throw new UsageError(`--id-scope ${JSON.stringify(idScope)} is not an ID scope (letters and digits, e.g. 0ne00012345)`);
  return {
    idScope,
    globalEndpoint: normalizeEndpoint(endpoint ?? DEFAULT_GLOBAL_ENDPOINT),
    expectHubs: (values["expect-hub"] ?? []).map((h) => h.toLowerCase()),
    json: values.json === true,
    attempts: wholeNumber(values.attempts, "--attempts", 1, 1, 10),
    retryDelayMs: wholeNumber(values["retry-delay"], "--retry-delay", 10, 0, 300) * 1000,
  };
}

/** The roots the issued chain must reach: --root-cert, or the stack's self-signed CA certificates. */
async function stackRoots(values: RegisterValues, io: DeviceIo): Promise<string[]> {
  if (values["root-cert"]) return [readInput(values["root-cert"], "--root-cert")];
  const fromEnv = (io.env ?? process.env)[ISSUED_ROOTS_ENV];
  if (!values.stack && fromEnv) {
    const roots = rootsAmong(fromEnv.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []);
    if (!roots.length) throw new Error(`${ISSUED_ROOTS_ENV} holds no self-signed root certificate`);
    return roots;
  }
  if (!values.stack) throw new UsageError(`--issue needs --root-cert <file> (the stack's root), --stack, or ${ISSUED_ROOTS_ENV}`);
  const outputs = await readStackOutputs(values.stack, io.stackOutputs);
  const cas = (outputs?.caCertificates ?? {}) as Record<string, unknown>;
  const roots = rootsAmong(Object.values(cas).filter((v): v is string => typeof v === "string"));
  if (!roots.length) throw new Error(`stack ${values.stack} has no root in its "caCertificates" output; pass --root-cert`);
  return roots;
}

function wholeNumber(text: string | undefined, flag: string, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) throw new UsageError(`${flag} must be a whole number from ${min} to ${max}`);
  return value;
}

async function register(args: string[], io: DeviceIo): Promise<number> {
  const values = parseRegisterArgs(args);
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  const env = io.env ?? process.env;
  const where = await whereTheDpsIs(values, io);
  const credentials = await credentialsFrom(values, env);
  for (const warning of credentialWarnings(credentials)) io.stderr(`warning: ${warning}\n`);
  const context = { registrationId: credentials.registrationId, idScope: where.idScope, globalEndpoint: where.globalEndpoint, chain: chainFacts(credentials) };
  const issuing = values.issue === true ? await newDeviceKeyAndCsr(credentials.registrationId) : undefined;
  if (!issuing && (values["root-cert"] || values.out || values["skip-connect"])) throw new UsageError("--root-cert, --out and --skip-connect go with --issue");
  const rootPems = issuing ? await stackRoots(values, io) : [];
  const registerOnce = issuing
    ? async (request: Parameters<typeof registerX509Device>[0]) => (await registerWithCsr({ ...request, csrDer: issuing.csrDer, sleep: io.sleep })) as Awaited<ReturnType<typeof registerX509Device>>
    : io.registerDevice ?? registerX509Device;
  const sleep = io.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let state: (Awaited<ReturnType<typeof registerX509Device>> & { issuedCertificateChain?: string[] }) | undefined;
  for (let attempt = 1; state === undefined; attempt++) {
    try {
      state = await registerOnce({
        provisioningHost: where.globalEndpoint,
        idScope: where.idScope,
        registrationId: credentials.registrationId,
        chainPem: credentials.chainPem,
        privateKeyPem: credentials.privateKeyPem,
      });
    } catch (err) {
      const refusal = explainRefusal(err, context);
      if (attempt < where.attempts) {
        io.stderr(`attempt ${attempt} of ${where.attempts}: ${refusal.reason} Trying again in ${where.retryDelayMs / 1000} s.\n`);
        await sleep(where.retryDelayMs);
        continue;
      }
      if (where.json) io.stdout(`${JSON.stringify({ registrationId: credentials.registrationId, refused: refusal }, null, 2)}\n`);
      io.stderr(formatRefusal(credentials.registrationId, refusal));
      return 1;
    }
  }
  const outcome = {
    registrationId: credentials.registrationId,
    assignedHub: state.assignedHub,
    deviceId: state.deviceId,
    status: state.status,
    substatus: state.substatus as string | undefined,
    enrollmentGroupId: (state.x509 as { enrollmentGroupId?: string } | undefined)?.enrollmentGroupId,
  };
  const issuance = issuing
    ? await completeIssuance({ registrationId: credentials.registrationId, state, device: issuing, rootPems, outDir: values.out, connect: values["skip-connect"] !== true })
    : undefined;
  if (where.json) io.stdout(`${JSON.stringify(issuance ? { ...outcome, issuance } : outcome, null, 2)}\n`);
  else io.stdout(formatRegistration(outcome, where) + (issuance ? formatIssuance(issuance) : ""));
  if (issuance && (!issuance.verified || (issuance.hub && !issuance.hub.connected))) return 1;
  if (where.expectHubs.length && !where.expectHubs.includes(String(outcome.assignedHub).toLowerCase())) {
    io.stderr(`device "${outcome.registrationId}" was assigned to ${outcome.assignedHub}, not to ${where.expectHubs.join(" or ")}: check the group's iotHubs and allocation policy (npm run doctor)\n`);
    return 1;
  }
  return 0;
}

export function formatRegistration(
  o: { registrationId: string; assignedHub?: string; deviceId?: string; status?: string; substatus?: string; enrollmentGroupId?: string },
  where: { idScope: string; globalEndpoint: string },
): string {
  const rows: Array<[string, string | undefined]> = [
    ["assigned hub", o.assignedHub],
    ["device id", o.deviceId],
    ["status", o.substatus ? `${o.status} (${o.substatus})` : o.status],
    ["enrollment", o.enrollmentGroupId ? `group "${o.enrollmentGroupId}"` : "individual enrollment"],
  ];
  return `Device "${o.registrationId}" registered through DPS ${where.idScope} (${where.globalEndpoint}):\n${rows
    .map(([label, value]) => `  ${label.padEnd(13)} ${value ?? "-"}`)
    .join("\n")}\n`;
}

const COMMANDS: Record<string, (args: string[], io: DeviceIo) => Promise<number>> = { register };

/** The command, testable in-process: returns the exit code (0 registered, 1 refused or failed, 2 usage). Never throws. */
export async function runDevice(argv: string[], io: DeviceIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "help" || command === "--help" || command === "-h") {
    (command === undefined ? io.stderr : io.stdout)(USAGE);
    return command === undefined ? 2 : 0;
  }
  const run = COMMANDS[command];
  if (!run) {
    io.stderr(`device: unknown command "${command}" (commands: ${Object.keys(COMMANDS).join(", ")})\n${USAGE}`);
    return 2;
  }
  try {
    return await run(rest, io);
  } catch (e) {
    const message = wholeErrorMessage(e);
    io.stderr(`device ${command}: ${message}\n${e instanceof UsageError ? USAGE : ""}`);
    return e instanceof UsageError ? 2 : 1;
  }
}

if (require.main === module) {
  runDevice(process.argv.slice(2), { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) }).then(
    (code) => (process.exitCode = code),
    () => (process.exitCode = 1),
  );
}
