/**
 * Messages a person can act on, secrets kept out of them, the YAML reader, the running program's config reading, and
 * the CA rules: one test per rule, with good and bad values.
 */
import { createDeviceCertificate, createIntermediateCa, createRootCa } from "../certs";
import { parseStackFile, StackFileError } from "../cli/plan/stackFile";
import { formatProblem, parseStackConfig, readRawStackConfig, type Problem } from "../components/config";
import { escapeInvisible } from "../components/config/problems";
import { checkSecretsInClear } from "../components/config/secretsInClear";
import { redact } from "../components/azure/dpsServiceClient";
import { platformStackValues } from "./support/stackValues";

function problemsAfter(mutate: (values: Record<string, any>) => void, decryptedKeys: string[] = []): Problem[] {
  const values = platformStackValues();
  mutate(values);
  const result = parseStackConfig({ values, location: "westeurope", decryptedKeys });
  return result.ok ? [] : result.problems;
}

const lines = (problems: Problem[]) => problems.map(formatProblem);

const root = createRootCa({ commonName: "Brought Root", keySize: 2048, validityDays: 3650 });
const other = createRootCa({ commonName: "Other Root", keySize: 2048, validityDays: 3650 });
const intermediate = createIntermediateCa({ issuer: root, commonName: "Brought Intermediate", keySize: 2048, validityDays: 1000 });
const device = createDeviceCertificate({ issuer: intermediate, registrationId: "device-1", keySize: 2048 });

describe("a value of the wrong type says what it must be; a present key is never 'required'", () => {
  test.each([
    ["a number", (v: any) => (v.ca.root.validityDays = "ten years"), 'must be a number (got "ten years")'],
    ["a string", (v: any) => (v.dps.name = 12345), 'must be a string (quote it: "12345")'],
    ["a string, not true", (v: any) => (v.enrollmentGroups[0].caName = true), "must be a string (quote it"],
    ["a list", (v: any) => (v.hubs = "hub-one"), "must be a list"],
    ["a map", (v: any) => (v.dps = "my-dps"), "must be a map"],
    ["a map, not a list", (v: any) => (v.enrollmentGroups[0].initialTwin = { tags: ["a"] }), "must be a map"],
    ["true or false", (v: any) => (v.enrollmentGroups[0].edgeEnabled = "yes"), "must be true or false"],
    ["a key with no value", (v: any) => (v.enrollmentGroups[0].caName = null), "has no value"],
  ])("%s", (_what, mutate, words) => {
    const problems = problemsAfter(mutate);
    expect(problems).toHaveLength(1);
    expect(problems[0].message).toContain(words);
    expect(problems[0].message).not.toContain("is required");
  });

  test("a missing key is required", () => {
    const problems = problemsAfter((v) => delete v.enrollmentGroups[0].caName);
    expect(problems).toEqual([expect.objectContaining({ path: "enrollmentGroups[0].caName", message: "is required (a string)" })]);
  });

  test.each([
    ["1e400", Number("1e400")],
    [".inf", Infinity],
    ["-.inf", -Infinity],
  ])("%s is out of range", (_text, value) => {
    const problems = problemsAfter((v) => (v.ca.root.validityDays = value));
    expect(lines(problems)).toEqual([expect.stringMatching(/^dps-x509:ca\.root\.validityDays = -?Infinity: is out of range/)]);
  });

  test("a big finite number says what is allowed", () => {
    expect(problemsAfter((v) => (v.ca.root.validityDays = 1e300)).map((p) => p.message)).toEqual(["must be at most 36500"]);
    expect(problemsAfter((v) => (v.ca.root.validityDays = 36501))[0].message).toBe("must be at most 36500");
    expect(problemsAfter((v) => (v.ca.root.validityDays = 36500))).toEqual([]);
  });
});

