/**
 * The plan command's registration without the protobuf round trip of its answer. The SDK's MockMonitor
 * (@pulumi/pulumi/runtime/mocks.js, registerResource) turns the mocks' answer into a protobuf Struct, which the SDK
 * at once turns back into JavaScript (rpc.deserializeProperties calls only `toJavaScript()` on it); and the plan's
 * recorder reads the request's inputs out of their Struct a second time. With a thousand tenant certificates those
 * conversions were a tenth of the plan. Here the monitor answers what MockMonitor answers (the mocks' state,
 * serialized by the SDK's own serializeProperties, under the URN MockMonitor makes and in its resource table), in a
 * response whose `getObject()` hands that serialized state over as it is; the request's inputs are read once.
 *
 * The plan command only (lightRuntime.ts); test/planLightRuntime.test.ts compares its output with a plan under the
 * unchanged SDK.
 */
import * as pulumi from "@pulumi/pulumi";

const rpc: {
  deserializeProperties(struct: { toJavaScript(): unknown }): Record<string, unknown>;
  serializeProperties(label: string, props: Record<string, unknown>): Promise<Record<string, unknown>>;
} = require("@pulumi/pulumi/runtime/rpc");

/** What the plan reads of a RegisterResourceRequest. */
export interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getProvider(): string;
  getCustom(): boolean;
  getImportid(): string;
  getObject(): { toJavaScript(): unknown } | undefined;
}

/** The SDK's MockMonitor, as far as this module uses it. */
interface MockMonitorShape {
  mocks: pulumi.runtime.Mocks;
  resources: Map<string, { urn: string; id: string | null; state: Record<string, unknown> }>;
  newUrn(parent: string, type: string, name: string): string;
  registerResource(req: RegisterRequest, callback: (err: unknown, response?: unknown) => void): void;
}

const inputsByRequest = new WeakMap<object, Record<string, unknown>>();

/** A request's inputs in the wire format, read out of their Struct once per request. */
export function wireInputsOf(req: RegisterRequest): Record<string, unknown> {
  let inputs = inputsByRequest.get(req);
  if (!inputs) {
    inputs = (req.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>;
    inputsByRequest.set(req, inputs);
  }
  return inputs;
}

/** A Struct stand-in for what the SDK only reads with `toJavaScript()`. */
const asStruct = (value: Record<string, unknown>) => ({ toJavaScript: () => value });

function isMockMonitor(monitor: unknown): monitor is MockMonitorShape {
  const candidate = monitor as Partial<MockMonitorShape> | undefined;
  return !!candidate && typeof candidate.newUrn === "function" && candidate.resources instanceof Map && typeof candidate.mocks?.newResource === "function";
}

/** Replaces the current mock monitor's registerResource; call right after `pulumi.runtime.setMocks`. */
export function registerWithoutProtobufAnswers(): void {
  const monitor: unknown = pulumi.runtime.getMonitor();
  if (!isMockMonitor(monitor)) return; // not the SDK's mocks: nothing to lighten
  monitor.registerResource = (req, callback) => {
    (async () => {
      const result = await monitor.mocks.newResource({
        type: req.getType(),
        name: req.getName(),
        inputs: rpc.deserializeProperties(asStruct(wireInputsOf(req))),
        provider: req.getProvider(),
        custom: req.getCustom(),
        id: req.getImportid(),
      });
      const urn = monitor.newUrn(req.getParent(), req.getType(), req.getName());
      const state = await rpc.serializeProperties("", result.state);
      monitor.resources.set(urn, { urn, id: result.id ?? null, state });
      return {
        getUrn: () => urn,
        getId: () => result.id || "",
        getObject: () => asStruct(state),
        getPropertydependenciesMap: () => undefined,
        getResult: () => 0, // Result.SUCCESS
      };
    })().then(
      (response) => callback(null, response),
      (err) => callback(err, undefined),
    );
  };
}
