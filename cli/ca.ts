/**
 * `npm run ca -- <command>`: offline CA tools.
 *
 *   ca chain --out <dir> [--root-cn X] [--intermediate-cn Y] [--key-size N] [--device <id> ...] [--force]
 *   ca verification-cert --ca-cert <file> --ca-key <file> --code <code> --out <file> [--force]
 *   ca verification-cert --ca-cert <file> --ca-key-id <Key Vault key id> --code <code> --out <file> [--force]
 *   ca import-key --vault <name> --ca-name <name> --key <file> [--sku premium|standard]
 *   ca inspect <file>
 *
 * Errors print one line on stderr (no stack trace) and exit 1 (2 for usage errors).
 */
import { existsSync, mkdirSync, readFileSync, statSync } from "fs";
import { dirname, join, resolve as resolvePath } from "path";
import { parseArgs, ParseArgsConfig } from "util";
import {
  assertRegistrationId,
  assertVerificationCode,
  checkBroughtCaDetailed,
  createDeviceCertificate,
  createIntermediateCa,
  createRootCa,
  createVerificationCertificate,
  describeCertificate,
  RSA_KEY_SIZES,
  RsaKeySize,
} from "../certs";
import { pemDecodeAll, pemEncode } from "../certs/der";
import { UsageError, wholeErrorMessage } from "./cliArgs";
import { assertWritable, KEY_FILE_MODE, PUBLIC_FILE_MODE, writeFileSafely } from "./ca/safeWrite";
import { importKeyCommand, vaultVerificationCert } from "./ca/keyVault";
import { assertKeysIgnored } from "./ca/workTreeGuard";

/** Where runCa writes. `process` fits. */
export interface CaIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** Where relative paths start: default INIT_CWD (npm sets it to the folder `npm run` was called from), else the process's. */
  callerDir?: string;
}

/** The flags that name files: resolved from the caller's folder, not the repository root where npm runs the script. */
const PATH_FLAGS = new Set(["out", "ca-cert", "ca-key", "key"]);
let callerDir = process.cwd();
const fromCaller = (file: string) => resolvePath(callerDir, file);

const ROOT_VALIDITY_DAYS = 3650;
const INTERMEDIATE_VALIDITY_DAYS = 1825;
const DEVICE_VALIDITY_DAYS = 365;

/** The stacks' default (`ca.*.keySize`), so a chain made here is what a stack would make. */
export const DEFAULT_CA_KEY_SIZE: RsaKeySize = 4096;

export const USAGE = `usage: npm run ca -- <command> [options]

  ca chain --out <dir> [--root-cn X] [--intermediate-cn Y] [--key-size 2048|3072|4096] [--device <id> ...] [--force]
      a root, an intermediate and, per --device, a device certificate (CN = the registration id, RSA-2048,
      one year), its key and its full chain. --key-size is the CAs' (default ${DEFAULT_CA_KEY_SIZE}, as the stacks').
      Keys are written mode 0600; nothing existing is replaced unless --force. Every file written is listed.
  ca verification-cert --ca-cert <file> --ca-key <file> --code <code> --out <file> [--force]
      the proof-of-possession certificate: CN = DPS's verification code, signed by the CA's key
  ca verification-cert --ca-cert <file> --ca-key-id <Key Vault key id> --code <code> --out <file> [--force]
      the same, signed in Key Vault by the CA's key there (the key never leaves the vault)
  ca import-key --vault <name> --ca-name <name> --key <file> [--sku premium|standard]
      import a CA key kept in state into Key Vault, non-exportable (the move from keyStore: state to keyVault)
  ca inspect <file>
      subject, issuer, validity, key size, key ids and thumbprints of each certificate in a PEM file

Exit codes: 0 done, 1 a problem with the files, 2 usage.
`;


function readInput(path: string, flag: string): string {
  if (!existsSync(path)) throw new Error(`${flag} ${path}: no such file`);
  if (!statSync(path).isFile()) throw new Error(`${flag} ${path}: not a file`);
  return readFileSync(path, "utf8");
}

/** The CA's files in a chain folder: device ids may not produce these names. */
const CA_FILES = ["root.pem", "root.key.pem", "intermediate.pem", "intermediate.key.pem"];

function deviceFiles(id: string): string[] {
  return [`${id}.pem`, `${id}.key.pem`, `${id}.fullchain.pem`];
}

function parse(args: string[], options: NonNullable<ParseArgsConfig["options"]>, positionals = 0) {
  try {
    const result = parseArgs({ args, options, allowPositionals: positionals > 0, strict: true });
    if (result.positionals.length > positionals) throw new UsageError(`unexpected argument ${result.positionals[positionals]}`);
    return result;
  } catch (e) {
    // util.parseArgs messages are one line but long; keep the first sentence.
    throw new UsageError((e as Error).message.split(/\. |\n/)[0]);
  }
}

