/**
 * A local DPS device endpoint (the global device endpoint, `global.azure-devices-provisioning.net`) that does real
 * mutual TLS and speaks the device registration REST API that `azure-iot-provisioning-device-http` uses:
 *
 *   PUT /{idScope}/registrations/{registrationId}/register?api-version=2019-03-31     body { registrationId }
 *       → 202 { operationId, status: "assigning" } with `retry-after` (seconds)
 *   GET /{idScope}/registrations/{registrationId}/operations/{operationId}?api-version=2019-03-31
 *       → 200 { operationId, status: "assigned" | "disabled" | "failed", registrationState }
 *
 *   PUT …/register?api-version=2026-11-01   body { registrationId, csr }: an enrollment with Azure Device Registry
 *       names issues the device a certificate; the operation's registrationState carries `issuedCertificateChain`
 *       (dpsIssuance.ts: the rules, the refusals, the chain from adrIssuers.ts)
 *   POST /{idScope}/registrations/{registrationId}   the status lookup: the latest registration state of this
 *       certificate, without `issuedCertificateChain`; a `csr` there is a bad request
 *
 * (azure-rest-api-specs, deviceprovisioningservices/data-plane/DeviceProvisioningServices/device/models.tsp:
 * RegistrationOperationStatus, DeviceRegistrationResult, X509RegistrationResult, ProvisioningServiceErrorDetails.)
 *
 * What the device sees is read, at each request, from a `FakeDpsServiceServer` (enrollment groups, individual
 * enrollments, linked hubs: a group created through the real provider is the group the device meets) and from the
 * DPS's CA certificates (name → PEM and verified), given as a record or as a function read at each request.
 *
 * TLS: the server asks for a client certificate, and the handshake proves the device holds the key of the
 * certificate it presents. The server's `ca` is the verified CA certificates (per connection, through SNI), and Node
 * records whether OpenSSL trusted the chain. What happens to a chain that does not reach a verified CA:
 *   - `untrustedChain: "http401"` (default, what Azure is seen to do: azure-iot-sdk-c#2362, vscode-iot-workbench#590):
 *     the handshake completes and the register call is answered 401 `{ errorCode: 401002, message: ... }`;
 *   - `untrustedChain: "handshake"`: the server refuses the handshake (rejectUnauthorized), as a strict mTLS
 *     endpoint would. OpenSSL then needs a self-signed root among the verified CAs (Node 20 has no partial chains).
 *
 * Decisions, in this order (Azure does not document its own):
 *   1. the chain: from the leaf up, through the certificates the device sent and the verified DPS CAs, each link
 *      checked (issuer name and signature); trusted when a verified DPS CA is on it; the leaf within its validity.
 *   2. CN == registration id (DPS requires it for X.509), compared without case (registration ids are).
 *   3. an individual enrollment for the registration id decides, when one of its client certificates (primary or
 *      secondary: a device's certificate rolls through the secondary slot) is the leaf (a disabled one is a revoked
 *      device → status "disabled"; a certificate in neither slot is refused, 401).
 *   4. the enrollment group whose CA reference (primary or secondary) or signing certificate is on the chain, the one
 *      nearest the leaf; disabled → status "disabled"; none → 401.
 * Trust (step 1) comes from a verified DPS CA on the chain, a group's signing certificate on the chain (no CA slot,
 * no proof of possession), or an individual enrollment that holds the leaf itself. ("disabled" and "failed" come from the operation poll,
 *      after a 202 "assigning", as azure-iot-sdk-java#1641 describes the service doing.)
 *   5. a hub among the group's hubs that are linked to the DPS (all linked hubs when it names none):
 *      hashed → SHA-256 of the lower-case id mod the number of hubs (stable per id); static → its one hub;
 *      geoLatency → the first; custom → "failed" (this fake calls no webhook); no hub → "failed" 400208.
 * 401 uses Azure's 401002 (seen in the wild); 400208 is the C SDK's DPS_HUB_ERROR_NO_HUB; other codes (400001,
 * 404201, 405001) follow the six-digit scheme but are this fake's own.
 */
