/**
 * Which CA certificates are close to expiry: within their `renewBeforeDays`, or within 90 days when that is unset.
 * Pure; used by the offline plan, `pulumi up` (as warnings) and `npm run doctor`.
 */

/** The window of a CA without `renewBeforeDays`. */
export const DEFAULT_RENEW_BEFORE_DAYS = 90;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface CertificateValidity {
  /** What the certificate is, e.g. `CA my-intermediate-ca` or `DPS certificate my-intermediate-ca`. */
  readonly subject: string;
  /** notAfter, as a Date or an ISO 8601 string. */
  readonly notAfter: Date | string;
  /** The CA's `renewBeforeDays`, when set. */
  readonly renewBeforeDays?: number;
  /** The config key of the CA, for the message's fix (e.g. `ca.intermediates[0]`). */
  readonly configPath?: string;
}

export interface ExpiryFinding {
  readonly subject: string;
  /** ISO 8601 date, `YYYY-MM-DD`. */
  readonly date: string;
  /** Whole days left (negative: expired). */
  readonly daysLeft: number;
  readonly windowDays: number;
  readonly expired: boolean;
  /** One line for people: what, when, and what to do. */
  readonly message: string;
}

/** The finding for one certificate, or undefined when it is not within its window (or its date is unreadable). */
export function expiryFinding(cert: CertificateValidity, now: Date = new Date()): ExpiryFinding | undefined {
  const notAfter = cert.notAfter instanceof Date ? cert.notAfter : new Date(cert.notAfter);
  if (Number.isNaN(notAfter.getTime())) return undefined;
  const windowDays = cert.renewBeforeDays ?? DEFAULT_RENEW_BEFORE_DAYS;
  const msLeft = notAfter.getTime() - now.getTime();
  if (msLeft > windowDays * DAY_MS) return undefined;
  const daysLeft = Math.floor(msLeft / DAY_MS);
  const date = notAfter.toISOString().slice(0, 10);
  const expired = msLeft <= 0;
  const window = cert.renewBeforeDays !== undefined ? `renewBeforeDays ${windowDays}` : `${windowDays} days (no renewBeforeDays set)`;
  const fix = cert.configPath ? `; rotate it (${cert.configPath}.rotation, docs/day-two.md)` : "";
  const message = expired
    ? `${cert.subject} expired on ${date}${fix}`
    : `${cert.subject} expires on ${date}, in ${daysLeft} day${daysLeft === 1 ? "" : "s"} (within ${window})${fix}`;
  return { subject: cert.subject, date, daysLeft, windowDays, expired, message };
}

/** Every finding of a list, soonest first. */
export function expiringCertificates(certs: readonly CertificateValidity[], now: Date = new Date()): ExpiryFinding[] {
  return certs
    .map((cert) => expiryFinding(cert, now))
    .filter((finding): finding is ExpiryFinding => finding !== undefined)
    .sort((a, b) => a.daysLeft - b.daysLeft);
}

/** notAfter of a PEM certificate (ISO 8601), or undefined when it cannot be parsed. */
export function notAfterOfPem(pem: string): string | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { X509Certificate } = require("crypto");
    return new Date(new X509Certificate(pem).validTo).toISOString();
  } catch {
    return undefined;
  }
}
