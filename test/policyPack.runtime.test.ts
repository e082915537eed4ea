/**
 * The policy pack as `pulumi preview --policy-pack policy [--policy-pack-config <file>]` runs it: the folder started
 * by Pulumi's own policy-pack runner, then asked over the analyzer gRPC protocol, as the engine asks, about a hub and
 * about a stack; configured as the engine configures it from a config file, and compared with the offline plan
 * reading the same file.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import YAML from "yaml";
import { runPlan } from "../cli/plan";
import { GUARDRAILS } from "../policy/policies";
import { readPolicyPackConfig, resolvePolicyPackConfig } from "../cli/plan/policyPackConfig";
import { analyzerPb, configureRequest, diagnostics, levelNumber, startPolicyPack, stackResource, urnOf, type PackHost } from "./support/analyzerHost";
import { platformStackValues } from "./support/stackValues";

const ROOT = path.resolve(__dirname, "..");
const CA = "pulumi-nodejs:dynamic/dps-x509:CaCertificate";
const UPLOAD = "pulumi-nodejs:dynamic/dps-x509:DpsCertificateUpload";
const GROUP = "pulumi-nodejs:dynamic/dps-x509:EnrollmentGroup";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"; // the engine's marker for a value known only after `up`
let pack: PackHost;

beforeAll(async () => {
  pack = await startPolicyPack(path.join(ROOT, "policy"));
}, 90000);

afterAll(() => pack?.stop());

const { ADVISORY, MANDATORY } = analyzerPb.EnforcementLevel;

test("the pack names itself and its policies with their default levels", async () => {
  const info = await pack.info();
  expect(info.getName()).toBe("dps-x509-guardrails");
  expect(info.getPoliciesList().map((p: any) => [p.getName(), p.getEnforcementlevel()])).toEqual([
    ["hub-x509-only", MANDATORY],
    ["hub-hardened-after-adoption", ADVISORY],
    ["group-attests-through-intermediate", ADVISORY],
    ["group-ca-verified-by-stack", MANDATORY],
    ["one-enrollment-per-certificate", ADVISORY],
    ["no-ca-key-in-state-in-production", MANDATORY],
  ]);
});

test("a hub that accepts device SAS is a mandatory violation; an adopted hub's unset settings are advisory; the program's defaults pass", async () => {
  const analyze = (properties: Record<string, unknown>) =>
    pack.call(
      "analyze",
      new analyzerPb.AnalyzeRequest()
        .setType("azure-native:iothub:IotHubResource")
        .setName("hub")
        .setUrn(urnOf("azure-native:iothub:IotHubResource", "hub"))
        .setProperties(stackResource("x", "x", { resourceName: "hub", properties }).getProperties())
        .setOptions(new analyzerPb.AnalyzerResourceOptions()),
    );
  expect(diagnostics(await analyze({ disableDeviceSAS: true, minTlsVersion: "1.2" }))).toEqual([]);
  expect(diagnostics(await analyze({ disableDeviceSAS: false, minTlsVersion: "1.2" }))).toEqual([
    { policy: "hub-x509-only", level: MANDATORY, urn: expect.any(String), message: expect.stringContaining("device SAS tokens are accepted") },
  ]);
  expect(diagnostics(await analyze({})).map((d) => [d.policy, d.level])).toEqual([
    ["hub-hardened-after-adoption", ADVISORY],
    ["hub-hardened-after-adoption", ADVISORY],
  ]);
});

test("a production stack: CA keys in state are reported against each resource's URN", async () => {
  const rg = stackResource("azure-native:resources:ResourceGroup", "rg", { resourceGroupName: "rg", tags: { "dps-x509-environment": "production" } });
  const inState = stackResource(CA, "ca-root", { role: "root", caName: "root-ca" });
  const inVault = stackResource(CA, "ca-kv", { role: "root", caName: "kv-ca", keyStore: "keyVault" });
  const response = await pack.call("analyzeStack", new analyzerPb.AnalyzeStackRequest().setResourcesList([rg, inState, inVault]));
  expect(diagnostics(response)).toEqual([
    { policy: "no-ca-key-in-state-in-production", level: MANDATORY, urn: urnOf(CA, "ca-root"), message: expect.stringContaining("CA root-ca keeps its private key in the stack's state") },
  ]);
});

/** A preview's stack: a generated root (certificate unknown), a group on it by CA reference, one holding it. */
function rootStack() {
  return [
    stackResource(CA, "dps-x509-ca-root-ca", { role: "root" }),
    stackResource(UPLOAD, "cert-root", { certificateName: "root-ca", certificatePem: UNKNOWN, isVerified: false }, [[CA, "dps-x509-ca-root-ca"]]),
    stackResource("pulumi-nodejs:dynamic/dps-x509:CaVerification", "verify-root", { certificateName: "root-ca", certificatePem: UNKNOWN }, [[UPLOAD, "cert-root"]]),
    stackResource(GROUP, "by-reference", { enrollmentId: "devices", primaryCaName: "root-ca" }),
    stackResource(GROUP, "held", { enrollmentId: "held", attestation: "signingCertificate", primaryCaName: "root-ca", primaryCertificatePem: UNKNOWN }, [[CA, "dps-x509-ca-root-ca"]]),
  ];
}

