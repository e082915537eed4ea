/**
 * A strict local ARM server for the DPS certificate operations, over HTTPS (Microsoft's SDK refuses bearer
 * tokens over plain HTTP). It behaves the way Azure does where the provider depends on it:
 *
 * - Routes (names used for counting and fault injection), under
 *   `/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Devices/provisioningServices/{dps}`:
 *     certificate.list                   GET    /certificates
 *     certificate.get                    GET    /certificates/{name}
 *     certificate.put                    PUT    /certificates/{name}        body { properties: { certificate, isVerified? } }
 *     certificate.delete                 DELETE /certificates/{name}        If-Match required
 *     certificate.generateVerificationCode POST /certificates/{name}/generateVerificationCode   If-Match required
 *     certificate.verify                 POST   /certificates/{name}/verify  If-Match required, body { certificate }
 *   and the DPS resource itself (what `az iot dps show` reads), with its linked hubs:
 *     provisioningService.get            GET    (the DPS path above)        set up with `state.dps(...).linkHubs`, `setNetwork`
 *   and IoT hubs, `iotHub.get` GET …/Microsoft.Devices/IotHubs/{name} (armIotHubs.ts), seeded with `state.hubs.put`.
 * - Every change gives the certificate a new etag (upload → e1, generateVerificationCode → e2, verify → e3);
 *   a stale or missing If-Match gets 412 `{ error: { code: "PreconditionFailed", message } }`.
 *   A PUT over an existing certificate needs If-Match as well; a PUT of a new one ignores it (REST spec,
 *   DpsCertificate_CreateOrUpdate: "This is required to update an existing certificate, and ignored while
 *   creating a brand new certificate"; the same resource provider's IoT Hub certificates answered an update
 *   without a valid etag with 412 "Invalid ETag supplied" (crossplane-contrib/provider-upjet-azure#299; the
 *   failed updates of azurerm #20041). DELETE needs If-Match (required in the spec, DpsCertificate_Delete),
 *   answers 200 and, for a certificate that is not there, 404.
 * - `Authorization: Bearer <token>` must be present (401 otherwise); `api-version` must be one of `apiVersions`.
 * - `verify` accepts the certificate as PEM text or base64 (of DER or of PEM), like Azure. It is rejected with
 *   400 unless: a code was issued and has not expired, the certificate's CN equals that code, it is signed by
 *   the uploaded CA's key and names it as issuer (checked with Node's `X509Certificate`), and it is within its
 *   validity period. A rejection leaves the certificate unverified and its etag unchanged.
 *   The error codes are this fake's own (Azure's real ones differ); the shape is `{ error: { code, message } }`,
 *   or the Devices resource provider's flat shape with a numeric code with `errorStyle: "iotRp"`.
 * - The certificate in a PUT is base64 of the .cer (DER) or of the .pem file's text, as `az` sends it.
 *
 * Test controls:
 * - `inject({ status: 429, retryAfter: 1, count: 2, route? })`: the next `count` requests (to `route`, or any)
 *   get that status (with Retry-After when given) before they are handled; `{ status: 500 | 503, ... }` likewise.
 * - `inject({ kind: "concurrentUpdate", route, count })`: just before the next matching request is handled,
 *   the certificate named in it gets a new etag, as if someone changed it in the portal meanwhile.
 * - `inject({ kind: "beforeRequest", route, count, run })`: `run()` just before the next matching request is
 *   handled (for example `state.dps(...).upload(...)`: a certificate created by someone else meanwhile).
 * - `requests.count(route?)`, `requests.all` (method, route, status, time, If-Match, api-version, body).
 * - `state.dps(sub, rg, dps)` a handle to seed and change certificates "in the portal": `upload`, `get`,
 *   `markUnverified`, `replace`, `remove`, `expireCode`, `linkHubs`; `state.codeTtlMs` sets how long a new code lives;
 *   `state.now` the server's clock (for code expiry and certificate validity).
 */
