/**
 * The plan command's lighter run of the SDK (cli/plan/lightRuntime.ts, cli/plan/deferUnusedSdkModules.ts): two heavy
 * modules (TypeScript and @npmcli/arborist) deferred until something uses them, the SDK's promise-leak bookkeeping
 * and azure-native's version aliases left out. The plan process must not load those modules, code that uses them
 * must still get the real module, and the command must print exactly what a plan under the full SDK records.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
// The stand-in itself, without the plan's require hook (deferUnusedSdkModules.ts installs that when imported).
const { deferredModule }: { deferredModule: (load: () => Record<string | symbol, unknown>) => object } = require("../cli/plan/deferredModule.js");

const ROOT = path.resolve(__dirname, "..");

test("a deferred module loads on first use, once, and reads as the real module through TypeScript's import helpers", () => {
  let loads = 0;
  const real = { parse: (text: string) => text.length, VERSION: "1.2.3" };
  const stand = deferredModule(() => {
    loads++;
    return real;
  }) as typeof real & { default: typeof real; __esModule: boolean };
  expect(loads).toBe(0);
  // What __importStar / __importDefault ask first: answered without loading.
  expect(stand.__esModule).toBe(true);
  expect(loads).toBe(0);
  expect(stand.parse("abc")).toBe(3);
  expect(stand.default).toBe(real);
  expect("VERSION" in stand).toBe(true);
  expect(loads).toBe(1);
});

const probe = (extra: string) => `
process.argv = [process.argv[0], "plan", "--stack", "dev", "--json"];
const { runPlan } = require(${JSON.stringify(path.join(ROOT, "cli/plan.ts"))});
runPlan(process.argv.slice(2), { stdout: () => {}, stderr: (t) => process.stderr.write(t) }).then((code) => {
  ${extra}
  const loaded = Object.keys(require.cache).filter((f) => /[\\\\/]node_modules[\\\\/](typescript[\\\\/]lib[\\\\/]typescript\\.js|@npmcli[\\\\/]arborist[\\\\/]|@grpc[\\\\/]grpc-js[\\\\/]|@pulumi[\\\\/]pulumi[\\\\/]automation[\\\\/]|execa[\\\\/])/.test(f));
  console.log(JSON.stringify({ code, loaded }));
});`;

// The loader itself loads TypeScript on a cache miss: warm the cache first, as any second `npm run plan` finds it.
beforeAll(() => {
  spawnSync(process.execPath, ["-r", path.join(ROOT, "cli/tsRegister.js"), path.join(ROOT, "cli/plan.ts"), "--stack", "dev"], { cwd: ROOT });
});

function runProbe(extra: string) {
  const r = spawnSync(process.execPath, ["-r", path.join(ROOT, "cli/tsRegister.js"), "-e", probe(extra)], { cwd: ROOT, encoding: "utf8" });
  expect(r.stderr).toBe("");
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as { code: number; loaded: string[] };
}

test("the plan of the dev stack loads neither TypeScript nor arborist, nor gRPC nor the Automation API", () => {
  expect(runProbe("")).toEqual({ code: 0, loaded: [] });
});

test("the SDK still gets the real TypeScript when it uses it (its closure parser)", () => {
  const used = runProbe(`const ts = require("@pulumi/pulumi/typescript-shim"); if (typeof ts.createSourceFile !== "function") throw new Error("no TypeScript");`);
  expect(used.code).toBe(0);
  expect(used.loaded.some((f) => /typescript\.js$/.test(f))).toBe(true);
});

test("the SDK still gets the real gRPC when it uses it (reading a failed call's status code)", () => {
  const used = runProbe(`const { isGrpcError } = require("@pulumi/pulumi/errors"); if (isGrpcError({ code: 14 }) !== true || isGrpcError({ code: 3 }) !== false) throw new Error("no gRPC status codes");`);
  expect(used.code).toBe(0);
  expect(used.loaded.some((f) => /@grpc[\\/]grpc-js/.test(f))).toBe(true);
});

test("an alias azure-native adds (its type in another API-version module) is a version alias; one the project declares is not", () => {
  const { isAzureNativeVersionAlias } = require("../cli/plan/lightRuntime") as typeof import("../cli/plan/lightRuntime");
  expect(isAzureNativeVersionAlias("azure-native:iothub:IotHubResource", { type: "azure-native:iothub/v20230630:IotHubResource" })).toBe(true);
  expect(isAzureNativeVersionAlias("azure-native:iothub:IotHubResource", { type: "azure-native:devices:IotHubResource" })).toBe(true);
  // The project's own: a renamed or re-parented resource, or our upload aliased to azure-native's old type.
  expect(isAzureNativeVersionAlias("azure-native:iothub:IotHubResource", { name: "old-name" })).toBe(false);
  expect(isAzureNativeVersionAlias("azure-native:iothub:IotHubResource", { type: "azure-native:iothub:IotHubResource", parent: undefined })).toBe(false);
  expect(isAzureNativeVersionAlias("pulumi-nodejs:dynamic/dps-x509:DpsCertificateUpload", { type: "azure-native:deviceprovisioningservices:DpsCertificate" })).toBe(false);
  expect(isAzureNativeVersionAlias("azure-native:iothub:IotHubResource", "urn:pulumi:dev::dps-x509::azure-native:iothub:IotHubResource::x")).toBe(false);
});

// A platform with realistic tenants (every kind: signing certificate, CA reference, onboarding, rotating), as a
// stack file: its tenant certificates and `tenantCertificates` output go through the lighter registration too.
let tenantsFile: string;
beforeAll(async () => {
  const { realisticPlatformFile } = await import("../cli/bench/realisticTenants");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dps-x509-light-"));
  tenantsFile = path.join(dir, "Pulumi.light-tenants.yaml");
  fs.writeFileSync(tenantsFile, await realisticPlatformFile({ tenants: 8, shards: 2 }));
});

test.each([
  ["the multiregion stack", () => ["--stack", "multiregion"]],
  ["a platform with tenants of every kind", () => ["--config", tenantsFile]],
])("the plan command prints what a plan under the SDK's full runtime records (stacks, leak bookkeeping, version aliases and protobuf included): %s", async (_what, args) => {
  const light = spawnSync(process.execPath, ["-r", path.join(ROOT, "cli/tsRegister.js"), path.join(ROOT, "cli/plan.ts"), ...args(), "--json"], { cwd: ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  expect(light.stderr).toBe("");
  // In this process nothing is skipped: runPlan without the command's entry point runs the SDK as it is.
  const { runPlan } = require("../cli/plan") as typeof import("../cli/plan");
  let full = "";
  const code = await runPlan([...args(), "--json"], { stdout: (text) => (full += text), stderr: (text) => process.stderr.write(text) });
  expect(code).toBe(0);
  const resources = (text: string) => (JSON.parse(text) as { resources: unknown[] }).resources;
  expect(resources(full).length).toBeGreaterThan(10);
  expect(light.stdout).toBe(full);
});
