/**
 * Pulumi's SDK takes a stack trace for every promise it wraps (runtime/debuggable.ts: for leak reports) and every
 * resource it constructs (resource.ts: the source position it sends to the engine). The offline plan uses neither —
 * no engine, and a leak there is a test failure, not a user's — yet formatting those traces was a sixth of its time
 * at DPS's limits. While the plan evaluates, a trace taken inside the SDK is left unformatted; every other error
 * (ours, Azure's, a real bug) keeps its stack. Used by the plan only, never by the program under `pulumi up`.
 */
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

/**
 * The plan command only (never the program under `pulumi up`, nor the mock tests): the SDK wraps each of its promises
 * in `debuggablePromise`, which takes a stack and keeps the promise in a set to report leaks at exit. That bookkeeping
 * was a quarter of the plan's time at DPS's limits and tells a reviewer nothing; the mock tests keep it, so a leaking
 * program still fails there. The SDK calls the function through its module's exports, so replacing the export is
 * enough.
 */
export function skipPromiseLeakBookkeeping(): void {
  const debuggable: { debuggablePromise: <T>(promise: Promise<T>, context: unknown) => Promise<T> } = require("@pulumi/pulumi/runtime/debuggable");
  debuggable.debuggablePromise = (promise) => promise;
}
