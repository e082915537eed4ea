/**
 * Dynamic resources whose provider is loaded from the project when it is called, so that what state keeps as
 * `__provider` (in the inputs and again in the outputs of every dynamic resource) is a shim of about 330 bytes
 * instead of the whole provider with every module it uses (25–60 KB each time), and every operation runs the
 * checkout's current code.
 *
 * Why not `pulumi.dynamic.Resource` with a small provider object: the SDK's closure serializer wraps every function
 * it emits in about 170 bytes of scaffolding, and a provider needs six methods plus a loader and the handler, so even
 * a two-line shim serializes to 2.4 KB, twice per resource. So `__provider` is written here, a short CommonJS module
 * in the format the host expects (`exports.handler()` returns the provider), and registered with the same resource
 * type a dynamic resource gets (`pulumi-nodejs:dynamic/<module>:<type>`), which is what makes the engine send it to
 * Pulumi's dynamic-provider host. The text is a constant per provider key: it never changes with the compiler, the
 * machine or the checkout, so it causes no diff.
 *
 * In the host (`@pulumi/pulumi/cmd/dynamic-provider`, started by the engine in the project directory) the shim finds
 * the project directory: $DPS_X509_PROJECT_DIR when set, else the host's working directory, walking up to the first
 * folder that holds `components/providers/shimLoader.js`. Nothing absolute is in state, so state written on one
 * machine or checkout runs on any other. It requires that loader (plain JavaScript, so it loads without ts-node),
 * which registers ts-node when needed and returns the provider registered under the key in registry.ts; the shim
 * hands that provider to the host, which calls its check, diff, create, read, update and delete.
 */
import * as pulumi from "@pulumi/pulumi";

/** The loader's path relative to the project directory. It is written into state: it never moves. */
export const PROVIDER_LOADER = "components/providers/shimLoader.js";

/**
 * The `__provider` text for the provider registered under `key` in registry.ts: one line, stored twice per dynamic
 * resource (inputs and outputs), so every byte counts a thousand times on a platform of a thousand tenants. Spelled
 * out: `f` the loader's path; from $DPS_X509_PROJECT_DIR or the working directory, up to the first folder `d` that
 * holds it (else an error naming it); then `require(loader)(key, d)`, which returns the provider itself (the host
 * calls `handler()` once per distinct text and process). That call never changes: states keep earlier shim texts
 * (test/support/earlierShims.ts), which make it too. Single quotes: a double quote costs two bytes in state's JSON.
 * docs/dynamic-providers.md says the rest.
 */
export function shimProviderText(key: string): string {
  if (!/^[A-Za-z]+$/.test(key)) throw new Error(`a provider key is letters only: ${JSON.stringify(key)}`);
  return (
    `exports.handler=()=>{const P=require('path'),f='${PROVIDER_LOADER}';let d=P.resolve(process.env.DPS_X509_PROJECT_DIR||'.');` +
    `while(!require('fs').existsSync(P.join(d,f)))if(d==(d=P.dirname(d)))throw Error(f+' not found: run pulumi in the dps-x509 project directory');` +
    `return require(P.join(d,f))('${key}',d)}`
  );
}

/**
 * A dynamic resource of type `pulumi-nodejs:dynamic/<module>:<type>` whose `__provider` is the shim for the provider
 * registered under `providerKey` in registry.ts. The arguments are those of `pulumi.dynamic.Resource`, with the
 * provider's key in place of the provider object.
 */
export class ProjectDynamicResource extends pulumi.CustomResource {
  constructor(providerKey: string, name: string, props: pulumi.Inputs, opts: pulumi.CustomResourceOptions | undefined, module: string, type: string) {
    if (props.__provider !== undefined) throw new Error("A dynamic resource must not define the __provider key");
    super(`pulumi-nodejs:dynamic/${module}:${type}`, name, { ...props, __provider: shimProviderText(providerKey) }, opts);
  }
}