import { X509Certificate, randomBytes } from "crypto";
import { STATUS_CODES } from "http";
import * as https from "https";
import type { AddressInfo } from "net";
import { listenOnLoopback } from "./listen";
import { readTestTls } from "./tls";
import { ArmIotHubs, dpsNetworkBody, HttpStatusError, type DpsNetworkSettings } from "./armIotHubs";
import type { ExtraRouteAnswer, ExtraRouteRequest } from "./armSubscriptionRoutes";

export type ArmRoute =
  | "certificate.list"
  | "certificate.get"
  | "certificate.put"
  | "certificate.delete"
  | "certificate.generateVerificationCode"
  | "certificate.verify"
  | "provisioningService.get"
  | "iotHub.get"
  | "unknown";

export const ARM_SERVER_API_VERSIONS = ["2022-02-05"];

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly route: ArmRoute;
  /** The route of `extraRoutes` that answered, if one did. */
  readonly extraRoute?: string;
  readonly status: number;
  /** `Date.now()` when the request arrived. */
  readonly at: number;
  readonly ifMatch?: string;
  readonly apiVersion?: string;
  readonly authorization?: string;
  readonly body?: unknown;
  /** True when the response came from `inject`. */
  readonly injected: boolean;
}

export type Fault =
  | { readonly status: 429 | 500 | 502 | 503 | 504; readonly count?: number; readonly route?: ArmRoute; readonly retryAfter?: number }
  | { readonly kind: "concurrentUpdate"; readonly count?: number; readonly route?: ArmRoute }
  | { readonly kind: "beforeRequest"; readonly count?: number; readonly route?: ArmRoute; readonly run: () => void };

export interface StoredCertificate {
  readonly name: string;
  /** The value of `properties.certificate` as uploaded (base64). */
  readonly content: string;
  readonly x509: X509Certificate;
  readonly isVerified: boolean;
  readonly etag: string;
  readonly created: Date;
  readonly updated: Date;
  readonly verificationCode?: { readonly code: string; readonly expiresAt: number };
  /** The last code issued by generateVerificationCode (kept after use, for tests). */
  readonly lastIssuedCode?: string;
  /** The last verification certificate accepted, PEM. */
  readonly lastVerificationPem?: string;
}

export interface DpsHandle {
  /** Seeds a certificate (as if uploaded earlier: by this stack, another one, or in the portal); returns it. */
  upload(name: string, certificatePem: string, options?: { isVerified?: boolean }): StoredCertificate;
  get(name: string): StoredCertificate | undefined;
  /** "Portal": set isVerified false (new etag). */
  markUnverified(name: string): StoredCertificate;
  /** "Portal": replace the certificate's content (unverified, new etag). */
  replace(name: string, certificatePem: string): StoredCertificate;
  remove(name: string): void;
  /** Makes the outstanding verification code expired. */
  expireCode(name: string): void;
  names(): string[];
  /** Sets the IoT hubs linked to the DPS (host names), as the DPS resource GET returns them in `properties.iotHubs`. */
  linkHubs(hostNames: readonly string[], settings?: { idScope?: string; allocationPolicy?: "Hashed" | "GeoLatency" | "Static"; location?: string }): void;
  /** Sets the DPS's public network access, IP filter rules and private endpoints, as its GET returns them (armIotHubs.ts). */
  setNetwork(network: DpsNetworkSettings): void;
}

export interface ArmServerState {
  /** Lifetime of a new verification code, ms (default one hour). */
  codeTtlMs: number;
  /** The server's clock, epoch ms. */
  now: () => number;
  /** The DPS (created on first use: requests to a DPS never touched by a test get 404). */
  dps(subscriptionId: string, resourceGroupName: string, dpsName: string): DpsHandle;
  /** The IoT hubs (`GET …/IotHubs/{name}`), seeded with `hubs.put(sub, rg, name, settings)` (armIotHubs.ts). */
  readonly hubs: ArmIotHubs;
}

export interface ArmRequests {
  readonly all: readonly RecordedRequest[];
  count(route?: ArmRoute): number;
  clear(): void;
}

export interface ArmServer {
  /** `https://127.0.0.1:<port>`: pass it as the client's endpoint. */
  readonly url: string;
  readonly state: ArmServerState;
  readonly requests: ArmRequests;
  inject(fault: Fault): void;
  close(): Promise<void>;
}

