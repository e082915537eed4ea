/**
 * A strict local DPS service (data-plane) server, API 2021-10-01, over HTTPS with the test CA
 * (azure-test-servers/with-test-tls.js). It speaks the contract of
 * azure-rest-api-specs/specification/deviceprovisioningservices/data-plane/.../stable/2021-10-01/service.json:
 *
 *   PUT|GET|DELETE /enrollmentGroups/{id}     POST /enrollmentGroups/query
 *   PUT|GET|DELETE /enrollments/{id}          POST /enrollments/query
 *   GET|DELETE     /registrations/{id}        POST /registrations/{enrollmentGroupId}/query
 *
 * and checks what the service checks: `api-version=2021-10-01` or `2026-11-01`, where enrollments gain
 * `namespaceName`, `certificateAuthorityName`, `certificatePolicyName` (the Azure Device Registry names, checked with the
 * swagger's patterns and lengths; refused as unknown at 2021-10-01 and left out of what 2021-10-01 returns; this fake
 * takes the three together or none, docs/device-registry-devices.md); the `Authorization` header, either
 * `SharedAccessSignature sr=<host>&sig=<HMAC-SHA256(key, sr + "\n" + se)>&se=<expiry>&skn=<key name>` verified
 * cryptographically against the configured key, or `Bearer <token>`: an Entra ID access token (RS256 JWT, verified:
 * signature, issuer, audience `https://azure-devices-provisioning.net`, expiry) whose `oid` holds the data role the
 * operation needs (Data Contributor to write, Reader to read), or an opaque token from a configured list; If-Match against
 * the record's etag (412 on mismatch); a PUT of an existing record without If-Match is refused with 409, as
 * the service does (reported in Azure/azure-sdk-for-python#35187 and Azure/azure-iot-sdk-csharp#3076); the
 * body: required fields, enum values with their exact casing, `allocationPolicy` required when `iotHubs` is
 * given (the service's 400004 message), hubs that are linked to this DPS, CA certificate names that exist and
 * are verified, static ⇒ one hub, custom ⇒ webhook URL and API version; the X.509 attestation (X509Attestation):
 * exactly one kind, a group by `caReferences` or `signingCertificates`, an individual enrollment by
 * `clientCertificates` only (a CA reference is not valid there: the service SDK's
 * attestationMechanism_createWithX509CAReference; refused 400 with 400004, Azure's invalid-argument code), each
 * `X509Certificates` with a primary whose `certificate` parses (PEM or base64 DER), client certificates (primary and
 * secondary) whose CN is the registration id. Held certificates are stored and returned as their `info`
 * (X509CertificateInfo), as the service does; the PEMs stay aside for the device endpoint. What the caller may set
 * and the stack does not manage (an individual enrollment's `optionalDeviceInformation`) is kept and returned. It is
 * stricter than the service in one way: unknown properties are refused (the service ignores them), so that a
 * misspelt field fails a test.
 *
 * Errors have Azure's shape `{ errorCode, trackingId, message, timestampUtc }` plus an `x-ms-error-code`
 * header. 400004 is the code the service is known to send for invalid arguments; the other six-digit codes
 * (401002, 404201, 409201, 412002, 429001, 500001) follow the same scheme but are this fake's choice.
 *
 * For tests: faults (429 with Retry-After, 5xx, before or after the request is applied), a request log and
 * count, edits "in the portal" (drift: the etag changes), seeded device registrations.
 */
import * as crypto from "crypto";
import * as https from "https";
import type { AddressInfo } from "net";
import { listenOnLoopback } from "./listen";
import { readTestTls, TestTls } from "./tls";
import { verifyAccessToken } from "./entraTokenServer";

export const API_VERSION = "2021-10-01";
/** The stable version with the Azure Device Registry names on enrollments (service.json 2026-11-01). */
export const ADR_API_VERSION = "2026-11-01";
export const API_VERSIONS = [API_VERSION, ADR_API_VERSION];

export interface CaCertificateState {
  readonly verified: boolean;
}

export interface FakeDpsServiceOptions {
  /** Default `dps-x509-test.azure-devices-provisioning.net`. */
  readonly hostName?: string;
  /** Default `provisioningserviceowner`. */
  readonly keyName?: string;
  /** Base64; default a random 32-byte key. */
  readonly key?: string;
  /** Bearer tokens accepted as `Authorization: Bearer <token>` as they are (opaque; no role check). */
  readonly bearerTokens?: readonly string[];
  /** Entra ID: JWT bearer tokens from this issuer are verified (signature, audience, expiry) and need a data role. */
  readonly entra?: EntraOptions;
  /** IoT hub host names linked to this DPS. */
  readonly linkedHubs?: readonly string[];
  /** DPS CA certificates by name. */
  readonly caCertificates?: Readonly<Record<string, CaCertificateState>>;
  /** Refuse an X.509 individual enrollment whose registration id is not the certificate's CN (default true). */
  readonly requireRegistrationIdMatchesCn?: boolean;
  /** Page size of query answers when the client sends no x-ms-max-item-count (default 10). */
  readonly defaultPageSize?: number;
  readonly tls?: TestTls;
}

/** The DPS data-plane roles (Azure RBAC built-in roles). */
export const DPS_DATA_CONTRIBUTOR = "Device Provisioning Service Data Contributor";
export const DPS_DATA_READER = "Device Provisioning Service Data Reader";
/** The audience DPS accepts (tokens for scope `https://azure-devices-provisioning.net/.default`). */
export const DPS_TOKEN_AUDIENCES = ["https://azure-devices-provisioning.net", "https://azure-devices-provisioning.net/"] as const;

