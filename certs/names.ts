/**
 * Validation of the strings that become subject names: CA common names, DPS registration ids,
 * proof-of-possession verification codes. One job: say yes, or say why not (without echoing long input).
 */

/** X.520 upper bound for a common name (ub-common-name), in characters. */
const MAX_COMMON_NAME = 64;
export { MAX_COMMON_NAME };

// C0/C1 control characters, and unpaired UTF-16 surrogates (not encodable as UTF-8).
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?:^|[^\ud800-\udbff])[\udc00-\udfff]/;

function show(value: string): string {
  return value.length > 80 ? `${JSON.stringify(value.slice(0, 80))}… (${value.length} characters)` : JSON.stringify(value);
}

/** A CA common name: 1..64 characters, no control characters, no leading or trailing space. */
export function assertCommonName(value: unknown, what = "commonName"): asserts value is string {
  if (typeof value !== "string") throw new Error(`${what} must be a string`);
  const length = [...value].length;
  if (length < 1 || length > MAX_COMMON_NAME) {
    throw new Error(`${what} must be 1 to ${MAX_COMMON_NAME} characters; got ${length}`);
  }
  if (CONTROL.test(value) || LONE_SURROGATE.test(value)) {
    throw new Error(`${what} ${show(value)} contains a control character or an unpaired surrogate`);
  }
  if (value.trim() !== value) throw new Error(`${what} ${show(value)} must not start or end with white space`);
}

/**
 * A DPS registration id, which becomes the device certificate's CN: 1..64 characters (the CN limit;
 * DPS itself allows 128), letters, digits and `- . _ :`, ending in a letter, digit or `-` (DPS rules).
 */
export function assertRegistrationId(value: unknown, what = "registrationId"): asserts value is string {
  if (typeof value !== "string") throw new Error(`${what} must be a string`);
  if (value.length < 1 || value.length > MAX_COMMON_NAME) {
    throw new Error(`${what} must be 1 to ${MAX_COMMON_NAME} characters (it becomes the certificate's CN); got ${value.length}`);
  }
  if (!/^[A-Za-z0-9._:-]*[A-Za-z0-9-]$/.test(value)) {
    throw new Error(`${what} ${show(value)} may use only letters, digits and - . _ : and must end with a letter, digit or -`);
  }
}

/** A proof-of-possession verification code: 1..64 of [A-Za-z0-9-_.] (DPS codes are upper-case hex). */
export function assertVerificationCode(value: unknown, what = "code"): asserts value is string {
  if (typeof value !== "string" || value.length === 0) throw new Error(`${what} must be a non-empty string`);
  if (value.length > MAX_COMMON_NAME) throw new Error(`${what} must be at most ${MAX_COMMON_NAME} characters; got ${value.length}`);
  if (!/^[A-Za-z0-9._-]+$/.test(value)) throw new Error(`${what} ${show(value)} may use only letters, digits and - _ .`);
}