describe("invisible and control characters in a shown value are escaped", () => {
  test.each([
    ["zero-width space", "group\u200b1", "group\\u200b1"],
    ["right-to-left override", "hub\u202eone", "hub\\u202eone"],
    ["bell", "a\u0007b", "a\\u0007b"],
    ["byte order mark", "\ufeffgroup", "\\ufeffgroup"],
    ["no-break space", "a\u00a0b", "a\\u00a0b"],
  ])("%s", (_what, value, shown) => {
    expect(escapeInvisible(value)).toBe(shown);
    const [line] = lines(problemsAfter((v) => (v.enrollmentGroups[0].enrollmentId = value)));
    expect(line).toContain(shown);
    expect(line).not.toMatch(/[\u0000-\u001f\u200b-\u200f\u202a-\u202e\ufeff\u00a0]/);
  });

  test("ordinary text is left as it is", () => expect(escapeInvisible("Grüße, 東京 – ok")).toBe("Grüße, 東京 – ok"));
});

describe("secrets written in clear are refused with the exact command that fixes them", () => {
  test("a private key in clear", () => {
    const problems = checkSecretsInClear({ ca: { root: { privateKeyPem: "-----BEGIN PRIVATE KEY-----\nKEYDATA\n-----END PRIVATE KEY-----" } } });
    expect(problems).toEqual([expect.objectContaining({ path: "ca.root.privateKeyPem" })]);
    expect(problems[0].message).toContain("`pulumi config set --secret --path 'dps-x509:ca.root.privateKeyPem' < root.key.pem`");
    expect(formatProblem(problems[0])).not.toContain("KEYDATA");
  });

  test("an intermediate's key names its index", () => {
    const problems = checkSecretsInClear({ ca: { intermediates: [{}, { privateKeyPem: "x" }] } });
    expect(problems[0].message).toContain("--path 'dps-x509:ca.intermediates[1].privateKeyPem' < intermediate-1.key.pem");
  });

  test("a webhook URL carrying code= or sig=, with the key left out of the command", () => {
    const problems = checkSecretsInClear({ enrollmentGroups: [{ webhookUrl: "https://fn.azurewebsites.net/api/alloc?code=KEY123&x=1" }, { webhookUrl: "https://h.example/a?sv=1&sig=SIG456" }] });
    expect(problems.map((p) => p.path)).toEqual(["enrollmentGroups[0].webhookUrl", "enrollmentGroups[1].webhookUrl"]);
    expect(problems[0].message).toContain("pulumi config set --secret --path 'dps-x509:enrollmentGroups[0].webhookUrl' 'https://fn.azurewebsites.net/api/alloc?code=<function-key>&x=1'");
    for (const line of lines(problems)) expect(line).not.toMatch(/KEY123|SIG456/);
  });

  test("accepted: a secure value (the plan's [secret]), a key Pulumi decrypted, a webhook URL without a key", () => {
    expect(checkSecretsInClear({ ca: { root: { privateKeyPem: "[secret]" } } })).toEqual([]);
    expect(checkSecretsInClear({ ca: { root: { privateKeyPem: "-----BEGIN…" } } }, new Set(["dps-x509:ca"]))).toEqual([]);
    expect(checkSecretsInClear({ enrollmentGroups: [{ webhookUrl: "https://fn.example/api/alloc" }] })).toEqual([]);
  });
});

describe("webhook keys never reach a message or a log", () => {
  test("redact (Azure clients' errors) removes code= and sig= values", () => {
    const text = redact("POST https://fn.azurewebsites.net/api/alloc?code=ABCDEF123&name=x failed; https://h/?sig=QWERTY");
    expect(text).not.toMatch(/ABCDEF123|QWERTY/);
    expect(text).toContain("code=***&name=x");
  });

  test("a config message showing a URL in any field redacts its key", () => {
    const [line] = lines(problemsAfter((v) => (v.hubs[0].location = "https://x/?code=LEAKED")));
    expect(line).not.toContain("LEAKED");
  });
});

