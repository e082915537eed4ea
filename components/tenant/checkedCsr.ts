/**
 * Each tenant CSR is parsed (and its self-signature verified) once per process: the platform's program checks it
 * before declaring, and the TenantCertificate provider's check (which the plan and preview run too) reads the same
 * PEM. With a thousand tenants, parsing each twice was a measurable share of the plan. certs/ keeps no state
 * (test/caProviderSerialization.test.ts), so the memo lives here.
 */
import type { KeyObject } from "crypto";
import { parseCsr, publicKeyFromSpki, type ParsedCsr } from "../../certs";

interface Memo {
  /** CSRs that parsed, by PEM (the config's own strings: their hashes are kept, unlike those of a composite key). */
  csrs: Map<string, ParsedCsr>;
  /** Subject keys by their SPKI DER in base64 (what a TenantCertificate's inputs carry). */
  keys: Map<string, KeyObject>;
}

/** The memo, on the `process` object: shared however this module is loaded (a serialized closure would copy a Map). */
function memo(): Memo {
  const host = process as unknown as { __dpsX509ParsedCsrs?: Memo };
  return (host.__dpsX509ParsedCsrs ??= { csrs: new Map(), keys: new Map() });
}

/**
 * parseCsr, memoized by PEM text. A CSR that does not parse is not memoized: it throws parseCsr's error, which names
 * `what`, on every call (a rare case: its tenant is held back).
 */
export function checkedCsr(pem: string, what: string): ParsedCsr {
  let result = memo().csrs.get(pem);
  if (result === undefined) {
    result = parseCsr(pem, what);
    memo().csrs.set(pem, result);
    memo().keys.set(result.spkiDer.toString("base64"), result.publicKey);
  }
  return result;
}

/** A subject key from its SPKI DER in base64, parsed once per process (a CSR checked here has given it already). */
export function subjectKey(spkiBase64: string): KeyObject {
  let key = memo().keys.get(spkiBase64);
  if (!key) {
    key = publicKeyFromSpki(Buffer.from(spkiBase64, "base64"));
    memo().keys.set(spkiBase64, key);
  }
  return key;
}
