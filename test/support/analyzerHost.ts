/**
 * Test helper: a policy pack folder started as the Pulumi CLI starts it (its `@pulumi/pulumi/cmd/run-policy-pack`,
 * which the CLI's nodejs analyzer plugin launches), then asked over the analyzer gRPC protocol as the engine asks.
 */
import { spawn, type ChildProcess } from "child_process";
import * as grpc from "@grpc/grpc-js";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import type { ResolvedPolicyConfig } from "../../cli/plan/policyPackConfig";

export const analyzerPb = require("@pulumi/pulumi/proto/analyzer_pb");
const analyzerGrpc = require("@pulumi/pulumi/proto/analyzer_grpc_pb");
const { Empty } = require("google-protobuf/google/protobuf/empty_pb");

export interface PackHost {
  call<T = any>(method: string, request: unknown): Promise<T>;
  info(): Promise<any>;
  stop(): void;
  /** What the pack wrote to stderr so far. */
  stderr(): string;
}

/** Starts the pack in `packDir` with the runner its own `@pulumi/pulumi` provides (the project's when it has none). */
export async function startPolicyPack(packDir: string): Promise<PackHost> {
  const runner = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [packDir] });
  const pack: ChildProcess = spawn(process.execPath, [runner, "127.0.0.1:1", "."], { cwd: packDir, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  pack.stderr!.on("data", (chunk) => (stderr += chunk));
  const port = await new Promise<string>((resolve, reject) => {
    pack.stdout!.on("data", (chunk) => {
      const match = /^(\d+)\s*$/m.exec(String(chunk));
      if (match) resolve(match[1]);
    });
    pack.on("exit", (code) => reject(new Error(`the pack exited (${code}): ${stderr}`)));
  });
  const client = new analyzerGrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const call = <T>(method: string, request: unknown): Promise<T> =>
    new Promise((resolve, reject) => client[method](request, (err: Error | null, response: T) => (err ? reject(err) : resolve(response))));
  return {
    call,
    info: () => call("getAnalyzerInfo", new Empty()),
    stop: () => {
      client.close();
      pack.kill();
    },
    stderr: () => stderr,
  };
}

export function diagnostics(response: any): Array<{ policy: string; level: number; urn: string; message: string }> {
  return response.getDiagnosticsList().map((d: any) => ({ policy: d.getPolicyname(), level: d.getEnforcementlevel(), urn: d.getUrn(), message: d.getMessage() }));
}

export const urnOf = (type: string, name: string) => `urn:pulumi:prod::dps-x509::${type}::${name}`;

/** A resource as analyzeStack sends it; dependencies by name (made URNs). The engine always sends options. */
export function stackResource(type: string, name: string, properties: Record<string, unknown>, dependsOn: Array<[string, string]> = []) {
  return new analyzerPb.AnalyzerResource()
    .setType(type)
    .setName(name)
    .setUrn(urnOf(type, name))
    .setProperties(Struct.fromJavaScript(properties as Parameters<typeof Struct.fromJavaScript>[0]))
    .setDependenciesList(dependsOn.map(([t, n]) => urnOf(t, n)))
    .setOptions(new analyzerPb.AnalyzerResourceOptions());
}

const LEVELS: Record<string, number> = { advisory: 0, mandatory: 1, disabled: 2, remediate: 3 };
export const levelNumber = (level: string) => LEVELS[level];

/** The Configure request the engine sends once it has reconciled a `--policy-pack-config` file with the pack's defaults. */
export function configureRequest(config: ResolvedPolicyConfig) {
  const request = new analyzerPb.ConfigureAnalyzerRequest();
  for (const [name, { enforcementLevel, properties }] of config.policies) {
    request.getPolicyconfigMap().set(name, new analyzerPb.PolicyConfig().setEnforcementlevel(levelNumber(enforcementLevel)).setProperties(Struct.fromJavaScript(properties as Parameters<typeof Struct.fromJavaScript>[0])));
  }
  return request;
}
