/**
 * Azure Key Vault keys for the CAs, through Microsoft's `@azure/keyvault-keys` (KeyClient, CryptographyClient):
 * create a non-exportable RSA / RSA-HSM or EC / EC-HSM key (P-256, P-384, P-521), get it (public half only: Key Vault
 * never returns the private part), import an existing key (moving a stack's key from state into the vault), and a
 * certs/ `Signer` whose every signature is made in the vault (`sign`: RS256 over the SHA-256 digest of the TBS DER for
 * RSA; ES256/ES384/ES512 by curve for EC, whose r||s answer certs/ turns into DER).
 *
 * Credentials: one `azureCredential()` (credential.ts: the OIDC token azure-native is given, else DefaultAzureCredential) per process, made on first use (nothing captured when a dynamic provider
 * is serialized), or the test override. One KeyClient per vault per process, and every CryptographyClient shares
 * its pipeline: the SDK's challenge-based authentication asks the vault which tenant and resource to get a token for
 * (a first unauthenticated request answered 401 `WWW-Authenticate: Bearer authorization=…, resource=…`), and a
 * shared pipeline asks once and reuses the token. A key version's public half never changes, so a key read or made
 * in this process is not read again to sign with it. A CA then costs at most 5 vault requests (was 12: a client,
 * a challenge and a read per step). Retries: one layer, ours (`withRetry`, 429/5xx, honouring Retry-After, bounded);
 * the SDK's own retry is off so a throttled call is not retried twice over.
 *
 * Packages are `require`d inside the functions: this module may be serialized by value into dynamic providers.
 */
import type { KeyObject } from "crypto";
import type { TokenCredential } from "@azure/identity";
import type { KeyVaultKey } from "@azure/keyvault-keys";
import { loadPrivateKey, type KeySpec } from "../../certs/keys";
import { digestSigner, type Signer } from "../../certs/signer";
import { wholeMessage } from "./errorText";
import { httpStatusOf, isRetryableStatus, withRetry } from "./retry";

/** The tag a key made (or imported) by dps-x509 carries: the CA it belongs to. */
const CA_KEY_TAG = "dps-x509-ca";
/** Key Vault's public DNS suffix (Azure public cloud). */
const KEY_VAULT_DNS_SUFFIX = "vault.azure.net";
/**
 * Bounds of our retry around each Key Vault call. 429 and 5xx are retried; so is 403 ForbiddenByRbac, for a while:
 * a role assigned in the same `up` (the vault's Crypto Officer) takes minutes to reach Key Vault.
 */
const KEY_VAULT_RETRY = { maxAttempts: 8, baseDelayMs: 1000, maxDelayMs: 30_000, maxTotalWaitMs: 120_000 } as const;

export { CA_KEY_TAG, KEY_VAULT_DNS_SUFFIX, KEY_VAULT_RETRY };

/** Test-only seam, like armClient's: a fake credential (and short retry waits). Production code never calls it. */
export interface KeyVaultTestOverrides {
  readonly credential?: TokenCredential;
  readonly baseDelayMs?: number;
}
let testOverrides: KeyVaultTestOverrides | undefined;
export function setKeyVaultTestOverrides(overrides: KeyVaultTestOverrides | undefined): void {
  testOverrides = overrides;
  forgetClients();
}

/** `https://<name>.vault.azure.net` */
export function vaultUrlOf(vaultName: string): string {
  return `https://${vaultName}.${KEY_VAULT_DNS_SUFFIX}`;
}

/** A Key Vault key name for a CA: 1–127 letters, digits and hyphens (other characters become hyphens). */
export function caKeyName(caName: string): string {
  return `dps-x509-${caName}`.replace(/[^A-Za-z0-9-]/g, "-").slice(0, 127);
}

/** The parts of a key id `https://<vault>/keys/<name>/<version>`; throws unless the version is there. */
export function parseKeyId(keyId: string): { vaultUrl: string; name: string; version: string } {
  const m = /^(https:\/\/[^/]+)\/keys\/([A-Za-z0-9-]{1,127})\/([A-Za-z0-9]+)$/.exec(String(keyId ?? ""));
  if (!m) throw new Error(`key id ${JSON.stringify(keyId)} is not a Key Vault key id with its version (https://<vault>/keys/<name>/<version>)`);
  return { vaultUrl: m[1], name: m[2], version: m[3] };
}

/** What this program keeps of a vault key: its id with version, and its public key. Never key material. */
export interface VaultKey {
  readonly keyId: string;
  readonly keyType: string;
  readonly publicKey: KeyObject;
  readonly tags: Record<string, string>;
}

let defaultCredential: TokenCredential | undefined;
function credential(): TokenCredential {
  if (testOverrides?.credential) return testOverrides.credential;
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  return (defaultCredential ??= (require("./credential") as typeof import("./credential")).azureCredential());
}