import { createHash, randomUUID, X509Certificate } from "crypto";
import type { IncomingMessage, ServerResponse } from "http";
import * as https from "https";
import type { AddressInfo } from "net";
import * as tls from "tls";
import type { FakeDpsServiceServer } from "./dpsServiceServer";
import type { AdrIssuers } from "./adrIssuers";
import { csrOfRegisterBody, DeviceRequestRefused, issueForEnrollment, ISSUING_DEVICE_API_VERSION } from "./dpsIssuance";
import { listenOnLoopback } from "./listen";
import { readTestTls, TestTls } from "./tls";

/** The api-version azure-iot-provisioning-device 1.9 sends (ProvisioningDeviceConstants.apiVersion), and the spec's. */
export const DEVICE_API_VERSIONS = ["2019-03-31", "2021-10-01", ISSUING_DEVICE_API_VERSION];
export const GLOBAL_DEVICE_ENDPOINT = "global.azure-devices-provisioning.net";

export interface DpsCaCertificate {
  readonly certificatePem: string;
  readonly verified: boolean;
}

/** The DPS's CA certificates by name: a record, or a function read at each request. */
export type DpsCaCertificates = Readonly<Record<string, DpsCaCertificate>> | (() => Readonly<Record<string, DpsCaCertificate>>);

export interface FakeDpsDeviceServerOptions {
  /** The DPS whose enrollments and linked hubs the device meets. */
  readonly service: FakeDpsServiceServer;
  readonly caCertificates: DpsCaCertificates;
  /** Default `0ne00FAKE01`. */
  readonly idScope?: string;
  /** Default `global.azure-devices-provisioning.net`. */
  readonly hostName?: string;
  readonly untrustedChain?: "http401" | "handshake";
  /** `retry-after` of the 202 (seconds). Azure sends about 3; default 0 to keep tests fast. */
  readonly retryAfterSeconds?: number;
  readonly apiVersions?: readonly string[];
  readonly tls?: TestTls;
  /** The ADR issuing CAs device certificates come from (default: the process's shared store, adrIssuers.ts). */
  readonly issuers?: AdrIssuers;
}

export interface DeviceRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly body: unknown;
  status: number;
  /** SHA-256 fingerprint (upper-case hex) of the client certificate, if one was presented. */
  readonly clientCertificate?: string;
  /** Certificates in the peer chain Node reports: the leaf, those the device sent, and a root from the trust store when one completes it. */
  readonly chainLength: number;
  /** OpenSSL's verdict on the chain against the verified CAs (`socket.authorized`). */
  readonly tlsAuthorized: boolean;
  /** Azure's error code when the answer was an error, or the registration's error code. */
  errorCode?: number;
}

/** A registration as the fake decided it (also what the operation GET returns). */
export interface DecidedRegistration {
  readonly operationId: string;
  readonly registrationId: string;
  readonly status: "assigned" | "disabled" | "failed";
  readonly assignedHub?: string;
  readonly deviceId?: string;
  readonly enrollmentGroupId?: string;
  readonly errorCode?: number;
  readonly errorMessage?: string;
  /** SHA-256 of the certificate that registered (the operation may only be read with it). */
  readonly certificate: string;
  readonly registrationState: Record<string, unknown>;
}

type Json = Record<string, any>;

/** A refusal answered at once with an HTTP error (shared with dpsIssuance.ts). */
const DeviceApiError = DeviceRequestRefused;

const fingerprint = (x509: X509Certificate) => x509.fingerprint256.replace(/:/g, "").toUpperCase();
const commonName = (x509: X509Certificate) => /(?:^|\n)CN=([^\n]*)/.exec(x509.subject)?.[1];

/** Hub index for hashed allocation: stable for a registration id. */
export function hashedHubIndex(registrationId: string, hubCount: number): number {
  return createHash("sha256").update(registrationId.toLowerCase()).digest().readUInt32BE(0) % hubCount;
}

export class FakeDpsDeviceServer {
  readonly hostName: string;
  readonly idScope: string;
  readonly requests: DeviceRequest[] = [];
  retryAfterSeconds: number;
  untrustedChain: "http401" | "handshake";