export interface EntraOptions {
  readonly issuer: string;
  readonly publicKeyPem: string;
  /** Principal object ids and the data role each holds on this DPS. Change with `assignDataRole`. */
  readonly roles?: Readonly<Record<string, typeof DPS_DATA_CONTRIBUTOR | typeof DPS_DATA_READER>>;
}

export interface FakeFault {
  readonly status: number;
  /** Retry-After header value (seconds or an HTTP date). */
  readonly retryAfter?: string | number;
  /** Apply the request, then answer with the fault (the client cannot tell whether it happened). */
  readonly afterApply?: boolean;
  /** Only requests this returns true for are faulted (default all). */
  readonly match?: (req: { method: string; path: string }) => boolean;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  /** Header names lower-cased; `authorization` is replaced by its scheme only. */
  readonly headers: Record<string, string>;
  readonly body: unknown;
  readonly rawBody: string;
  status: number;
  faulted: boolean;
}

export interface DeviceRegistrationSeed {
  registrationId: string;
  assignedHub?: string;
  deviceId?: string;
  status?: "unassigned" | "assigning" | "assigned" | "failed" | "disabled";
  substatus?: string;
  createdDateTimeUtc?: string;
  lastUpdatedDateTimeUtc?: string;
  errorCode?: number;
  errorMessage?: string;
}

type Json = Record<string, any>;

class HttpError extends Error {
  constructor(readonly status: number, readonly errorCode: number, message: string) {
    super(message);
  }
}

const ID_RULE = /^[A-Za-z0-9](?:[A-Za-z0-9\-._:]*[A-Za-z0-9])?$/;
const GROUP_FIELDS = new Set(["namespaceName", "certificateAuthorityName", "certificatePolicyName", "enrollmentGroupId", "attestation", "capabilities", "iotHubHostName", "initialTwin", "etag", "provisioningStatus", "reprovisionPolicy", "createdDateTimeUtc", "lastUpdatedDateTimeUtc", "allocationPolicy", "iotHubs", "customAllocationDefinition"]);
const ENROLLMENT_FIELDS = new Set([...GROUP_FIELDS, "registrationId", "deviceId", "registrationState", "optionalDeviceInformation"].filter((f) => f !== "enrollmentGroupId"));
const ALLOCATION_POLICIES = ["hashed", "geoLatency", "static", "custom"];
/** The ADR names of 2026-11-01, with the swagger's pattern and length rules. */
const ADR_NAME_RULES: Record<string, { pattern: RegExp; min: number; max: number }> = {
  namespaceName: { pattern: /^[a-z0-9][a-z0-9-]*[a-z0-9]$/, min: 3, max: 64 },
  certificateAuthorityName: { pattern: /^[0-9a-zA-Z][a-zA-Z0-9-]*$/, min: 3, max: 63 },
  certificatePolicyName: { pattern: /^[0-9a-zA-Z][a-zA-Z0-9-]*$/, min: 3, max: 63 },
};
const ADR_FIELDS = Object.keys(ADR_NAME_RULES);
const deepCopy = <T>(v: T): T => (v === undefined ? v : JSON.parse(JSON.stringify(v)));

export class FakeDpsServiceServer {
  readonly hostName: string;
  readonly keyName: string;
  readonly key: string;
  readonly requests: RecordedRequest[] = [];
  linkedHubs: string[];
  caCertificates: Record<string, CaCertificateState>;
  bearerTokens: Set<string>;
  readonly entra?: EntraOptions;
  /** Data roles by principal object id (Entra ID callers). */
  readonly dataRoles = new Map<string, string>();
  requireRegistrationIdMatchesCn: boolean;
  defaultPageSize: number;

  private readonly server: https.Server;
  private readonly groups = new Map<string, Json>();
  private readonly enrollments = new Map<string, Json>();
  /** The client certificates individual enrollments hold (primary first), for the device endpoint. */
  private readonly enrollmentCertificates = new Map<string, string[]>();
  /** The certificates signing-certificate groups hold (the service returns only their info), for the device endpoint. */
  private readonly groupSigningCertificates = new Map<string, string[]>();
  private readonly registrations = new Map<string, Json[]>();
  private faultQueue: Array<FakeFault> = [];
  private everyNth?: { n: number; fault: FakeFault; seen: number };
  private etagCounter = 0n;
  /** The api-version of the request being handled (requests are handled one at a time, synchronously). */
  private apiVersion = API_VERSION;

