/**
 * Pulumi runtime mocks that answer the way Azure would, so that the offline plan (and the mock tests) read as a real
 * deployment does: a hub's host name is `<name>.azure-devices.net`, the DPS gets a placeholder ID scope and its real
 * host names. Keys are placeholders; the program marks them secret, so they print as "[secret]".
 */
import { X509Certificate } from "crypto";
import type * as pulumi from "@pulumi/pulumi";
import { offlineIdOf } from "./armIds";
import { broughtCaOutputs } from "./broughtCaOutputs";
import { stackConfigOnce } from "../../components/config/runtimeConfig";

/** The ID scope a mocked DPS gets: Azure's shape (`0ne` + 8 hex digits), clearly not a real one. */
export const PLACEHOLDER_ID_SCOPE = "0ne00000000";
export const PLACEHOLDER_SUBSCRIPTION_ID = "00000000-0000-0000-0000-000000000000";
const PLACEHOLDER_KEY = "cGxhY2Vob2xkZXIta2V5LW5vdC1yZWFs"; // base64("placeholder-key-not-real")

type State = Record<string, unknown>;

const jwtPart = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
/** Not a real token: header and claims only (idtyp "user"), an empty signature. */
export const PLACEHOLDER_USER_TOKEN = `${jwtPart({ alg: "none", typ: "JWT" })}.${jwtPart({ aud: "https://management.azure.com/", idtyp: "user", scp: "user_impersonation", oid: "00000000-0000-0000-0000-000000000002" })}.`;

/** Azure's thumbprint (SHA-1, upper-case hex) of a PEM certificate; undefined when the PEM is not known yet. */
function sha1Thumbprint(pem: unknown): string | undefined {
  if (typeof pem !== "string") return undefined;
  try {
    return new X509Certificate(pem).fingerprint.replace(/:/g, "");
  } catch {
    return undefined;
  }
}

/**
 * The subscription azure-native works in: the stack's `azure-native:subscriptionId`, else the placeholder. Read
 * through the one config loader (parsed once per process), not `new pulumi.Config`, which re-parses the whole
 * config for every resource.
 */
function providerSubscriptionId(): string {
  return stackConfigOnce()["azure-native:subscriptionId"] ?? PLACEHOLDER_SUBSCRIPTION_ID;
}

/** What Azure adds to a resource's inputs, by resource type. */
const azureOutputs: Record<string, (inputs: State) => State> = {
  "azure-native:resources:ResourceGroup": (inputs) => ({ name: inputs.resourceGroupName }),
  "azure-native:iothub:IotHubResource": (inputs) => ({
    name: inputs.resourceName,
    properties: { hostName: `${String(inputs.resourceName)}.azure-devices.net`, state: "Active" },
  }),
  "azure-native:deviceprovisioningservices:IotDpsResource": (inputs) => ({
    name: inputs.provisioningServiceName,
    properties: {
      ...(inputs.properties as State),
      idScope: PLACEHOLDER_ID_SCOPE,
      serviceOperationsHostName: `${String(inputs.provisioningServiceName)}.azure-devices-provisioning.net`,
      deviceProvisioningHostName: "global.azure-devices-provisioning.net",
      state: "Active",
    },
  }),
  "azure-native:keyvault:Vault": (inputs) => ({
    name: inputs.vaultName,
    properties: { ...(inputs.properties as State), vaultUri: `https://${String(inputs.vaultName)}.vault.azure.net/` },
  }),
  // A brought CA (dynamic provider, components/providers/caCertificate.ts): its certificate is known from config.
  "pulumi-nodejs:dynamic/dps-x509:CaCertificate": broughtCaOutputs,
  // The CA upload (dynamic provider, components/providers/dpsCertificate.ts): what its create reports.
  "pulumi-nodejs:dynamic/dps-x509:DpsCertificateUpload": (inputs) => ({
    name: inputs.certificateName,
    thumbprint: sha1Thumbprint(inputs.certificatePem),
    etag: "AAAAAAAAAAE=",
    isVerified: inputs.isVerified === true,
    requestedIsVerified: inputs.isVerified === true,
  }),
};

/** Answers for the invokes the program makes; anything else is a bug and throws. */
const invokeResults: Record<string, (inputs: State) => State> = {
  "azure-native:authorization:getClientConfig": () => ({
    clientId: "00000000-0000-0000-0000-000000000001",
    objectId: "00000000-0000-0000-0000-000000000002",
    subscriptionId: PLACEHOLDER_SUBSCRIPTION_ID,
    tenantId: "00000000-0000-0000-0000-000000000003",
  }),
  // An unsigned token with the claims of `az login` as a user: the plan has no identity of its own.
  "azure-native:authorization:getClientToken": () => ({ token: PLACEHOLDER_USER_TOKEN }),
  "azure-native:iothub:listIotHubResourceKeysForKeyName": (inputs) => ({
    keyName: inputs.keyName,
    primaryKey: PLACEHOLDER_KEY,
    secondaryKey: PLACEHOLDER_KEY,
    rights: "RegistryWrite, ServiceConnect, DeviceConnect",
  }),
  "azure-native:deviceprovisioningservices:listIotDpsResourceKeysForKeyName": (inputs) => ({
    keyName: inputs.keyName,
    primaryKey: PLACEHOLDER_KEY,
    secondaryKey: PLACEHOLDER_KEY,
    rights: "ServiceConfig, DeviceConnect, EnrollmentWrite",
  }),
};

