/**
 * Connects a device to its IoT hub with its X.509 certificate the way IoT Hub's MQTT endpoint expects, and goes: TLS
 * to `<hub>:8883` presenting the chain (leaf first) and key, an MQTT 3.1.1 CONNECT with client id = device id and user
 * name `<hub>/<deviceId>/?api-version=2021-04-12` and no password (X.509 authentication), the CONNACK read, then
 * DISCONNECT. (Learn, "Communicate with an IoT hub using the MQTT protocol": "Using X.509 … the password isn't
 * required".) A few bytes of MQTT written here: the project has no MQTT dependency and needs nothing more.
 */
import * as tls from "tls";

export const HUB_MQTT_PORT = 8883;
export const HUB_MQTT_API_VERSION = "2021-04-12";

/** CONNACK return codes (MQTT 3.1.1, 3.2.2.3). */
const CONNACK_CODES: Record<number, string> = {
  1: "unacceptable protocol version", 2: "identifier rejected", 3: "server unavailable", 4: "bad user name or password", 5: "not authorized",
};

function utf8Field(text: string): Buffer {
  const bytes = Buffer.from(text, "utf8");
  const length = Buffer.alloc(2);
  length.writeUInt16BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

function remainingLength(n: number): Buffer {
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return Buffer.from(out);
}

/** The CONNECT packet: protocol MQTT level 4, flags user name + clean session, keep-alive 60 s. */
export function connectPacket(clientId: string, userName: string): Buffer {
  const variable = Buffer.concat([utf8Field("MQTT"), Buffer.from([0x04, 0x82, 0x00, 0x3c])]);
  const payload = Buffer.concat([utf8Field(clientId), utf8Field(userName)]);
  return Buffer.concat([Buffer.from([0x10]), remainingLength(variable.length + payload.length), variable, payload]);
}

export interface HubConnection {
  readonly connected: boolean;
  /** Why not: the TLS error or the CONNACK's refusal. */
  readonly reason?: string;
}

/** One connection attempt; resolves (never rejects) with whether the hub accepted the device. */
export function connectToHub(o: { hubHostName: string; deviceId: string; chainPem: string; privateKeyPem: string; timeoutMs?: number }): Promise<HubConnection> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: HubConnection) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(result);
    };
    const socket = tls.connect({ host: o.hubHostName, port: HUB_MQTT_PORT, servername: o.hubHostName, cert: o.chainPem, key: o.privateKeyPem }, () => {
      socket.write(connectPacket(o.deviceId, `${o.hubHostName}/${o.deviceId}/?api-version=${HUB_MQTT_API_VERSION}`));
    });
    let received = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 4) return;
      if (received[0] !== 0x20 || received[1] !== 0x02) return finish({ connected: false, reason: "the hub answered something other than an MQTT CONNACK" });
      const code = received[3];
      if (code === 0) {
        socket.write(Buffer.from([0xe0, 0x00])); // DISCONNECT
        return finish({ connected: true });
      }
      finish({ connected: false, reason: `the hub refused the connection: ${CONNACK_CODES[code] ?? `return code ${code}`}` });
    });
    socket.on("error", (err) => finish({ connected: false, reason: `TLS to ${o.hubHostName}:${HUB_MQTT_PORT} failed: ${(err as NodeJS.ErrnoException).code ?? err.message}` }));
    socket.on("close", () => finish({ connected: false, reason: "the hub closed the connection before answering" }));
    socket.setTimeout(o.timeoutMs ?? 15_000, () => finish({ connected: false, reason: "the hub did not answer in time" }));
  });
}