function required(values: Record<string, unknown>, name: string): string {
  const value = values[name];
  if (typeof value !== "string" || value === "") throw new UsageError(`--${name} is required`);
  return PATH_FLAGS.has(name) ? fromCaller(value) : value;
}

function keySizeOption(value: unknown): RsaKeySize {
  if (value === undefined) return DEFAULT_CA_KEY_SIZE;
  const n = Number(value);
  if (!RSA_KEY_SIZES.includes(n as RsaKeySize)) throw new UsageError(`--key-size must be one of ${RSA_KEY_SIZES.join(", ")}; got ${value}`);
  return n as RsaKeySize;
}

async function chain(args: string[], io: CaIo): Promise<number> {
  const { values } = parse(args, {
    out: { type: "string" },
    "root-cn": { type: "string" },
    "intermediate-cn": { type: "string" },
    "key-size": { type: "string" },
    device: { type: "string", multiple: true },
    force: { type: "boolean" },
  });
  const out = required(values, "out");
  const keySize = keySizeOption(values["key-size"]);
  const force = values.force === true;
  const devices = (values.device as string[] | undefined) ?? [];
  // Every file name, compared without case (registration ids are case-insensitive, and so are some file systems).
  const owners = new Map<string, string>(CA_FILES.map((name) => [name.toLowerCase(), `the CA file ${name}`]));
  const seen = new Set<string>();
  for (const id of devices) {
    assertRegistrationId(id, "--device");
    if (seen.has(id.toLowerCase())) throw new UsageError(`--device ${id} is given twice`);
    seen.add(id.toLowerCase());
    for (const name of deviceFiles(id)) {
      const owner = owners.get(name.toLowerCase());
      if (owner) throw new UsageError(`--device ${id} would write ${name}, which is ${owner}; pick another id`);
      owners.set(name.toLowerCase(), `device ${id}`);
    }
  }
  if (existsSync(out) && !statSync(out).isDirectory()) throw new Error(`--out ${out} is not a folder`);
  const targets = [...CA_FILES, ...devices.flatMap(deviceFiles)].map((name) => join(out, name));
  assertWritable(targets, force);
  assertKeysIgnored(targets.filter((target) => target.endsWith(".key.pem")));

  const root = createRootCa({ commonName: (values["root-cn"] as string) ?? "DPS X.509 Root CA", keySize, validityDays: ROOT_VALIDITY_DAYS });
  const intermediate = createIntermediateCa({
    issuer: root,
    commonName: (values["intermediate-cn"] as string) ?? "DPS X.509 Intermediate CA",
    keySize,
    validityDays: INTERMEDIATE_VALIDITY_DAYS,
  });
  mkdirSync(out, { recursive: true, mode: 0o700 });
  const write = (name: string, pem: string, what: string, mode = PUBLIC_FILE_MODE) => {
    const target = join(out, name);
    writeFileSafely(target, pem, mode, force);
    const thumbprint = what.endsWith("certificate") ? `  SHA-1 ${describeCertificate(pem).sha1Thumbprint}` : "";
    io.stdout.write(`wrote ${target}  (${what}, mode ${mode.toString(8).padStart(4, "0")})${thumbprint}\n`);
  };
  write("root.pem", root.certificatePem, "root certificate");
  write("root.key.pem", root.privateKeyPem, "root private key", KEY_FILE_MODE);
  write("intermediate.pem", intermediate.certificatePem, "intermediate certificate");
  write("intermediate.key.pem", intermediate.privateKeyPem, "intermediate private key", KEY_FILE_MODE);
  for (const id of devices) {
    const device = createDeviceCertificate({ issuer: intermediate, registrationId: id, validityDays: DEVICE_VALIDITY_DAYS });
    write(`${id}.pem`, device.certificatePem, `device ${id} certificate`);
    write(`${id}.key.pem`, device.privateKeyPem, `device ${id} private key`, KEY_FILE_MODE);
    write(`${id}.fullchain.pem`, device.fullChainPem, `device ${id} full chain`);
  }
  return 0;
}

