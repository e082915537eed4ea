/**
 * Benchmark: the bytes each resource puts into Pulumi state, for the dev stack and for a stack at DPS's limits, and
 * the invokes a preview makes.
 *
 * Method. The real program runs under Pulumi's runtime mocks, twice:
 *   - as a preview (dryRun): the mocks count the invokes (`listIotDpsResourceKeys` and friends) by token;
 *   - as an `up`: every dynamic resource is created by its real provider, the one the shim loads, against the local
 *     strict ARM and DPS servers (CA certificates locally, with real keys), so its outputs are what `create` returns;
 *     azure-native resources get the Azure-like outputs of the offline plan's mocks.
 * Each resource is then written as the engine writes it into a checkpoint (apitype.ResourceV3: urn, custom, id,
 * type, inputs, outputs, parent, dependencies, propertyDependencies, provider, created, modified): the inputs as
 * registered (with `__provider` exactly as the resource class registers it), the outputs with `__provider` added as
 * the dynamic-provider host adds it, secret values encrypted as the passphrase secrets provider stores them
 * (`{"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "v1:<nonce>:<AES-256-GCM>"}`
 * of the value's JSON; secret = marked secret on input, or listed in additionalSecretOutputs), and encoded the way Go's
 * encoding/json does (`<`, `>`, `&` escaped as \u003c…). Bytes are those of that compact JSON; `indentedBytes` adds
 * the 4-space indentation of a file-backend checkpoint, an upper bound.
 *
 * `shimInTheHost`: what loading the provider from the project costs in Pulumi's real dynamic-provider host.
 */
import * as crypto from "crypto";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { benchInChild } from "./inChild";
import { largeStackFile } from "./largeStack";

const PROJECT_ROOT = path.resolve(__dirname, "../..");
const rpc: { specialSigKey: string; specialSecretSig: string; unknownValue: string } = require("@pulumi/pulumi/runtime/rpc");
const settings: { waitForRPCs(): Promise<void> } = require("@pulumi/pulumi/runtime/settings");

/** What the bench reports for one stack. */
export interface StateFigures {
  resources: number;
  totalBytes: number;
  totalIndentedBytes: number;
  byType: Record<string, { count: number; maxBytes: number; meanBytes: number; providerBytes: number }>;
  /** CaCertificate by role: an intermediate also holds its issuer's certificate and (encrypted, compact) key in its inputs. */
  caByRole: Record<string, { count: number; maxBytes: number }>;
  previewInvokes: Record<string, number>;
  /** Bytes of the stack's outputs (JSON), as the checkpoint's stack resource holds them. */
  outputBytes: number;
  /** Each resource as the checkpoint holds it, when asked for (tests). */
  entries?: Array<{ type: string; name: string; json: Record<string, unknown> }>;
}

interface Entry {
  type: string;
  name: string;
  json: Record<string, unknown>;
}

const SECRET_SIG = { [rpc.specialSigKey]: rpc.specialSecretSig };
const passphraseKey = crypto.randomBytes(32);

/** A secret value as the passphrase secrets provider stores it. */
function encrypted(value: unknown): Record<string, string> {
  const nonce = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv("aes-256-gcm", passphraseKey, nonce);
  const body = Buffer.concat([cipher.update(JSON.stringify(value), "utf8"), cipher.final(), cipher.getAuthTag()]);
  return { ...SECRET_SIG, ciphertext: `v1:${nonce.toString("base64")}:${body.toString("base64")}` };
}

/** Inputs in the wire format → state form: nested secrets encrypted where they sit. */
function stateValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stateValue);
  if (value !== null && typeof value === "object") {
    const object = value as Record<string, unknown>;
    if (object[rpc.specialSigKey] === rpc.specialSecretSig) return encrypted(plain(object.value));
    return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, stateValue(v)]));
  }
  return value;
}

/** The wire format without secret wrappers (also what the combined test's local `up` hands its providers). */
export function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === "object") {
    const object = value as Record<string, unknown>;
    if (object[rpc.specialSigKey] === rpc.specialSecretSig) return plain(object.value);
    return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

/** Go's encoding/json escapes these even inside strings. */
const goJson = (value: unknown, indent?: number) =>
  JSON.stringify(value, null, indent).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);