type KeyClient = import("@azure/keyvault-keys").KeyClient;
/** Per process: a KeyClient per vault URL, and the keys read or made here by id with version. */
const keyClients = new Map<string, KeyClient>();
const knownKeys = new Map<string, KeyVaultKey>();

/** Drops the clients and keys kept (a new test credential; tests count requests from a fresh start). */
export function forgetClients(): void {
  keyClients.clear();
  knownKeys.clear();
}

function remember(key: KeyVaultKey): KeyVaultKey {
  if (key.id) knownKeys.set(key.id, key);
  return key;
}

/**
 * Client options: the SDK's retry off (ours applies), the api-version the SDK ships with. The SDK checks that the
 * resource a vault's challenge names is the vault's DNS suffix; that check stays on for every vault except one on a
 * loopback address (a local server given by URL: it cannot be under vault.azure.net).
 */
function clientOptions(vaultUrl: string) {
  const host = new URL(vaultUrl).hostname;
  const loopback = host === "localhost" || host === "[::1]" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
  return { retryOptions: { maxRetries: 0 }, ...(loopback ? { disableChallengeResourceVerification: true } : {}) };
}

function keyClient(vaultUrl: string): KeyClient {
  const kept = keyClients.get(vaultUrl);
  if (kept) return kept;
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const sdk = require("@azure/keyvault-keys") as typeof import("@azure/keyvault-keys");
  const client = new sdk.KeyClient(vaultUrl, credential(), clientOptions(vaultUrl));
  keyClients.set(vaultUrl, client);
  return client;
}

/**
 * A CryptographyClient for a key we hold, on its vault's KeyClient pipeline (the SDK's `generatedClient` option,
 * which `KeyClient.getCryptographyClient` uses too): same challenge, same token, and no read of the key.
 */
function cryptographyClient(vaultUrl: string, key: KeyVaultKey) {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const sdk = require("@azure/keyvault-keys") as typeof import("@azure/keyvault-keys");
  const generatedClient = (keyClient(vaultUrl) as unknown as { client?: unknown }).client;
  const options = { ...clientOptions(vaultUrl), ...(generatedClient ? { generatedClient } : {}) };
  return new sdk.CryptographyClient(key, credential(), options);
}

/** A 403 from Azure RBAC (not a firewall or a disabled key): the role may still be on its way. */
function isForbiddenByRbac(e: unknown): boolean {
  const details = (e as { details?: { error?: { innerError?: { code?: string } } } })?.details;
  return httpStatusOf(e) === 403 && details?.error?.innerError?.code === "ForbiddenByRbac";
}

function retried<T>(call: () => Promise<T>): Promise<T> {
  return withRetry(call, {
    ...KEY_VAULT_RETRY,
    baseDelayMs: testOverrides?.baseDelayMs ?? KEY_VAULT_RETRY.baseDelayMs,
    isRetryable: (e) => isRetryableStatus(httpStatusOf(e)) || isForbiddenByRbac(e),
  });
}

/** Azure's error code and message, or the error's message; never a request body. */
export function keyVaultErrorText(e: unknown): string {
  const err = e as { code?: string; message?: string; details?: { error?: { code?: string; message?: string } } };
  const code = err?.details?.error?.code ?? err?.code;
  // Whole: Key Vault's RBAC 403 is several lines (\r\n), the action it refused on the fourth.
  const message = wholeMessage(err?.details?.error?.message ?? err?.message ?? String(e));
  return code ? `${code}: ${message}` : message;
}

function describe(what: string, e: unknown): Error {
  const status = httpStatusOf(e);
  const hint = isForbiddenByRbac(e)
    ? " (the identity running this needs Key Vault Crypto Officer to create or import keys, Crypto User to sign; a role assigned minutes ago may not have reached the vault yet: run again)"
    : "";
  return new Error(`Key Vault ${what} failed${status ? ` (HTTP ${status})` : ""}: ${keyVaultErrorText(e)}${hint}`);
}

function toVaultKey(key: KeyVaultKey, what: string): VaultKey {
  const jwk = key.key;
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const crypto = require("crypto") as typeof import("crypto");
  const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");
  let publicKey: KeyObject;
  if (key.id && jwk?.n && jwk.e) {
    publicKey = crypto.createPublicKey({ key: { kty: "RSA", n: b64url(jwk.n), e: b64url(jwk.e) }, format: "jwk" });
  } else if (key.id && jwk?.x && jwk.y && jwk.crv) {
    // EC and EC-HSM: the public point and its curve, as JWK (P-256, P-384, P-521; P-256K signs nothing here).
    publicKey = crypto.createPublicKey({ key: { kty: "EC", crv: String(jwk.crv), x: b64url(jwk.x), y: b64url(jwk.y) }, format: "jwk" });
  } else {
    throw new Error(`Key Vault ${what}: the answer holds no RSA or EC public key`);
  }
  return { keyId: key.id, keyType: String(jwk.kty ?? key.keyType), publicKey, tags: { ...(key.properties.tags ?? {}) } };
}