// Pulumi's wire markers for a secret (runtime/rpc.ts): the mocks see secret inputs wrapped in them.
const { specialSigKey, specialSecretSig }: { specialSigKey: string; specialSecretSig: string } = require("@pulumi/pulumi/runtime/rpc");

/** The inputs with secret wrappers removed, so that Azure's additions can be merged into them. */
function unwrapSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value !== null && typeof value === "object") {
    const object = value as State;
    if (object[specialSigKey] === specialSecretSig) return unwrapSecrets(object.value);
    return Object.fromEntries(Object.entries(object).map(([key, inner]) => [key, unwrapSecrets(inner)]));
  }
  return value;
}

/** How `pulumi stack output --json` prints a secret output. */
const SECRET_OUTPUT_TEXT = "[secret]";

export interface AzureLikeMocksOptions {
  /** The outputs a StackReference (a tenant's platform) answers with; "[secret]" values count as secret outputs. */
  platformOutputs?: Record<string, unknown>;
  /**
   * Outputs of other stacks by their `<org>/<project>/<stack>` name (a platform's tenants); a stack named by neither
   * this nor `platformOutputs` answers with no outputs, as a tenant stack that has not run `up` yet.
   */
  stackOutputs?: Record<string, Record<string, unknown>>;
}

export class AzureLikeMocks implements pulumi.runtime.Mocks {
  constructor(private readonly options: AzureLikeMocksOptions = {}) {}

  newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: State } {
    const inputs = unwrapSecrets(args.inputs) as State;
    if (args.type === "pulumi:pulumi:StackReference") return this.stackReference(args.name, inputs);
    // A resource group read by its ARM id (`resourceGroupExisting`: no inputs, unlike an import): Azure answers with its name.
    if (args.id && args.type === "azure-native:resources:ResourceGroup" && inputs.resourceGroupName === undefined) {
      return { id: args.id, state: { ...inputs, name: decodeURIComponent(args.id.split("/").pop() ?? "") } };
    }
    const extra = azureOutputs[args.type]?.(inputs) ?? {};
    if (args.type === "pulumi:providers:azure-native" && typeof inputs.subscriptionId === "string") this.providerSubscriptions.set(args.name, inputs.subscriptionId);
    const id = args.custom === false ? undefined : offlineIdOf(args.type, args.name, inputs, this.subscriptionOf(args.provider));
    return { id, state: { ...inputs, ...extra } };
  }

  /** Explicit azure-native providers' subscriptions by provider name (a shard in another subscription). */
  private readonly providerSubscriptions = new Map<string, string>();

  /** The subscription a resource is declared in: its explicit provider's (`<urn>::<id>`), else the stack's. */
  private subscriptionOf(provider: string | undefined): string {
    const parts = provider?.split("::") ?? [];
    return this.providerSubscriptions.get(parts[parts.length - 2] ?? "") ?? providerSubscriptionId();
  }

  private stackReference(name: string, inputs: State): { id: string; state: State } {
    const stackName = String(inputs.name ?? name);
    const outputs = this.options.stackOutputs?.[stackName] ?? this.options.platformOutputs ?? (this.options.stackOutputs ? {} : undefined);
    if (!outputs) throw new Error(`the mocks have no outputs for the stack reference ${String(inputs.name ?? name)}`);
    const secretOutputNames = Object.keys(outputs).filter((key) => outputs[key] === SECRET_OUTPUT_TEXT);
    return { id: String(inputs.name ?? name), state: { ...inputs, outputs, secretOutputNames } };
  }

  call(args: pulumi.runtime.MockCallArgs): State {
    // The engine's built-in read of another stack's outputs (components/tenant/tenantCsrs.ts), answered as a
    // StackReference is: a platform's tenants by stack name.
    if (args.token === "pulumi:pulumi:readStackOutputs") {
      const { state } = this.stackReference(String(args.inputs.name), args.inputs as State);
      return { name: state.name, outputs: state.outputs, secretOutputNames: state.secretOutputNames };
    }
    const answer = invokeResults[args.token];
    if (!answer) throw new Error(`the mocks do not know the function ${args.token}: add it to cli/plan/mocks.ts`);
    return answer(args.inputs as State);
  }
}