test("in a preview, unknown certificates do not stop the check: groups on a root, by reference or signing certificate, found through their CA", async () => {
  const found = diagnostics(await pack.call("analyzeStack", new analyzerPb.AnalyzeStackRequest().setResourcesList(rootStack())));
  expect(found.map((d) => [d.policy, d.level, d.urn])).toEqual([
    ["group-attests-through-intermediate", ADVISORY, urnOf(GROUP, "by-reference")],
    ["group-attests-through-intermediate", ADVISORY, urnOf(GROUP, "held")],
    ["one-enrollment-per-certificate", ADVISORY, urnOf(GROUP, "by-reference")],
  ]);
});

test("one --policy-pack-config file: the pack, configured as the engine configures it, and the offline plan apply the same levels", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-alike-"));
  try {
    const configFile = path.join(dir, "policy.json");
    fs.writeFileSync(configFile, JSON.stringify({ all: "mandatory", "one-enrollment-per-certificate": "disabled", "hub-hardened-after-adoption": { enforcementLevel: "advisory" } }));
    await pack.call("configure", configureRequest(resolvePolicyPackConfig(GUARDRAILS, readPolicyPackConfig(configFile))));
    const byPack = diagnostics(await pack.call("analyzeStack", new analyzerPb.AnalyzeStackRequest().setResourcesList(rootStack())));
    expect(byPack.map((d) => [d.policy, d.level])).toEqual([
      ["group-attests-through-intermediate", MANDATORY],
      ["group-attests-through-intermediate", MANDATORY],
    ]);

    // The plan of a stack with a group on its root, with the same file.
    const stackFile = path.join(dir, "Pulumi.alike.yaml");
    const values = { ...platformStackValues(), enrollmentGroups: [{ enrollmentId: "on-root", caName: "root-ca" }, { enrollmentId: "also-root", caName: "root-ca" }] };
    fs.writeFileSync(stackFile, YAML.stringify({ config: { "azure-native:location": "westeurope", ...Object.fromEntries(Object.entries(values).map(([k, v]) => [`dps-x509:${k}`, v])) } }));
    let stdout = "";
    const code = await runPlan(["--config", stackFile, "--policy-pack-config", configFile, "--json"], { stdout: (t) => (stdout += t), stderr: () => {} });
    const byPlan = JSON.parse(stdout).policyViolations as Array<{ policy: string; enforcementLevel: string }>;
    expect(byPlan.map((v) => [v.policy, levelNumber(v.enforcementLevel)])).toEqual(byPack.map((d) => [d.policy, d.level]));
    expect(code).toBe(1);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