type Creator = (inputs: Record<string, any>) => Promise<{ id: string; outs: Record<string, unknown> }>;

/** Runs the program for a stack file under mocks; returns each resource as the checkpoint would hold it. */
async function runProgram(allConfig: Record<string, string>, stackName: string, dryRun: boolean, creators: Record<string, Creator>): Promise<{ entries: Entry[]; invokes: Record<string, number>; outputBytes: number }> {
  const { AzureLikeMocks } = await import("../plan/mocks");
  const { parseStackConfig, readRawStackConfig, CONFIG_NAMESPACE } = await import("../../components/config");
  const invokes: Record<string, number> = {};
  const outputsByUrn = new Map<string, { id?: string; state: Record<string, unknown> }>();
  // Tenants listed by their stack answer with no outputs, as stacks that have not run `up` yet.
  const azureLike = new AzureLikeMocks({ stackOutputs: {} });
  const recording: pulumi.runtime.Mocks = {
    async newResource(args) {
      const creator = creators[args.type];
      if (dryRun) return azureLike.newResource(args);
      if (!creator) {
        const base = azureLike.newResource(args);
        // What ARM answers for a role assignment beyond its inputs (the groups take its createdOn).
        if (args.type === "azure-native:authorization:RoleAssignment") Object.assign(base.state, { createdOn: new Date().toISOString(), createdBy: crypto.randomUUID(), principalType: "User", type: "Microsoft.Authorization/roleAssignments" });
        return base;
      }
      const { id, outs } = await creator(plain(args.inputs) as Record<string, unknown>);
      return { id, state: outs };
    },
    call(args) {
      invokes[args.token] = (invokes[args.token] ?? 0) + 1;
      return azureLike.call(args);
    },
  };
  const parsed = parseStackConfig(readRawStackConfig(allConfig));
  if (!parsed.ok) throw new Error(`${stackName}: ${JSON.stringify(parsed.problems)}`);
  await pulumi.runtime.setMocks(recording, CONFIG_NAMESPACE, stackName, dryRun);
  pulumi.runtime.setAllConfig(allConfig, []);
  const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource(req: any, cb: (err: unknown, res: any) => void): void };
  const register = monitor.registerResource.bind(monitor);
  const requests: any[] = [];
  monitor.registerResource = (req, cb) =>
    register(req, (err, res) => {
      if (!err && res) {
        requests.push(req);
        outputsByUrn.set(res.getUrn(), { id: res.getId() || undefined, state: res.getObject()?.toJavaScript() ?? {} });
      }
      cb(err, res);
    });
  const { declareProgram } = await import("../../components/program");
  const stackOutputs = await declareProgram(parsed.config);
  await settings.waitForRPCs();
  const resolvedOutputs = dryRun ? {} : await new Promise((resolve) => pulumi.output(stackOutputs).apply(resolve));

  const now = new Date().toISOString();
  const entries = requests.map((req): Entry => {
    const type = req.getType();
    const urn = `urn:pulumi:${stackName}::dps-x509::${req.getParent() ? `${req.getParent().split("::")[2]}$` : ""}${type}::${req.getName()}`;
    const custom = req.getCustom();
    const rawInputs = req.getObject()?.toJavaScript() ?? {};
    const registered = [...outputsByUrn.entries()].find(([u]) => u.endsWith(`${type}::${req.getName()}`));
    const outputs: Record<string, unknown> = { ...(registered?.[1].state ?? {}) };
    const secretOutputs = new Set<string>(req.getAdditionalsecretoutputsList());
    for (const [k, v] of Object.entries(rawInputs)) if (v && typeof v === "object" && (v as any)[rpc.specialSigKey] === rpc.specialSecretSig) secretOutputs.add(k);
    if (type.startsWith("pulumi-nodejs:dynamic/")) outputs.__provider = rawInputs.__provider; // the host adds it
    const stateOutputs = Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, secretOutputs.has(k) ? encrypted(plain(v)) : stateValue(v)]));
    const propertyDependencies: Record<string, string[]> = {};
    req.getPropertydependenciesMap().forEach((deps: any, key: string) => {
      const urns = deps.getUrnsList();
      if (urns.length) propertyDependencies[key] = urns;
    });
    const json: Record<string, unknown> = { urn, custom, type, outputs: custom ? stateOutputs : {} };
    if (custom) {
      json.id = registered?.[1].id ?? `${req.getName()}-id`;
      json.inputs = stateValue(rawInputs);
      json.provider = `urn:pulumi:${stackName}::dps-x509::pulumi:providers:${type.split(":")[0]}::default::${crypto.randomUUID()}`;
    }
    if (req.getParent()) json.parent = req.getParent();
    if (req.getDependenciesList().length) json.dependencies = req.getDependenciesList();
    if (Object.keys(propertyDependencies).length) json.propertyDependencies = propertyDependencies;
    json.created = now;
    json.modified = now;
    return { type, name: req.getName(), json };
  });
  return { entries, invokes, outputBytes: Buffer.byteLength(goJson(resolvedOutputs)) };
}

