/**
 * A strict local Azure Key Vault (keys data plane) over HTTPS, for tests and the bench, spoken to by Microsoft's
 * `@azure/keyvault-keys`. Vaults are `https://<name>.vault.azure.net`: route that host to this server with
 * loopbackRouting.ts (the SDK checks that the challenge's resource matches the vault's DNS suffix), the test CA
 * trusted through NODE_EXTRA_CA_CERTS (with-test-tls.js).
 *
 * Behaves as Key Vault does where our code depends on it:
 * - api-version must be one the SDK sends (`KEY_VAULT_API_VERSIONS`, what @azure/keyvault-keys 4.10 sends), else 400.
 * - Challenge-based auth: a request without a bearer token gets 401 with
 *   `WWW-Authenticate: Bearer authorization="https://login.microsoftonline.com/<tenant>", resource="https://vault.azure.net"`
 *   (the SDK sends its first request without a body or token, reads this, gets a token for
 *   `https://vault.azure.net/.default` from that tenant, and repeats the request).
 * - Tokens are Entra-like JWTs: audience https://vault.azure.net, tenant `tid`, not expired, an `oid`. This fake
 *   signs the tokens it hands out (`credential(oid)`) and refuses any other (401).
 * - Azure RBAC: "Key Vault Crypto Officer" may create, import, get and sign; "Key Vault Crypto User" may get and
 *   sign; anyone else gets 403 ForbiddenByRbac naming the data action.
 * - keys: POST /keys/{name}/create (a new version each time, as Key Vault does), PUT /keys/{name} (import),
 *   GET /keys/{name}/{version?}, POST /keys/{name}/{version}/sign (RS256/384/512 over a digest of the right length
 *   for RSA keys; ES256 / ES384 / ES512 for EC keys on P-256 / P-384 / P-521, answering r||s as Key Vault does).
 *   RSA-HSM and EC-HSM keys (and HSM imports) only on a premium vault ("Hardware key operation not allowed on standard
 *   vault"); `exportable: true` needs a release policy (refused).
 * - A key's private part never leaves: every answer carries kid, kty, key_ops, and n, e (RSA) or crv, x, y (EC) only.
 *
 * Test controls: `vault(name, { sku })` declares a vault; `assignRole(oid, role, vaultName?)`;
 * `inject({ status: 429 | 5xx, retryAfter?, count?, route? })`; `requests` (method, route, status, authorized, body).
 */
import { generateKeyPairSync, KeyObject, createPrivateKey, privateEncrypt, randomUUID, constants } from "crypto";
import { generateEcKey, importEcKey, signEcDigest } from "./keyVaultEcKeys";
import * as https from "https";
import type { IncomingMessage, ServerResponse } from "http";
import type { AddressInfo } from "net";
import { listenOnLoopback } from "./listen";
import { readTestTls } from "./tls";
import { HttpError, KeyVaultAuth, KEY_VAULT_AUDIENCE, type KeyVaultRole, type KeyVaultRoute } from "./keyVaultAuth";

export { KEY_VAULT_AUDIENCE };

export const KEY_VAULT_API_VERSIONS = ["2025-07-01"];
export const KEY_VAULT_DNS_SUFFIX = "vault.azure.net";
export type { KeyVaultRole, KeyVaultRoute };

/** DigestInfo prefixes of RSASSA-PKCS1-v1_5 (RFC 8017 §9.2), by JOSE algorithm. */
const DIGEST_INFO: Record<string, { prefix: Buffer; length: number }> = {
  RS256: { prefix: Buffer.from("3031300d060960864801650304020105000420", "hex"), length: 32 },
  RS384: { prefix: Buffer.from("3041300d060960864801650304020205000430", "hex"), length: 48 },
  RS512: { prefix: Buffer.from("3051300d060960864801650304020305000440", "hex"), length: 64 },
};