  private constructor(opts: FakeDpsServiceOptions) {
    this.hostName = (opts.hostName ?? "dps-x509-test.azure-devices-provisioning.net").toLowerCase();
    this.keyName = opts.keyName ?? "provisioningserviceowner";
    this.key = opts.key ?? crypto.randomBytes(32).toString("base64");
    this.bearerTokens = new Set(opts.bearerTokens ?? []);
    this.entra = opts.entra;
    for (const [oid, role] of Object.entries(opts.entra?.roles ?? {})) this.dataRoles.set(oid, role);
    this.linkedHubs = [...(opts.linkedHubs ?? ["hub-a.azure-devices.net", "hub-b.azure-devices.net"])];
    this.caCertificates = { ...(opts.caCertificates ?? { "root-ca": { verified: true } }) };
    this.requireRegistrationIdMatchesCn = opts.requireRegistrationIdMatchesCn ?? true;
    this.defaultPageSize = opts.defaultPageSize ?? 10;
    const tls = opts.tls ?? readTestTls();
    this.server = https.createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => this.handle(req, res, Buffer.concat(chunks).toString("utf8")));
    });
  }

  static async start(opts: FakeDpsServiceOptions = {}): Promise<FakeDpsServiceServer> {
    const s = new FakeDpsServiceServer(opts);
    await listenOnLoopback(s.server);
    return s;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Gives (or, with undefined, takes away) a principal's data-plane role, as a role assignment would. */
  assignDataRole(principalId: string, role: typeof DPS_DATA_CONTRIBUTOR | typeof DPS_DATA_READER | undefined): void {
    if (role) this.dataRoles.set(principalId, role);
    else this.dataRoles.delete(principalId);
  }

  /** The provisioningserviceowner connection string (with another key, to test a refused signature). */
  connectionString(key: string = this.key, keyName: string = this.keyName): string {
    return `HostName=${this.hostName};SharedAccessKeyName=${keyName};SharedAccessKey=${key}`;
  }

  get requestCount(): number {
    return this.requests.length;
  }

  resetRequests(): void {
    this.requests.length = 0;
  }

  /** The next `count` matching requests are answered with `fault`. */
  failNext(fault: FakeFault, count = 1): void {
    for (let i = 0; i < count; i++) this.faultQueue.push(fault);
  }

  /** One request in `n` (the n-th, 2n-th, ...) is answered with `fault`. */
  failEvery(n: number, fault: FakeFault): void {
    this.everyNth = { n, fault, seen: 0 };
  }

  clearFaults(): void {
    this.faultQueue = [];
    this.everyNth = undefined;
  }

  /** The stored group as GET returns it, or undefined. */
  group(id: string): Json | undefined {
    return deepCopy(this.groups.get(id.toLowerCase()));
  }

  groupIds(): string[] {
    return [...this.groups.values()].map((g) => g.enrollmentGroupId);
  }

  enrollment(id: string): Json | undefined {
    return deepCopy(this.enrollments.get(id.toLowerCase()));
  }

  /** The primary client certificate an individual enrollment holds. */
  enrollmentCertificate(id: string): string | undefined {
    return this.enrollmentCertificates.get(id.toLowerCase())?.[0];
  }

  /** Every client certificate an individual enrollment holds (primary first): a device may present either. */
  enrollmentCertificatePems(id: string): string[] {
    return [...(this.enrollmentCertificates.get(id.toLowerCase()) ?? [])];
  }

  /** The PEMs a signing-certificate group holds (primary first), or an empty list. */
  groupSigningCertificatePems(id: string): string[] {
    return [...(this.groupSigningCertificates.get(id.toLowerCase()) ?? [])];
  }

  /** Changes a group as someone in the portal would: the record changes and gets a new etag. */
  editGroup(id: string, edit: (record: Json) => void): Json {
    return this.edit(this.groups, id, edit);
  }

  editEnrollment(id: string, edit: (record: Json) => void): Json {
    return this.edit(this.enrollments, id, edit);
  }

  /** Stores a group record as given (one recorded from an earlier run), etag and all. */
  seedGroup(record: Json): void {
    this.groups.set(String(record.enrollmentGroupId).toLowerCase(), deepCopy(record));
  }

  /** Stores an individual enrollment record as given (recorded from an earlier run), with the certificate it was made from. */
  seedEnrollment(record: Json, certificatePem?: string): void {
    const id = String(record.registrationId).toLowerCase();
    this.enrollments.set(id, deepCopy(record));
    if (certificatePem) this.enrollmentCertificates.set(id, [certificatePem]);
  }

  /** Removes a record directly (deleted in the portal). */
  removeGroup(id: string): boolean {
    return this.groups.delete(id.toLowerCase());
  }

  removeEnrollment(id: string): boolean {
    return this.enrollments.delete(id.toLowerCase());
  }

  /** Device registrations made through a group (as devices that provisioned would leave). */
  seedRegistrations(groupId: string, seeds: DeviceRegistrationSeed[]): void {
    const list = this.registrations.get(groupId.toLowerCase()) ?? [];
    for (const s of seeds) {
      const now = new Date().toISOString();
      list.push({
        registrationId: s.registrationId,
        createdDateTimeUtc: s.createdDateTimeUtc ?? now,
        assignedHub: s.assignedHub ?? this.linkedHubs[0],
        deviceId: s.deviceId ?? s.registrationId,
        status: s.status ?? "assigned",
        substatus: s.substatus ?? "initialAssignment",
        lastUpdatedDateTimeUtc: s.lastUpdatedDateTimeUtc ?? now,
        etag: this.nextEtag(),
        ...(s.errorCode !== undefined ? { errorCode: s.errorCode, errorMessage: s.errorMessage } : {}),
      });
    }
    this.registrations.set(groupId.toLowerCase(), list);
  }

  /**
   * Closes the server and its keep-alive connections, then lets the client side see them close: Node's
   * https agent pools sockets by host name and port (the Azure name and 443), so a server started next under
   * the same name would otherwise get the first request on a dead socket (ECONNRESET, retried after backoff).
   */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await new Promise<void>((resolve) => setTimeout(resolve, 20));
  }

  // --- request handling -------------------------------------------------------------------------------

  private edit(map: Map<string, Json>, id: string, edit: (record: Json) => void): Json {
    const current = map.get(id.toLowerCase());
    if (!current) throw new Error(`fake DPS: no record ${id} to edit`);
    const record = deepCopy(current);
    edit(record);
    record.etag = this.nextEtag();
    record.lastUpdatedDateTimeUtc = new Date().toISOString();
    map.set(id.toLowerCase(), record);
    return deepCopy(record);
  }

  private nextEtag(): string {
    this.etagCounter += 1n;
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(this.etagCounter);
    return b.toString("base64");
  }

  private takeFault(method: string, path: string): FakeFault | undefined {
    if (this.everyNth) {
      this.everyNth.seen += 1;
      if (this.everyNth.seen % this.everyNth.n === 0) return this.everyNth.fault;
    }
    const i = this.faultQueue.findIndex((f) => !f.match || f.match({ method, path }));
    if (i >= 0) return this.faultQueue.splice(i, 1)[0];
    return undefined;
  }

  private handle(req: import("http").IncomingMessage, res: import("http").ServerResponse, rawBody: string): void {
    const url = new URL(req.url ?? "/", `https://${this.hostName}`);
    const method = (req.method ?? "GET").toUpperCase();
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : String(v ?? "");
    if (headers.authorization) headers.authorization = headers.authorization.split(/\s+/)[0];
    let body: unknown;
    try {
      body = rawBody ? JSON.parse(rawBody) : undefined;
    } catch {
      body = undefined;
    }
    const record: RecordedRequest = { method, path: url.pathname, query: Object.fromEntries(url.searchParams), headers, body, rawBody, status: 0, faulted: false };
    this.requests.push(record);

    const send = (status: number, payload?: unknown, extra: Record<string, string> = {}) => {
      record.status = status;
      const h: Record<string, string> = { ...extra };
      let text = "";
      if (payload !== undefined) {
        text = JSON.stringify(payload);
        h["Content-Type"] = "application/json; charset=utf-8";
      }
      h["Content-Length"] = String(Buffer.byteLength(text));
      res.writeHead(status, h);
      res.end(text);
    };
    const sendError = (status: number, errorCode: number, message: string, extra: Record<string, string> = {}) =>
      send(status, { errorCode, trackingId: crypto.randomUUID().replace(/-/g, "").toUpperCase(), message, timestampUtc: new Date().toISOString() }, { "x-ms-error-code": String(errorCode), ...extra });

    const fault = this.takeFault(method, url.pathname);
    const sendFault = (f: FakeFault) => {
      record.faulted = true;
      const extra: Record<string, string> = {};
      if (f.retryAfter !== undefined) extra["Retry-After"] = String(f.retryAfter);
      const code = f.status === 429 ? 429001 : f.status * 1000 + 1;
      sendError(f.status, code, f.status === 429 ? "Operations are being throttled: too many requests." : "An internal error occurred.", extra);
    };
    if (fault && !fault.afterApply) return sendFault(fault);

    let outcome: { status: number; payload?: unknown; headers?: Record<string, string> };
    try {
      this.authorize(req.headers.authorization, req.headers.host, method);
      const apiVersion = url.searchParams.get("api-version") ?? "";
      if (!API_VERSIONS.includes(apiVersion)) {
        throw new HttpError(400, 400004, `Unknown api version; uri: ${url.pathname}${url.search}`);
      }
      this.apiVersion = apiVersion;
      outcome = this.route(method, url, headers, body);
    } catch (err) {
      if (err instanceof HttpError) {
        if (fault) return sendFault(fault);
        return sendError(err.status, err.errorCode, err.message);
      }
      return sendError(500, 500001, `fake DPS failed: ${(err as Error).message}`);
    }
    if (fault) return sendFault(fault);
    send(outcome.status, outcome.payload, outcome.headers);
  }

  private authorize(authorization: string | undefined, hostHeader: string | undefined, method: string): void {
    const host = String(hostHeader ?? "").replace(/:\d+$/, "").toLowerCase();
    if (host !== this.hostName) throw new HttpError(404, 404001, `No provisioning service at host ${host}`);
    if (!authorization) throw new HttpError(401, 401002, "Authorization header is missing");
    const bearer = /^Bearer\s+(\S+)$/.exec(authorization);
    if (bearer) {
      if (this.bearerTokens.has(bearer[1])) return;
      if (!this.entra) throw new HttpError(401, 401002, "The bearer token was not accepted");
      const verified = verifyAccessToken(bearer[1], { publicKeyPem: this.entra.publicKeyPem, issuer: this.entra.issuer, audiences: DPS_TOKEN_AUDIENCES });
      if ("refused" in verified) throw new HttpError(401, 401002, `The bearer token was not accepted: ${verified.refused}`);
      // Writes (PUT, DELETE) need Data Contributor; reads (GET, and the POST of a query) Reader or Contributor.
      // This fake answers a valid token without the role with 403; the service's exact status is not documented.
      const role = this.dataRoles.get(verified.oid);
      const writes = method === "PUT" || method === "DELETE";
      if (role === DPS_DATA_CONTRIBUTOR || (role === DPS_DATA_READER && !writes)) return;
      throw new HttpError(403, 403001, `Principal ${verified.oid} is not authorized: it needs the "${writes ? DPS_DATA_CONTRIBUTOR : DPS_DATA_READER}" role on this DPS`);
    }
    const sas = /^SharedAccessSignature\s+(\S+)$/.exec(authorization);
    if (!sas) throw new HttpError(401, 401002, "Authorization header must be a SharedAccessSignature or a Bearer token");
    const fields = new Map<string, string>();
    for (const pair of sas[1].split("&")) {
      const at = pair.indexOf("=");
      if (at > 0) fields.set(pair.slice(0, at), pair.slice(at + 1));
    }
    for (const f of ["sr", "sig", "se", "skn"]) {
      if (!fields.get(f)) throw new HttpError(401, 401002, `The shared access signature has no ${f}`);
    }
    const sr = fields.get("sr")!;
    const resource = decodeURIComponent(sr).toLowerCase();
    if (resource !== this.hostName && !resource.startsWith(`${this.hostName}/`)) {
      throw new HttpError(401, 401002, `The shared access signature is for ${resource}, not ${this.hostName}`);
    }
    const se = fields.get("se")!;
    if (!/^\d+$/.test(se) || Number(se) * 1000 <= Date.now()) throw new HttpError(401, 401002, "The shared access signature has expired");
    if (decodeURIComponent(fields.get("skn")!) !== this.keyName) throw new HttpError(401, 401002, `Unknown shared access policy ${decodeURIComponent(fields.get("skn")!)}`);
    const expected = crypto.createHmac("sha256", Buffer.from(this.key, "base64")).update(`${sr}\n${se}`).digest();
    let given: Buffer;
    try {
      given = Buffer.from(decodeURIComponent(fields.get("sig")!), "base64");
    } catch {
      given = Buffer.alloc(0);
    }
    if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) {
      throw new HttpError(401, 401002, "The shared access signature does not match: wrong key");
    }
  }

  private route(method: string, url: URL, headers: Record<string, string>, body: unknown): { status: number; payload?: unknown; headers?: Record<string, string> } {
    const segments = url.pathname.split("/").filter(Boolean).map((s) => decodeURIComponent(s));
    const [collection, id, action] = [segments[0]?.toLowerCase(), segments[1], segments[2]?.toLowerCase()];
    const ifMatch = headers["if-match"];
    if (segments.length === 2 && (collection === "enrollmentgroups" || collection === "enrollments") && id.toLowerCase() === "query" && method === "POST") {
      return this.query(collection === "enrollmentgroups" ? this.groups : this.enrollments, headers, body, collection === "enrollmentgroups" ? "Enrollment Group" : "Enrollment");
    }
    if (segments.length === 2 && (collection === "enrollmentgroups" || collection === "enrollments")) {
      const groups = collection === "enrollmentgroups";
      const map = groups ? this.groups : this.enrollments;
      const kind = groups ? "Enrollment group" : "Enrollment";
      const current = map.get(id.toLowerCase());
      if (method === "GET") {
        if (!current) throw new HttpError(404, 404201, `${kind} ${id} not found`);
        return this.ok(current);
      }
      if (method === "DELETE") {
        if (!current) throw new HttpError(404, 404201, `${kind} ${id} not found`);
        this.checkIfMatch(ifMatch, current, kind, id);
        map.delete(id.toLowerCase());
        if (!groups) this.enrollmentCertificates.delete(id.toLowerCase());
        else this.groupSigningCertificates.delete(id.toLowerCase());
        return { status: 204 };
      }
      if (method === "PUT") {
        const contentType = headers["content-type"] ?? "";
        if (!/^application\/json\b/i.test(contentType)) throw new HttpError(415, 415001, `Content-Type must be application/json, not ${contentType || "none"}`);
        if (body === undefined || body === null || typeof body !== "object" || Array.isArray(body)) throw new HttpError(400, 400004, "The request body must be a JSON object");
        if (current) {
          if (!ifMatch) throw new HttpError(409, 409201, `${kind} ${id} already exists: send If-Match with its etag to update it`);
          this.checkIfMatch(ifMatch, current, kind, id);
        } else if (ifMatch) {
          throw new HttpError(412, 412002, `${kind} ${id} does not exist: If-Match ${ifMatch} cannot match`);
        }
        const stored = groups ? this.validateGroup(id, body as Json, current) : this.validateEnrollment(id, body as Json, current);
        map.set(id.toLowerCase(), stored);
        return this.ok(stored); // an individual enrollment is stored with the certificate's info, not the certificate
      }
      throw new HttpError(405, 405001, `${method} is not supported on /${segments[0]}/{id}`);
    }
    if (collection === "registrations" && segments.length === 3 && action === "query" && method === "POST") {
      if (!this.groups.has(id.toLowerCase())) throw new HttpError(404, 404201, `Enrollment group ${id} not found`);
      return this.page(this.registrations.get(id.toLowerCase()) ?? [], headers, "DeviceRegistration");
    }
    if (collection === "registrations" && segments.length === 2) {
      const all = [...this.registrations.values()].flat();
      const i = all.findIndex((r) => r.registrationId.toLowerCase() === id.toLowerCase());
      if (i < 0) throw new HttpError(404, 404202, `Registration ${id} not found`);
      if (method === "GET") return this.ok(all[i]);
      if (method === "DELETE") {
        for (const list of this.registrations.values()) {
          const j = list.findIndex((r) => r.registrationId.toLowerCase() === id.toLowerCase());
          if (j >= 0) list.splice(j, 1);
        }
        return { status: 204 };
      }
    }
    throw new HttpError(404, 404001, `No such resource: ${method} ${url.pathname}`);
  }

  private ok(record: Json) {
    return { status: 200, payload: this.asVersion(record), headers: { ETag: `"${record.etag}"` } };
  }

  /** A record as the request's api-version models it: 2021-10-01 has no Device Registry names. */
  private asVersion(record: Json): Json {
    const copy = deepCopy(record);
    if (this.apiVersion === API_VERSION) for (const f of ADR_FIELDS) delete copy[f];
    return copy;
  }

  /** 2026-11-01: the ADR names, each by its swagger rule, the three together. Returns the names to store. */
  private adrNames(body: Json, kind: string): Json {
    const given = ADR_FIELDS.filter((f) => body[f] !== undefined && body[f] !== null);
    if (!given.length) return {};
    if (this.apiVersion === API_VERSION) throw new HttpError(400, 400004, `${kind} has unknown propert${given.length > 1 ? "ies" : "y"} ${given.join(", ")}`);
    for (const f of given) {
      const rule = ADR_NAME_RULES[f];
      const v = body[f];
      if (typeof v !== "string" || v.length < rule.min || v.length > rule.max || !rule.pattern.test(v)) {
        throw new HttpError(400, 400004, `Invalid ${f} ${JSON.stringify(v)}`);
      }
    }
    if (given.length !== ADR_FIELDS.length) {
      throw new HttpError(400, 400004, `${kind} names ${given.join(", ")} without ${ADR_FIELDS.filter((f) => !given.includes(f)).join(", ")}: the namespace, certificate authority and certificate policy go together`);
    }
    return Object.fromEntries(given.map((f) => [f, body[f]]));
  }

  private checkIfMatch(ifMatch: string | undefined, current: Json, kind: string, id: string): void {
    if (!ifMatch || ifMatch.trim() === "*") return;
    const given = ifMatch.trim().replace(/^W\//, "").replace(/^"(.*)"$/, "$1");
    if (given !== current.etag) throw new HttpError(412, 412002, `Precondition failed: the etag of ${kind.toLowerCase()} ${id} is not ${given}`);
  }

  private query(map: Map<string, Json>, headers: Record<string, string>, body: unknown, itemType: string) {
    if (!body || typeof (body as Json).query !== "string") throw new HttpError(400, 400004, "The query specification must be { query: string }");
    return this.page([...map.values()], headers, itemType);
  }

  private page(items: Json[], headers: Record<string, string>, itemType: string) {
    const size = headers["x-ms-max-item-count"] ? Number(headers["x-ms-max-item-count"]) : this.defaultPageSize;
    if (!Number.isInteger(size) || size < 1) throw new HttpError(400, 400004, `x-ms-max-item-count ${headers["x-ms-max-item-count"]} is not a positive integer`);
    let start = 0;
    const token = headers["x-ms-continuation"];
    if (token) {
      const m = /^offset:(\d+)$/.exec(Buffer.from(token, "base64").toString("utf8"));
      if (!m) throw new HttpError(400, 400004, "Invalid continuation token");
      start = Number(m[1]);
    }
    const slice = items.slice(start, start + size).map((item) => this.asVersion(item));
    const out: Record<string, string> = { "x-ms-item-type": itemType, "x-ms-max-item-count": String(size) };
    if (start + size < items.length) out["x-ms-continuation"] = Buffer.from(`offset:${start + size}`).toString("base64");
    return { status: 200, payload: slice, headers: out };
  }

  // --- body validation, as the service does ------------------------------------------------------------

  private checkUnknown(body: Json, allowed: Set<string>, kind: string): void {
    const unknown = Object.keys(body).filter((k) => !allowed.has(k));
    if (unknown.length) throw new HttpError(400, 400004, `${kind} has unknown propert${unknown.length > 1 ? "ies" : "y"} ${unknown.join(", ")}`);
  }

  private checkCommon(body: Json, kind: string): void {
    if (body.provisioningStatus !== undefined && !["enabled", "disabled"].includes(body.provisioningStatus)) {
      throw new HttpError(400, 400004, `Invalid provisioningStatus ${JSON.stringify(body.provisioningStatus)}: enabled or disabled`);
    }
    if (body.allocationPolicy !== undefined && !ALLOCATION_POLICIES.includes(body.allocationPolicy)) {
      throw new HttpError(400, 400004, `Invalid allocationPolicy ${JSON.stringify(body.allocationPolicy)}: hashed, geoLatency, static or custom`);
    }
    if (body.iotHubs !== undefined) {
      if (!Array.isArray(body.iotHubs) || body.iotHubs.some((h: unknown) => typeof h !== "string")) throw new HttpError(400, 400004, "iotHubs must be a list of host names");
      if (body.iotHubs.length && body.allocationPolicy === undefined) throw new HttpError(400, 400004, "Enrollment allocationPolicy must be specified when iotHubs are specified.");
      const linked = this.linkedHubs.map((h) => h.toLowerCase());
      const unlinked = body.iotHubs.filter((h: string) => !linked.includes(h.toLowerCase()));
      if (unlinked.length) throw new HttpError(400, 400004, `IoT hub(s) ${unlinked.join(", ")} are not linked to this provisioning service`);
    }
    if (body.allocationPolicy === "static" && (!Array.isArray(body.iotHubs) || body.iotHubs.length !== 1)) {
      throw new HttpError(400, 400004, "The static allocation policy needs exactly one IoT hub in iotHubs");
    }
    if (body.allocationPolicy === "custom") {
      const cad = body.customAllocationDefinition;
      if (!cad || typeof cad.webhookUrl !== "string" || !cad.webhookUrl || typeof cad.apiVersion !== "string" || !cad.apiVersion) {
        throw new HttpError(400, 400004, "The custom allocation policy needs customAllocationDefinition { webhookUrl, apiVersion }");
      }
      if (!/^https:\/\//i.test(cad.webhookUrl)) throw new HttpError(400, 400004, "customAllocationDefinition.webhookUrl must be an https URL");
    }
    if (body.reprovisionPolicy !== undefined) {
      const rp = body.reprovisionPolicy;
      if (!rp || typeof rp.updateHubAssignment !== "boolean" || typeof rp.migrateDeviceData !== "boolean") {
        throw new HttpError(400, 400004, "reprovisionPolicy needs updateHubAssignment and migrateDeviceData (booleans)");
      }
    }
    if (body.capabilities !== undefined && (!body.capabilities || typeof body.capabilities.iotEdge !== "boolean")) {
      throw new HttpError(400, 400004, "capabilities needs iotEdge (boolean)");
    }
    if (body.initialTwin !== undefined && body.initialTwin !== null) {
      const t = body.initialTwin;
      const isObj = (v: unknown) => v !== null && typeof v === "object" && !Array.isArray(v);
      if (!isObj(t) || (t.tags !== undefined && !isObj(t.tags)) || (t.properties !== undefined && (!isObj(t.properties) || (t.properties.desired !== undefined && !isObj(t.properties.desired))))) {
        throw new HttpError(400, 400004, `${kind} initialTwin must be { tags: {...}, properties: { desired: {...} } }`);
      }
    }
  }

  private validateGroup(id: string, body: Json, current: Json | undefined): Json {
    this.checkUnknown(body, GROUP_FIELDS, "Enrollment group");
    const adr = this.adrNames(body, "Enrollment group");
    if (!ID_RULE.test(id) || id.length > 128) throw new HttpError(400, 400004, `Invalid enrollment group id ${id}`);
    if (body.enrollmentGroupId !== id) throw new HttpError(400, 400004, `enrollmentGroupId ${JSON.stringify(body.enrollmentGroupId)} does not match the id in the path (${id})`);
    const att = body.attestation;
    if (!att || typeof att !== "object") throw new HttpError(400, 400004, "attestation is required");
    if (!["none", "tpm", "x509", "symmetricKey"].includes(att.type)) throw new HttpError(400, 400004, `Invalid attestation type ${JSON.stringify(att.type)}`);
    if (att.type !== "x509") throw new HttpError(400, 400004, `This fake supports x509 enrollment groups only, not ${att.type}`);
    this.checkUnknown(att, new Set(["type", "x509"]), "attestation");
    const { kind, value } = this.x509Kind(att.x509, ["caReferences", "signingCertificates"], "An x509 enrollment group");
    let x509: Json;
    if (kind === "caReferences") {
      this.checkCaReferences(value);
      x509 = { caReferences: deepCopy(value) };
      this.groupSigningCertificates.delete(id.toLowerCase());
    } else {
      const held = this.parseCertificates(value, "signingCertificates");
      x509 = { signingCertificates: storedCertificates(held) };
      this.groupSigningCertificates.set(id.toLowerCase(), held.map((h) => h.pem));
    }
    this.checkCommon(body, "Enrollment group");
    const stored: Json = {
      enrollmentGroupId: id,
      attestation: { type: "x509", x509 },
      ...this.storedCommon(body, current),
      ...adr,
    };
    if (body.iotHubs !== undefined) {
      stored.iotHubs = [...body.iotHubs];
      if (body.iotHubs.length) stored.iotHubHostName = body.iotHubs[0];
    }
    if (body.customAllocationDefinition) stored.customAllocationDefinition = deepCopy(body.customAllocationDefinition);
    return stored;
  }

  /** What groups and individual enrollments store alike: the service's defaults, timestamps, a new etag. */
  private storedCommon(body: Json, current: Json | undefined): Json {
    const now = new Date().toISOString();
    const common: Json = {
      capabilities: deepCopy(body.capabilities ?? { iotEdge: false }),
      provisioningStatus: body.provisioningStatus ?? "enabled",
      reprovisionPolicy: deepCopy(body.reprovisionPolicy ?? { updateHubAssignment: true, migrateDeviceData: true }),
      createdDateTimeUtc: current?.createdDateTimeUtc ?? now,
      lastUpdatedDateTimeUtc: now,
      etag: this.nextEtag(),
    };
    if (body.initialTwin) common.initialTwin = deepCopy(body.initialTwin);
    if (body.allocationPolicy !== undefined) common.allocationPolicy = body.allocationPolicy;
    return common;
  }

  private validateEnrollment(id: string, body: Json, current: Json | undefined): Json {
    this.checkUnknown(body, ENROLLMENT_FIELDS, "Enrollment");
    const adr = this.adrNames(body, "Enrollment");
    if (!ID_RULE.test(id) || id.length > 128) throw new HttpError(400, 400004, `Invalid registration id ${id}`);
    if (body.registrationId !== id) throw new HttpError(400, 400004, `registrationId ${JSON.stringify(body.registrationId)} does not match the id in the path (${id})`);
    const att = body.attestation;
    if (!att || typeof att !== "object") throw new HttpError(400, 400004, "attestation is required");
    if (att.type !== "x509") throw new HttpError(400, 400004, `This fake supports x509 individual enrollments only, not ${JSON.stringify(att.type)}`);
    this.checkUnknown(att, new Set(["type", "x509"]), "attestation");
    const { value } = this.x509Kind(att.x509, ["clientCertificates"], "An x509 individual enrollment");
    const held = this.parseCertificates(value, "clientCertificates");
    for (const { cert } of held) {
      const cn = /(?:^|\n)CN=([^\n]*)/.exec(cert.subject)?.[1];
      if (this.requireRegistrationIdMatchesCn && (cn ?? "").toLowerCase() !== id.toLowerCase()) {
        throw new HttpError(400, 400004, `The registration id ${id} must be the certificate's common name (${cn ?? "none"})`);
      }
    }
    const x509 = { clientCertificates: storedCertificates(held) };
    if (body.deviceId !== undefined && (typeof body.deviceId !== "string" || !/^[A-Za-z0-9\-:.+%_#*?!(),=@$']{1,128}$/.test(body.deviceId))) {
      throw new HttpError(400, 400004, `Invalid deviceId ${JSON.stringify(body.deviceId)}`);
    }
    this.checkCommon(body, "Enrollment");
    const info = body.optionalDeviceInformation;
    if (info !== undefined && info !== null && (typeof info !== "object" || Array.isArray(info))) throw new HttpError(400, 400004, "optionalDeviceInformation must be a twin collection (an object)");
    this.enrollmentCertificates.set(id.toLowerCase(), held.map((h) => h.pem));
    const stored: Json = {
      registrationId: id,
      attestation: { type: "x509", x509 },
      ...this.storedCommon(body, current),
      ...adr,
    };
    if (body.deviceId) stored.deviceId = body.deviceId;
    if (info) stored.optionalDeviceInformation = deepCopy(info);
    if (body.iotHubs !== undefined) stored.iotHubs = [...body.iotHubs];
    if (body.customAllocationDefinition) stored.customAllocationDefinition = deepCopy(body.customAllocationDefinition);
    return stored;
  }

  /** `X509Attestation`: exactly one of the kinds this record type takes, and nothing else. */
  private x509Kind(x509: unknown, allowed: readonly string[], what: string): { kind: string; value: Json } {
    if (!x509 || typeof x509 !== "object" || Array.isArray(x509)) throw new HttpError(400, 400004, `${what} needs attestation.x509 with one of ${allowed.join(", ")}`);
    const present = Object.keys(x509).filter((k) => (x509 as Json)[k] !== null && (x509 as Json)[k] !== undefined);
    const unknown = present.filter((k) => !["clientCertificates", "signingCertificates", "caReferences"].includes(k));
    if (unknown.length) throw new HttpError(400, 400004, `X509Attestation has unknown propert${unknown.length > 1 ? "ies" : "y"} ${unknown.join(", ")}`);
    const refused = present.filter((k) => !allowed.includes(k));
    if (refused.length) throw new HttpError(400, 400004, `${what} cannot be attested by ${refused.join(", ")}; allowed: ${allowed.join(" or ")}`);
    if (present.length !== 1) throw new HttpError(400, 400004, `${what} needs exactly one of attestation.x509.${allowed.join(" / ")}; given: ${present.join(", ") || "none"}`);
    const value = (x509 as Json)[present[0]];
    if (typeof value !== "object" || Array.isArray(value)) throw new HttpError(400, 400004, `attestation.x509.${present[0]} must be an object`);
    return { kind: present[0], value };
  }

  /** `X509CAReferences`: primary (required), secondary; both verified CA certificates of this DPS. */
  private checkCaReferences(refs: Json): void {
    const extra = Object.keys(refs).filter((k) => k !== "primary" && k !== "secondary");
    if (extra.length) throw new HttpError(400, 400004, `caReferences has unknown propert${extra.length > 1 ? "ies" : "y"} ${extra.join(", ")}`);
    if (typeof refs.primary !== "string" || !refs.primary) throw new HttpError(400, 400004, "caReferences.primary is required");
    for (const name of [refs.primary, refs.secondary].filter((n) => n !== undefined && n !== null)) {
      const ca = this.caCertificates[name];
      if (!ca) throw new HttpError(400, 400004, `CA certificate ${name} does not exist in this provisioning service`);
      if (!ca.verified) throw new HttpError(400, 400004, `CA certificate ${name} is not verified`);
    }
  }

  /** `X509Certificates` of `X509CertificateWithInfo`: primary required, secondary optional, each a certificate (PEM or base64 DER). */
  private parseCertificates(certs: Json, field: string): Array<{ pem: string; cert: crypto.X509Certificate }> {
    const extra = Object.keys(certs).filter((k) => k !== "primary" && k !== "secondary");
    if (extra.length) throw new HttpError(400, 400004, `${field} has unknown propert${extra.length > 1 ? "ies" : "y"} ${extra.join(", ")}`);
    if (!certs.primary) throw new HttpError(400, 400004, `${field}.primary is required`);
    const out: Array<{ pem: string; cert: crypto.X509Certificate }> = [];
    for (const slot of ["primary", "secondary"] as const) {
      const withInfo = certs[slot];
      if (withInfo === undefined || withInfo === null) continue;
      if (typeof withInfo !== "object" || Array.isArray(withInfo)) throw new HttpError(400, 400004, `${field}.${slot} must be { certificate }`);
      const unknown = Object.keys(withInfo).filter((k) => k !== "certificate" && k !== "info");
      if (unknown.length) throw new HttpError(400, 400004, `${field}.${slot} has unknown propert${unknown.length > 1 ? "ies" : "y"} ${unknown.join(", ")}`);
      const text = withInfo.certificate;
      if (typeof text !== "string" || !text) throw new HttpError(400, 400004, `${field}.${slot}.certificate is required`);
      try {
        const cert = new crypto.X509Certificate(text.includes("-----BEGIN") ? text : Buffer.from(text, "base64"));
        out.push({ pem: text.includes("-----BEGIN") ? text : cert.toString(), cert });
      } catch {
        throw new HttpError(400, 400004, `${field}.${slot}.certificate is not an X.509 certificate`);
      }
    }
    return out;
  }
}

/** What the service stores and returns for held certificates: each one's info, not the certificate. */
function storedCertificates(held: Array<{ cert: crypto.X509Certificate }>): Json {
  const out: Json = {};
  held.forEach(({ cert }, i) => {
    out[i === 0 ? "primary" : "secondary"] = {
      info: {
        subjectName: cert.subject.replace(/\n/g, ", "),
        sha1Thumbprint: cert.fingerprint.replace(/:/g, ""),
        sha256Thumbprint: cert.fingerprint256.replace(/:/g, ""),
        issuerName: cert.issuer.replace(/\n/g, ", "),
        notBeforeUtc: new Date(cert.validFrom).toISOString(),
        notAfterUtc: new Date(cert.validTo).toISOString(),
        serialNumber: cert.serialNumber,
        version: 3,
      },
    };
  });
  return out;
}

/** Starts a fake DPS and routes its host name to it in this process; `stop()` closes it and removes the routing. */
export async function startRoutedFakeDps(opts: FakeDpsServiceOptions = {}): Promise<{ server: FakeDpsServiceServer; stop: () => Promise<void> }> {
  const { routeToFake } = await import("./loopbackRouting");
  const server = await FakeDpsServiceServer.start(opts);
  return { server, stop: routeToFake(server) };
}
