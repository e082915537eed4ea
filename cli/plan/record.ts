/**
 * Records every resource the program registers with the (mock) resource monitor: type, name, parent, dependencies
 * and inputs, with secrets and values unknown until `up` replaced by readable markers.
 */
import * as pulumi from "@pulumi/pulumi";

// The wire format's markers, from the SDK (runtime/rpc.ts); they are part of Pulumi's RPC protocol.
const rpc: {
  unknownValue: string;
  specialSigKey: string;
  specialSecretSig: string;
  specialResourceSig: string;
} = require("@pulumi/pulumi/runtime/rpc");

export const SECRET_MARKER = "[secret]";
export const UNKNOWN_MARKER = "(known after up)";

/** Inputs that are Pulumi's plumbing rather than the resource's own. */
const PLUMBING_INPUTS = new Set(["__provider"]);

export interface RecordedResource {
  type: string;
  name: string;
  /** The parent's name, or null at the top. */
  parent: string | null;
  /** The parent's URN, or null at the top: names alone may collide (a CA `x`'s upload `x-cert` and a CA `x-cert`). */
  parentUrn: string | null;
  /** Names of the resources this one depends on (explicit dependsOn and through its inputs). */
  dependsOn: string[];
  /** The inputs as registered, with SECRET_MARKER and UNKNOWN_MARKER in place of secrets and unknowns. */
  inputs: Record<string, unknown>;
  urn: string;
  /** Set for a resource the program reads rather than manages (a tenant's platform StackReference). */
  read?: true;
  /** The ARM id given in the `import` option (an adopted resource). */
  importId?: string;
}

/**
 * Turns inputs in Pulumi's wire format into plain JSON: secrets and unknowns become markers where they sit (the SDK's
 * own deserializer would lift a nested secret to the top-level property, hiding e.g. a DPS's whole `properties`),
 * resource references become the resource's name.
 */
export function readable(value: unknown): unknown {
  if (value === rpc.unknownValue) return UNKNOWN_MARKER;
  if (Array.isArray(value)) return value.map(readable);
  if (value !== null && typeof value === "object") {
    const object = value as Record<string, unknown>;
    if (object[rpc.specialSigKey] === rpc.specialSecretSig) return SECRET_MARKER;
    if (object[rpc.specialSigKey] === rpc.specialResourceSig) return nameFromUrn(String(object.urn));
    return Object.fromEntries(Object.entries(object).map(([key, inner]) => [key, readable(inner)]));
  }
  return value;
}

function nameFromUrn(urn: string): string {
  return urn.slice(urn.lastIndexOf("::") + 2);
}

/** Wraps the current monitor's registerResource and readResource; call after `pulumi.runtime.setMocks`. */
export function recordRegistrations(): RecordedResource[] {
  type Request = {
    getType(): string;
    getName(): string;
    getParent(): string;
    getDependenciesList(): string[];
    getObject?(): { toJavaScript(): unknown } | undefined;
    getProperties?(): { toJavaScript(): unknown } | undefined;
    getImportid?(): string;
  };
  type Call = (req: Request, callback: (err: unknown, response: any) => void) => void;
  const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource: Call; readResource: Call };
  const recorded: RecordedResource[] = [];
  const record = (req: Request, response: { getUrn(): string }, inputsOf: unknown, read: boolean) => {
    const inputs = (readable(inputsOf) ?? {}) as Record<string, unknown>;
    for (const key of PLUMBING_INPUTS) delete inputs[key];
    recorded.push({
      type: req.getType(),
      name: req.getName(),
      parent: req.getParent() ? nameFromUrn(req.getParent()) : null,
      parentUrn: req.getParent() || null,
      dependsOn: [...new Set<string>(req.getDependenciesList().map(nameFromUrn))],
      inputs,
      urn: response.getUrn(),
      ...(read ? { read: true as const } : {}),
      ...(req.getImportid?.() ? { importId: req.getImportid?.() } : {}),
    });
  };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    register(req, (err, response) => {
      if (!err && response) record(req, response, req.getObject?.()?.toJavaScript(), false);
      callback(err, response);
    });
  };
  // A StackReference is read, not registered: without this a tenant's plan would not show its platform.
  const readResource = monitor.readResource.bind(monitor);
  monitor.readResource = (req, callback) => {
    readResource(req, (err, response) => {
      if (!err && response) record(req, response, req.getProperties?.()?.toJavaScript(), true);
      callback(err, response);
    });
  };
  return recorded;
}