  private readonly server: https.Server;
  private readonly service: FakeDpsServiceServer;
  private readonly caSource: DpsCaCertificates;
  private readonly apiVersions: readonly string[];
  private readonly operations = new Map<string, DecidedRegistration>();
  private readonly tls: TestTls;
  private readonly issuers?: AdrIssuers;

  private constructor(opts: FakeDpsDeviceServerOptions) {
    this.service = opts.service;
    this.caSource = opts.caCertificates;
    this.hostName = (opts.hostName ?? GLOBAL_DEVICE_ENDPOINT).toLowerCase();
    this.idScope = opts.idScope ?? "0ne00FAKE01";
    this.retryAfterSeconds = opts.retryAfterSeconds ?? 0;
    this.untrustedChain = opts.untrustedChain ?? "http401";
    this.apiVersions = opts.apiVersions ?? DEVICE_API_VERSIONS;
    this.tls = opts.tls ?? readTestTls();
    const secureContextNow = () => this.secureContext();
    this.issuers = opts.issuers;
    this.server = https.createServer(
      {
        cert: this.tls.cert,
        key: this.tls.key,
        requestCert: true,
        rejectUnauthorized: false,
        // Each connection gets the CAs verified at that moment as its trust store. Node calls this with the
        // connection's TLS socket as `this`: the chain the device sends is read there (see chainsSent).
        SNICallback: function (this: tls.TLSSocket, _servername: string, done: (err: Error | null, ctx?: tls.SecureContext) => void) {
          keepSentChain(this);
          done(null, secureContextNow());
        },
      },
      (req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => this.handle(req, res, Buffer.concat(chunks).toString("utf8")));
      },
    );
    // In "handshake" mode a connection whose chain OpenSSL cannot trust is closed before any request: first among
    // the listeners, before the HTTP parser is attached to the socket.
    this.server.prependListener("secureConnection", (socket: tls.TLSSocket) => {
      if (this.untrustedChain === "handshake" && !socket.authorized) {
        this.requests.push({ method: "TLS", path: "", query: {}, body: undefined, status: 0, chainLength: 0, tlsAuthorized: false });
        socket.destroy();
      }
    });
  }

  static async start(opts: FakeDpsDeviceServerOptions): Promise<FakeDpsDeviceServer> {
    const s = new FakeDpsDeviceServer(opts);
    await listenOnLoopback(s.server);
    return s;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** The latest registration of a device, as decided. */
  registration(registrationId: string): DecidedRegistration | undefined {
    return [...this.operations.values()].reverse().find((op) => op.registrationId.toLowerCase() === registrationId.toLowerCase());
  }

  resetRequests(): void {
    this.requests.length = 0;
  }

  /** Closes the server and its keep-alive connections (see FakeDpsServiceServer.close for why it waits). */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await new Promise<void>((resolve) => setTimeout(resolve, 20));
  }

  // --- state read at request time ------------------------------------------------------------------------

  private caCertificates(): Array<{ name: string; x509: X509Certificate; verified: boolean }> {
    const source = typeof this.caSource === "function" ? this.caSource() : this.caSource;
    return Object.entries(source).map(([name, ca]) => ({ name, x509: new X509Certificate(ca.certificatePem), verified: ca.verified }));
  }

  private secureContext(): tls.SecureContext {
    const verified = this.caCertificates().filter((ca) => ca.verified).map((ca) => ca.x509.toString());
    // With no verified CA, trust only the test CA (which signs no device): every device chain is untrusted.
    return tls.createSecureContext({ cert: this.tls.cert, key: this.tls.key, ca: verified.length ? verified : [this.tls.ca] });
  }

  // --- request handling ----------------------------------------------------------------------------------

  private handle(req: IncomingMessage, res: ServerResponse, rawBody: string): void {
    const socket = req.socket as tls.TLSSocket;
    const url = new URL(req.url ?? "/", `https://${this.hostName}`);
    const sent = sentChain(socket);
    let body: unknown;
    try {
      body = rawBody ? JSON.parse(rawBody) : undefined;
    } catch {
      body = undefined;
    }
    const record: DeviceRequest = {
      method: req.method ?? "GET",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      body,
      status: 0,
      clientCertificate: sent[0] && fingerprint(sent[0]),
      chainLength: sent.length,
      tlsAuthorized: socket.authorized,
    };
    this.requests.push(record);
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      record.status = status;
      const text = JSON.stringify(payload);
      res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Content-Length": String(Buffer.byteLength(text)), ...headers });
      res.end(text);
    };
    try {
      const host = String(req.headers.host ?? "").replace(/:\d+$/, "").toLowerCase();
      if (host !== this.hostName) throw new DeviceApiError(404, 404201, `No device endpoint at host ${host}`);
      const apiVersion = url.searchParams.get("api-version");
      if (!apiVersion || !this.apiVersions.includes(apiVersion)) throw new DeviceApiError(400, 400001, `Unsupported api-version ${apiVersion ?? "(none)"}`);
      const segments = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
      const [scope, collection, registrationId, action, operationId] = segments;
      if (collection !== "registrations" || !registrationId) throw new DeviceApiError(404, 404201, `No such resource: ${record.method} ${url.pathname}`);
      if (scope !== this.idScope) throw new DeviceApiError(404, 404201, `No provisioning service with ID scope ${scope}`);
      if (!sent.length) throw new DeviceApiError(401, 401002, "Unauthorized: no client certificate");
      if (record.method === "PUT" && action === "register" && segments.length === 4) {
        if (!/^application\/json\b/i.test(String(req.headers["content-type"] ?? ""))) throw new DeviceApiError(400, 400001, "Content-Type must be application/json");
        if (!body || typeof body !== "object" || (body as Json).registrationId !== registrationId) {
          throw new DeviceApiError(400, 400001, "The body must be { registrationId } with the registration id of the path");
        }
        const decided = this.decide(registrationId, sent, csrOfRegisterBody(body as Json, apiVersion));
        this.operations.set(decided.operationId, decided);
        if (decided.errorCode !== undefined) record.errorCode = decided.errorCode;
        const location = `https://${this.hostName}/${scope}/registrations/${registrationId}/operations/${decided.operationId}`;
        return send(202, { operationId: decided.operationId, status: "assigning" }, { "retry-after": String(this.retryAfterSeconds), Location: location });
      }
      if (record.method === "GET" && action === "operations" && operationId && segments.length === 5) {
        const op = this.operations.get(operationId);
        if (!op || op.registrationId.toLowerCase() !== registrationId.toLowerCase()) throw new DeviceApiError(404, 404201, `Operation ${operationId} not found`);
        if (op.certificate !== fingerprint(sent[0])) throw new DeviceApiError(401, 401002, "Unauthorized: the operation belongs to another certificate");
        return send(200, { operationId: op.operationId, status: op.status, registrationState: op.registrationState });
      }
      if (record.method === "POST" && segments.length === 3) {
        if (body && typeof body === "object" && (body as Json).csr !== undefined) throw new DeviceApiError(400, 400004, "csr is not accepted by the registration status lookup");
        const latest = [...this.operations.values()].reverse().find((op) => op.registrationId.toLowerCase() === registrationId.toLowerCase() && op.certificate === fingerprint(sent[0]));
        if (!latest) throw new DeviceApiError(404, 404202, `Registration ${registrationId} not found`);
        const { issuedCertificateChain: _issued, ...state } = latest.registrationState as Json;
        void _issued;
        return send(200, state);
      }
      throw new DeviceApiError(405, 405001, `${record.method} is not supported on ${url.pathname}`);
    } catch (err) {
      if (!(err instanceof DeviceRequestRefused)) throw err;
      record.errorCode = err.errorCode;
      const trackingId = randomUUID();
      send(err.status, { errorCode: err.errorCode, trackingId, message: err.message, timestampUtc: new Date().toISOString() }, { "x-ms-error-code": String(err.errorCode) });
    }
  }

  /** Steps 1–5 of the header comment. Throws DeviceApiError for what Azure refuses synchronously (401). */
  private decide(registrationId: string, sent: X509Certificate[], csr?: Buffer): DecidedRegistration {
    const leaf = sent[0];
    const cas = this.caCertificates();
    const now = Date.now();
    if (now < Date.parse(leaf.validFrom) || now > Date.parse(leaf.validTo)) throw new DeviceApiError(401, 401002, "Unauthorized: the device certificate is outside its validity period");
    const groups = this.service.groupIds().sort().map((id) => this.service.group(id)!);
    const signing = groups.map((group) => ({ group, certs: this.service.groupSigningCertificatePems(group.enrollmentGroupId).map((pem) => new X509Certificate(pem)) }));
    const chain = buildChain(leaf, sent.slice(1), [...cas.filter((ca) => ca.verified).map((ca) => ca.x509), ...signing.flatMap((s) => s.certs)]);
    const position = (x: X509Certificate) => chain.findIndex((c) => fingerprint(c) === fingerprint(x));
    const verifiedOnChain = (ca: { x509: X509Certificate; verified: boolean }) => ca.verified && position(ca.x509) >= 0;
    const individual = this.service.enrollment(registrationId);
    const individualPems = individual ? this.service.enrollmentCertificatePems(registrationId) : [];
    const holdsLeaf = individualPems.some((pem) => fingerprint(new X509Certificate(pem)) === fingerprint(leaf));
    const trusted = holdsLeaf || cas.some(verifiedOnChain) || signing.some((s) => s.certs.some((c) => position(c) >= 0));
    if (!trusted) throw new DeviceApiError(401, 401002, "Unauthorized: the certificate chain does not reach a verified CA certificate or an enrollment's certificate");
    if ((commonName(leaf) ?? "").toLowerCase() !== registrationId.toLowerCase()) {
      throw new DeviceApiError(401, 401002, "Unauthorized: the registration id is not the certificate's common name");
    }
    const base = { operationId: `5.${randomUUID()}`, registrationId, certificate: fingerprint(leaf) };
    if (individual) {
      if (!holdsLeaf) throw new DeviceApiError(401, 401002, "Unauthorized: the individual enrollment holds another certificate");
      return this.outcome(base, individual, leaf, undefined, csr);
    }
    // The group nearest the leaf: the lowest chain position of a verified CA it references or a certificate it holds.
    let best: { group: Json; position: number } | undefined;
    const consider = (group: Json, at: number) => {
      if (at >= 0 && (!best || at < best.position)) best = { group, position: at };
    };
    for (const { group, certs } of signing) {
      const refs = group.attestation?.x509?.caReferences ?? {};
      for (const name of [refs.primary, refs.secondary].filter(Boolean)) {
        const ca = cas.find((c) => c.name.toLowerCase() === String(name).toLowerCase());
        if (ca && verifiedOnChain(ca)) consider(group, position(ca.x509));
      }
      for (const cert of certs) consider(group, position(cert));
    }
    if (!best) throw new DeviceApiError(401, 401002, "Unauthorized: no enrollment matches the certificate chain");
    const chosen = best as { group: Json; position: number };
    return this.outcome(base, chosen.group, leaf, chosen.group.enrollmentGroupId, csr);
  }

  private outcome(base: { operationId: string; registrationId: string; certificate: string }, enrollment: Json, leaf: X509Certificate, enrollmentGroupId: string | undefined, csr?: Buffer): DecidedRegistration {
    const now = new Date().toISOString();
    const x509: Json = { certificateInfo: certificateInfo(leaf) };
    if (enrollmentGroupId) x509.enrollmentGroupId = enrollmentGroupId;
    const state: Json = { x509, registrationId: base.registrationId, createdDateTimeUtc: now, lastUpdatedDateTimeUtc: now, etag: `"${randomUUID()}"` };
    if (enrollment.provisioningStatus === "disabled") {
      return { ...base, status: "disabled", enrollmentGroupId, registrationState: { ...state, status: "disabled" } };
    }
    const fail = (errorCode: number, errorMessage: string): DecidedRegistration => ({
      ...base, status: "failed", enrollmentGroupId, errorCode, errorMessage, registrationState: { ...state, status: "failed", errorCode, errorMessage },
    });
    const linked = this.service.linkedHubs.map((h) => h.toLowerCase());
    const wanted: string[] = Array.isArray(enrollment.iotHubs) && enrollment.iotHubs.length ? enrollment.iotHubs : this.service.linkedHubs;
    const hubs = wanted.filter((h) => linked.includes(h.toLowerCase()));
    if (!hubs.length) return fail(400208, "No IoT hub of the enrollment is linked to the provisioning service");
    const policy = enrollment.allocationPolicy ?? "hashed";
    if (policy === "custom") return fail(400210, "This fake does not call custom allocation webhooks");
    const assignedHub = policy === "hashed" ? hubs[hashedHubIndex(base.registrationId, hubs.length)] : hubs[0];
    const deviceId = enrollment.deviceId ?? base.registrationId;
    const issued = issueForEnrollment(enrollment, base.registrationId, csr, this.issuers);
    if (issued && "failure" in issued) return fail(issued.failure.errorCode, issued.failure.errorMessage);
    if (issued) state.issuedCertificateChain = issued.chain;
    return {
      ...base,
      status: "assigned",
      assignedHub,
      deviceId,
      enrollmentGroupId,
      registrationState: { ...state, assignedHub, deviceId, status: "assigned", substatus: "initialAssignment" },
    };
  }
}