export interface KeyVaultRecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly vault: string;
  readonly route: KeyVaultRoute;
  readonly status: number;
  /** Whether a bearer token came with it (the SDK's first request of a client has none: the challenge). */
  readonly authorized: boolean;
  readonly apiVersion?: string;
  readonly body?: unknown;
}

type KeyType = "RSA" | "RSA-HSM" | "EC" | "EC-HSM";
interface StoredVersion {
  readonly version: string;
  readonly kty: KeyType;
  readonly keyOps: string[];
  readonly privateKey: KeyObject;
  /** The public JWK members: n, e (RSA) or crv, x, y (EC). */
  readonly publicJwk: Record<string, string>;
  readonly tags?: Record<string, string>;
  readonly created: number;
}

interface Vault {
  readonly name: string;
  readonly sku: "standard" | "premium";
  readonly keys: Map<string, StoredVersion[]>;
}

export interface KeyVaultServer {
  readonly port: number;
  readonly tenantId: string;
  /** Declares a vault (`https://<name>.vault.azure.net`). */
  vault(name: string, options?: { sku?: "standard" | "premium" }): void;
  /** Gives a principal a role on every vault (or one). */
  assignRole(objectId: string, role: KeyVaultRole, vaultName?: string): void;
  /** A TokenCredential handing out this server's tokens for `objectId` (audience from the scope asked for). */
  credential(objectId: string): { getToken(scopes: string | string[]): Promise<{ token: string; expiresOnTimestamp: number }> };
  /** Public halves of a key's versions (for tests: never the private part, as the real service). */
  keyVersions(vaultName: string, keyName: string): Array<{ kid: string; kty: string; n?: string; e?: string; crv?: string; x?: string; y?: string; tags?: Record<string, string> }>;
  /** The next `count` authenticated requests (to `route`) get `status`; 403 as RBAC answers a role not yet in effect. */
  inject(fault: { status: 403 | 429 | 500 | 503; retryAfter?: number; count?: number; route?: KeyVaultRoute }): void;
  readonly requests: KeyVaultRecordedRequest[];
  close(): Promise<void>;
}