/** The current version of a key, or undefined when the vault has no key of that name. */
export async function getVaultKey(vaultUrl: string, name: string, version?: string): Promise<VaultKey | undefined> {
  const client = keyClient(vaultUrl);
  try {
    return toVaultKey(remember(await retried(() => client.getKey(name, version ? { version } : {}))), `get key ${name}`);
  } catch (e) {
    if (httpStatusOf(e) === 404) return undefined;
    throw describe(`get key ${name} in ${vaultUrl}`, e);
  }
}

/**
 * Creates a non-exportable key that may only sign and verify: RSA of `keySize` bits, or EC on the curve `keySize`
 * names ("P-384"); RSA-HSM / EC-HSM when `hsm` (premium vaults only).
 */
export async function createVaultKey(o: { vaultUrl: string; name: string; keySize: KeySpec; hsm: boolean; tags: Record<string, string> }): Promise<VaultKey> {
  const client = keyClient(o.vaultUrl);
  const common = { keyOps: ["sign", "verify"], enabled: true, exportable: false, tags: o.tags };
  const rsa = typeof o.keySize === "number";
  const kty = rsa ? (o.hsm ? "RSA-HSM" : "RSA") : o.hsm ? "EC-HSM" : "EC";
  const shape = rsa ? { keySize: o.keySize as number } : { curve: o.keySize as string };
  try {
    const key = await retried(async () => remember(await client.createKey(o.name, kty, { ...shape, ...common })));
    return toVaultKey(key, `create key ${o.name}`);
  } catch (e) {
    throw describe(`create key ${o.name} in ${o.vaultUrl}`, e);
  }
}

/**
 * Imports an RSA or EC private key (PEM, or compact as in state) as a non-exportable key (HSM-protected on a premium vault when `hsm`) that may only sign and verify: the move of a CA from
 * state into the vault. The key travels once, over TLS, to the vault; it is in no message or return value.
 */
export async function importVaultKey(o: { vaultUrl: string; name: string; privateKeyPem: string; hsm: boolean; tags: Record<string, string> }): Promise<VaultKey> {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const crypto = require("crypto") as typeof import("crypto");
  let jwk: import("crypto").JsonWebKey;
  try {
    // A PEM, or the compact form CA keys have in state (certs/compactKey.ts): both load through loadPrivateKey.
    jwk = loadPrivateKey(o.privateKeyPem, "the private key given").export({ format: "jwk" });
  } catch {
    throw new Error(`import key ${o.name}: the private key given could not be parsed`);
  }
  if (jwk.kty !== "RSA" && jwk.kty !== "EC") throw new Error(`import key ${o.name}: only RSA and EC keys can be imported for signing certificates`);
  const bytes = (value: string | undefined) => (value === undefined ? undefined : new Uint8Array(Buffer.from(value, "base64url")));
  const material =
    jwk.kty === "EC"
      ? { kty: "EC", keyOps: ["sign", "verify"], crv: jwk.crv, x: bytes(jwk.x), y: bytes(jwk.y), d: bytes(jwk.d) }
      : { kty: "RSA", keyOps: ["sign", "verify"], n: bytes(jwk.n), e: bytes(jwk.e), d: bytes(jwk.d), p: bytes(jwk.p), q: bytes(jwk.q), dp: bytes(jwk.dp), dq: bytes(jwk.dq), qi: bytes(jwk.qi) };
  const client = keyClient(o.vaultUrl);
  try {
    const key = await retried(async () =>
      remember(await client.importKey(
        o.name,
        material as import("@azure/keyvault-keys").JsonWebKey,
        { hardwareProtected: o.hsm, enabled: true, exportable: false, tags: o.tags },
      )),
    );
    return toVaultKey(key, `import key ${o.name}`);
  } catch (e) {
    throw describe(`import key ${o.name} into ${o.vaultUrl}`, e);
  }
}

/**
 * A Signer for the key `keyId` (with its version): the public key from a read or create made in this process, else
 * one read (KeyClient GET); then each `sign` is one request to the vault, on the vault's shared pipeline.
 */
export async function keyVaultSigner(keyId: string): Promise<Signer> {
  const { vaultUrl, name, version } = parseKeyId(keyId);
  let key = knownKeys.get(keyId);
  if (!key) {
    const client = keyClient(vaultUrl);
    try {
      key = remember(await retried(() => client.getKey(name, { version })));
    } catch (e) {
      throw describe(`get key ${keyId}`, e);
    }
  }
  const vaultKey = toVaultKey(key, `get key ${keyId}`);
  const crypto = cryptographyClient(vaultUrl, key);
  return digestSigner({
    publicKey: vaultKey.publicKey,
    location: `Key Vault key ${keyId}`,
    signDigest: async (digest, algorithm) => {
      try {
        const result = await retried(() => crypto.sign(algorithm, new Uint8Array(digest)));
        return Buffer.from(result.result);
      } catch (e) {
        throw describe(`sign with ${keyId}`, e);
      }
    },
  });
}
