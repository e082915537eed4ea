/**
 * Drives Pulumi's real dynamic-provider host (`@pulumi/pulumi/cmd/dynamic-provider`) the way the engine does:
 * a child `node` process started in the project directory with the engine's address as its argument, which
 * prints its gRPC port on stdout; then the ResourceProvider gRPC calls (Configure, Check, Diff, Create, Read,
 * Update, Delete) with google.protobuf.Struct properties, using Pulumi's own generated clients
 * (`@pulumi/pulumi/proto/provider_grpc_pb`). A minimal Engine service (Log and friends) answers on the address
 * given, so a provider that logs through the engine has somewhere to log to.
 *
 * Properties are plain JSON, as the engine sends them to this host: it answers Configure with
 * acceptSecrets=false, so the engine strips secret wrappers; an unknown value (preview) is the string
 * `04da6b54-80e4-46f7-96ec-b56ff0331ba9`.
 */
import { spawn, ChildProcess } from "child_process";
import * as path from "path";

const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
// The grpc-js Pulumi's generated code uses (resolved from Pulumi's own folder).
// eslint-disable-next-line @typescript-eslint/no-var-requires
const grpc = require(require.resolve("@grpc/grpc-js", { paths: [pulumiDir] }));
// eslint-disable-next-line @typescript-eslint/no-var-requires
const provrpc = require("@pulumi/pulumi/proto/provider_grpc_pb");
// eslint-disable-next-line @typescript-eslint/no-var-requires
const provproto = require("@pulumi/pulumi/proto/provider_pb");
// eslint-disable-next-line @typescript-eslint/no-var-requires
const enginerpc = require("@pulumi/pulumi/proto/engine_grpc_pb");
// eslint-disable-next-line @typescript-eslint/no-var-requires
const structproto = require("google-protobuf/google/protobuf/struct_pb");
// eslint-disable-next-line @typescript-eslint/no-var-requires
const emptyproto = require("google-protobuf/google/protobuf/empty_pb");

export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
export const DYNAMIC_PROVIDER_SCRIPT = require.resolve("@pulumi/pulumi/cmd/dynamic-provider");

export type Props = Record<string, unknown>;

export interface HostOptions {
  /** The directory the engine starts the host in: the project directory. */
  readonly cwd: string;
  /** Environment of the host process (default: this process's). */
  readonly env?: NodeJS.ProcessEnv;
}

export interface DiffResult {
  changes: "none" | "some" | "unknown";
  replaces: string[];
  deleteBeforeReplace: boolean;
}

/** What the engine would call a resource: its URN, from which the host's requests take name and type. */
export function urnOf(type: string, name: string, stack = "test", project = "dps-x509"): string {
  return `urn:pulumi:${stack}::${project}::${type}::${name}`;
}

/** An engine stub: Log records messages; the rest answers empty. */
async function startEngineStub(): Promise<{ address: string; logs: string[]; stop: () => Promise<void> }> {
  const logs: string[] = [];
  const server = new grpc.Server();
  const empty = (_call: unknown, cb: (e: unknown, v: unknown) => void) => cb(null, new emptyproto.Empty());
  server.addService(enginerpc.EngineService, {
    log: (call: { request: { getMessage(): string } }, cb: (e: unknown, v: unknown) => void) => {
      logs.push(call.request.getMessage());
      cb(null, new emptyproto.Empty());
    },
    getRootResource: (_c: unknown, cb: (e: unknown, v: unknown) => void) => cb(null, new (require("@pulumi/pulumi/proto/engine_pb").GetRootResourceResponse)()),
    setRootResource: (_c: unknown, cb: (e: unknown, v: unknown) => void) => cb(null, new (require("@pulumi/pulumi/proto/engine_pb").SetRootResourceResponse)()),
    startDebugging: empty,
    requirePulumiVersion: empty,
  });
  const port: number = await new Promise((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err: Error | null, p: number) => (err ? reject(err) : resolve(p))),
  );
  return { address: `127.0.0.1:${port}`, logs, stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())) };
}

/** A running dynamic-provider host and a client for it. */
export class DynamicProviderHost {
  /** What the host wrote on stderr (the engine shows it as the provider's diagnostics). */
  stderr = "";
  private constructor(
    private readonly child: ChildProcess,
    private readonly client: any,
    private readonly engine: { logs: string[]; stop: () => Promise<void> },
  ) {
    child.stderr?.on("data", (chunk: Buffer) => (this.stderr += chunk.toString()));
  }

  get engineLogs(): string[] {
    return this.engine.logs;
  }