/** Creates the dynamic resources with their real providers against the local strict ARM and DPS servers. */
async function withLocalAzure<T>(allConfig: Record<string, string>, run: (creators: Record<string, Creator>) => Promise<T>): Promise<T> {
  const { startArmServer } = await import("../../azure-test-servers/armServer");
  const { FakeDpsServiceServer, DPS_DATA_CONTRIBUTOR } = await import("../../azure-test-servers/dpsServiceServer");
  const { FakeEntraTokenServer } = await import("../../azure-test-servers/entraTokenServer");
  const { routeHostsToLoopback } = await import("../../azure-test-servers/loopbackRouting");
  const { setArmClientTestOverrides } = await import("../../components/azure/armClient");
  const { PLACEHOLDER_SUBSCRIPTION_ID } = await import("../plan/mocks");
  const { providers } = await import("../../components/providers/registry");
  const dpsName = JSON.parse(allConfig["dps-x509:dps"]).name as string;
  const hubs = (JSON.parse(allConfig["dps-x509:hubs"]) as { name: string }[]).map((h) => `${h.name}.azure-devices.net`);
  // One Entra stand-in per process: MSAL keeps managed-identity tokens in a process-wide cache.
  const entra = (entraServer ??= await FakeEntraTokenServer.start());
  const arm = await startArmServer();
  arm.state.dps(PLACEHOLDER_SUBSCRIPTION_ID, allConfig["dps-x509:resourceGroupName"], dpsName);
  const dps = await FakeDpsServiceServer.start({
    hostName: `${dpsName}.azure-devices-provisioning.net`, linkedHubs: hubs, caCertificates: {},
    entra: { issuer: entra.issuer, publicKeyPem: entra.publicKeyPem, roles: { [entra.principalId]: DPS_DATA_CONTRIBUTOR } },
  });
  const unroute = routeHostsToLoopback([{ host: dps.hostName, port: dps.port }]);
  Object.assign(process.env, entra.env());
  setArmClientTestOverrides({ credential: { getToken: async () => ({ token: entra.issue({ aud: arm.url }), expiresOnTimestamp: Date.now() + 3600_000 }) } });
  const viaArm = (key: string, after?: (inputs: Record<string, any>) => void): Creator => async (inputs) => {
    const r = await providers[key]().create!({ ...inputs, armEndpoint: arm.url });
    const outs = { ...(r.outs as Record<string, unknown>) };
    if (inputs.armEndpoint === undefined) delete outs.armEndpoint;
    else outs.armEndpoint = inputs.armEndpoint;
    after?.(inputs);
    return { id: r.id, outs };
  };
  const direct = (key: string): Creator => async (inputs) => {
    const r = await providers[key]().create!(inputs);
    return { id: r.id, outs: r.outs as Record<string, unknown> };
  };
  try {
    return await run({
      "pulumi-nodejs:dynamic/dps-x509:CaCertificate": direct("caCertificate"),
      "pulumi-nodejs:dynamic/dps-x509:DpsCertificateUpload": viaArm("dpsCertificate", (i) => i.isVerified && (dps.caCertificates[i.certificateName] = { verified: true })),
      "pulumi-nodejs:dynamic/dps-x509:CaVerification": viaArm("caVerification", (i) => (dps.caCertificates[i.certificateName] = { verified: true })),
      "pulumi-nodejs:dynamic/dps-x509:EnrollmentGroup": direct("enrollmentGroup"),
      "pulumi-nodejs:dynamic/dps-x509:RevokedDevice": direct("revokedDevice"),
      "pulumi-nodejs:dynamic/dps-x509:TenantCertificate": direct("tenantCertificate"),
      "pulumi-nodejs:dynamic/dps-x509:TenantIssuer": direct("tenantIssuer"),
    });
  } finally {
    setArmClientTestOverrides(undefined);
    unroute();
    await dps.close();
    await arm.close();
  }
}

