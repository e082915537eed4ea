/**
 * A local stand-in for Microsoft Entra ID as `DefaultAzureCredential` reaches it on Azure App Service: the managed
 * identity endpoint (`IDENTITY_ENDPOINT`, `IDENTITY_HEADER`; API 2019-08-01, as @azure/msal-node's AppService source
 * calls it: `GET <endpoint>?api-version=2019-08-01&resource=<resource>` with `X-IDENTITY-HEADER`). It answers with
 * an RS256 JWT access token whose `aud` is the resource asked for, `iss` `https://sts.windows.net/<tenant>/`, and
 * `oid`/`tid` of the identity, signed by a key made at start; servers that verify tokens (dpsServiceServer.ts) take
 * its public key. So a child process (Pulumi's dynamic-provider host) with `env()` in its environment signs in through
 * the real `DefaultAzureCredential`, offline. The token endpoint a federated token (client assertion) is exchanged at
 * is entraAuthority.ts, which issues this server's tokens.
 */
import * as crypto from "crypto";
import * as http from "http";
import type { AddressInfo } from "net";
import { listenOnLoopback } from "./listen";

export interface TokenClaims {
  readonly aud: string;
  readonly oid?: string;
  /** Seconds from now; negative for an expired token. Default 3600. */
  readonly expiresInSeconds?: number;
}

export interface VerifiedToken {
  readonly oid: string;
  readonly tid: string;
  readonly aud: string;
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString("base64url");

export class FakeEntraTokenServer {
  readonly tenantId = "11111111-2222-3333-4444-555555555555";
  /** The object id of the identity this endpoint signs in as. */
  readonly principalId: string;
  readonly identityHeader = crypto.randomBytes(16).toString("hex");
  /** Resources tokens were asked for, in order. */
  readonly requests: string[] = [];
  private readonly keys = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
  private readonly server: http.Server;

  private constructor(principalId: string) {
    this.principalId = principalId;
    this.server = http.createServer((req, res) => this.handle(req, res));
  }

  static async start(options: { principalId?: string } = {}): Promise<FakeEntraTokenServer> {
    const s = new FakeEntraTokenServer(options.principalId ?? crypto.randomUUID());
    await listenOnLoopback(s.server);
    return s;
  }

  get issuer(): string {
    return `https://sts.windows.net/${this.tenantId}/`;
  }

  get publicKeyPem(): string {
    return this.keys.publicKey.export({ type: "spki", format: "pem" }).toString();
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/msi/token`;
  }

  /** The environment that makes DefaultAzureCredential (ManagedIdentityCredential, App Service) sign in here. */
  env(): Record<string, string> {
    return { IDENTITY_ENDPOINT: this.endpoint, IDENTITY_HEADER: this.identityHeader };
  }

  /** A signed access token, as this endpoint issues them. */
  issue(claims: TokenClaims): string {
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: "RS256", typ: "JWT", kid: "fake-entra" };
    const payload = {
      aud: claims.aud, iss: this.issuer, iat: now, nbf: now - 60, exp: now + (claims.expiresInSeconds ?? 3600),
      oid: claims.oid ?? this.principalId, tid: this.tenantId, idtyp: "app",
    };
    const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
    return `${signingInput}.${b64url(crypto.sign("RSA-SHA256", Buffer.from(signingInput), this.keys.privateKey))}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const fail = (status: number, error: string) => {
      res.writeHead(status, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ error, error_description: error }));
    };
    if (req.method !== "GET" || url.pathname !== "/msi/token") return fail(404, "not_found");
    if (req.headers["x-identity-header"] !== this.identityHeader) return fail(401, "invalid X-IDENTITY-HEADER");
    if (url.searchParams.get("api-version") !== "2019-08-01") return fail(400, "unsupported api-version");
    const resource = url.searchParams.get("resource");
    if (!resource) return fail(400, "resource is required");
    this.requests.push(resource);
    const aud = resource.replace(/\/\.default$/, "");
    const expiresOn = Math.floor(Date.now() / 1000) + 3600;
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ access_token: this.issue({ aud }), expires_on: String(expiresOn), resource: aud, token_type: "Bearer", client_id: this.principalId }));
  }
}

/**
 * Verifies an RS256 JWT as a resource server does: signature with the issuer's key, `iss`, `aud` (one of
 * `audiences`), `nbf`/`exp` (5 minutes of clock skew). Returns the identity, or the reason it is refused.
 */
export function verifyAccessToken(token: string, options: { publicKeyPem: string; issuer: string; audiences: readonly string[] }): VerifiedToken | { refused: string } {
  const parts = token.split(".");
  if (parts.length !== 3) return { refused: "the bearer token is not a JWT" };
  let header: Record<string, unknown>;
  let payload: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(parts[0], "base64url").toString("utf8"));
    payload = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
  } catch {
    return { refused: "the bearer token is not a JWT" };
  }
  if (header.alg !== "RS256") return { refused: `the token's alg ${String(header.alg)} is not RS256` };
  const signed = crypto.verify("RSA-SHA256", Buffer.from(`${parts[0]}.${parts[1]}`), options.publicKeyPem, Buffer.from(parts[2], "base64url"));
  if (!signed) return { refused: "the token's signature does not verify" };
  if (payload.iss !== options.issuer) return { refused: `the token's issuer ${String(payload.iss)} is not trusted` };
  if (!options.audiences.includes(String(payload.aud))) return { refused: `the token's audience ${String(payload.aud)} is not ${options.audiences[0]}` };
  const now = Math.floor(Date.now() / 1000);
  if (typeof payload.exp !== "number" || payload.exp + 300 < now) return { refused: "the token has expired" };
  if (typeof payload.nbf === "number" && payload.nbf - 300 > now) return { refused: "the token is not valid yet" };
  return { oid: String(payload.oid ?? ""), tid: String(payload.tid ?? ""), aud: String(payload.aud) };
}
