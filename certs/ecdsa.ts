/**
 * ECDSA signature encodings. JOSE (and so Key Vault's `sign` with ES256/ES384/ES512) gives r||s, each padded to the
 * curve's size (IEEE P1363); X.509 and PKCS#10 carry `ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }` (DER).
 * One job: that conversion.
 */
import { derTlv, TAG } from "./der";

/** A positive DER INTEGER from big-endian unsigned bytes (leading zeros dropped, a 00 added when the top bit is set). */
function unsignedInteger(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  return derTlv(TAG.INTEGER, trimmed[0] & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

/** r||s (two halves of equal length) → DER ECDSA-Sig-Value. */
export function p1363ToDer(signature: Buffer): Buffer {
  if (signature.length === 0 || signature.length % 2 !== 0) throw new Error(`an ECDSA r||s signature has an even, non-zero length; got ${signature.length} bytes`);
  const half = signature.length / 2;
  return derTlv(TAG.SEQUENCE, unsignedInteger(signature.subarray(0, half)), unsignedInteger(signature.subarray(half)));
}
