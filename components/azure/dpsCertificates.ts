/**
 * What the DPS certificate providers (the upload, `providers/dpsCertificate.ts`, and the proof of possession,
 * `providers/caVerification.ts`) share: the wire encoding of a certificate, thumbprints, and reading the SDK's
 * errors. Pure functions; Node built-ins are `require`d inside them, because this module is serialized by value
 * into the dynamic providers (see caVerification.ts).
 */
import type { Input } from "@pulumi/pulumi";

/** `properties.certificate` as Azure expects it: base64 of the .pem file's content (what `az iot dps certificate create` sends). */
export function toDpsCertificateContent(certificatePem: string): string {
  return Buffer.from(certificatePem.replace(/\r\n/g, "\n").trim() + "\n", "utf8").toString("base64");
}

/**
 * The same content as bytes, for `@azure/arm-deviceprovisioningservices`: its `properties.certificate` is a
 * `Uint8Array` that the SDK base64-encodes, so on the wire it is exactly `toDpsCertificateContent(certificatePem)`.
 */
export function toDpsCertificateBytes(certificatePem: string): Uint8Array {
  return new Uint8Array(Buffer.from(toDpsCertificateContent(certificatePem), "base64"));
}

/** SHA-1 of the certificate, upper-case hex without separators (how ARM reports `thumbprint`); undefined if it does not parse. */
export function thumbprintOfPem(pem: string): string | undefined {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const crypto = require("crypto") as typeof import("crypto");
  try {
    return normalizeThumbprint(new crypto.X509Certificate(pem).fingerprint);
  } catch {
    return undefined;
  }
}

export function normalizeThumbprint(t: string): string {
  return t.replace(/[^0-9a-fA-F]/g, "").toUpperCase();
}

/** A PEM compared as Azure stores it: line endings and surrounding white space do not matter. */
export function normalizePem(pem: unknown): unknown {
  return typeof pem === "string" ? pem.replace(/\r\n/g, "\n").trim() : pem;
}

/** The HTTP status of an SDK error (`RestError.statusCode`), if any. */
export function httpStatus(e: unknown): number | undefined {
  const s = (e as { statusCode?: unknown })?.statusCode;
  return typeof s === "number" ? s : undefined;
}

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Removes anything PEM-shaped from a message (defence in depth: no key or certificate text in errors). */
export function scrub(message: string): string {
  return message.replace(/-----BEGIN [^-]+-----[\s\S]*?(-----END [^-]+-----|$)/g, "[PEM removed]");
}

/** Azure's error code and message, `"<code>: <message>"`: ARM's string codes ({ error: { code } }) or the Devices RP's numbers (412001). */
export function azureErrorText(e: unknown): string {
  const code = (e as { code?: unknown })?.code;
  const hasCode = (typeof code === "string" && code !== "") || typeof code === "number";
  return `${hasCode ? `${code}: ` : ""}${scrub(messageOf(e))}`;
}

/** Pulumi's marker for a value not known during preview. */
export function isUnknown(v: unknown): boolean {
  return v === "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
}

/** The certificate's ARM resource id. */
export function certificateArmId(p: { subscriptionId: string; resourceGroupName: string; dpsName: string; certificateName: string }): string {
  return `/subscriptions/${p.subscriptionId}/resourceGroups/${p.resourceGroupName}/providers/Microsoft.Devices/provisioningServices/${p.dpsName}/certificates/${p.certificateName}`;
}

/** One CA certificate on one DPS, as the upload and the proof of possession address it through ARM. */
export interface DpsCertificateTargetArgs {
  /** Azure subscription of the DPS. */
  readonly subscriptionId: Input<string>;
  /** Resource group of the DPS. */
  readonly resourceGroupName: Input<string>;
  /** DPS name. */
  readonly dpsName: Input<string>;
  /** DPS certificate name. */
  readonly certificateName: Input<string>;
  /** The CA certificate, PEM (public). */
  readonly certificatePem: Input<string>;
  /** ARM endpoint; default https://management.azure.com. */
  readonly armEndpoint?: Input<string>;
}

/** The inputs that say which ARM certificate a resource addresses: a change of one is another certificate. */
export const IDENTITY_KEYS = ["subscriptionId", "resourceGroupName", "dpsName", "certificateName"] as const;

/** `check` failures for inputs that must be non-empty strings; values unknown in a preview are not judged. */
export function requiredStringFailures<T, K extends keyof T & string>(news: T, keys: readonly K[]): { property: K; reason: string }[] {
  const failures: { property: K; reason: string }[] = [];
  for (const key of keys) {
    const value = news[key];
    if (isUnknown(value)) continue;
    if (typeof value !== "string" || value.trim() === "") failures.push({ property: key, reason: `${key} is required (a non-empty string)` });
  }
  return failures;
}
