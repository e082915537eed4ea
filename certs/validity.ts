/**
 * Serial numbers and validity windows. One job: the numbers that go in a TBSCertificate
 * besides names, keys and extensions.
 */
import { randomBytes } from "crypto";

/** How far notBefore is set in the past, for devices whose clocks run behind. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;
/** Longest validity accepted, in days (100 years). */
const MAX_VALIDITY_DAYS = 36500;
export { CLOCK_SKEW_MS, MAX_VALIDITY_DAYS };
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * A random positive serial of 128 bits (16 random octets, the first one non-zero), as hex in
 * DER INTEGER form: a 00 octet is prefixed when the top bit is set, so the value stays positive
 * and the encoding minimal (RFC 5280 §4.1.2.2: positive, at most 20 octets).
 */
export function randomSerialHex(): string {
  let bytes = randomBytes(16);
  while (bytes[0] === 0) bytes = randomBytes(16);
  const hex = bytes.toString("hex");
  return bytes[0] & 0x80 ? `00${hex}` : hex;
}

/** Throws unless `days` is an integer in 1..MAX_VALIDITY_DAYS. */
export function assertValidityDays(days: unknown, what = "validityDays"): asserts days is number {
  if (typeof days !== "number" || !Number.isInteger(days) || days < 1 || days > MAX_VALIDITY_DAYS) {
    throw new Error(`${what} must be a whole number of days from 1 to ${MAX_VALIDITY_DAYS}; got ${JSON.stringify(days)}`);
  }
}

/** Truncates to whole seconds (X.509 times carry no fractions here). */
function toSecond(ms: number): Date {
  return new Date(Math.floor(ms / 1000) * 1000);
}

/**
 * The validity window of a new certificate: notBefore = now − 5 min, notAfter = now + days,
 * both kept inside the issuer's window when there is an issuer (a certificate never outlives its issuer).
 * Throws when the issuer is expired or not yet valid at `now`.
 */
export function computeValidity(o: {
  now?: Date;
  validityDays: number;
  issuer?: { notBefore: Date; notAfter: Date };
}): { notBefore: Date; notAfter: Date } {
  assertValidityDays(o.validityDays);
  const now = (o.now ?? new Date()).getTime();
  if (!Number.isFinite(now)) throw new Error("now must be a valid date");
  let notBefore = toSecond(now - CLOCK_SKEW_MS);
  let notAfter = toSecond(now + o.validityDays * DAY_MS);
  if (o.issuer) {
    const { notBefore: iBefore, notAfter: iAfter } = o.issuer;
    if (now >= iAfter.getTime()) {
      throw new Error(`issuer certificate expired at ${iAfter.toISOString()}; renew the issuer first`);
    }
    if (now < iBefore.getTime()) {
      throw new Error(`issuer certificate is not valid before ${iBefore.toISOString()}`);
    }
    if (notAfter.getTime() > iAfter.getTime()) notAfter = new Date(iAfter.getTime());
    if (notBefore.getTime() < iBefore.getTime()) notBefore = new Date(iBefore.getTime());
  }
  return { notBefore, notAfter };
}
