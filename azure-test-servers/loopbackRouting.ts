/**
 * Routes connections for Azure host names to local fake servers, inside this process.
 *
 * Microsoft's `azure-iot-provisioning-service` builds `https://<HostName>` from the connection string and
 * cannot be pointed at `127.0.0.1:<port>`. So the test keeps the real-looking Azure host name and this helper
 * patches `tls.connect` (and `net.connect`/`net.createConnection`) so that a connection to a routed host goes
 * to 127.0.0.1:<port> instead, with the TLS server name (SNI and certificate check) still the Azure host name.
 * The test server certificate has `*.azure-devices-provisioning.net` among its names and its CA is trusted
 * through NODE_EXTRA_CA_CERTS (azure-test-servers/with-test-tls.js): certificate verification stays on.
 *
 *   const unroute = routeHostsToLoopback([{ host: "*.azure-devices-provisioning.net", port: server.port }]);
 *   ...
 *   unroute();
 */
// `import x = require()`, not `import * as`: the namespace object esModuleInterop builds has getters only,
// and the patch must change the module object Node's own https agent calls.
import net = require("net");
import tls = require("tls");

export interface LoopbackRoute {
  /** An exact host name, or `*.suffix` for any host under that suffix. Case-insensitive. */
  readonly host: string;
  readonly port: number;
}

interface Installed {
  routes: LoopbackRoute[];
  originals: { tlsConnect: typeof tls.connect; netConnect: typeof net.connect; netCreateConnection: typeof net.createConnection };
}

let installed: Installed | undefined;

function matches(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase();
  const h = host.toLowerCase();
  return p.startsWith("*.") ? h.endsWith(p.slice(1)) && h.length > p.length - 1 : h === p;
}

/** The loopback port for `host`, if routed; later routes win. */
export function routedPort(host: string | undefined): number | undefined {
  if (!installed || !host) return undefined;
  for (let i = installed.routes.length - 1; i >= 0; i--) {
    if (matches(installed.routes[i].host, host)) return installed.routes[i].port;
  }
  return undefined;
}

/** Normalizes the (options) / (port, host?, options?) forms into one options object plus the callback. */
function normalize(args: unknown[]): { options: Record<string, unknown>; callback?: unknown } {
  const callback = typeof args[args.length - 1] === "function" ? args[args.length - 1] : undefined;
  const rest = callback ? args.slice(0, -1) : args;
  if (rest[0] !== null && typeof rest[0] === "object") return { options: { ...(rest[0] as object) }, callback };
  const options: Record<string, unknown> = {};
  if (typeof rest[0] === "number" || (typeof rest[0] === "string" && /^\d+$/.test(rest[0]))) {
    options.port = Number(rest[0]);
    if (typeof rest[1] === "string") options.host = rest[1];
    const more = typeof rest[1] === "string" ? rest[2] : rest[1];
    if (more && typeof more === "object") Object.assign(options, more);
  } else if (typeof rest[0] === "string") {
    options.path = rest[0];
  }
  return { options, callback };
}

/** Installs the routes (adding to any installed before); returns a function that removes all routing. */
export function routeHostsToLoopback(routes: readonly LoopbackRoute[]): () => void {
  if (!installed) {
    const originals = { tlsConnect: tls.connect, netConnect: net.connect, netCreateConnection: net.createConnection };
    installed = { routes: [], originals };
    const t = tls as { connect: unknown };
    t.connect = function routedTlsConnect(...args: unknown[]) {
      const { options, callback } = normalize(args);
      const host = (options.host as string | undefined) ?? (options.servername as string | undefined);
      const port = routedPort(host);
      if (port === undefined) return (originals.tlsConnect as (...a: unknown[]) => tls.TLSSocket)(...args);
      const routed = { ...options, host: "127.0.0.1", port, servername: (options.servername as string) || host };
      return callback ? originals.tlsConnect(routed as tls.ConnectionOptions, callback as () => void) : originals.tlsConnect(routed as tls.ConnectionOptions);
    };
    const routeNet = (original: typeof net.connect) =>
      function routedNetConnect(...args: unknown[]) {
        const { options, callback } = normalize(args);
        const port = routedPort(options.host as string | undefined);
        if (port === undefined) return (original as (...a: unknown[]) => net.Socket)(...args);
        const routed = { ...options, host: "127.0.0.1", port } as net.NetConnectOpts;
        return callback ? original(routed, callback as () => void) : original(routed);
      };
    (net as { connect: unknown }).connect = routeNet(originals.netConnect);
    (net as { createConnection: unknown }).createConnection = routeNet(originals.netCreateConnection);
  }
  installed.routes.push(...routes);
  return uninstallLoopbackRouting;
}

export function uninstallLoopbackRouting(): void {
  if (!installed) return;
  (tls as { connect: unknown }).connect = installed.originals.tlsConnect;
  (net as { connect: unknown }).connect = installed.originals.netConnect;
  (net as { createConnection: unknown }).createConnection = installed.originals.netCreateConnection;
  installed = undefined;
}

/** Routes a started fake's host name to it; the returned `stop` removes the routing and closes the fake. */
export function routeToFake(fake: { hostName: string; port: number; close(): Promise<void> }): () => Promise<void> {
  const unroute = routeHostsToLoopback([{ host: fake.hostName, port: fake.port }]);
  return async () => {
    unroute();
    await fake.close();
  };
}
