/**
 * The plan command loads two large modules of Pulumi's SDK only if something uses them: TypeScript (the SDK parses
 * functions with it to serialize closures) and @npmcli/arborist (it reads package trees for the same). Each costs
 * about 0.2 s to load — together most of the time Node takes to load the SDK — and the plan never serializes a
 * closure: the dynamic providers are declared through a shim that needs no serialization
 * (components/providers/shim.ts). The same for the Automation API (with execa) and gRPC with its generated clients
 * (issue #26): the plan drives no CLI, and its monitor is the SDK's mock, in process; the SDK reads gRPC's status
 * codes only when a call fails. The SDK requires them when its own modules load; here that require returns a
 * stand-in that loads the real module on first use, so nothing changes for code that does use them
 * (test/planLightRuntime.test.ts).
 *
 * Import this first in the plan's entry point, before anything loads `@pulumi/pulumi`.
 */
import Module = require("module");

/** The SDK's requires to defer: the module asked for, and the SDK file that asks. */
const DEFERRED: ReadonlyArray<{ request: string; from: RegExp }> = [
  { request: "typescript", from: /[\\/]@pulumi[\\/]pulumi[\\/]typescript-shim\.js$/ },
  { request: "@npmcli/arborist", from: /[\\/]@pulumi[\\/]pulumi[\\/]runtime[\\/]closure[\\/]codePaths\.js$/ },
  { request: "normalize-package-data", from: /[\\/]@pulumi[\\/]pulumi[\\/]runtime[\\/]closure[\\/]codePaths\.js$/ },
  // The Automation API (and execa under it), which the SDK's index exports; the plan drives no CLI.
  { request: "./automation", from: /[\\/]@pulumi[\\/]pulumi[\\/]index\.js$/ },
  // gRPC and its generated clients: the plan's monitor is the SDK's mock, in process; the SDK reads gRPC's status
  // codes only when a call fails, and then loads it.
  { request: "@grpc/grpc-js", from: /[\\/]@pulumi[\\/]pulumi[\\/](errors|provider[\\/]server|runtime[\\/](settings|resource|invoke|callbacks))\.js$/ },
  { request: "../proto/engine_grpc_pb", from: /[\\/]@pulumi[\\/]pulumi[\\/]runtime[\\/]settings\.js$/ },
  { request: "../proto/resource_grpc_pb", from: /[\\/]@pulumi[\\/]pulumi[\\/]runtime[\\/]settings\.js$/ },
  { request: "../proto/callback_grpc_pb", from: /[\\/]@pulumi[\\/]pulumi[\\/]runtime[\\/]callbacks\.js$/ },
  { request: "../proto/provider_grpc_pb", from: /[\\/]@pulumi[\\/]pulumi[\\/]provider[\\/]server\.js$/ },
];

/** A module loaded on first use (cli/plan/deferredModule.js, shared with jest's stand-ins). */
const deferredModule: (load: () => Record<string | symbol, unknown>) => object = require("./deferredModule.js").deferredModule;

type Load = (request: string, parent: { filename?: string } | undefined, isMain: boolean) => unknown;
const nodeModule = Module as unknown as { _load: Load };

let installed = false;
export function deferUnusedSdkModules(): void {
  if (installed) return;
  installed = true;
  const load = nodeModule._load;
  nodeModule._load = function (request, parent, isMain) {
    const deferred = parent?.filename && DEFERRED.some((entry) => entry.request === request && entry.from.test(parent.filename!));
    if (deferred) return deferredModule(() => load.call(this, request, parent, isMain) as Record<string | symbol, unknown>);
    return load.call(this, request, parent, isMain);
  };
}

deferUnusedSdkModules();
