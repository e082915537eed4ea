/**
 * Records every resource the program registers with the (mock) resource monitor: type, name, parent, dependencies
 * and inputs, with secrets and values unknown until `up` replaced by readable markers.
 */
import * as pulumi from "@pulumi/pulumi";
import { wireInputsOf, type RegisterRequest } from "./directRegistration";

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
  /** The same as URNs (names may collide): the plan's order is built from them. */
  dependsOnUrns: string[];
  /** The inputs as registered, with SECRET_MARKER and UNKNOWN_MARKER in place of secrets and unknowns. */
  inputs: Record<string, unknown>;
  urn: string;
  /** Set for a resource the program reads rather than manages (a tenant's platform StackReference). */
  read?: true;
  /** The ARM id given in the `import` option (an adopted resource). */
  importId?: string;
  /** URNs the resource was known by before (its `aliases` option): `--against` matches an old resource by them. */
  aliases?: string[];
  /** The name of the explicit provider it is declared through (a shard in another subscription); absent: the default. */
  provider?: string;
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

/** An alias as the SDK sends it: a URN, or a spec of what differs (name, type, parent) from the resource itself. */
interface AliasMessage {
  getUrn(): string;
  getSpec(): { getName(): string; getType(): string; getStack(): string; getProject(): string; getParenturn(): string; getNoparent(): boolean } | undefined;
}

/** The URN an alias names, built as the resource's own URN is (the mocks' newUrn: the parent's type, then the type). */
export function aliasUrn(alias: AliasMessage, own: { type: string; name: string; parentUrn: string; stack: string; project: string }): string {
  const spec = alias.getSpec();
  if (!spec) return alias.getUrn();
  const parentUrn = spec.getNoparent() ? "" : spec.getParenturn() || own.parentUrn;
  const type = spec.getType() || own.type;
  const qualified = parentUrn ? `${parentUrn.split("::")[2].split("$").pop()}$${type}` : type;
  return `urn:pulumi:${[spec.getStack() || own.stack, spec.getProject() || own.project, qualified, spec.getName() || own.name].join("::")}`;
}

function aliasesOf(req: { getType(): string; getName(): string; getParent(): string; getAliasesList?(): AliasMessage[] }): { aliases?: string[] } {
  // azure-native aliases each resource to its type in every API-version module (`azure-native:iothub/v20230630:…`):
  // not a change this project made, and dozens a resource; kept out of the plan.
  const list = (req.getAliasesList?.() ?? []).filter((alias) => {
    const spec = alias.getSpec();
    // The SDK fills in the resource's own parent on every alias spec that names none.
    const sameParent = !spec?.getNoparent() && [req.getParent(), ""].includes(spec?.getParenturn() ?? "");
    return !(spec && req.getType().startsWith("azure-native:") && spec.getType().startsWith("azure-native:") && !spec.getName() && sameParent);
  });
  if (!list.length) return {};
  const own = { type: req.getType(), name: req.getName(), parentUrn: req.getParent(), stack: pulumi.getStack(), project: pulumi.getProject() };
  return { aliases: list.map((alias) => aliasUrn(alias, own)) };
}

/** An explicit provider reference (`<urn>::<id>`) as the provider's name. */
function providerOf(reference: string | undefined): { provider?: string } {
  if (!reference) return {};
  return { provider: nameFromUrn(reference.slice(0, reference.lastIndexOf("::"))) };
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
    getAliasesList?(): AliasMessage[];
    getProvider?(): string;
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
      dependsOnUrns: [...new Set<string>(req.getDependenciesList())],
      inputs,
      urn: response.getUrn(),
      ...(read ? { read: true as const } : {}),
      ...(req.getImportid?.() ? { importId: req.getImportid?.() } : {}),
      ...aliasesOf(req),
      ...providerOf(req.getProvider?.()),
    });
  };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    register(req, (err, response) => {
      if (!err && response) record(req, response, wireInputsOf(req as unknown as RegisterRequest), false);
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
