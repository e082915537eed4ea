/**
 * Each tenant CSR is parsed (and its self-signature verified) once per process: the platform's program checks it
 * before declaring, and the TenantCertificate provider's check (which the plan and preview run too) reads the same
 * PEM. With a thousand tenants, parsing each twice was a measurable share of the plan. certs/ keeps no state
 * (test/caProviderSerialization.test.ts), so the memo lives here.
 */
import { createPublicKey, type KeyObject } from "crypto";
import { parseCsr, type ParsedCsr } from "../../certs";

interface Memo {
  /** By message subject and PEM. */
  csrs: Map<string, ParsedCsr | Error>;
  /** Subject keys by their SPKI DER in base64 (what a TenantCertificate's inputs carry). */
  keys: Map<string, KeyObject>;
}

/** The memo, on the `process` object: shared however this module is loaded (a serialized closure would copy a Map). */
function memo(): Memo {
  const host = process as unknown as { __dpsX509ParsedCsrs?: Memo };
  return (host.__dpsX509ParsedCsrs ??= { csrs: new Map(), keys: new Map() });
}

/** parseCsr, memoized by PEM text and message subject; throws the same error on every call for a bad CSR. */
export function checkedCsr(pem: string, what: string): ParsedCsr {
  const key = `${what}\n${pem}`;
  let result = memo().csrs.get(key);
  if (result === undefined) {
    try {
      result = parseCsr(pem, what);
      memo().keys.set(result.spkiDer.toString("base64"), result.publicKey);
    } catch (e) {
      result = e as Error;
    }
    memo().csrs.set(key, result);
  }
  if (result instanceof Error) throw result;
  return result;
}

/** A subject key from its SPKI DER in base64, parsed once per process (a CSR checked here has given it already). */
export function subjectKey(spkiBase64: string): KeyObject {
  let key = memo().keys.get(spkiBase64);
  if (!key) {
    key = createPublicKey({ key: Buffer.from(spkiBase64, "base64"), format: "der", type: "spki" });
    memo().keys.set(spkiBase64, key);
  }
  return key;
}
