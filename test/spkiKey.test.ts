/**
 * certs/spkiKey.ts: a public key read from its SubjectPublicKeyInfo DER, quickly for RSA (built from modulus and
 * exponent). The keys come from OpenSSL, not from this project; the answer must be the very key Node's own SPKI
 * import reads, or Node's own error.
 */
import { createPublicKey } from "crypto";
import { publicKeyFromSpki, rsaKeyFromSpki } from "../certs/spkiKey";
import { opensslOk, scratch } from "./support/openssl";

/** A public key made by `openssl genpkey`, as SPKI DER. */
function opensslPublicKey(algorithmArgs: string[]): Buffer {
  const dir = scratch();
  try {
    opensslOk(["genpkey", ...algorithmArgs, "-out", "key.pem"], { cwd: dir.dir });
    const pem = opensslOk(["pkey", "-in", "key.pem", "-pubout"], { cwd: dir.dir });
    return createPublicKey(pem).export({ type: "spki", format: "der" });
  } finally {
    dir.cleanup();
  }
}

const sameKey = (der: Buffer) => {
  const key = publicKeyFromSpki(der);
  const nodes = createPublicKey({ key: der, format: "der", type: "spki" });
  expect(key.type).toBe("public");
  expect(key.equals(nodes)).toBe(true);
  expect(key.asymmetricKeyDetails).toEqual(nodes.asymmetricKeyDetails);
  expect(key.export({ type: "spki", format: "der" }).equals(der)).toBe(true);
};

test.each([
  ["RSA 2048", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]],
  ["RSA 3072, exponent 3", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072", "-pkeyopt", "rsa_keygen_pubexp:3"]],
  ["RSA 1024", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"]],
  ["EC P-256 (Node's own import)", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]],
  ["EC P-384", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"]],
  ["Ed25519", ["-algorithm", "ED25519"]],
])("%s from OpenSSL: the same key as Node's SPKI import reads", (_what, args) => {
  sameKey(opensslPublicKey(args));
});

test("RSA keys take the fast path (modulus and exponent), other keys do not", () => {
  expect(rsaKeyFromSpki(opensslPublicKey(["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]))?.asymmetricKeyType).toBe("rsa");
  expect(rsaKeyFromSpki(opensslPublicKey(["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]))).toBeUndefined();
});

test("an RSA SPKI whose modulus carries a redundant leading zero (not DER) is not rebuilt: Node's import decides", () => {
  const der = opensslPublicKey(["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]);
  // 30 82 <len@2> { 30 0d …(15 bytes) } 03 82 <len@21> 00 30 82 <len@26> { 02 82 01 01 00 n… 02 03 e }
  const modulusAt = der.indexOf(Buffer.from([0x02, 0x82, 0x01, 0x01, 0x00]));
  expect(modulusAt).toBe(28);
  const padded = Buffer.concat([der.subarray(0, modulusAt), Buffer.from([0x02, 0x82, 0x01, 0x02, 0x00]), der.subarray(modulusAt + 4)]);
  // Lengths of the three enclosing elements grow by one.
  for (const at of [2, 21, 26]) padded.writeUInt16BE(padded.readUInt16BE(at) + 1, at);
  expect(rsaKeyFromSpki(padded)).toBeUndefined();
  let nodes: unknown;
  try {
    nodes = createPublicKey({ key: padded, format: "der", type: "spki" });
  } catch (e) {
    nodes = e;
  }
  if (nodes instanceof Error) expect(() => publicKeyFromSpki(padded)).toThrow(nodes.message);
  else expect(publicKeyFromSpki(padded).export({ type: "spki", format: "der" })).toEqual((nodes as ReturnType<typeof createPublicKey>).export({ type: "spki", format: "der" }));
});

test("garbage, a truncated key and an empty buffer throw Node's own error", () => {
  const der = opensslPublicKey(["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]);
  for (const bad of [Buffer.from("not a key"), der.subarray(0, der.length - 10), Buffer.alloc(0)]) {
    let expected = "";
    try {
      createPublicKey({ key: bad, format: "der", type: "spki" });
    } catch (e) {
      expected = (e as Error).message;
    }
    expect(expected).not.toBe("");
    expect(() => publicKeyFromSpki(bad)).toThrow(expected);
  }
});