/**
 * The chains devices sent, read on the TLS socket's 'secure' event ahead of Node's own handler: since Node 24.21
 * that handler, when it authorizes the socket, leaves getPeerCertificate(true) with the leaf alone
 * (nodejs/node#65579), so a chain read afterwards would lose the intermediates the device sent.
 */
const chainsSent = new WeakMap<tls.TLSSocket, X509Certificate[]>();

function keepSentChain(socket: tls.TLSSocket): void {
  socket.prependOnceListener("secure", () => chainsSent.set(socket, readPeerChain(socket)));
}

/** The certificates the device sent, leaf first, as Node reports them (it may append a root from our store). */
function sentChain(socket: tls.TLSSocket): X509Certificate[] {
  return chainsSent.get(socket) ?? readPeerChain(socket);
}

function readPeerChain(socket: tls.TLSSocket): X509Certificate[] {
  const out: X509Certificate[] = [];
  const seen = new Set<string>();
  let cert = socket.getPeerCertificate(true) as tls.DetailedPeerCertificate | undefined;
  while (cert && cert.raw && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    out.push(new X509Certificate(cert.raw));
    cert = cert.issuerCertificate;
  }
  return out;
}

/** Leaf first, then each certificate's issuer (checked by name and signature) among `sent` and `anchors`. */
function buildChain(leaf: X509Certificate, sent: X509Certificate[], anchors: X509Certificate[]): X509Certificate[] {
  const chain = [leaf];
  const candidates = [...anchors, ...sent];
  for (let current = leaf; chain.length < 10; ) {
    if (current.checkIssued(current)) break; // self-signed: the top
    const issuer = candidates.find((c) => current.checkIssued(c) && current.verify(c.publicKey) && !chain.some((x) => fingerprint(x) === fingerprint(c)));
    if (!issuer) break;
    chain.push(issuer);
    current = issuer;
  }
  return chain;
}

function certificateInfo(x509: X509Certificate): Json {
  return {
    subjectName: x509.subject.split("\n").reverse().join(", "),
    sha1Thumbprint: x509.fingerprint.replace(/:/g, "").toUpperCase(),
    sha256Thumbprint: fingerprint(x509),
    issuerName: x509.issuer.split("\n").reverse().join(", "),
    notBeforeUtc: new Date(x509.validFrom).toISOString(),
    notAfterUtc: new Date(x509.validTo).toISOString(),
    serialNumber: x509.serialNumber,
    version: 3,
  };
}

/** Starts a device endpoint and routes its host name to it in this process; `stop()` undoes both. */
export async function startRoutedDeviceEndpoint(opts: FakeDpsDeviceServerOptions): Promise<{ server: FakeDpsDeviceServer; stop: () => Promise<void> }> {
  const { routeToFake } = await import("./loopbackRouting");
  const server = await FakeDpsDeviceServer.start(opts);
  return { server, stop: routeToFake(server) };
}
