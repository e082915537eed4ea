/**
 * Authentication and authorization of the local Key Vault (keyVaultServer.ts), as Key Vault does them:
 * - the challenge a request without a token gets (401, `WWW-Authenticate: Bearer authorization=<Entra authority of
 *   the tenant>, resource=https://vault.azure.net`), which the SDK's challenge policy reads to ask for a token;
 * - Entra-like bearer tokens: audience https://vault.azure.net, the vault's tenant (`tid`), not expired, an `oid`;
 *   this fake signs the tokens it hands out (HMAC, a key made per server) and refuses any other, unless it is told
 *   to trust an Entra stand-in (entraTokenServer.ts: RS256, its issuer and public key), as a child process signs in;
 * - Azure RBAC data actions: Crypto Officer may create, import, get and sign; Crypto User may get and sign; others
 *   get 403 `Forbidden` with inner error `ForbiddenByRbac`, naming the action.
 */
import { createHmac, randomBytes, verify } from "crypto";

export const KEY_VAULT_AUDIENCE = "https://vault.azure.net";
export type KeyVaultRole = "Key Vault Crypto Officer" | "Key Vault Crypto User";
export type KeyVaultRoute = "key.create" | "key.import" | "key.get" | "key.sign" | "unknown";

/** An error answered as `{ error: { code, message, innererror? } }`. */
export class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly inner?: string) {
    super(message);
  }
}

const ACTIONS: Record<Exclude<KeyVaultRoute, "unknown">, string> = {
  "key.create": "Microsoft.KeyVault/vaults/keys/create/action",
  "key.import": "Microsoft.KeyVault/vaults/keys/import/action",
  "key.get": "Microsoft.KeyVault/vaults/keys/read",
  "key.sign": "Microsoft.KeyVault/vaults/keys/sign/action",
};
const ROLE_ACTIONS: Record<KeyVaultRole, string[]> = {
  "Key Vault Crypto Officer": Object.values(ACTIONS),
  "Key Vault Crypto User": [ACTIONS["key.get"], ACTIONS["key.sign"]],
};

const b64url = (buf: Buffer) => buf.toString("base64url");
const nowSeconds = () => Math.floor(Date.now() / 1000);

export class KeyVaultAuth {
  private readonly secret = randomBytes(32);
  /** `${vault name | "*"}/${oid}` → roles. */
  private readonly roles = new Map<string, Set<KeyVaultRole>>();

  constructor(
    readonly tenantId: string,
    /** An Entra stand-in whose RS256 tokens are accepted too. */
    private readonly trusted?: { issuer: string; publicKeyPem: string },
  ) {}

  /** Whether the token's signature is this fake's own, or the trusted stand-in's (with its issuer). */
  private signedByKnownIssuer(header: string, payload: string, signature: string): boolean {
    const json = (part: string): Record<string, unknown> => {
      try {
        return JSON.parse(Buffer.from(part, "base64url").toString()) as Record<string, unknown>;
      } catch {
        return {};
      }
    };
    if (json(header).alg === "RS256" && this.trusted) {
      return json(payload).iss === this.trusted.issuer && verify("RSA-SHA256", Buffer.from(`${header}.${payload}`), this.trusted.publicKeyPem, Buffer.from(signature, "base64url"));
    }
    return b64url(createHmac("sha256", this.secret).update(`${header}.${payload}`).digest()) === signature;
  }

  /** The WWW-Authenticate header of a 401. */
  challenge(): string {
    return `Bearer authorization="https://login.microsoftonline.com/${this.tenantId}", resource="${KEY_VAULT_AUDIENCE}"`;
  }

  issueToken(objectId: string, audience: string): string {
    const header = b64url(Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT" })));
    const claims = { aud: audience, tid: this.tenantId, oid: objectId, iss: `https://sts.windows.net/${this.tenantId}/`, exp: nowSeconds() + 3600, nbf: nowSeconds() - 60 };
    const payload = b64url(Buffer.from(JSON.stringify(claims)));
    return `${header}.${payload}.${b64url(createHmac("sha256", this.secret).update(`${header}.${payload}`).digest())}`;
  }

  /** The caller's object id, or a 401 HttpError as Key Vault gives it. */
  authenticate(authorization: string | undefined): string {
    const m = /^Bearer\s+([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(authorization ?? "");
    if (!m) throw new HttpError(401, "Unauthorized", "AKV10000: Request is missing a Bearer or PoP token.");
    if (!this.signedByKnownIssuer(m[1], m[2], m[3])) throw new HttpError(401, "Unauthorized", "AKV10032: Invalid issuer or signature.");
    const claims = JSON.parse(Buffer.from(m[2], "base64url").toString()) as { aud?: string; tid?: string; oid?: string; exp?: number };
    if (claims.aud !== KEY_VAULT_AUDIENCE) throw new HttpError(401, "Unauthorized", `AKV10022: Invalid audience. Expected ${KEY_VAULT_AUDIENCE}, found: ${claims.aud}.`);
    if (claims.tid !== this.tenantId) throw new HttpError(401, "Unauthorized", `AKV10032: Invalid issuer. Expected one of https://sts.windows.net/${this.tenantId}/.`);
    if (!claims.exp || claims.exp < nowSeconds()) throw new HttpError(401, "Unauthorized", "AKV10018: Token expired.");
    if (!claims.oid) throw new HttpError(401, "Unauthorized", "AKV10020: Token has no object id.");
    return claims.oid;
  }

  assignRole(objectId: string, role: KeyVaultRole, vaultName?: string): void {
    const key = `${vaultName?.toLowerCase() ?? "*"}/${objectId}`;
    this.roles.set(key, new Set([...(this.roles.get(key) ?? []), role]));
  }

  /** Throws 403 unless a role of the caller on this vault (or on every vault) allows the route's data action. */
  authorize(vaultName: string, oid: string, route: Exclude<KeyVaultRoute, "unknown">): void {
    const held = [...(this.roles.get(`*/${oid}`) ?? []), ...(this.roles.get(`${vaultName}/${oid}`) ?? [])];
    if (held.some((role) => ROLE_ACTIONS[role].includes(ACTIONS[route]))) return;
    throw new HttpError(
      403,
      "Forbidden",
      // Azure's text, lines and all (\r\n): the action comes only on the fourth line.
      [
        "Caller is not authorized to perform action on resource.",
        "If role assignments, deny assignments or role definitions were changed recently, please observe propagation time.",
        `Caller: appid=04b07795-8ddb-461a-bbee-02f9e1bf7b46;oid=${oid};iss=https://sts.windows.net/00000000-0000-0000-0000-000000000003/`,
        `Action: '${ACTIONS[route]}'`,
        `Resource: '/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/kv-rg/providers/microsoft.keyvault/vaults/${vaultName}'`,
        "Assignment: (not found)",
        "DenyAssignmentId: null",
        "DecisionReason: null ",
        `Vault: ${vaultName};location=westeurope`,
        "",
      ].join("\r\n"),
      "ForbiddenByRbac",
    );
  }
}
