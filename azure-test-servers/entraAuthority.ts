/**
 * A local stand-in for Microsoft Entra ID's token endpoint as `ClientAssertionCredential` (@azure/identity, through
 * MSAL) reaches it with a federated token (workload identity federation: GitHub Actions, Pulumi Deployments):
 *
 *   GET  /{tenant}/v2.0/.well-known/openid-configuration   the tenant's endpoints (MSAL reads the token endpoint here)
 *   POST /{tenant}/oauth2/v2.0/token                        grant_type=client_credentials, client_id, scope,
 *        client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer, client_assertion=<JWT>
 *
 * The assertion is checked as Entra checks it: the type (AADSTS90011), present (AADSTS7000218), a JWT (AADSTS50027),
 * signed by the issuer of a federated credential of the application, within its time range (AADSTS700024), and its
 * issuer, subject and audience matching one of the application's federated credentials exactly (case-sensitive:
 * AADSTS70021 otherwise). Error bodies are Entra's: `{error, error_description, error_codes, timestamp, trace_id,
 * correlation_id}`. The access token comes from the FakeEntraTokenServer (its signing key, issuer and tenant), with
 * `oid` the application's service principal, `aud` the scope's resource.
 *
 * It speaks HTTPS (MSAL refuses an http authority) with the test certificate, which names login.microsoftonline.com:
 * route that host here (loopbackRouting.ts, or DPS_X509_TEST_LOOPBACK_ROUTES in a child process).
 */
import * as crypto from "crypto";
import * as https from "https";
import type { AddressInfo } from "net";
import type { FakeEntraTokenServer } from "./entraTokenServer";
import { listenOnLoopback } from "./listen";
import { readTestTls } from "./tls";

export const JWT_BEARER_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
export const AUTHORITY_HOST = "login.microsoftonline.com";

/** A federated identity credential on an application (app registration or user-assigned managed identity). */
export interface FederatedCredential {
  /** The application (client) id it belongs to. */
  readonly clientId: string;
  /** The object id of the application's service principal: the `oid` of the tokens issued. */
  readonly principalId: string;
  readonly issuer: string;
  readonly subject: string;
  /** Default `api://AzureADTokenExchange`. */
  readonly audience?: string;
  /** The issuer's signing key (Entra reads it from the issuer's JWKS). */
  readonly issuerPublicKeyPem: string;
}

export interface TokenRequestRecord {
  readonly tenant: string;
  readonly clientId?: string;
  readonly scope?: string;
  readonly status: number;
  readonly error?: string;
}

export interface EntraAuthority {
  readonly hostName: string;
  readonly port: number;
  readonly tokenRequests: TokenRequestRecord[];
  close(): Promise<void>;
}

