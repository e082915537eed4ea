/**
 * ECDSA over a digest the caller already computed, as Key Vault's `sign` with ES256/ES384/ES512 does. Node's crypto
 * only signs messages (it hashes them itself), so the local Key Vault does the curve arithmetic here, with BigInt
 * (FIPS 186-4 §6.4, curve parameters from `openssl ecparam -param_enc explicit`). Test infrastructure: slow, not
 * constant-time. The answer is r||s, each padded to the curve's size, as JOSE and Key Vault give it.
 */
import { KeyObject, randomBytes } from "crypto";

interface Curve {
  p: bigint;
  n: bigint;
  gx: bigint;
  gy: bigint;
  bytes: number;
}
type Point = { x: bigint; y: bigint } | null;

/** The NIST curves by JOSE name (a = -3 on all three). */
const CURVES: Record<string, Curve> = {
  "P-256": {
    p: 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
    n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
    gx: 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
    gy: 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
    bytes: 32,
  },
  "P-384": {
    p: 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffffn,
    n: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
    gx: 0xaa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7n,
    gy: 0x3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5fn,
    bytes: 48,
  },
  "P-521": {
    p: (1n << 521n) - 1n,
    n: 0x01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n,
    gx: 0x00c6858e06b70404e9cd9e3ecb662395b4429c648139053fb521f828af606b4d3dbaa14b5e77efe75928fe1dc127a2ffa8de3348b3c1856a429bf97e7e31c2e5bd66n,
    gy: 0x011839296a789a3bc0045c8a5fb42c7d1bd998f54449579b446817afbd17273e662c97ee72995ef42640c550b9013fad0761353c7086a272c24088be94769fd16650n,
    bytes: 66,
  },
};

const mod = (a: bigint, m: bigint) => ((a % m) + m) % m;

function inverse(a: bigint, m: bigint): bigint {
  let [r0, r1] = [mod(a, m), m];
  let [s0, s1] = [1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  return mod(s0, m);
}

function add(c: Curve, a: Point, b: Point): Point {
  if (!a) return b;
  if (!b) return a;
  let slope: bigint;
  if (a.x === b.x) {
    if (mod(a.y + b.y, c.p) === 0n) return null;
    slope = mod((3n * a.x * a.x - 3n) * inverse(2n * a.y, c.p), c.p);
  } else {
    slope = mod((b.y - a.y) * inverse(b.x - a.x, c.p), c.p);
  }
  const x = mod(slope * slope - a.x - b.x, c.p);
  return { x, y: mod(slope * (a.x - x) - a.y, c.p) };
}

function multiply(c: Curve, k: bigint, point: Point): Point {
  let result: Point = null;
  let addend = point;
  for (let e = k; e > 0n; e >>= 1n) {
    if (e & 1n) result = add(c, result, addend);
    addend = add(c, addend, addend);
  }
  return result;
}

const toBigInt = (bytes: Buffer) => (bytes.length ? BigInt(`0x${bytes.toString("hex")}`) : 0n);
const toBytes = (n: bigint, length: number) => Buffer.from(n.toString(16).padStart(length * 2, "0"), "hex");

/** Signs `digest` with an EC private key on P-256, P-384 or P-521; returns r||s. */
export function signDigestEcdsa(privateKey: KeyObject, curveName: string, digest: Buffer): Buffer {
  const c = CURVES[curveName];
  if (!c) throw new Error(`no curve ${curveName}`);
  const d = toBigInt(Buffer.from(privateKey.export({ format: "jwk" }).d!, "base64url"));
  const nBits = c.n.toString(2).length;
  let z = toBigInt(digest);
  if (digest.length * 8 > nBits) z >>= BigInt(digest.length * 8 - nBits); // leftmost bits of the digest
  for (;;) {
    const k = mod(toBigInt(randomBytes(c.bytes + 8)), c.n - 1n) + 1n;
    const point = multiply(c, k, { x: c.gx, y: c.gy });
    const r = mod(point!.x, c.n);
    if (r === 0n) continue;
    const s = mod(inverse(k, c.n) * (z + r * d), c.n);
    if (s === 0n) continue;
    return Buffer.concat([toBytes(r, c.bytes), toBytes(s, c.bytes)]);
  }
}
