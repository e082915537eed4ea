/**
 * The offline plan's lighter run of Pulumi's SDK: work the SDK does for an engine, a leak report or state migration,
 * which the plan never shows, left out. Each lever leaves what the plan records unchanged (test/planLightRuntime.test.ts
 * compares the command's output with a plan under the SDK's full runtime).
 * - Stack traces: the SDK takes one for every promise it wraps (runtime/debuggable.ts) and every resource it
 *   constructs (resource.ts: the source position it sends to the engine). While the plan evaluates, a trace taken
 *   inside the SDK is left unformatted; every other error (ours, Azure's, a real bug) keeps its stack. The plan and
 *   the mock tests.
 * - The promise-leak bookkeeping, azure-native's version aliases and the protobuf round trip of each registration's
 *   answer (directRegistration.ts): the plan command only (lightenRuntimeForPlanCommand).
 * Never used by the program under `pulumi up`.
 */
import * as pulumi from "@pulumi/pulumi";
import { registerWithoutProtobufAnswers } from "./directRegistration";

type PrepareStackTrace = (error: Error, frames: NodeJS.CallSite[]) => unknown;

const PULUMI_STACK_TAKERS = [/[\\/]@pulumi[\\/]pulumi[\\/]runtime[\\/]debuggable\.js$/, /[\\/]@pulumi[\\/]pulumi[\\/]resource\.js$/];

/** Node's own rendering: the error's first line, then `    at <frame>` a line (as `Error.prepareStackTrace` unset). */
function defaultStack(error: Error, frames: NodeJS.CallSite[]): string {
  const head = Error.prototype.toString.call(error);
  return frames.length === 0 ? head : `${head}\n    at ${frames.map(String).join("\n    at ")}`;
}

/** Runs `work` with the SDK's own stack traces left unformatted; restores the previous hook afterwards. */
export async function withCheapPulumiStacks<T>(work: () => Promise<T>): Promise<T> {
  const previous = Error.prepareStackTrace as PrepareStackTrace | undefined;
  Error.prepareStackTrace = (error: Error, frames: NodeJS.CallSite[]) => {
    const top = frames[0]?.getFileName() ?? "";
    if (PULUMI_STACK_TAKERS.some((taker) => taker.test(top))) return `${error.name}: (stack not kept in the offline plan)`;
    return previous ? previous(error, frames) : defaultStack(error, frames);
  };
  try {
    return await work();
  } finally {
    // Unset when it was unset: Node's own rendering again.
    (Error as { prepareStackTrace?: PrepareStackTrace }).prepareStackTrace = previous;
  }
}

let planCommand = false;

/**
 * Called by the plan command's entry point only (never by the program under `pulumi up`, nor by the mock tests,
 * which keep the SDK's full runtime): turns on the two levers below for this process.
 * - The SDK wraps each of its promises in `debuggablePromise`, which takes a stack and keeps the promise in a set to
 *   report leaks at exit. That bookkeeping was a quarter of the plan's time at DPS's limits and tells a reviewer
 *   nothing; a leaking program still fails the mock tests. The SDK calls the function through its module's
 *   exports, so replacing the export is enough.
 * - azure-native's version aliases are dropped (dropAzureNativeVersionAliasesInPlan) and registrations answered
 *   without protobuf (lightenPlanMonitor), both called by the evaluation once the mocks are set.
 */
export function lightenRuntimeForPlanCommand(): void {
  const debuggable: { debuggablePromise: <T>(promise: Promise<T>, context: unknown) => Promise<T> } = require("@pulumi/pulumi/runtime/debuggable");
  debuggable.debuggablePromise = (promise) => promise;
  planCommand = true;
}

/**
 * azure-native aliases each of its resources to the same type in every other API-version module
 * (`azure-native:iothub/v20230630:IotHubResource`, … 36 for a hub), so that state written by another module version
 * is recognised. The SDK turns each alias into a URN output as the resource is constructed: at DPS's limits that was
 * some 1,900 URNs, a third of the plan. They concern state migration only, and the plan never showed them (record.ts
 * leaves them out); the plan command drops them before the SDK sees them. Aliases the project declares itself (a
 * name, a parent, or a type of another provider) are kept, so `--against` still matches them.
 */
export function isAzureNativeVersionAlias(resourceType: string, alias: unknown): boolean {
  if (!resourceType.startsWith("azure-native:") || alias === null || typeof alias !== "object") return false;
  const keys = Object.keys(alias);
  const type = (alias as { type?: unknown }).type;
  return keys.length === 1 && keys[0] === "type" && typeof type === "string" && type.startsWith("azure-native:");
}

/** For the plan command only, once the mocks are set: registrations answered without protobuf (directRegistration.ts). */
export function lightenPlanMonitor(): void {
  if (planCommand) registerWithoutProtobufAnswers();
}

/** Registers, for the plan command only, the stack transformation that drops azure-native's version aliases. */
export function dropAzureNativeVersionAliasesInPlan(): void {
  if (!planCommand) return;
  pulumi.runtime.registerStackTransformation((args) => {
    const aliases = args.opts.aliases;
    if (!aliases?.length) return undefined;
    const kept = aliases.filter((alias) => !isAzureNativeVersionAlias(args.type, alias));
    return kept.length === aliases.length ? undefined : { props: args.props, opts: { ...args.opts, aliases: kept } };
  });
}