const b64url = (buf: Buffer) => buf.toString("base64url");
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** `trustEntra`: also accept the tokens of this Entra stand-in (its tenant becomes the vaults' tenant). */
export async function startKeyVaultServer(options: { tenantId?: string; trustEntra?: { issuer: string; publicKeyPem: string; tenantId: string } } = {}): Promise<KeyVaultServer> {
  const tenantId = options.trustEntra?.tenantId ?? options.tenantId ?? "72f988bf-86f1-41af-91ab-2d7cd011db47";
  const auth = new KeyVaultAuth(tenantId, options.trustEntra);
  const vaults = new Map<string, Vault>();
  const requests: KeyVaultRecordedRequest[] = [];
  const faults: Array<{ status: number; retryAfter?: number; remaining: number; route?: KeyVaultRoute }> = [];
  const tls = readTestTls();

  function bundle(vault: Vault, name: string, v: StoredVersion) {
    return {
      key: { kid: `https://${vault.name}.${KEY_VAULT_DNS_SUFFIX}/keys/${name}/${v.version}`, kty: v.kty, key_ops: v.keyOps, ...v.publicJwk },
      attributes: { enabled: true, created: v.created, updated: v.created, recoveryLevel: "Recoverable", recoverableDays: 90, exportable: false },
      ...(v.tags ? { tags: v.tags } : {}),
    };
  }

  function store(vault: Vault, name: string, privateKey: KeyObject, kty: KeyType, keyOps: unknown, tags: unknown): StoredVersion {
    const jwk = privateKey.export({ format: "jwk" });
    const rsa = kty.startsWith("RSA");
    const defaultOps = rsa ? ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"] : ["sign", "verify"];
    const ops = Array.isArray(keyOps) && keyOps.length ? keyOps.map(String) : defaultOps;
    const publicJwk: Record<string, string> = rsa ? { n: jwk.n!, e: jwk.e! } : { crv: jwk.crv!, x: jwk.x!, y: jwk.y! };
    const version: StoredVersion = { version: randomUUID().replace(/-/g, ""), kty, keyOps: ops, privateKey, publicJwk, tags: tags as Record<string, string> | undefined, created: nowSeconds() };
    vault.keys.set(name.toLowerCase(), [...(vault.keys.get(name.toLowerCase()) ?? []), version]);
    return version;
  }

  function checkAttributes(body: Record<string, unknown>): void {
    const attributes = (body.attributes ?? {}) as { exportable?: unknown };
    if (attributes.exportable === true && body.release_policy === undefined) {
      throw new HttpError(400, "BadParameter", "Exportable keys must have a release policy.");
    }
  }

  function createEcKey(vault: Vault, name: string, body: Record<string, unknown>, kty: "EC" | "EC-HSM") {
    const privateKey = generateEcKey(body, kty, vault.sku);
    checkAttributes(body);
    return bundle(vault, name, store(vault, name, privateKey, kty, body.key_ops, body.tags));
  }

  function createKey(vault: Vault, name: string, body: Record<string, unknown>) {
    const kty = body.kty;
    if (kty === "EC" || kty === "EC-HSM") return createEcKey(vault, name, body, kty);
    if (kty !== "RSA" && kty !== "RSA-HSM") throw new HttpError(400, "BadParameter", `Invalid kty value: ${String(kty)}`, "KeyTypeNotSupported");
    if (kty === "RSA-HSM" && vault.sku !== "premium") {
      throw new HttpError(400, "BadParameter", "RSA-HSM keys are not supported in a standard SKU vault: use a premium vault.");
    }
    const size = body.key_size ?? 2048;
    if (size !== 2048 && size !== 3072 && size !== 4096) throw new HttpError(400, "BadParameter", `Property 'key_size' must be 2048, 3072 or 4096; got ${JSON.stringify(size)}.`);
    checkAttributes(body);
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: size as number, publicExponent: 0x10001 });
    return bundle(vault, name, store(vault, name, privateKey, kty, body.key_ops, body.tags));
  }

  function importKey(vault: Vault, name: string, body: Record<string, unknown>) {
    const key = body.key as Record<string, string> | undefined;
    if (!key || typeof key !== "object") throw new HttpError(400, "BadParameter", "Property 'key' is required.");
    if (key.kty === "RSA-HSM") throw new HttpError(400, "BadParameter", "kty RSA-HSM imports need a key_hsm BYOK blob; import plain key material with kty RSA and Hsm: true.");
    if (key.kty === "EC-HSM") throw new HttpError(400, "BadParameter", "kty EC-HSM imports need a key_hsm BYOK blob; import plain key material with kty EC and Hsm: true.");
    if (key.kty !== "RSA" && key.kty !== "EC") throw new HttpError(400, "BadParameter", `Property 'kty' has an unsupported value ${JSON.stringify(key.kty)} here.`);
    const hsm = body.Hsm === true;
    if (hsm && vault.sku !== "premium") throw new HttpError(400, "BadParameter", "HSM-protected keys are not supported in a standard SKU vault: use a premium vault.");
    checkAttributes(body);
    let privateKey: KeyObject;
    if (key.kty === "EC") return bundle(vault, name, store(vault, name, importEcKey(key), hsm ? "EC-HSM" : "EC", key.key_ops, body.tags));
    try {
      privateKey = createPrivateKey({ key: { kty: "RSA", n: key.n, e: key.e, d: key.d, p: key.p, q: key.q, dp: key.dp, dq: key.dq, qi: key.qi }, format: "jwk" });
    } catch {
      throw new HttpError(400, "BadParameter", "The key material is not a complete RSA private key (n, e, d, p, q, dp, dq, qi).");
    }
    return bundle(vault, name, store(vault, name, privateKey, hsm ? "RSA-HSM" : "RSA", key.key_ops, body.tags));
  }

  function versionOf(vault: Vault, name: string, version: string): StoredVersion {
    const versions = vault.keys.get(name.toLowerCase()) ?? [];
    const found = version === "" ? versions[versions.length - 1] : versions.find((v) => v.version === version);
    if (!found) throw new HttpError(404, "KeyNotFound", `A key with (name/id) ${name}${version ? `/${version}` : ""} was not found in this key vault. If you recently deleted this key you may be able to recover it using the correct recovery command.`);
    return found;
  }

  function sign(vault: Vault, name: string, version: string, body: Record<string, unknown>) {
    const v = versionOf(vault, name, version);
    if (!v.keyOps.includes("sign")) throw new HttpError(400, "BadParameter", "Operation sign is not allowed on this key.");
    const alg = String(body.alg ?? "");
    if (v.kty === "EC" || v.kty === "EC-HSM") return signEc(vault, name, v, alg, Buffer.from(String(body.value ?? ""), "base64url"));
    const info = DIGEST_INFO[alg];
    if (!info) throw new HttpError(400, "BadParameter", `Algorithm ${JSON.stringify(alg)} is not supported here (RS256, RS384, RS512).`);
    const digest = Buffer.from(String(body.value ?? ""), "base64url");
    if (digest.length !== info.length) throw new HttpError(400, "BadParameter", `Invalid length of digest: ${alg} takes ${info.length} bytes, got ${digest.length}.`);
    const signature = privateEncrypt({ key: v.privateKey, padding: constants.RSA_PKCS1_PADDING }, Buffer.concat([info.prefix, digest]));
    return { kid: bundle(vault, name, v).key.kid, value: b64url(signature) };
  }

  /** ECDSA over the digest given: the algorithm must be the curve's (ES256 with P-256, …); the answer is r||s. */
  function signEc(vault: Vault, name: string, v: StoredVersion, alg: string, digest: Buffer) {
    return { kid: bundle(vault, name, v).key.kid, value: b64url(signEcDigest(v.privateKey, v.publicJwk.crv, alg, digest)) };
  }

  function routeOf(method: string, segments: string[]): { route: KeyVaultRoute; name?: string; version?: string } {
    if (segments[0] !== "keys" || !segments[1]) return { route: "unknown" };
    const [, name, a, b] = segments;
    if (method === "POST" && a === "create" && b === undefined) return { route: "key.create", name };
    if (method === "PUT" && a === undefined) return { route: "key.import", name };
    if (method === "GET" && b === undefined) return { route: "key.get", name, version: a ?? "" };
    if (method === "POST" && a && b === "sign") return { route: "key.sign", name, version: a };
    return { route: "unknown" };
  }

  async function readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? "GET";
    const host = String(req.headers.host ?? "").replace(/:\d+$/, "").toLowerCase();
    const url = new URL(req.url ?? "/", `https://${host}`);
    const segments = url.pathname.split("/").filter(Boolean);
    const { route, name, version } = routeOf(method, segments);
    const apiVersion = url.searchParams.get("api-version") ?? undefined;
    const authorized = typeof req.headers.authorization === "string";
    const text = await readBody(req);
    let body: Record<string, unknown> = {};
    let status = 200;
    let answer: unknown;
    const headers: Record<string, string> = { "content-type": "application/json; charset=utf-8", "x-ms-keyvault-service-version": "1.9.0.0" };
    const vaultName = host.endsWith(`.${KEY_VAULT_DNS_SUFFIX}`) ? host.slice(0, -KEY_VAULT_DNS_SUFFIX.length - 1) : "";
    try {
      const vault = vaults.get(vaultName);
      if (!vault) throw new HttpError(404, "VaultNotFound", `No vault at ${host}.`);
      if (!apiVersion || !KEY_VAULT_API_VERSIONS.includes(apiVersion)) {
        throw new HttpError(400, "BadParameter", `The specified version (${apiVersion}) is not recognized. Consider using the latest supported version (${KEY_VAULT_API_VERSIONS[0]}).`);
      }
      let oid: string;
      try {
        oid = auth.authenticate(req.headers.authorization);
      } catch (e) {
        headers["www-authenticate"] = auth.challenge();
        throw e;
      }
      // Throttling and server errors come to authenticated requests (the challenge is answered first).
      const fault = faults.find((f) => f.remaining > 0 && (!f.route || f.route === route));
      if (fault) {
        fault.remaining -= 1;
        if (fault.retryAfter !== undefined) headers["retry-after"] = String(fault.retryAfter);
        if (fault.status === 403) throw new HttpError(403, "Forbidden", "Caller is not authorized to perform action on resource (injected: a role assignment not yet in effect).", "ForbiddenByRbac");
        throw new HttpError(fault.status, fault.status === 429 ? "Throttled" : "InternalServerError", "Injected fault.");
      }
      if (route === "unknown") throw new HttpError(404, "NotFound", `No route ${method} ${url.pathname}.`);
      auth.authorize(vault.name, oid, route);
      if (text) {
        try {
          body = JSON.parse(text) as Record<string, unknown>;
        } catch {
          throw new HttpError(400, "BadParameter", "The request body is not JSON.");
        }
      }
      if (!/^[0-9a-zA-Z-]{1,127}$/.test(name!)) throw new HttpError(400, "BadParameter", `The key name ${name} is not valid: 1–127 letters, digits and dashes.`);
      if (route === "key.create") answer = createKey(vault, name!, body);
      else if (route === "key.import") answer = importKey(vault, name!, body);
      else if (route === "key.get") answer = bundle(vault, name!, versionOf(vault, name!, version!));
      else answer = sign(vault, name!, version!, body);
    } catch (e) {
      const err = e instanceof HttpError ? e : new HttpError(500, "InternalServerError", (e as Error).message);
      status = err.status;
      answer = { error: { code: err.code, message: err.message, ...(err.inner ? { innererror: { code: err.inner } } : {}) } };
    }
    requests.push({ method, path: url.pathname, vault: vaultName, route, status, authorized, apiVersion, body: text ? redact(text) : undefined });
    res.writeHead(status, headers);
    res.end(JSON.stringify(answer));
  }

  const server = https.createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    handle(req, res).catch((e) => {
      res.writeHead(500);
      res.end(String((e as Error).message));
    });
  });
  await listenOnLoopback(server);

  return {
    port: (server.address() as AddressInfo).port,
    tenantId,
    vault(name, o = {}) {
      vaults.set(name.toLowerCase(), { name: name.toLowerCase(), sku: o.sku ?? "premium", keys: new Map() });
    },
    assignRole(objectId, role, vaultName) {
      auth.assignRole(objectId, role, vaultName);
    },
    credential(objectId) {
      return {
        async getToken(scopes: string | string[]) {
          const scope = Array.isArray(scopes) ? scopes[0] : scopes;
          return { token: auth.issueToken(objectId, scope.replace(/\/\.default$/, "")), expiresOnTimestamp: Date.now() + 3600_000 };
        },
      };
    },
    keyVersions(vaultName, keyName) {
      const vault = vaults.get(vaultName.toLowerCase());
      return (vault?.keys.get(keyName.toLowerCase()) ?? []).map((v) => ({ ...bundle(vault!, keyName, v).key, tags: v.tags }));
    },
    inject(fault) {
      faults.push({ status: fault.status, retryAfter: fault.retryAfter, remaining: fault.count ?? 1, route: fault.route });
    },
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Recorded bodies keep their shape but not private key material (an import carries it). */
function redact(text: string): unknown {
  try {
    const body = JSON.parse(text) as { key?: Record<string, unknown> };
    if (body.key && typeof body.key === "object") {
      for (const field of ["d", "p", "q", "dp", "dq", "qi"]) /* EC keys carry d too */ if (field in body.key) body.key[field] = "[private]";
    }
    return body;
  } catch {
    return text;
  }
}
