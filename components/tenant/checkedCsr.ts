/**
 * Each tenant CSR is parsed (and its self-signature verified) once per process: the platform's program checks it
 * before declaring, and the TenantCertificate provider's check (which the plan and preview run too) reads the same
 * PEM. With a thousand tenants, parsing each twice was a measurable share of the plan. certs/ keeps no state
 * (test/caProviderSerialization.test.ts), so the memo lives here.
 */
import { parseCsr, type ParsedCsr } from "../../certs";

/** The memo, on the `process` object: shared however this module is loaded (a serialized closure would copy a Map). */
function parsed(): Map<string, ParsedCsr | Error> {
  const host = process as unknown as { __dpsX509ParsedCsrs?: Map<string, ParsedCsr | Error> };
  return (host.__dpsX509ParsedCsrs ??= new Map());
}

/** parseCsr, memoized by PEM text and message subject; throws the same error on every call for a bad CSR. */
export function checkedCsr(pem: string, what: string): ParsedCsr {
  const key = `${what}\n${pem}`;
  let result = parsed().get(key);
  if (result === undefined) {
    try {
      result = parseCsr(pem, what);
    } catch (e) {
      result = e as Error;
    }
    parsed().set(key, result);
  }
  if (result instanceof Error) throw result;
  return result;
}