describe("YAML reading (the offline plan's stack file)", () => {
  const read = (text: string) => parseStackFile(text, "Pulumi.x.yaml");
  const refusal = (text: string) => {
    try {
      read(text);
    } catch (err) {
      expect(err).toBeInstanceOf(StackFileError);
      return (err as Error).message;
    }
    throw new Error("expected the stack file to be refused");
  };

  test("a duplicate key is named, with its line", () => {
    expect(refusal("config:\n  dps-x509:hubs: []\n  dps-x509:hubs: [x]\n")).toBe('Pulumi.x.yaml: line 3: duplicate key "dps-x509:hubs": a key may appear once in a map (YAML would keep only one of the values)');
    expect(refusal("config:\n  dps-x509:dps:\n    name: a\n    name: b\n")).toContain('line 4: duplicate key "name"');
    expect(read("config:\n  dps-x509:dps:\n    name: a\n  dps-x509:hubs: []\n").allConfig["dps-x509:dps"]).toBe('{"name":"a"}');
  });

  test("a document that is not a map says so", () => {
    expect(refusal("- a\n- b\n")).toContain("the document must be a map");
    expect(refusal("just text\n")).toContain("the document must be a map");
    expect(refusal("config: [1]\n")).toContain('"config" must be a map of keys to values, but it is a list');
    expect(read("").allConfig).toEqual({});
  });

  test("deep nesting gets a clear message naming the key path, never a JavaScript internal error", () => {
    const deep = (n: number) => "[".repeat(n) + "]".repeat(n);
    expect(refusal(`config:\n  dps-x509:hubs: ${deep(40)}\n`)).toMatch(/dps-x509:hubs\[0\](\[0\])+ nests deeper than 32 levels/);
    const overflow = refusal(`config:\n  dps-x509:hubs: ${deep(20000)}\n`);
    expect(overflow).toContain('the value under "dps-x509:hubs" nests too deep to read');
    expect(overflow).not.toMatch(/call stack|RangeError/);
    expect(read(`config:\n  dps-x509:hubs: ${deep(20)}\n`).allConfig["dps-x509:hubs"]).toBe(deep(20));
  });

  test("numbers JSON cannot write reach the checks as out of range, not as null", () => {
    const file = read("config:\n  dps-x509:ca: { root: { validityDays: 1e400 }, x: .inf, y: -.inf, z: .nan }\n");
    expect(file.allConfig["dps-x509:ca"]).toBe('{"root":{"validityDays":1e999},"x":1e999,"y":-1e999,"z":".nan"}');
    expect(readRawStackConfig(file.allConfig).values.ca).toEqual({ root: { validityDays: Infinity }, x: Infinity, y: -Infinity, z: ".nan" });
  });

  test("invisible characters in a YAML message are escaped", () => {
    expect(refusal("config:\n  a\u200b: 1\n  a\u200b: 2\n")).toContain('duplicate key "a\\u200b"');
  });
});

describe("the running program's config (Pulumi stores structured values as JSON text)", () => {
  test("JSON text is parsed, plain strings stay strings, decrypted keys are remembered", () => {
    const raw = readRawStackConfig(
      { "dps-x509:hubs": '[{"name":"hub-one"}]', "dps-x509:tenant": "123", "dps-x509:dps": '{"name":"d"}', "azure-native:location": "westeurope" },
      ["dps-x509:dps"],
    );
    expect(raw).toEqual({ values: { hubs: [{ name: "hub-one" }], tenant: "123", dps: { name: "d" } }, location: "westeurope", decryptedKeys: ["dps-x509:dps"] });
  });

  test("a private key inside a key Pulumi decrypted is accepted; the same key in a clear top-level key is not", () => {
    const bring = (v: any) => Object.assign(v.ca.root, { certificatePem: root.certificatePem, privateKeyPem: root.privateKeyPem });
    expect(problemsAfter(bring, ["dps-x509:ca"])).toEqual([]);
    expect(problemsAfter(bring).map((p) => p.message)).toEqual([expect.stringContaining("written in clear")]);
  });
});

