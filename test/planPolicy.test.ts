/**
 * The offline plan runs the policy pack over the resources it records and prints violations as
 * `pulumi preview --policy-pack policy` does; a mandatory violation fails the plan as it fails a preview.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import YAML from "yaml";
import { runPlan } from "../cli/plan";
import { opensslCas, opensslThumbprint } from "./support/opensslCas";
import { platformStackValues } from "./support/stackValues";

const DEV_FILE = path.resolve(__dirname, "../Pulumi.dev.yaml");

/** Runs the plan for the dev stack with some keys changed; returns exit code and output. */
async function planDevWith(change: (config: Record<string, any>) => void, json = false) {
  const doc = YAML.parse(fs.readFileSync(DEV_FILE, "utf8"));
  change(doc.config);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-policy-"));
  const file = path.join(dir, "Pulumi.dev.yaml");
  fs.writeFileSync(file, YAML.stringify(doc));
  let stdout = "";
  let stderr = "";
  try {
    const code = await runPlan(["--config", file, ...(json ? ["--json"] : [])], { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
    return { code, stdout, stderr };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test("the dev stack breaks no policy: no violations printed, exit 0", async () => {
  const { code, stdout } = await planDevWith(() => {});
  expect(code).toBe(0);
  expect(stdout).not.toContain("Policy Violations");
});

test("a production stack with CA keys in state: each violation printed as preview prints it, and the plan fails", async () => {
  const { code, stdout } = await planDevWith((config) => (config["dps-x509:environment"] = "production"));
  expect(code).toBe(1);
  const block = stdout.slice(stdout.indexOf("\nPolicy Violations:"));
  expect(block).toContain("    [mandatory]  dps-x509-guardrails  no-ca-key-in-state-in-production  (dps-x509-ca-my-root-ca: pulumi-nodejs:dynamic/dps-x509:CaCertificate)");
  expect(block).toContain("    A production stack keeps no CA private key in its state (keyStore: keyVault).");
  expect(block).toMatch(/CA My Root CA keeps its private key in the stack's state/);
  expect(block).not.toMatch(/BEGIN (RSA )?PRIVATE KEY/);
});

test("a group on the root CA (advisory), and a hub that accepts device SAS (mandatory), are violations in the JSON plan too", async () => {
  const { code, stdout } = await planDevWith((config) => {
    config["dps-x509:enrollmentGroups"][0].caName = "my-root-ca";
    config["dps-x509:hubs"][0].disableDeviceSAS = false;
  }, true);
  expect(code).toBe(1);
  const plan = JSON.parse(stdout);
  const violations = plan.policyViolations as Array<{ policy: string; resource: string; enforcementLevel: string }>;
  expect(violations.map((v) => [v.policy, v.resource, v.enforcementLevel])).toEqual([
    ["hub-x509-only", "dps-x509-provisioning-hub-my-iot-hub-x509", "mandatory"],
    ["group-attests-through-intermediate", "dps-x509-group-my-device-group", "advisory"],
  ]);
  expect(plan.policyLevels).toMatchObject({ "hub-x509-only": "mandatory", "group-attests-through-intermediate": "advisory" });
});

/** Plans a stack of these `dps-x509:` values (plus `extra` full keys) through the command, with `args` after it. */
async function planValues(values: Record<string, unknown>, args: string[] = [], extra: Record<string, unknown> = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-policy-"));
  const file = path.join(dir, "Pulumi.policy.yaml");
  const config = { "azure-native:location": "westeurope", ...extra, ...Object.fromEntries(Object.entries(values).map(([k, v]) => [`dps-x509:${k}`, v])) };
  fs.writeFileSync(file, YAML.stringify({ config }));
  let stdout = "";
  let stderr = "";
  try {
    const resolved = args.map((a) => a.replace("{dir}", dir));
    const code = await runPlan(["--config", file, ...resolved], { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
    return { code, stdout, stderr, dir };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The violations of the tree output: `[level, policy, resource]`, and each message. */
function violationsOf(stdout: string): Array<{ level: string; policy: string; resource: string; message: string }> {
  const lines = stdout.slice(stdout.indexOf("\nPolicy Violations:")).split("\n");
  return lines.flatMap((line, i) => {
    const head = /^    \[(advisory|mandatory)\]  dps-x509-guardrails  (\S+)  \((\S+): /.exec(line);
    return head ? [{ level: head[1], policy: head[2], resource: head[3], message: lines[i + 2].trim() }] : [];
  });
}

describe("the pack's defaults: what Azure and the seed allow plans green", () => {
  const cas = opensslCas("Tutorial Root", "Tutorial Intermediate");

  test("a platform stack with a signing-certificate group: no upload is demanded, exit 0", async () => {
    const values = platformStackValues();
    values.enrollmentGroups = [{ enrollmentId: "held", caName: "int-ca", attestation: "signingCertificate" }];
    const { code, stdout, stderr } = await planValues(values);
    expect(stderr).toBe("");
    expect(violationsOf(stdout)).toEqual([]);
    expect(code).toBe(0);
  });

  test("a group on a root CA, by reference or held as its signing certificate: reported as advisory, exit 0", async () => {
    const values = platformStackValues();
    values.enrollmentGroups = [{ enrollmentId: "held-root", caName: "root-ca", attestation: "signingCertificate" }];
    const { code, stdout } = await planValues(values);
    expect(violationsOf(stdout)).toEqual([{ level: "advisory", policy: "group-attests-through-intermediate", resource: "dps-x509-group-held-root", message: expect.stringMatching(/^enrollment group held-root attests through root-ca, a root CA \(held as its signing certificate\)/) }]);
    expect(code).toBe(0);
  });

  test("adopting the tutorial's hand-built set-up (hub with device SAS and TLS 1.0 kept): reported with the way to the hardened state, exit 0", async () => {
    const { code, stdout } = await planValues(
      {
        adoptExisting: true,
        resourceGroupName: "iot-x509-demo-rg",
        dps: { name: "my-dps-x509" },
        hubs: [{ name: "my-iot-hub-x509" }],
        ca: {
          root: { name: "my-root-ca", commonName: "Tutorial Root", certificatePem: cas.rootPem, privateKeyPem: { secure: "v1:placeholder" } },
          intermediates: [{ name: "my-intermediate-ca", commonName: "Tutorial Intermediate", certificatePem: cas.intermediatePem, privateKeyPem: { secure: "v1:placeholder" } }],
        },
        enrollmentGroups: [{ enrollmentId: "my-device-group", caName: "my-intermediate-ca", allocationPolicy: "hashed" }],
      },
      [],
      { "azure-native:subscriptionId": "11111111-2222-3333-4444-555555555555" },
    );
    expect(violationsOf(stdout)).toEqual([
      { level: "advisory", policy: "hub-hardened-after-adoption", resource: "dps-x509-provisioning-hub-my-iot-hub-x509", message: expect.stringMatching(/^IoT hub my-iot-hub-x509: device SAS is left as Azure holds it .*set disableDeviceSAS: true/) },
      { level: "advisory", policy: "hub-hardened-after-adoption", resource: "dps-x509-provisioning-hub-my-iot-hub-x509", message: expect.stringMatching(/^IoT hub my-iot-hub-x509: the minimum TLS version is left as Azure holds it .*TLS 1\.2 takes a new hub/) },
    ]);
    expect(code).toBe(0);
  });

  test("two groups on one CA: warned, naming both entries; the plan does not fail", async () => {
    const values = platformStackValues();
    values.enrollmentGroups = [
      { enrollmentId: "line-a", caName: "int-ca" },
      { enrollmentId: "line-b", caName: "int-ca" },
    ];
    const { code, stdout } = await planValues(values);
    expect(violationsOf(stdout)).toEqual([
      { level: "advisory", policy: "one-enrollment-per-certificate", resource: "dps-x509-group-line-a", message: expect.stringMatching(/is named by 2 enrollment entries: enrollment group line-a \(CA reference int-ca\), enrollment group line-b \(CA reference int-ca\)/) },
    ]);
    expect(code).toBe(0);
  });
});

describe("--policy-pack-config <file>: Pulumi's format, applied as Pulumi applies it", () => {
  const rootGroup = () => ({ ...platformStackValues(), enrollmentGroups: [{ enrollmentId: "on-root", caName: "root-ca" }] });
  const withConfig = (json: unknown) => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "policy-config-")), "policy.json");
    fs.writeFileSync(file, typeof json === "string" ? json : JSON.stringify(json));
    return file;
  };

  test("all: mandatory raises every policy; a policy's own entry wins over all", async () => {
    const raised = await planValues(rootGroup(), ["--policy-pack-config", withConfig({ all: "mandatory" })]);
    expect(violationsOf(raised.stdout).map((v) => [v.level, v.policy])).toEqual([["mandatory", "group-attests-through-intermediate"]]);
    expect(raised.code).toBe(1);
    expect(raised.stdout).toMatch(/Policy levels \(--policy-pack-config .*policy\.json\): hub-x509-only=mandatory, hub-hardened-after-adoption=mandatory, group-attests-through-intermediate=mandatory/);
    const lowered = await planValues(rootGroup(), ["--policy-pack-config", withConfig({ all: "mandatory", "group-attests-through-intermediate": { enforcementLevel: "advisory" } })]);
    expect(violationsOf(lowered.stdout).map((v) => [v.level, v.policy])).toEqual([["advisory", "group-attests-through-intermediate"]]);
    expect(lowered.code).toBe(0);
  });

  test("disabled: the policy does not run; remediate on a validation policy reports as mandatory", async () => {
    const disabled = await planValues(rootGroup(), ["--policy-pack-config", withConfig({ "group-attests-through-intermediate": "disabled" })]);
    expect(violationsOf(disabled.stdout)).toEqual([]);
    expect(disabled.code).toBe(0);
    const remediate = await planValues(rootGroup(), ["--policy-pack-config", withConfig({ "group-attests-through-intermediate": "remediate" })]);
    expect(violationsOf(remediate.stdout).map((v) => v.level)).toEqual(["mandatory"]);
    expect(remediate.code).toBe(1);
  });

  test("a policy's config beside its level: production: true judges an untagged stack as production", async () => {
    const { code, stdout } = await planValues(platformStackValues(), ["--policy-pack-config", withConfig({ "no-ca-key-in-state-in-production": { enforcementLevel: "advisory", production: true } })]);
    expect(violationsOf(stdout).map((v) => [v.level, v.policy, v.resource])).toContainEqual(["advisory", "no-ca-key-in-state-in-production", "dps-x509-ca-root-ca"]);
    expect(code).toBe(0);
  });

  test("what Pulumi refuses, the plan refuses with the same words: a level that is none, a config of the wrong type; a name the pack lacks is ignored and said", async () => {
    const badLevel = await planValues(rootGroup(), ["--policy-pack-config", withConfig({ "hub-x509-only": "warn" })]);
    expect(badLevel.code).toBe(1);
    expect(badLevel.stderr).toMatch(/parsing enforcement level for "hub-x509-only": "warn" is not a valid enforcement level/);
    const badType = await planValues(rootGroup(), ["--policy-pack-config", withConfig({ "no-ca-key-in-state-in-production": { production: "yes" } })]);
    expect(badType.code).toBe(1);
    expect(badType.stderr).toMatch(/no-ca-key-in-state-in-production: production: Invalid type\. Expected: boolean, given: string/);
    const notJson = await planValues(rootGroup(), ["--policy-pack-config", withConfig("{")]);
    expect(notJson.code).toBe(1);
    const unknown = await planValues(rootGroup(), ["--policy-pack-config", withConfig({ "hub-x509-onyl": "disabled" })]);
    expect(unknown.code).toBe(0);
    expect(unknown.stdout).toMatch(/"hub-x509-onyl" is not a policy of dps-x509-guardrails; ignored, as Pulumi ignores it/);
    const empty = await planValues(rootGroup(), ["--policy-pack-config", withConfig("")]);
    expect(violationsOf(empty.stdout).map((v) => v.level)).toEqual(["advisory"]);
  });
});

describe("the plan shows what up sends", () => {
  const cas = opensslCas("Brought Root", "Brought Intermediate");

  test("a brought CA's certificate is known: the upload shows its CN and thumbprint, a signing-certificate group's body holds its PEM", async () => {
    const values = platformStackValues();
    values.ca = {
      root: { name: "root-ca", commonName: "Brought Root", certificatePem: cas.rootPem, privateKeyPem: { secure: "v1:placeholder" } },
      intermediates: [{ name: "int-ca", commonName: "Brought Intermediate", certificatePem: cas.intermediatePem, privateKeyPem: { secure: "v1:placeholder" } }],
    };
    values.enrollmentGroups = [
      { enrollmentId: "by-reference", caName: "int-ca" },
      { enrollmentId: "held", caName: "root-ca", secondaryCaName: "int-ca", attestation: "signingCertificate" },
    ];
    const { code, stdout } = await planValues(values, ["--json"]);
    expect(code).toBe(0);
    const plan = JSON.parse(stdout);
    const upload = plan.resources.find((r: any) => r.type.endsWith(":DpsCertificateUpload") && r.inputs.certificateName === "int-ca");
    expect(opensslThumbprint(upload.inputs.certificatePem)).toBe(opensslThumbprint(cas.intermediatePem));
    const held = plan.resources.find((r: any) => r.type.endsWith(":EnrollmentGroup") && r.inputs.enrollmentId === "held");
    const signing = held.request.attestation.x509.signingCertificates;
    expect(opensslThumbprint(signing.primary.certificate)).toBe(opensslThumbprint(cas.rootPem));
    expect(opensslThumbprint(signing.secondary.certificate)).toBe(opensslThumbprint(cas.intermediatePem));
    expect(JSON.stringify(plan)).not.toContain("placeholder");

    const tree = (await planValues(values)).stdout;
    expect(tree).toContain(`certificatePem: -----BEGIN CERTIFICATE-----… (CN=Brought Intermediate, thumbprint ${opensslThumbprint(cas.intermediatePem)})`);
    // The same certificate in two entries (the held group's secondary, the other group's reference): warned.
    expect(violationsOf(tree)).toContainEqual(expect.objectContaining({ policy: "one-enrollment-per-certificate", message: expect.stringContaining(`CN=Brought Intermediate, thumbprint ${opensslThumbprint(cas.intermediatePem)} is named by 2 enrollment entries`) }));
  });

  test("a signing-certificate group whose CA is generated during up says so beside the unknown certificate", async () => {
    const values = platformStackValues();
    values.enrollmentGroups = [{ enrollmentId: "held", caName: "int-ca", attestation: "signingCertificate" }];
    const { stdout } = await planValues(values);
    expect(stdout).toMatch(/primaryCertificatePem: \(known after up\)  # the certificate of CA int-ca, generated during `up`/);
  });
});