async function verificationCert(args: string[], io: CaIo): Promise<number> {
  const { values } = parse(args, {
    "ca-cert": { type: "string" },
    "ca-key": { type: "string" },
    "ca-key-id": { type: "string" },
    code: { type: "string" },
    out: { type: "string" },
    force: { type: "boolean" },
  });
  const certPath = required(values, "ca-cert");
  if (values["ca-key-id"] !== undefined) {
    if (values["ca-key"] !== undefined) throw new UsageError("give --ca-key or --ca-key-id, not both");
    const certificatePem = readInput(certPath, "--ca-cert");
    await vaultVerificationCert({ certificatePem, keyId: required(values, "ca-key-id"), code: required(values, "code"), out: required(values, "out") }, io);
    return 0;
  }
  const keyPath = required(values, "ca-key");
  const code = required(values, "code");
  const outPath = required(values, "out");
  assertVerificationCode(code, "--code");
  if (!existsSync(dirname(outPath)) || !statSync(dirname(outPath)).isDirectory()) throw new Error(`--out ${outPath}: no folder ${dirname(outPath)}`);
  assertWritable([outPath], values.force === true);
  const certificatePem = readInput(certPath, "--ca-cert");
  const privateKeyPem = readInput(keyPath, "--ca-key");
  const flag = { certificatePem: `--ca-cert ${certPath}`, privateKeyPem: `--ca-key ${keyPath}`, issuerCertificatePem: "issuer" };
  const problems = checkBroughtCaDetailed({ certificatePem, privateKeyPem });
  if (problems.length) {
    const p = problems[0];
    throw new Error(p.message === "private key does not match the certificate's public key" ? `--ca-key ${keyPath} does not match --ca-cert ${certPath}` : `${flag[p.property]}: ${p.message}`);
  }
  const { certificatePem: verification } = createVerificationCertificate({ issuer: { certificatePem, privateKeyPem }, code });
  writeFileSafely(outPath, verification, PUBLIC_FILE_MODE, values.force === true);
  const d = describeCertificate(verification);
  io.stdout.write(`wrote ${outPath}: subject ${d.subject}, issuer ${d.issuer}, valid until ${d.notAfter}\n`);
  return 0;
}

async function inspect(args: string[], io: CaIo): Promise<number> {
  const { positionals } = parse(args, {}, 1);
  if (positionals.length !== 1) throw new UsageError("inspect needs one file");
  const path = fromCaller(positionals[0]);
  const text = readInput(path, "file");
  let blocks: Buffer[];
  try {
    blocks = pemDecodeAll(text, "CERTIFICATE");
  } catch {
    blocks = [];
  }
  if (blocks.length === 0) throw new Error(`${path}: no PEM certificate in it`);
  blocks.forEach((der, i) => {
    let d;
    try {
      d = describeCertificate(pemEncode("CERTIFICATE", der));
    } catch (e) {
      throw new Error(`${path}: certificate ${i + 1}: ${(e as Error).message}`);
    }
    if (blocks.length > 1) io.stdout.write(`${i ? "\n" : ""}# certificate ${i + 1} of ${blocks.length}\n`);
    const lines: [string, string | number | undefined][] = [
      ["subject", d.subject],
      ["issuer", d.issuer],
      ["not before", d.notBefore],
      ["not after", d.notAfter],
      ["key size", d.keySize],
      ["CA", d.isCa ? `yes${d.pathLength !== undefined ? `, path length ${d.pathLength}` : ""}` : "no"],
      ["serial", d.serialNumber],
      ["subject key id", d.subjectKeyId],
      ["authority key id", d.authorityKeyId],
      ["SHA-1 thumbprint", d.sha1Thumbprint],
      ["SHA-256 thumbprint", d.sha256Thumbprint],
    ];
    for (const [label, value] of lines) if (value !== undefined) io.stdout.write(`${`${label}:`.padEnd(20)}${value}\n`);
  });
  return 0;
}

async function importKey(args: string[], io: CaIo): Promise<number> {
  const { values } = parse(args, { vault: { type: "string" }, "ca-name": { type: "string" }, key: { type: "string" }, sku: { type: "string" } });
  const keyFile = required(values, "key");
  readInput(keyFile, "--key");
  await importKeyCommand({ vault: required(values, "vault"), caName: required(values, "ca-name"), keyFile, sku: values.sku as string | undefined }, io);
  return 0;
}

const COMMANDS: Record<string, (args: string[], io: CaIo) => Promise<number>> = {
  chain,
  "verification-cert": verificationCert,
  inspect,
  "import-key": importKey,
};

/** Runs one `ca` command; returns the exit code. Never throws. */
export async function runCa(argv: string[], io: CaIo): Promise<number> {
  callerDir = io.callerDir ?? process.env.INIT_CWD ?? process.cwd();
  const [command, ...rest] = argv;
  if (command === "help" || command === "--help" || command === "-h" || rest.includes("--help") || rest.includes("-h")) {
    io.stdout.write(USAGE);
    return 0;
  }
  const run = command === undefined ? undefined : COMMANDS[command];
  if (!run) {
    const what = command === undefined ? "no command given" : `unknown command "${command}"`;
    io.stderr.write(`ca: ${what} (commands: ${Object.keys(COMMANDS).join(", ")}; "ca help" shows usage)\n`);
    return 2;
  }
  try {
    return await run(rest, io);
  } catch (e) {
    // Azure's messages are kept whole (Key Vault's 403 is several lines, the action and our hint at the end).
    const message = wholeErrorMessage(e);
    io.stderr.write(`ca ${command}: ${message}\n`);
    return e instanceof UsageError ? 2 : 1;
  }
}

if (require.main === module) {
  runCa(process.argv.slice(2), process).then(
    (code) => {
      process.exitCode = code;
    },
    () => {
      process.exitCode = 1;
    },
  );
}