describe("the CA chain", () => {
  test("commonName: leading or trailing white space refused", () => {
    expect(problemsAfter((v) => (v.ca.root.commonName = "My Root"))).toEqual([]);
    for (const bad of [" Root", "Root ", "Root\t"]) expect(problemsAfter((v) => (v.ca.root.commonName = bad)).map((p) => p.path)).toEqual(["ca.root.commonName"]);
  });

  test("no two CAs of a chain share a subject (compared as X.500 names are: case-insensitive)", () => {
    expect(problemsAfter((v) => v.ca.intermediates.push({ name: "int-2", commonName: "Intermediate 2" }))).toEqual([]);
    expect(problemsAfter((v) => (v.ca.intermediates[0].commonName = "ROOT")).map((p) => p.path)).toEqual(["ca.intermediates[0].commonName"]);
    const twins = problemsAfter((v) => v.ca.intermediates.push({ name: "int-2", commonName: "Intermediate" }));
    expect(twins).toEqual([expect.objectContaining({ path: "ca.intermediates[1].commonName", message: expect.stringContaining("as ca.intermediates[0]") })]);
  });

  test("an intermediate outliving its root is refused with the root's expiry date; renewBeforeDays against the real validity", () => {
    expect(problemsAfter((v) => Object.assign(v.ca.root, { validityDays: 400 }) && Object.assign(v.ca.intermediates[0], { validityDays: 400, renewBeforeDays: 399 }))).toEqual([]);
    const problems = problemsAfter((v) => Object.assign(v.ca.root, { validityDays: 365 }) && Object.assign(v.ca.intermediates[0], { renewBeforeDays: 400 }));
    expect(problems.map((p) => p.path)).toEqual(["ca.intermediates[0].validityDays", "ca.intermediates[0].renewBeforeDays"]);
    const expiry = new Date(Date.now() + 365 * 24 * 3600 * 1000).toISOString().slice(0, 10);
    expect(problems[0].message).toContain(`expires on ${expiry}`);
  });

  test("a brought CA: key matches, is a CA, not expired, chains to its issuer (certs/checks.ts, as the provider)", () => {
    const ok = (v: any) => {
      Object.assign(v.ca.root, { certificatePem: root.certificatePem, privateKeyPem: "[secret]" });
      Object.assign(v.ca.intermediates[0], { certificatePem: intermediate.certificatePem, privateKeyPem: "[secret]" });
    };
    expect(problemsAfter(ok)).toEqual([]);
    const mismatch = problemsAfter((v) => Object.assign(v.ca.root, { certificatePem: root.certificatePem, privateKeyPem: other.privateKeyPem }), ["dps-x509:ca"]);
    expect(mismatch).toEqual([expect.objectContaining({ path: "ca.root.privateKeyPem", message: "private key does not match the certificate's public key" })]);
    const leaf = problemsAfter((v) => Object.assign(v.ca.root, { certificatePem: device.certificatePem, verification: "onUpload" }) && ok);
    expect(leaf.map((p) => p.message)).toContain("certificate is not a CA certificate (basicConstraints CA:TRUE missing)");
    const stray = problemsAfter((v) => {
      ok(v);
      v.ca.root.certificatePem = other.certificatePem;
      v.ca.root.privateKeyPem = undefined;
      v.ca.root.verification = "onUpload";
    });
    expect(stray).toEqual(expect.arrayContaining([expect.objectContaining({ path: "ca.intermediates[0].certificatePem", message: expect.stringContaining("not signed by the given issuer") })]));
  });

  test("revokedDevices[].certificatePem must parse, and its CN be the registration id", () => {
    expect(problemsAfter((v) => (v.enrollmentGroups[0].revokedDevices = [{ registrationId: "device-1", certificatePem: device.certificatePem }]))).toEqual([]);
    expect(problemsAfter((v) => (v.enrollmentGroups[0].revokedDevices = [{ registrationId: "device-1", certificatePem: "nope" }])).map((p) => p.path)).toEqual(["enrollmentGroups[0].revokedDevices[0].certificatePem"]);
    expect(problemsAfter((v) => (v.enrollmentGroups[0].revokedDevices = [{ registrationId: "device-9", certificatePem: device.certificatePem }])).map((p) => p.path)).toEqual(["enrollmentGroups[0].revokedDevices[0].registrationId"]);
  });
});

describe("a stack with no tenants gets no message about tenants", () => {
  test("too many CAs: the DPS limit only", () => {
    const problems = problemsAfter((v) => {
      v.ca.intermediates = Array.from({ length: 25 }, (_, i) => ({ name: `int-${i}`, commonName: `Int ${i}` }));
      v.enrollmentGroups[0].caName = "int-0";
    });
    expect(lines(problems).join("\n")).not.toMatch(/tenant/i);
    expect(problems.map((p) => p.path)).toEqual(["ca"]);
  });

  test("with tenants, their reservations are counted", () => {
    const problems = problemsAfter((v) => (v.tenants = [{ name: "acme", caCertificates: 24 }]));
    expect(problems).toEqual([expect.objectContaining({ path: "tenants", message: expect.stringContaining("for tenants") })]);
  });
});
