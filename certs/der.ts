/**
 * DER and PEM plumbing on Buffers: encode a TLV, wrap/unwrap PEM armour.
 * One job: bytes in, bytes out. No X.509 knowledge beyond the tags used here.
 */

/** ASN.1 universal tags used when assembling a certificate by hand. */
const TAG = { INTEGER: 0x02, BIT_STRING: 0x03, OCTET_STRING: 0x04, NULL: 0x05, OID: 0x06, SEQUENCE: 0x30 } as const;
export { TAG };

/** Encodes a DER length (definite form). */
function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** Encodes one tag-length-value. */
export function derTlv(tag: number, ...content: Buffer[]): Buffer {
  const body = content.length === 1 ? content[0] : Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
}

/** Encodes a dotted OID as DER (tag included). */
export function derOid(oid: string): Buffer {
  const parts = oid.split(".").map((p) => parseInt(p, 10));
  const bytes: number[] = [parts[0] * 40 + parts[1]];
  for (const part of parts.slice(2)) {
    const chunk: number[] = [part & 0x7f];
    for (let n = Math.floor(part / 128); n > 0; n = Math.floor(n / 128)) chunk.unshift(0x80 | (n & 0x7f));
    bytes.push(...chunk);
  }
  return derTlv(TAG.OID, Buffer.from(bytes));
}

/** Reads the element starting at `offset`; returns where its content starts and ends. */
export function readTlv(buf: Buffer, offset: number): { tag: number; start: number; end: number } {
  if (offset + 2 > buf.length) throw new Error("truncated DER element");
  const tag = buf[offset];
  let length = buf[offset + 1];
  let start = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4 || start + count > buf.length) throw new Error("unsupported DER length");
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buf[start + i];
    start += count;
  }
  const end = start + length;
  if (end > buf.length) throw new Error("truncated DER element");
  return { tag, start, end };
}

/** Wraps DER bytes in PEM armour with 64-character lines. */
export function pemEncode(label: string, der: Buffer): string {
  const b64 = der.toString("base64");
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

/** All PEM blocks with the given label, in order, decoded to DER. */
export function pemDecodeAll(pem: string, label: string): Buffer[] {
  const re = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`, "g");
  const blocks: Buffer[] = [];
  for (let m = re.exec(pem); m !== null; m = re.exec(pem)) {
    const body = m[1].replace(/\s+/g, "");
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body) || body.length === 0) throw new Error(`malformed ${label} PEM block`);
    blocks.push(Buffer.from(body, "base64"));
  }
  return blocks;
}

/** The first PEM block with the given label, decoded; throws a message without any of the input when there is none. */
export function pemDecode(pem: string, label: string): Buffer {
  if (typeof pem !== "string") throw new Error(`expected a ${label} PEM string`);
  const blocks = pemDecodeAll(pem, label);
  if (blocks.length === 0) throw new Error(`no ${label} PEM block found`);
  return blocks[0];
}