export interface ArmServerOptions {
  /** api-version values accepted (default the SDK's, 2022-02-05). */
  readonly apiVersions?: readonly string[];
  /**
   * Shape of error bodies: "arm" (default) `{ error: { code, message } }`; "iotRp" the Devices resource
   * provider's own `{ code: 412001, httpStatusCode: "PreconditionFailed", message }` (numeric code), as seen
   * from IoT Hub/DPS certificate calls in the wild.
   */
  readonly errorStyle?: "arm" | "iotRp";
  /**
   * More routes, tried before this server's own (after the bearer-token check); each checks its own api-version.
   * armSubscriptionRoutes.ts has the subscription-level ones preflight reads.
   */
  readonly extraRoutes?: (request: ExtraRouteRequest) => ExtraRouteAnswer | undefined;
}

interface MutableCert {
  name: string;
  content: string;
  x509: X509Certificate;
  isVerified: boolean;
  etag: string;
  created: Date;
  updated: Date;
  verificationCode?: { code: string; expiresAt: number };
  lastIssuedCode?: string;
  lastVerificationPem?: string;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const PROVIDER_PATH =
  /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.devices\/provisioningservices\/([^/]+)\/certificates(?:\/([^/]+)(?:\/(generateverificationcode|verify))?)?$/i;
const DPS_PATH = /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.devices\/provisioningservices\/([^/]+)$/i;

/** What the DPS resource GET returns besides the certificates: its linked hubs and a few properties. */
interface DpsResourceSettings {
  hubs: string[];
  idScope: string;
  allocationPolicy: string;
  location: string;
  network?: DpsNetworkSettings;
}

export async function startArmServer(options: ArmServerOptions = {}): Promise<ArmServer> {
  const apiVersions = options.apiVersions ?? ARM_SERVER_API_VERSIONS;
  const errorBody = (status: number, code: string, message: string): unknown =>
    options.errorStyle === "iotRp"
      ? { code: status * 1000 + 1, httpStatusCode: (STATUS_CODES[status] ?? "Error").replace(/\s+/g, ""), message: `${message} (${code}) errorcode: IH${status * 1000 + 1}.` }
      : { error: { code, message } };
  const services = new Map<string, Map<string, MutableCert>>();
  const dpsSettings = new Map<Map<string, MutableCert>, DpsResourceSettings>();
  const recorded: RecordedRequest[] = [];
  const faults: Array<{ fault: Fault; remaining: number }> = [];
  let etagCounter = 0;

  const state: ArmServerState = {
    codeTtlMs: 60 * 60 * 1000,
    now: () => Date.now(),
    dps: (subscriptionId, resourceGroupName, dpsName) => dpsHandle(serviceOf(subscriptionId, resourceGroupName, dpsName, true)!),
    hubs: new ArmIotHubs(),
  };

  function nextEtag(): string {
    etagCounter += 1;
    const bytes = Buffer.alloc(8);
    bytes.writeBigUInt64BE(BigInt(etagCounter));
    return bytes.toString("base64");
  }

  function serviceOf(sub: string, rg: string, dps: string, create: boolean): Map<string, MutableCert> | undefined {
    const key = `${sub}/${rg}/${dps}`.toLowerCase();
    let service = services.get(key);
    if (!service && create) {
      service = new Map();
      services.set(key, service);
    }
    return service;
  }

  function mustGet(service: Map<string, MutableCert>, name: string): MutableCert {
    const cert = service.get(name.toLowerCase());
    if (!cert) throw new HttpError(404, "NotFound", `Certificate '${name}' not found.`);
    return cert;
  }

  function store(service: Map<string, MutableCert>, name: string, content: string, isVerified: boolean): MutableCert {
    const x509 = parseCertificate(content, "properties.certificate");
    const now = new Date(state.now());
    const existing = service.get(name.toLowerCase());
    const cert: MutableCert = {
      name: existing?.name ?? name,
      content,
      x509,
      isVerified,
      etag: nextEtag(),
      created: existing?.created ?? now,
      updated: now,
    };
    service.set(name.toLowerCase(), cert);
    return cert;
  }

  function dpsHandle(service: Map<string, MutableCert>): DpsHandle {
    const change = (name: string, f: (c: MutableCert) => void): StoredCertificate => {
      const cert = mustGet(service, name);
      f(cert);
      cert.etag = nextEtag();
      cert.updated = new Date(state.now());
      return snapshot(cert);
    };
    return {
      upload: (name, pem, o) => snapshot(store(service, name, Buffer.from(pem).toString("base64"), o?.isVerified ?? false)),
      get: (name) => {
        const cert = service.get(name.toLowerCase());
        return cert && snapshot(cert);
      },
      markUnverified: (name) => change(name, (c) => (c.isVerified = false)),
      replace: (name, pem) =>
        change(name, (c) => {
          c.content = Buffer.from(pem).toString("base64");
          c.x509 = parseCertificate(c.content, "certificate");
          c.isVerified = false;
          c.verificationCode = undefined;
        }),
      remove: (name) => void service.delete(name.toLowerCase()),
      expireCode: (name) => {
        const cert = mustGet(service, name);
        if (cert.verificationCode) cert.verificationCode.expiresAt = state.now() - 1;
      },
      names: () => [...service.values()].map((c) => c.name),
      linkHubs: (hostNames, settings) => {
        const current = dpsSettings.get(service);
        dpsSettings.set(service, {
          hubs: [...hostNames],
          idScope: settings?.idScope ?? current?.idScope ?? "0ne00000000",
          allocationPolicy: settings?.allocationPolicy ?? current?.allocationPolicy ?? "Hashed",
          location: settings?.location ?? current?.location ?? "eastus",
          network: current?.network,
        });
      },
      setNetwork: (network) => {
        const current = dpsSettings.get(service) ?? { hubs: [], idScope: "0ne00000000", allocationPolicy: "Hashed", location: "eastus" };
        dpsSettings.set(service, { ...current, network });
      },
    };
  }

  function resourceId(sub: string, rg: string, dps: string, name: string): string {
    return `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Devices/provisioningServices/${dps}/certificates/${name}`;
  }

  function certificateBody(cert: MutableCert, id: string): Record<string, unknown> {
    return {
      properties: {
        subject: subjectOf(cert.x509),
        expiry: new Date(cert.x509.validTo).toUTCString(),
        thumbprint: thumbprintOf(cert.x509),
        isVerified: cert.isVerified,
        certificate: cert.content,
        created: cert.created.toUTCString(),
        updated: cert.updated.toUTCString(),
      },
      id,
      name: cert.name,
      type: "Microsoft.Devices/ProvisioningServices/Certificates",
      etag: cert.etag,
    };
  }

  function checkIfMatch(cert: MutableCert, ifMatch: string | undefined, required: boolean): void {
    if (ifMatch === undefined) {
      if (required) throw new HttpError(412, "PreconditionFailed", `The If-Match header is required to change certificate '${cert.name}'.`);
      return;
    }
    const tag = ifMatch.trim().replace(/^W\//, "").replace(/^"(.*)"$/, "$1");
    if (tag !== "*" && tag !== cert.etag) {
      throw new HttpError(412, "PreconditionFailed", `The etag '${tag}' does not match the certificate '${cert.name}' (it was changed since it was read).`);
    }
  }

  function verify(cert: MutableCert, body: unknown): void {
    const content = (body as { certificate?: unknown } | undefined)?.certificate;
    if (typeof content !== "string" || !content.trim()) {
      throw new HttpError(400, "InvalidVerificationRequest", "The request body must be { \"certificate\": <PEM or base64> }.");
    }
    const pending = cert.verificationCode;
    if (!pending) throw new HttpError(400, "VerificationCodeNotFound", `No verification code was generated for certificate '${cert.name}'.`);
    if (state.now() > pending.expiresAt) {
      throw new HttpError(400, "VerificationCodeExpired", `The verification code for certificate '${cert.name}' has expired; generate a new one.`);
    }
    const leaf = parseCertificate(content, "certificate");
    const cn = commonNameOf(leaf);
    if (cn !== pending.code) {
      throw new HttpError(400, "VerificationCodeMismatch", `The verification certificate's subject CN '${cn ?? ""}' does not match the verification code.`);
    }
    if (!leaf.checkIssued(cert.x509) || !leaf.verify(cert.x509.publicKey)) {
      throw new HttpError(400, "VerificationCertificateNotSignedByCa", `The verification certificate was not signed by the private key of certificate '${cert.name}'.`);
    }
    const now = state.now();
    if (now < Date.parse(leaf.validFrom) - 5 * 60 * 1000 || now > Date.parse(leaf.validTo)) {
      throw new HttpError(400, "VerificationCertificateNotValid", "The verification certificate is outside its validity period.");
    }
    cert.isVerified = true;
    cert.verificationCode = undefined;
    cert.lastVerificationPem = leaf.toString();
    cert.etag = nextEtag();
    cert.updated = new Date(now);
  }

  function handle(method: string, path: string, headers: Record<string, string | undefined>, body: unknown, route: ArmRoute, m: RegExpMatchArray): [number, unknown] {
    const [, sub, rg, dps, rawName] = m;
    const name = rawName && decodeURIComponent(rawName);
    const service = serviceOf(sub, rg, dps, false);
    if (!service) {
      throw new HttpError(404, "ResourceNotFound", `The Resource 'Microsoft.Devices/provisioningServices/${dps}' under resource group '${rg}' was not found.`);
    }
    const ifMatch = headers["if-match"];
    const id = name ? resourceId(sub, rg, dps, name) : "";
    switch (route) {
      case "certificate.list":
        return [200, { value: [...service.values()].map((c) => certificateBody(c, resourceId(sub, rg, dps, c.name))) }];
      case "certificate.get":
        return [200, certificateBody(mustGet(service, name!), id)];
      case "certificate.put": {
        const existing = service.get(name!.toLowerCase());
        if (existing) checkIfMatch(existing, ifMatch, true);
        const props = (body as { properties?: { certificate?: unknown; isVerified?: unknown } } | undefined)?.properties;
        if (typeof props?.certificate !== "string") throw new HttpError(400, "InvalidCertificate", "properties.certificate is required.");
        if (props.isVerified !== undefined && typeof props.isVerified !== "boolean") {
          throw new HttpError(400, "InvalidRequestBody", "properties.isVerified must be a boolean.");
        }
        return [200, certificateBody(store(service, name!, props.certificate, props.isVerified === true), id)];
      }
      case "certificate.delete": {
        const cert = mustGet(service, name!);
        checkIfMatch(cert, ifMatch, true);
        service.delete(name!.toLowerCase());
        return [200, undefined];
      }
      case "certificate.generateVerificationCode": {
        const cert = mustGet(service, name!);
        checkIfMatch(cert, ifMatch, true);
        const code = randomBytes(24).toString("hex").toUpperCase();
        const expiresAt = state.now() + state.codeTtlMs;
        cert.verificationCode = { code, expiresAt };
        cert.lastIssuedCode = code;
        cert.etag = nextEtag();
        cert.updated = new Date(state.now());
        const full = certificateBody(cert, id);
        return [
          200,
          {
            name: cert.name,
            etag: cert.etag,
            id,
            type: full.type,
            properties: { ...(full.properties as object), verificationCode: code, expiry: new Date(expiresAt).toUTCString() },
          },
        ];
      }
      case "certificate.verify": {
        const cert = mustGet(service, name!);
        checkIfMatch(cert, ifMatch, true);
        verify(cert, body);
        return [200, certificateBody(cert, id)];
      }
      default:
        throw new HttpError(404, "NotFound", `No route for ${method} ${path}`);
    }
  }

  /** `GET …/provisioningServices/{dps}`: the resource as ARM returns it, linked hub keys masked as Azure masks them. */
  function dpsResource(sub: string, rg: string, dps: string): [number, unknown] {
    const service = serviceOf(sub, rg, dps, false);
    if (!service) {
      throw new HttpError(404, "ResourceNotFound", `The Resource 'Microsoft.Devices/provisioningServices/${dps}' under resource group '${rg}' was not found.`);
    }
    const settings = dpsSettings.get(service) ?? { hubs: [], idScope: "0ne00000000", allocationPolicy: "Hashed", location: "eastus" };
    return [
      200,
      {
        id: `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Devices/provisioningServices/${dps}`,
        name: dps,
        type: "Microsoft.Devices/provisioningServices",
        location: settings.location,
        etag: "AAAAAAFD6M4=",
        sku: { name: "S1", tier: "Standard", capacity: 1 },
        properties: {
          state: "Active",
          provisioningState: "Succeeded",
          iotHubs: settings.hubs.map((hostName) => ({
            applyAllocationPolicy: true,
            allocationWeight: 1,
            name: hostName,
            connectionString: `HostName=${hostName};SharedAccessKeyName=iothubowner;SharedAccessKey=****`,
            location: settings.location,
          })),
          allocationPolicy: settings.allocationPolicy,
          serviceOperationsHostName: `${dps}.azure-devices-provisioning.net`,
          deviceProvisioningHostName: "global.azure-devices-provisioning.net",
          idScope: settings.idScope,
          ...dpsNetworkBody(`/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Devices/provisioningServices/${dps}`, settings.network),
        },
      },
    ];
  }

  function routeOf(method: string, m: RegExpMatchArray | null): ArmRoute {
    if (!m) return "unknown";
    const [, , , , name, action] = m;
    if (action) return method === "POST" ? (action.toLowerCase() === "verify" ? "certificate.verify" : "certificate.generateVerificationCode") : "unknown";
    if (!name) return method === "GET" ? "certificate.list" : "unknown";
    return ({ GET: "certificate.get", PUT: "certificate.put", DELETE: "certificate.delete" } as Record<string, ArmRoute>)[method] ?? "unknown";
  }

  function takeFault(route: ArmRoute): Fault | undefined {
    const entry = faults.find((f) => f.remaining > 0 && (f.fault.route === undefined || f.fault.route === route));
    if (!entry) return undefined;
    entry.remaining -= 1;
    return entry.fault;
  }

  const tls = readTestTls();
  const server = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const at = Date.now();
      const url = new URL(req.url ?? "/", "https://localhost");
      const method = req.method ?? "GET";
      const headers = req.headers as Record<string, string | undefined>;
      const m = url.pathname.match(PROVIDER_PATH);
      const dpsMatch = url.pathname.match(DPS_PATH);
      const route = dpsMatch && method === "GET" ? "provisioningService.get" : state.hubs.matches(url.pathname) ? "iotHub.get" : routeOf(method, m);
      const text = Buffer.concat(chunks).toString("utf8");
      let body: unknown;
      let status = 500;
      let injected = false;
      let extraRoute: string | undefined;
      const send = (code: number, payload: unknown, extra: Record<string, string> = {}) => {
        status = code;
        const json = payload === undefined ? "" : JSON.stringify(payload);
        res.writeHead(code, { "content-type": "application/json; charset=utf-8", "x-ms-request-id": randomBytes(8).toString("hex"), ...extra });
        res.end(json);
      };
      try {
        if (text) {
          try {
            body = JSON.parse(text);
          } catch {
            throw new HttpError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized.");
          }
          if (!/^application\/json/i.test(headers["content-type"] ?? "")) {
            throw new HttpError(415, "UnsupportedMediaType", "The content media type is not supported; use application/json.");
          }
        }
        const auth = headers["authorization"];
        if (!auth || !/^Bearer \S+/.test(auth)) {
          throw new HttpError(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing or is not a Bearer token.");
        }
        // A test's own routes first (preflight's subscription-wide state: armSubscriptionRoutes.ts), then the hubs.
        const extra = options.extraRoutes?.({ method, path: url.pathname, apiVersion: url.searchParams.get("api-version"), body, query: url.searchParams });
        if (extra) {
          extraRoute = extra.route;
          send(extra.status, extra.body, extra.headers);
          return;
        }
        if (route === "iotHub.get") {
          // IoT Hub's own api-versions (armIotHubs.ts).
          send(...state.hubs.handle(method, url.pathname, url.searchParams.get("api-version")));
          return;
        }
        const apiVersion = url.searchParams.get("api-version");
        if (!apiVersion) throw new HttpError(400, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.");
        if (!apiVersions.includes(apiVersion)) {
          throw new HttpError(400, "InvalidApiVersionParameter", `The api-version '${apiVersion}' is invalid. The supported versions are '${apiVersions.join(",")}'.`);
        }
        const fault = takeFault(route);
        if (fault && "status" in fault) {
          injected = true;
          const extra: Record<string, string> = fault.retryAfter !== undefined ? { "retry-after": String(fault.retryAfter) } : {};
          const code = fault.status === 429 ? "TooManyRequests" : "ServiceUnavailable";
          send(fault.status, errorBody(fault.status, code, `Injected ${fault.status}.`), extra);
          return;
        }
        if (fault && fault.kind === "beforeRequest") {
          fault.run();
        } else if (fault && m && m[4]) {
          // concurrentUpdate: someone changed the certificate between the client's read and this request.
          const service = serviceOf(m[1], m[2], m[3], false);
          const cert = service?.get(decodeURIComponent(m[4]).toLowerCase());
          if (cert) cert.etag = nextEtag();
        }
        if (route === "provisioningService.get") {
          const [code, payload] = dpsResource(dpsMatch![1], dpsMatch![2], dpsMatch![3]);
          send(code, payload, { etag: `"${(payload as { etag: string }).etag}"` });
          return;
        }
        if (!m || route === "unknown") throw new HttpError(404, "NotFound", `No route for ${method} ${url.pathname}`);
        const [code, payload] = handle(method, url.pathname, headers, body, route, m);
        const etag = (payload as { etag?: string } | undefined)?.etag;
        send(code, payload, etag ? { etag: `"${etag}"` } : {});
      } catch (e) {
        if (e instanceof HttpError || e instanceof HttpStatusError) send(e.status, errorBody(e.status, e.code, e.message));
        else send(500, errorBody(500, "InternalServerError", String((e as Error)?.message ?? e)));
      } finally {
        recorded.push({
          method,
          path: url.pathname,
          route,
          ...(extraRoute ? { extraRoute } : {}),
          status,
          at,
          ifMatch: headers["if-match"],
          apiVersion: url.searchParams.get("api-version") ?? undefined,
          authorization: headers["authorization"],
          body,
          injected,
        });
      }
    });
  });