  /** Starts the host as the engine does (`node <dynamic-provider> <engine address>` in the project directory) and connects. */
  static async start(options: HostOptions): Promise<DynamicProviderHost> {
    const engine = await startEngineStub();
    const child = spawn(process.execPath, [DYNAMIC_PROVIDER_SCRIPT, engine.address], { cwd: options.cwd, env: options.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    let early = "";
    child.stderr?.on("data", (c: Buffer) => (early += c.toString()));
    const port: number = await new Promise((resolve, reject) => {
      let out = "";
      const timer = setTimeout(() => reject(new Error(`the dynamic-provider host printed no port within 30 s: ${early}`)), 30_000);
      child.stdout?.on("data", (c: Buffer) => {
        out += c.toString();
        const m = /^(\d+)\s*$/m.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
      child.on("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`the dynamic-provider host exited (${code}) before printing its port: ${early}`));
      });
    });
    const client = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const host = new DynamicProviderHost(child, client, engine);
    host.stderr = early;
    return host;
  }

  private unary<T>(method: string, request: unknown): Promise<T> {
    return new Promise((resolve, reject) => {
      this.client[method](request, (err: Error | null, res: T) => (err ? reject(err) : resolve(res)));
    });
  }

  /** The engine configures every provider before using it. */
  async configure(variables: Record<string, string> = {}): Promise<{ acceptSecrets: boolean }> {
    const req = new provproto.ConfigureRequest();
    req.setArgs(structproto.Struct.fromJavaScript(variables));
    req.setAcceptsecrets(true);
    req.setAcceptresources(true);
    const res: any = await this.unary("configure", req);
    return { acceptSecrets: res.getAcceptsecrets() };
  }

  async check(urn: string, olds: Props, news: Props): Promise<{ inputs: Props; failures: { property: string; reason: string }[] }> {
    const req = new provproto.CheckRequest();
    req.setUrn(urn);
    req.setOlds(structproto.Struct.fromJavaScript(olds));
    req.setNews(structproto.Struct.fromJavaScript(news));
    const res: any = await this.unary("check", req);
    return {
      inputs: res.getInputs()?.toJavaScript() ?? {},
      failures: res.getFailuresList().map((f: any) => ({ property: f.getProperty(), reason: f.getReason() })),
    };
  }

  async diff(urn: string, id: string, olds: Props, news: Props, oldInputs: Props = olds): Promise<DiffResult> {
    const req = new provproto.DiffRequest();
    req.setUrn(urn);
    req.setId(id);
    req.setOlds(structproto.Struct.fromJavaScript(olds));
    req.setNews(structproto.Struct.fromJavaScript(news));
    if (typeof req.setOldInputs === "function") req.setOldInputs(structproto.Struct.fromJavaScript(oldInputs));
    const res: any = await this.unary("diff", req);
    const changes = res.getChanges();
    const C = provproto.DiffResponse.DiffChanges;
    return {
      changes: changes === C.DIFF_SOME ? "some" : changes === C.DIFF_NONE ? "none" : "unknown",
      replaces: res.getReplacesList(),
      deleteBeforeReplace: res.getDeletebeforereplace(),
    };
  }

  async create(urn: string, properties: Props, preview = false): Promise<{ id: string; properties: Props }> {
    const req = new provproto.CreateRequest();
    req.setUrn(urn);
    req.setProperties(structproto.Struct.fromJavaScript(properties));
    req.setPreview(preview);
    const res: any = await this.unary("create", req);
    return { id: res.getId(), properties: res.getProperties()?.toJavaScript() ?? {} };
  }

  /** Refresh: the engine sends the stored outputs as `properties` and the stored inputs as `inputs`. */
  async read(urn: string, id: string, properties: Props, inputs: Props): Promise<{ id: string; properties: Props; inputs?: Props }> {
    const req = new provproto.ReadRequest();
    req.setUrn(urn);
    req.setId(id);
    req.setProperties(structproto.Struct.fromJavaScript(properties));
    req.setInputs(structproto.Struct.fromJavaScript(inputs));
    const res: any = await this.unary("read", req);
    return { id: res.getId(), properties: res.getProperties()?.toJavaScript() ?? {}, inputs: res.getInputs()?.toJavaScript() };
  }

  /** `olds` are the stored outputs, `news` the checked new inputs. */
  async update(urn: string, id: string, olds: Props, news: Props, oldInputs: Props = olds): Promise<{ properties: Props }> {
    const req = new provproto.UpdateRequest();
    req.setUrn(urn);
    req.setId(id);
    req.setOlds(structproto.Struct.fromJavaScript(olds));
    req.setNews(structproto.Struct.fromJavaScript(news));
    if (typeof req.setOldInputs === "function") req.setOldInputs(structproto.Struct.fromJavaScript(oldInputs));
    const res: any = await this.unary("update", req);
    return { properties: res.getProperties()?.toJavaScript() ?? {} };
  }

  /** The engine sends the stored outputs as `properties`. */
  async delete(urn: string, id: string, properties: Props): Promise<void> {
    const req = new provproto.DeleteRequest();
    req.setUrn(urn);
    req.setId(id);
    req.setProperties(structproto.Struct.fromJavaScript(properties));
    await this.unary("delete", req);
  }

  async stop(): Promise<void> {
    this.client.close();
    if (this.child.exitCode === null) {
      const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
      this.child.kill("SIGTERM");
      await exited;
    }
    await this.engine.stop();
  }
}
