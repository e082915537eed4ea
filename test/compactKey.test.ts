/**
 * certs/compactKey.ts: the compact form CA keys have in state. Checked with OpenSSL (the decoded key passes its
 * consistency checks, has the original's modulus, and signs certificates that verify against the original
 * certificate) and with fast-check round trips.
 */
import { createPrivateKey, generateKeyPairSync, KeyObject } from "crypto";
import * as fc from "fast-check";
import { compactKeyToPem, createIntermediateCa, createRootCa, decodeCompactKey, encodeCompactKey, isCompactKey } from "../certs";
import { loadPrivateKey } from "../certs/keys";
import { openssl, opensslOk, verifyChain } from "./support/openssl";

const modulusOfKey = (pem: string) => opensslOk(["rsa", "-noout", "-modulus"], { input: pem });
const modulusOfCertificate = (pem: string) => opensslOk(["x509", "-noout", "-modulus"], { input: pem });

describe.each([2048, 4096] as const)("RSA-%i", (keySize) => {
  const ca = createRootCa({ commonName: `Compact ${keySize}`, keySize, validityDays: 30 });
  const compact = encodeCompactKey(ca.privateKeyPem);
  const decodedPem = compactKeyToPem(compact);

  test("the compact form is small: version tag, e, p, q in base64url", () => {
    expect(compact).toMatch(/^rsa1\.AQAB\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    // p and q are half the modulus each: 2 × keySize/8/2 bytes in base64url, plus the tag and e.
    expect(compact.length).toBeLessThanOrEqual(Math.ceil((keySize / 8) * 4 / 3) + 12);
    expect(compact.length).toBeLessThan(ca.privateKeyPem.length / 2);
  });

  test("decoded, it passes openssl's key checks and has the original's modulus", () => {
    expect(decodedPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    const pkey = openssl(["pkey", "-check", "-noout"], { input: decodedPem });
    expect(pkey.code).toBe(0);
    expect(`${pkey.stdout}${pkey.stderr}`).toMatch(/Key is valid/);
    const rsa = openssl(["rsa", "-check", "-noout"], { input: decodedPem });
    expect(rsa.code).toBe(0);
    expect(rsa.stdout).toMatch(/RSA key ok/);
    expect(modulusOfKey(decodedPem)).toBe(modulusOfKey(ca.privateKeyPem));
    expect(modulusOfKey(decodedPem)).toBe(modulusOfCertificate(ca.certificatePem));
  });

  test("a certificate signed with the decoded key verifies against the original certificate (openssl -x509_strict)", () => {
    const issuer = { certificatePem: ca.certificatePem, privateKeyPem: decodedPem };
    const intermediate = createIntermediateCa({ issuer, commonName: `Signed by decoded ${keySize}`, keySize: 2048, validityDays: 10 });
    expect(verifyChain({ root: ca.certificatePem, leaf: intermediate.certificatePem }).code).toBe(0);
    // The compact text itself is accepted wherever a key is loaded.
    const viaCompact = createIntermediateCa({ issuer: { certificatePem: ca.certificatePem, privateKeyPem: compact }, commonName: `Signed by compact ${keySize}`, keySize: 2048, validityDays: 10 });
    expect(verifyChain({ root: ca.certificatePem, leaf: viaCompact.certificatePem }).code).toBe(0);
  });

  test("every CRT parameter is what OpenSSL computed for the original key", () => {
    const original = createPrivateKey(ca.privateKeyPem).export({ format: "jwk" });
    const decoded = decodeCompactKey(compact).export({ format: "jwk" });
    for (const k of ["n", "e", "p", "q", "dp", "dq", "qi"] as const) expect({ [k]: decoded[k] }).toEqual({ [k]: original[k] });
  });
});

describe("round trips (fast-check)", () => {
  // Key generation is the slow part: a small pool of real keys of every size, in PKCS#8, PKCS#1 and KeyObject form.
  const pool: KeyObject[] = [2048, 2048, 3072, 2048].map((modulusLength) => generateKeyPairSync("rsa", { modulusLength, publicExponent: 0x10001 }).privateKey);
  pool.push(generateKeyPairSync("rsa", { modulusLength: 2048, publicExponent: 3 }).privateKey);

  test("encode → decode gives the same key, from any encoding of it, and encode is stable", () => {
    fc.assert(
      fc.property(fc.constantFrom(...pool), fc.constantFrom("pkcs8", "pkcs1", "object"), (key, form) => {
        const given = form === "object" ? key : key.export({ type: form as "pkcs8", format: "pem" }).toString();
        const compact = encodeCompactKey(given);
        const back = decodeCompactKey(compact);
        expect(back.export({ format: "jwk" }).n).toBe(key.export({ format: "jwk" }).n);
        expect(back.export({ format: "jwk" }).p).toBe(key.export({ format: "jwk" }).p);
        expect(encodeCompactKey(back)).toBe(compact);
        expect(encodeCompactKey(compactKeyToPem(compact))).toBe(compact);
        expect(loadPrivateKey(compact).equals(back)).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  test("any change to the text is refused or is another key: never the original", () => {
    const compact = encodeCompactKey(pool[0]);
    fc.assert(
      fc.property(fc.nat({ max: compact.length - 1 }), fc.constantFrom(..."ABCabc019-_.!"), (at, c) => {
        fc.pre(compact[at] !== c);
        const changed = compact.slice(0, at) + c + compact.slice(at + 1);
        let decoded: KeyObject | undefined;
        try {
          decoded = decodeCompactKey(changed);
        } catch (e) {
          expect((e as Error).message).not.toContain(compact.slice(10, 30));
          return;
        }
        expect(decoded.equals(pool[0])).toBe(false);
      }),
      { numRuns: 60 },
    );
  });
});

test("what is not a compact key is told apart, and errors name no key material", () => {
  const pem = createRootCa({ commonName: "Not compact", keySize: 2048, validityDays: 1 }).privateKeyPem;
  expect(isCompactKey(pem)).toBe(false);
  expect(isCompactKey(encodeCompactKey(pem))).toBe(true);
  expect(() => decodeCompactKey("rsa1.AQAB.AQ.AQ", "the issuer's key")).toThrow(/^the issuer's key is not a valid RSA key$/);
  expect(() => decodeCompactKey("rsa2.AQAB.AQ.AQ")).toThrow(/is not a compact private key/);
  const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
  expect(() => encodeCompactKey(ec, "brought key")).toThrow(/^brought key is not an RSA private key$/);
  expect(() => encodeCompactKey("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")).toThrow(/^private key could not be parsed$/);
});
