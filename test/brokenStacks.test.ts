/**
 * The corpus of broken and hostile stack files (test/fixtures/broken-stacks/), each planned through the real offline
 * plan CLI (`runPlan` of cli/plan.ts in this process, and a few as a separate process, as a reviewer runs it): exit
 * code 1, every expected phrase in the message, no forbidden one (a key, "is required" for a present key, a
 * JavaScript internal error), no stack trace, and nothing declared before the refusal.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createDeviceCertificate, createIntermediateCa, createRootCa } from "../certs";
import { runPlan } from "../cli/plan";
import { AzureLikeMocks } from "../cli/plan/mocks";

const ROOT = path.resolve(__dirname, "..");
const CORPUS = path.join(__dirname, "fixtures/broken-stacks");
const files = fs.readdirSync(CORPUS).filter((name) => name.endsWith(".yaml")).sort();

/** What each fixture asks of the plan, from its header comments. */
function expectations(text: string) {
  const lines = (prefix: string) => text.split("\n").filter((line) => line.startsWith(prefix)).map((line) => line.slice(prefix.length).trim());
  return { expect: lines("# expect:"), forbid: lines("# forbid:"), args: lines("# args:").flatMap((line) => line.split(/\s+/)) };
}

/** Certificates (and a key) the templates name, made here so that no key is kept in the repository. */
const material = (() => {
  const root = createRootCa({ commonName: "Brought Root", keySize: 2048, validityDays: 3650 });
  const other = createRootCa({ commonName: "Other Root", keySize: 2048, validityDays: 3650 });
  const intermediate = createIntermediateCa({ issuer: root, commonName: "Brought Intermediate", keySize: 2048, validityDays: 1000 });
  const stray = createIntermediateCa({ issuer: other, commonName: "Stray Intermediate", keySize: 2048, validityDays: 1000 });
  const then = new Date(Date.now() - 400 * 24 * 3600 * 1000);
  const expired = createRootCa({ commonName: "Old Root", keySize: 2048, validityDays: 30, now: then });
  const device = createDeviceCertificate({ issuer: intermediate, registrationId: "device-1", keySize: 2048 });
  const device2 = createDeviceCertificate({ issuer: intermediate, registrationId: "device-2", keySize: 2048 });
  const expiredDevice = createDeviceCertificate({ issuer: expired, registrationId: "device-1", keySize: 2048, validityDays: 20, now: then });
  return {
    __ROOT_CERT__: root.certificatePem,
    __OTHER_KEY__: other.privateKeyPem,
    __INTERMEDIATE_CERT__: intermediate.certificatePem,
    __STRAY_INTERMEDIATE_CERT__: stray.certificatePem,
    __EXPIRED_ROOT_CERT__: expired.certificatePem,
    __LEAF_CERT__: device.certificatePem,
    __DEVICE_CERT__: device.certificatePem,
    __DEVICE_2_CERT__: device2.certificatePem,
    __EXPIRED_DEVICE_CERT__: expiredDevice.certificatePem,
  };
})();

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "broken-stacks-"));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** The fixture with its placeholders filled (as JSON string contents: the templates quote them). */
function materialized(name: string): string {
  let text = fs.readFileSync(path.join(CORPUS, name), "utf8");
  for (const [placeholder, pem] of Object.entries(material)) text = text.split(placeholder).join(JSON.stringify(pem).slice(1, -1));
  const file = path.join(scratch, `Pulumi.${name}`);
  fs.writeFileSync(file, text);
  return file;
}

const STACK_TRACE = /\n\s+at .+[:(]\d+/;

test("the corpus covers the issue's classes of broken file", () => {
  expect(files.length).toBeGreaterThanOrEqual(50);
  for (const name of files) expect({ name, expect: expectations(fs.readFileSync(path.join(CORPUS, name), "utf8")).expect.length > 0 }).toEqual({ name, expect: true });
});

describe.each(files)("%s", (name) => {
  test("refused by the plan: exit 1, its words, no stack trace, nothing declared", async () => {
    const file = materialized(name);
    const { expect: phrases, forbid, args } = expectations(fs.readFileSync(file, "utf8"));
    const declared = jest.spyOn(AzureLikeMocks.prototype, "newResource");
    let stdout = "";
    let stderr = "";
    let code: number;
    const cwd = process.cwd();
    try {
      process.chdir(ROOT);
      code = await runPlan(["--config", file, ...args], { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) });
    } finally {
      process.chdir(cwd);
    }
    // A tenant's platform is read through a StackReference (a read, not a declaration); nothing else may be registered.
    const resources = declared.mock.calls.map(([call]) => call.type).filter((type) => type !== "pulumi:pulumi:StackReference");
    declared.mockRestore();
    expect({ code, stdout, resources }).toEqual({ code: 1, stdout: "", resources: [] });
    for (const phrase of phrases) expect(stderr).toContain(phrase);
    // The file's own name (in the message's header) is not part of what the plan says.
    const said = stderr.split(file).join("").split(path.basename(file)).join("");
    for (const phrase of forbid) expect(said).not.toContain(phrase);
    expect(stderr).not.toMatch(STACK_TRACE);
    expect(stderr).not.toMatch(/TypeError|RangeError|Maximum call stack|undefined is not|Cannot read propert/);
    // No key material from the templates is ever shown.
    expect(stderr).not.toMatch(/BEGIN (RSA )?PRIVATE KEY|MII[A-Za-z0-9+/]{20}/);
  });
});

test.each(["duplicate-top-level-key.yaml", "deep-nesting-overflow.yaml", "validity-days-words.yaml"])("%s, as a separate process: exit 1 and its words on stderr", (name) => {
  const file = materialized(name);
  const { expect: phrases } = expectations(fs.readFileSync(file, "utf8"));
  const result = spawnSync(process.execPath, ["-r", path.join(ROOT, "cli/tsRegister.js"), path.join(ROOT, "cli/plan.ts"), "--config", file], { cwd: ROOT, encoding: "utf8" });
  expect(result.status).toBe(1);
  expect(result.stdout).toBe("");
  for (const phrase of phrases) expect(result.stderr).toContain(phrase);
  expect(result.stderr).not.toMatch(STACK_TRACE);
});