let entraServer: import("../../azure-test-servers/entraTokenServer").FakeEntraTokenServer | undefined;

/** Closes the Entra stand-in measureState keeps for the process (a test's afterAll: an open server keeps jest waiting). */
export async function closeStateServers(): Promise<void> {
  const open = entraServer;
  entraServer = undefined;
  await open?.close();
}

function summarize(entries: Entry[], invokes: Record<string, number>, outputBytes: number, keepEntries = false): StateFigures {
  if (process.env.DPS_X509_BENCH_DUMP) require("fs").writeFileSync(process.env.DPS_X509_BENCH_DUMP, goJson(entries.map((e) => e.json), 2));
  const byType: StateFigures["byType"] = {};
  let total = 0;
  let indented = 0;
  for (const e of entries) {
    const bytes = Buffer.byteLength(goJson(e.json));
    total += bytes;
    indented += Buffer.byteLength(goJson(e.json, 4));
    const short = e.type.slice(e.type.lastIndexOf(":") + 1);
    const t = (byType[short] ??= { count: 0, maxBytes: 0, meanBytes: 0, providerBytes: 0 });
    t.count += 1;
    t.maxBytes = Math.max(t.maxBytes, bytes);
    t.meanBytes += bytes;
    const inputs = e.json.inputs as Record<string, unknown> | undefined;
    if (typeof inputs?.__provider === "string") t.providerBytes = Buffer.byteLength(goJson(inputs.__provider));
  }
  for (const t of Object.values(byType)) t.meanBytes = Math.round(t.meanBytes / t.count);
  const caByRole: StateFigures["caByRole"] = {};
  for (const e of entries.filter((x) => x.type.endsWith(":CaCertificate"))) {
    const role = String((e.json.inputs as Record<string, unknown>).role);
    const r = (caByRole[role] ??= { count: 0, maxBytes: 0 });
    r.count += 1;
    r.maxBytes = Math.max(r.maxBytes, Buffer.byteLength(goJson(e.json)));
  }
  return { resources: entries.length, totalBytes: total, totalIndentedBytes: indented, byType, caByRole, previewInvokes: invokes, outputBytes, ...(keepEntries ? { entries } : {}) };
}

/** Figures for one stack file's config (full keys to raw strings, as Pulumi passes them). */
export async function measureState(allConfig: Record<string, string>, stackName: string, o: { keepEntries?: boolean } = {}): Promise<StateFigures> {
  const preview = await runProgram(allConfig, stackName, true, {});
  const up = await withLocalAzure(allConfig, (creators) => runProgram(allConfig, stackName, false, creators));
  return summarize(up.entries, preview.invokes, up.outputBytes, o.keepEntries);
}

/** The preview's invokes only (tests). */
export async function previewInvokes(allConfig: Record<string, string>, stackName: string): Promise<Record<string, number>> {
  return (await runProgram(allConfig, stackName, true, {})).invokes;
}

/**
 * What the shim costs in Pulumi's real dynamic-provider host: the first call in a fresh host process (ts-node, then
 * the provider's modules), a second call, and the first call of another provider in the same host. Best of 3.
 */
