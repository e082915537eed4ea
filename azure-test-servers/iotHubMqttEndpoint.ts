/**
 * Test infrastructure: the device side of an IoT hub, as far as "a device connects with its certificate" goes. TLS on
 * the hub's host name (routed to loopback) asking for a client certificate, trusting the CA certificates given (for
 * ADR: the root and ICA that Device Registry syncs to its linked hubs), then one MQTT 3.1.1 CONNECT answered with a
 * CONNACK: 0 when the chain is trusted, the leaf's CN is the client id, the user name is `<hub>/<deviceId>/?api-version=…`
 * and the device is registered on this hub (`isRegistered`); 5 (not authorized) otherwise.
 */
import * as tls from "tls";
import type { AddressInfo } from "net";
import { listenOnLoopback } from "./listen";
import { readTestTls } from "./tls";

export interface HubConnectAttempt {
  readonly clientId?: string;
  readonly userName?: string;
  readonly tlsAuthorized: boolean;
  readonly commonName?: string;
  readonly returnCode: number;
}

export class FakeIotHubMqttEndpoint {
  readonly attempts: HubConnectAttempt[] = [];
  private readonly server: tls.Server;

  private constructor(readonly hostName: string, trustedCaPems: () => string[], isRegistered: (deviceId: string) => boolean) {
    const test = readTestTls();
    this.server = tls.createServer({
      cert: test.cert, key: test.key, requestCert: true, rejectUnauthorized: false,
      SNICallback: (_name, done) => { const ca = trustedCaPems(); done(null, tls.createSecureContext({ cert: test.cert, key: test.key, ca: ca.length ? ca : [test.ca] })); },
    }, (socket) => {
      let buffered = Buffer.alloc(0);
      socket.on("data", (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk]);
        const connect = parseConnect(buffered);
        if (!connect) return;
        const peer = socket.getPeerCertificate();
        const commonName = peer && typeof peer.subject?.CN === "string" ? peer.subject.CN : undefined;
        const ok = socket.authorized && !!connect.clientId && commonName === connect.clientId
          && connect.userName === `${this.hostName}/${connect.clientId}/?api-version=2021-04-12` && isRegistered(connect.clientId);
        const returnCode = ok ? 0 : 5;
        this.attempts.push({ ...connect, tlsAuthorized: socket.authorized, commonName, returnCode });
        socket.write(Buffer.from([0x20, 0x02, 0x00, returnCode]));
        if (!ok) socket.end();
      });
      socket.on("error", () => undefined);
    });
  }

  static async start(o: { hostName: string; trustedCaPems: () => string[]; isRegistered: (deviceId: string) => boolean }): Promise<FakeIotHubMqttEndpoint> {
    const endpoint = new FakeIotHubMqttEndpoint(o.hostName.toLowerCase(), o.trustedCaPems, o.isRegistered);
    await listenOnLoopback(endpoint.server as unknown as import("net").Server);
    return endpoint;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** The client id and user name of a complete CONNECT packet, or undefined while incomplete. */
function parseConnect(b: Buffer): { clientId?: string; userName?: string } | undefined {
  if (b.length < 2 || b[0] !== 0x10) return b.length >= 2 ? {} : undefined;
  let length = 0;
  let at = 1;
  for (let shift = 0; at < b.length; shift += 7) {
    const byte = b[at++];
    length += (byte & 0x7f) * 2 ** shift;
    if (!(byte & 0x80)) break;
  }
  if (b.length < at + length) return undefined;
  const field = (pos: number): [string, number] => { const n = b.readUInt16BE(pos); return [b.subarray(pos + 2, pos + 2 + n).toString("utf8"), pos + 2 + n]; };
  let [, pos] = field(at); // protocol name
  const flags = b[pos + 1];
  pos += 4; // level, flags, keep-alive
  const [clientId, next] = field(pos);
  const userName = flags & 0x80 ? field(next)[0] : undefined;
  return { clientId, userName };
}
