/**
 * The policy pack as `pulumi preview --policy-pack policy` runs it: the folder started by Pulumi's own policy-pack
 * runner (`@pulumi/pulumi/cmd/run-policy-pack`, which the CLI's nodejs analyzer plugin launches), then asked over
 * the analyzer gRPC protocol, as the engine asks, about a hub and about a stack.
 */
import { spawn, type ChildProcess } from "child_process";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";

const analyzerGrpc = require("@pulumi/pulumi/proto/analyzer_grpc_pb");
const analyzerPb = require("@pulumi/pulumi/proto/analyzer_pb");

const ROOT = path.resolve(__dirname, "..");
let pack: ChildProcess;
let client: any;

beforeAll(async () => {
  pack = spawn(process.execPath, [require.resolve("@pulumi/pulumi/cmd/run-policy-pack"), "127.0.0.1:1", "."], { cwd: path.join(ROOT, "policy"), stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  pack.stderr!.on("data", (chunk) => (stderr += chunk));
  const port = await new Promise<string>((resolve, reject) => {
    pack.stdout!.on("data", (chunk) => {
      const match = /^(\d+)\s*$/m.exec(String(chunk));
      if (match) resolve(match[1]);
    });
    pack.on("exit", (code) => reject(new Error(`the pack exited (${code}): ${stderr}`)));
  });
  client = new analyzerGrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}, 60000);

afterAll(() => {
  client?.close();
  pack?.kill();
});

const call = <T>(method: string, request: unknown): Promise<T> =>
  new Promise((resolve, reject) => client[method](request, (err: Error | null, response: T) => (err ? reject(err) : resolve(response))));

function diagnostics(response: any) {
  return response.getDiagnosticsList().map((d: any) => ({ policy: d.getPolicyname(), level: d.getEnforcementlevel(), urn: d.getUrn(), message: d.getMessage() }));
}

const urnOf = (type: string, name: string) => `urn:pulumi:prod::dps-x509::${type}::${name}`;

test("the pack names itself and its four policies with their levels", async () => {
  const info = await call<any>("getAnalyzerInfo", new (require("google-protobuf/google/protobuf/empty_pb").Empty)());
  expect(info.getName()).toBe("dps-x509-guardrails");
  expect(info.getPoliciesList().map((p: any) => [p.getName(), p.getEnforcementlevel()])).toEqual([
    ["hub-x509-only", analyzerPb.EnforcementLevel.MANDATORY],
    ["group-attests-through-intermediate", analyzerPb.EnforcementLevel.MANDATORY],
    ["group-ca-verified-by-stack", analyzerPb.EnforcementLevel.MANDATORY],
    ["no-ca-key-in-state-in-production", analyzerPb.EnforcementLevel.MANDATORY],
  ]);
});

test("a hub that accepts device SAS is a mandatory violation; one with the program's defaults passes", async () => {
  const analyze = (properties: Record<string, unknown>) =>
    call<any>(
      "analyze",
      new analyzerPb.AnalyzeRequest()
        .setType("azure-native:iothub:IotHubResource")
        .setName("hub")
        .setUrn(urnOf("azure-native:iothub:IotHubResource", "hub"))
        .setProperties(Struct.fromJavaScript({ resourceName: "hub", properties }))
        .setOptions(new analyzerPb.AnalyzerResourceOptions()),
    );
  expect(diagnostics(await analyze({ disableDeviceSAS: true, minTlsVersion: "1.2" }))).toEqual([]);
  expect(diagnostics(await analyze({ disableDeviceSAS: false, minTlsVersion: "1.2" }))).toEqual([
    { policy: "hub-x509-only", level: analyzerPb.EnforcementLevel.MANDATORY, urn: expect.any(String), message: expect.stringContaining("device SAS tokens are accepted") },
  ]);
});

test("a production stack: CA keys in state are reported against each resource's URN", async () => {
  const resource = (type: string, name: string, properties: Record<string, unknown>, dependencies: string[] = []) =>
    new analyzerPb.AnalyzerResource()
      .setType(type)
      .setName(name)
      .setUrn(urnOf(type, name))
      .setProperties(Struct.fromJavaScript(properties as Parameters<typeof Struct.fromJavaScript>[0]))
      .setDependenciesList(dependencies)
      .setOptions(new analyzerPb.AnalyzerResourceOptions()); // the engine always sends options
  const rg = resource("azure-native:resources:ResourceGroup", "rg", { resourceGroupName: "rg", tags: { "dps-x509-environment": "production" } });
  const inState = resource("pulumi-nodejs:dynamic/dps-x509:CaCertificate", "ca-root", { role: "root", caName: "root-ca" });
  const inVault = resource("pulumi-nodejs:dynamic/dps-x509:CaCertificate", "ca-kv", { role: "root", caName: "kv-ca", keyStore: "keyVault" });
  const response = await call<any>("analyzeStack", new analyzerPb.AnalyzeStackRequest().setResourcesList([rg, inState, inVault]));
  expect(diagnostics(response)).toEqual([
    { policy: "no-ca-key-in-state-in-production", level: analyzerPb.EnforcementLevel.MANDATORY, urn: urnOf("pulumi-nodejs:dynamic/dps-x509:CaCertificate", "ca-root"), message: expect.stringContaining("CA root-ca keeps its private key in the stack's state") },
  ]);
});

test("in a preview, an unknown certificate does not stop the check: the group on a root is found through its CA", async () => {
  const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"; // the engine's marker for a value known only after `up`
  const resource = (type: string, name: string, properties: Record<string, unknown>, dependsOn: string[] = []) =>
    new analyzerPb.AnalyzerResource()
      .setType(type)
      .setName(name)
      .setUrn(urnOf(type, name))
      .setProperties(Struct.fromJavaScript(properties as Parameters<typeof Struct.fromJavaScript>[0]))
      .setDependenciesList(dependsOn)
      .setOptions(new analyzerPb.AnalyzerResourceOptions());
  const CA = "pulumi-nodejs:dynamic/dps-x509:CaCertificate";
  const UPLOAD = "pulumi-nodejs:dynamic/dps-x509:DpsCertificateUpload";
  const resources = [
    resource(CA, "ca-root", { role: "root", caName: "root-ca" }),
    resource(UPLOAD, "cert-root", { certificateName: "root-ca", certificatePem: UNKNOWN, isVerified: false }, [urnOf(CA, "ca-root")]),
    resource("pulumi-nodejs:dynamic/dps-x509:CaVerification", "verify-root", { certificateName: "root-ca", certificatePem: UNKNOWN }, [urnOf(UPLOAD, "cert-root")]),
    resource("pulumi-nodejs:dynamic/dps-x509:EnrollmentGroup", "group", { enrollmentId: "devices", primaryCaName: "root-ca" }),
  ];
  const found = diagnostics(await call<any>("analyzeStack", new analyzerPb.AnalyzeStackRequest().setResourcesList(resources)));
  expect(found.map((d: { policy: string; urn: string }) => [d.policy, d.urn])).toEqual([["group-attests-through-intermediate", urnOf("pulumi-nodejs:dynamic/dps-x509:EnrollmentGroup", "group")]]);
});