async function hostLatency(): Promise<object> {
  const { DynamicProviderHost, urnOf } = await import("../../azure-test-servers/dynamicProviderHost");
  const { shimProviderText } = await import("../../components/providers/shim");
  const { CA_PROVIDER_VERSION } = await import("../../components/providers/caCertificate");
  const ms = (t: bigint) => Math.round(Number(process.hrtime.bigint() - t) / 1e6);
  const runs: { firstCallMs: number; nextCallMs: number; firstCallOfAnotherProviderMs: number }[] = [];
  for (let i = 0; i < 3; i++) {
    const host = await DynamicProviderHost.start({ cwd: PROJECT_ROOT, env: { ...process.env, NODE_OPTIONS: "" } });
    try {
      const ca = { role: "root", commonName: "Latency", keySize: 2048, validityDays: 2, providerVersion: CA_PROVIDER_VERSION, __provider: shimProviderText("caCertificate") };
      const urn = urnOf("pulumi-nodejs:dynamic/dps-x509:CaCertificate", "latency");
      let t = process.hrtime.bigint();
      await host.check(urn, {}, ca);
      const firstCallMs = ms(t);
      t = process.hrtime.bigint();
      await host.check(urn, {}, ca);
      const nextCallMs = ms(t);
      t = process.hrtime.bigint();
      await host.check(urnOf("pulumi-nodejs:dynamic/dps-x509:RevokedDevice", "latency"), {}, { __provider: shimProviderText("revokedDevice") });
      runs.push({ firstCallMs, nextCallMs, firstCallOfAnotherProviderMs: ms(t) });
    } finally {
      await host.stop();
    }
  }
  return runs.reduce((best, r) => (r.firstCallMs < best.firstCallMs ? r : best));
}

async function benchInProcess(): Promise<object> {
  const { readStackFile, parseStackFile } = await import("../plan/stackFile");
  const dev = await measureState(readStackFile(path.join(PROJECT_ROOT, "Pulumi.dev.yaml")).allConfig, "dev");
  const limits = await measureState(parseStackFile(largeStackFile({ groups: 100, hubs: 50, cas: 25 }), "limits.yaml").allConfig, "limits");
  await closeStateServers();
  const kb = (n: number) => Math.round((n / 1024) * 10) / 10;
  return {
    name: "state bytes per resource (as a checkpoint stores them) and a preview's invokes",
    devStack: dev,
    limitsStack: limits,
    shimInTheHost: await hostLatency(),
    goals: {
      groupAtMost4KB: { maxKB: kb(Math.max(dev.byType.EnrollmentGroup?.maxBytes ?? 0, limits.byType.EnrollmentGroup?.maxBytes ?? 0)), met: Math.max(dev.byType.EnrollmentGroup?.maxBytes ?? 0, limits.byType.EnrollmentGroup?.maxBytes ?? 0) <= 4096 },
      caAtMost12KB: (() => {
        const max = (role: string) => Math.max(dev.caByRole[role]?.maxBytes ?? 0, limits.caByRole[role]?.maxBytes ?? 0);
        return {
          rootMaxKB: kb(max("root")),
          intermediateMaxKB: kb(max("intermediate")),
          met: max("root") <= 12 * 1024 && max("intermediate") <= 12 * 1024,
          note: "an intermediate's inputs hold its issuer's certificate and, encrypted, its issuer's key in compact form (to sign it); outputs keep the issuer certificate's SHA-256, not its PEM, and the CA's own key in compact form",
        };
      })(),
      limitsUnder1_5MB: { totalKB: kb(limits.totalBytes), indentedKB: kb(limits.totalIndentedBytes), met: limits.totalBytes < 1.5 * 1024 * 1024 },
      previewReadsNoDpsKey: !Object.keys(dev.previewInvokes).some((t) => t.includes("listIotDpsResourceKeys")),
    },
  };
}

export async function benchState(): Promise<object> {
  return process.env.DPS_X509_TEST_TLS_DIR ? benchInProcess() : benchInChild("cli/bench/state.ts", ["--json"], 64 * 1024 * 1024);
}

if (require.main === module) {
  benchInProcess()
    .then((figures) => process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`))
    .catch((err) => {
      process.stderr.write(`${(err as Error).stack ?? err}\n`);
      process.exitCode = 1;
    });
}