  await listenOnLoopback(server);
  const { port } = server.address() as AddressInfo;

  return {
    url: `https://127.0.0.1:${port}`,
    state,
    requests: {
      get all() {
        return recorded;
      },
      count: (route) => recorded.filter((r) => route === undefined || r.route === route).length,
      clear: () => void recorded.splice(0),
    },
    inject: (fault) => void faults.push({ fault, remaining: fault.count ?? 1 }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function snapshot(cert: MutableCert): StoredCertificate {
  return { ...cert, verificationCode: cert.verificationCode && { ...cert.verificationCode } };
}

/** PEM text, or base64 of DER or of PEM text (Azure accepts "the .cer file or just the .pem file content"). */
export function parseCertificate(value: string, what: string): X509Certificate {
  const text = value.trim();
  const pemOrDer = text.includes("-----BEGIN CERTIFICATE-----") ? Buffer.from(text) : decodeBase64(text, what);
  try {
    return new X509Certificate(pemOrDer);
  } catch {
    throw new HttpError(400, "InvalidCertificate", `The ${what} is not a valid X.509 certificate.`);
  }
}

function decodeBase64(text: string, what: string): Buffer {
  const compact = text.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) {
    throw new HttpError(400, "InvalidCertificate", `The ${what} is not a valid base64 string value.`);
  }
  return Buffer.from(compact, "base64");
}

/** SHA-1, upper-case hex without separators, as ARM reports it. */
export function thumbprintOf(x509: X509Certificate): string {
  return x509.fingerprint.replace(/:/g, "").toUpperCase();
}

export function commonNameOf(x509: X509Certificate): string | undefined {
  const line = x509.subject.split("\n").find((l) => l.startsWith("CN="));
  return line?.slice(3);
}

function subjectOf(x509: X509Certificate): string {
  return x509.subject.split("\n").join(", ");
}