export async function startEntraAuthority(entra: FakeEntraTokenServer, credentials: readonly FederatedCredential[]): Promise<EntraAuthority> {
  const tls = readTestTls();
  const tokenRequests: TokenRequestRecord[] = [];
  const server = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    let raw = "";
    req.on("data", (chunk) => (raw += chunk));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", `https://${AUTHORITY_HOST}`);
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { "Content-Type": "application/json; charset=utf-8" });
        res.end(JSON.stringify(body));
      };
      const config = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(url.pathname);
      if (req.method === "GET" && config) return json(200, openIdConfiguration(config[1], entra.tenantId));
      const token = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(url.pathname);
      if (req.method === "POST" && token) {
        const form = new URLSearchParams(raw);
        const answer = tokenAnswer(entra, credentials, token[1], form);
        tokenRequests.push({ tenant: token[1], clientId: form.get("client_id") ?? undefined, scope: form.get("scope") ?? undefined, status: answer.status, error: answer.status === 200 ? undefined : String((answer.body as { error_description?: unknown }).error_description) });
        return json(answer.status, answer.body);
      }
      json(404, { error: "not_found", error_description: `${req.method} ${url.pathname} is not an endpoint of this stand-in` });
    });
  });
  await listenOnLoopback(server);
  return {
    hostName: AUTHORITY_HOST,
    port: (server.address() as AddressInfo).port,
    tokenRequests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function openIdConfiguration(tenantInPath: string, tenantId: string) {
  const base = `https://${AUTHORITY_HOST}/${tenantInPath}`;
  return {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
    jwks_uri: `https://${AUTHORITY_HOST}/${tenantInPath}/discovery/v2.0/keys`,
    response_modes_supported: ["query", "fragment", "form_post"],
    subject_types_supported: ["pairwise"],
    id_token_signing_alg_values_supported: ["RS256"],
    response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
    scopes_supported: ["openid", "profile", "email", "offline_access"],
    issuer: `https://${AUTHORITY_HOST}/${tenantId}/v2.0`,
    request_uri_parameter_supported: false,
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    claims_supported: ["sub", "iss", "aud", "exp", "iat", "oid", "tid"],
    tenant_region_scope: "EU",
    cloud_instance_name: "microsoftonline.com",
    cloud_graph_host_name: "graph.windows.net",
    msgraph_host: "graph.microsoft.com",
  };
}

function entraError(status: number, error: string, code: number, description: string) {
  const traceId = crypto.randomUUID();
  const correlationId = crypto.randomUUID();
  const timestamp = new Date().toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
  return {
    status,
    body: {
      error,
      error_description: `AADSTS${code}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [code],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
    },
  };
}

function tokenAnswer(entra: FakeEntraTokenServer, credentials: readonly FederatedCredential[], tenant: string, form: URLSearchParams): { status: number; body: unknown } {
  if (tenant !== entra.tenantId) return entraError(400, "invalid_request", 90002, `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`);
  if (form.get("grant_type") !== "client_credentials") return entraError(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type.");
  const clientId = form.get("client_id");
  if (!clientId) return entraError(400, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id'.");
  const scope = form.get("scope") ?? "";
  if (!/\/\.default$/.test(scope)) return entraError(400, "invalid_scope", 1002012, `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`);
  const assertion = form.get("client_assertion");
  const assertionType = form.get("client_assertion_type");
  if (!assertion) return entraError(401, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
  if (assertionType !== JWT_BEARER_ASSERTION_TYPE) return entraError(400, "invalid_request", 90011, "Unexpected client assertion type.");
  const parsed = parseJwt(assertion);
  if (!parsed) return entraError(400, "invalid_request", 50027, "JWT token is invalid or malformed.");
  const { payload } = parsed;
  const ofApp = credentials.filter((credential) => credential.clientId === clientId);
  if (!ofApp.length) return entraError(400, "unauthorized_client", 700016, `Application with identifier '${clientId}' was not found in the directory '${tenant}'.`);
  // Issuer, subject and audience compare exactly (case-sensitive), as Entra compares them.
  const audiences = Array.isArray(payload.aud) ? payload.aud.map(String) : [String(payload.aud)];
  const match = ofApp.find((credential) => credential.issuer === payload.iss && credential.subject === payload.sub && audiences.includes(credential.audience ?? "api://AzureADTokenExchange"));
  if (!match) {
    return entraError(400, "invalid_client", 70021, `No matching federated identity record found for presented assertion. Assertion Issuer: '${String(payload.iss)}'. Assertion Subject: '${String(payload.sub)}'. Assertion Audience: '${audiences.join(",")}'. https://learn.microsoft.com/entra/workload-id/workload-identity-federation`);
  }
  if (!crypto.verify("RSA-SHA256", Buffer.from(parsed.signingInput), match.issuerPublicKeyPem, Buffer.from(parsed.signature, "base64url"))) {
    return entraError(401, "invalid_client", 5002738, `Invalid JWT token. The token was not signed by a key of issuer '${String(payload.iss)}'.`);
  }
  const now = Math.floor(Date.now() / 1000);
  if (typeof payload.exp !== "number" || payload.exp + 300 < now || (typeof payload.nbf === "number" && payload.nbf - 300 > now)) {
    return entraError(400, "invalid_client", 700024, "Client assertion is not within its valid time range.");
  }
  const resource = scope.replace(/\/\.default$/, "");
  return { status: 200, body: { token_type: "Bearer", expires_in: 3599, ext_expires_in: 3599, access_token: entra.issue({ aud: resource, oid: match.principalId }) } };
}

function parseJwt(token: string): { payload: Record<string, unknown>; signingInput: string; signature: string } | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0], "base64url").toString("utf8"));
    const payload = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
    if (!header || header.alg !== "RS256" || !payload || typeof payload !== "object") return undefined;
    return { payload, signingInput: `${parts[0]}.${parts[1]}`, signature: parts[2] };
  } catch {
    return undefined;
  }
}

/** A federated token as an OIDC issuer (Pulumi Cloud, GitHub) makes one: RS256, `iss`, `sub`, `aud`, an hour. */
export function federatedToken(issuer: { url: string; privateKey: crypto.KeyObject }, claims: { sub: string; aud?: string; expiresInSeconds?: number }): string {
  const now = Math.floor(Date.now() / 1000);
  const header = { alg: "RS256", typ: "JWT", kid: "issuer-key" };
  const payload = { iss: issuer.url, sub: claims.sub, aud: claims.aud ?? "api://AzureADTokenExchange", iat: now, nbf: now, exp: now + (claims.expiresInSeconds ?? 3600) };
  const input = `${Buffer.from(JSON.stringify(header)).toString("base64url")}.${Buffer.from(JSON.stringify(payload)).toString("base64url")}`;
  return `${input}.${crypto.sign("RSA-SHA256", Buffer.from(input), issuer.privateKey).toString("base64url")}`;
}
