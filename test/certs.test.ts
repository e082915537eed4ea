/**
 * certs/: every profile checked by OpenSSL (verify -x509_strict, x509 -text) and Node's X509Certificate.
 * Expected values come from OpenSSL's output, not from the code under test.
 */
import { createPrivateKey, createPublicKey, X509Certificate } from "crypto";
import {
  createDeviceCertificate,
  createIntermediateCa,
  createRootCa,
  createVerificationCertificate,
  describeCertificate,
  KeyAndCert,
} from "../certs";
import {
  extensionBlock,
  opensslOk,
  opensslRsaKeyId,
  scratch,
  verifyChain,
  x509Dates,
  x509Field,
  x509SubjectCn,
  x509Text,
} from "./support/openssl";

const DAY = 24 * 3600 * 1000;

function hexColons(s: string): string {
  return s.replace(/:/g, "").toUpperCase();
}

/** A chain per key size, made once (RSA-4096 generation is slow). */
const chains = new Map<number, { root: KeyAndCert; intermediate: KeyAndCert; device: KeyAndCert & { fullChainPem: string } }>();
function chain(keySize: 2048 | 3072 | 4096) {
  let c = chains.get(keySize);
  if (!c) {
    const root = createRootCa({ commonName: `Root ${keySize}`, keySize, validityDays: 3650 });
    const intermediate = createIntermediateCa({ issuer: root, commonName: `Intermediate ${keySize}`, keySize, validityDays: 1825 });
    const device = createDeviceCertificate({ issuer: intermediate, registrationId: `device-${keySize}`, keySize: 2048 });
    c = { root, intermediate, device };
    chains.set(keySize, c);
  }
  return c;
}

describe.each([2048, 3072, 4096] as const)("a generated chain with RSA-%i CAs", (keySize) => {
  test("passes openssl verify -x509_strict, root → intermediate → device", () => {
    const { root, intermediate, device } = chain(keySize);
    const r = verifyChain({ root: root.certificatePem, intermediates: [intermediate.certificatePem], leaf: device.certificatePem, extra: ["-purpose", "sslclient"] });
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe("leaf.pem: OK");
    expect(r.code).toBe(0);
    // and the intermediate alone against the root
    expect(verifyChain({ root: root.certificatePem, leaf: intermediate.certificatePem }).code).toBe(0);
  });

  test("Node's X509Certificate agrees: checkIssued and verify(issuer public key)", () => {
    const { root, intermediate, device } = chain(keySize);
    const r = new X509Certificate(root.certificatePem);
    const i = new X509Certificate(intermediate.certificatePem);
    const d = new X509Certificate(device.certificatePem);
    expect(r.checkIssued(r)).toBe(true);
    expect(r.verify(r.publicKey)).toBe(true);
    expect(i.checkIssued(r)).toBe(true);
    expect(i.verify(r.publicKey)).toBe(true);
    expect(d.checkIssued(i)).toBe(true);
    expect(d.verify(i.publicKey)).toBe(true);
    expect(d.verify(r.publicKey)).toBe(false);
    expect(d.checkIssued(r)).toBe(false);
    expect(r.ca).toBe(true);
    expect(i.ca).toBe(true);
    expect(d.ca).toBe(false);
    expect(i.checkPrivateKey(createPrivateKey(intermediate.privateKeyPem))).toBe(true);
  });

  test("root extensions read back by openssl", () => {
    const { root } = chain(keySize);
    const text = x509Text(root.certificatePem);
    expect(text).toMatch(/Version: 3 \(0x2\)/);
    expect(text).toMatch(new RegExp(`Public-Key: \\(${keySize} bit\\)`));
    expect(text.match(/Signature Algorithm: sha256WithRSAEncryption/g)).toHaveLength(2);
    expect(extensionBlock(text, "X509v3 Basic Constraints")).toEqual({ critical: true, value: "CA:TRUE, pathlen:1" });
    expect(extensionBlock(text, "X509v3 Key Usage")).toEqual({ critical: true, value: "Digital Signature, Certificate Sign, CRL Sign" });
    const ski = extensionBlock(text, "X509v3 Subject Key Identifier")!;
    const aki = extensionBlock(text, "X509v3 Authority Key Identifier")!;
    expect(hexColons(ski.value)).toBe(opensslRsaKeyId(root.certificatePem));
    expect(hexColons(aki.value.replace(/^keyid:/, ""))).toBe(hexColons(ski.value));
    expect(x509Field(root.certificatePem, ["-subject", "-nameopt", "RFC2253"])).toBe(`CN=Root ${keySize}`);
    expect(x509Field(root.certificatePem, ["-issuer", "-nameopt", "RFC2253"])).toBe(`CN=Root ${keySize}`);
  });

  test("intermediate: CA:TRUE pathlen 0, same key usages, AKI = root's SKI (not its own)", () => {
    const { root, intermediate } = chain(keySize);
    const rootText = x509Text(root.certificatePem);
    const text = x509Text(intermediate.certificatePem);
    expect(extensionBlock(text, "X509v3 Basic Constraints")).toEqual({ critical: true, value: "CA:TRUE, pathlen:0" });
    expect(extensionBlock(text, "X509v3 Key Usage")).toEqual({ critical: true, value: "Digital Signature, Certificate Sign, CRL Sign" });
    const ownSki = hexColons(extensionBlock(text, "X509v3 Subject Key Identifier")!.value);
    const aki = hexColons(extensionBlock(text, "X509v3 Authority Key Identifier")!.value.replace(/^keyid:/, ""));
    expect(ownSki).toBe(opensslRsaKeyId(intermediate.certificatePem));
    expect(aki).toBe(hexColons(extensionBlock(rootText, "X509v3 Subject Key Identifier")!.value));
    expect(aki).not.toBe(ownSki);
    expect(x509Field(intermediate.certificatePem, ["-issuer", "-nameopt", "RFC2253"])).toBe(`CN=Root ${keySize}`);
    expect(text.match(/Signature Algorithm: sha256WithRSAEncryption/g)).toHaveLength(2);
  });

  test("device: CN = registration id, CA:FALSE, digitalSignature + keyEncipherment, clientAuth, AKI = intermediate's SKI", () => {
    const { intermediate, device } = chain(keySize);
    const text = x509Text(device.certificatePem);
    expect(x509SubjectCn(device.certificatePem)).toBe(`device-${keySize}`);
    expect(extensionBlock(text, "X509v3 Basic Constraints")).toEqual({ critical: true, value: "CA:FALSE" });
    expect(extensionBlock(text, "X509v3 Key Usage")).toEqual({ critical: true, value: "Digital Signature, Key Encipherment" });
    expect(extensionBlock(text, "X509v3 Extended Key Usage")?.value).toBe("TLS Web Client Authentication");
    const aki = hexColons(extensionBlock(text, "X509v3 Authority Key Identifier")!.value.replace(/^keyid:/, ""));
    expect(aki).toBe(opensslRsaKeyId(intermediate.certificatePem));
    expect(text).toMatch(/Public-Key: \(2048 bit\)/);
    expect(text.match(/Signature Algorithm: sha256WithRSAEncryption/g)).toHaveLength(2);
  });

  test("full chain PEM is leaf then intermediate, and verifies as given", () => {
    const { root, intermediate, device } = chain(keySize);
    const blocks = device.fullChainPem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g)!;
    expect(blocks).toHaveLength(2);
    expect(new X509Certificate(blocks[0]).fingerprint256).toBe(new X509Certificate(device.certificatePem).fingerprint256);
    expect(new X509Certificate(blocks[1]).fingerprint256).toBe(new X509Certificate(intermediate.certificatePem).fingerprint256);
    const r = verifyChain({ root: root.certificatePem, intermediates: [device.fullChainPem], leaf: device.certificatePem });
    expect(r.code).toBe(0);
  });
});

describe("keys and serials", () => {
  test("private keys are PKCS#8 PEM that OpenSSL reads, and match their certificates", () => {
    const { root, intermediate, device } = chain(2048);
    for (const kc of [root, intermediate, device]) {
      expect(kc.privateKeyPem.startsWith("-----BEGIN PRIVATE KEY-----\n")).toBe(true);
      const keyModulus = opensslOk(["rsa", "-noout", "-modulus"], { input: kc.privateKeyPem }).trim();
      const certModulus = opensslOk(["x509", "-noout", "-modulus"], { input: kc.certificatePem }).trim();
      expect(keyModulus).toBe(certModulus);
    }
  });

  test("serials are positive, 16 octets of value, and differ", () => {
    const { root, intermediate, device } = chain(2048);
    const serials = [root, intermediate, device].map((kc) => x509Field(kc.certificatePem, ["-serial"]));
    for (const [i, serial] of serials.entries()) {
      expect(serial).toMatch(/^[0-9A-F]{32}$/); // 128 bits, first octet non-zero
      // OpenSSL prints "(Negative)" for a negative serial
      expect(x509Text([root, intermediate, device][i].certificatePem)).not.toMatch(/\(Negative\)/);
    }
    expect(new Set(serials).size).toBe(3);
  });
});

describe("validity", () => {
  test("notBefore is 5 minutes in the past; notAfter = now + validityDays (to the second)", () => {
    const now = new Date("2030-06-01T12:00:00.750Z");
    const root = createRootCa({ commonName: "Clock Root", keySize: 2048, validityDays: 10, now });
    const dates = x509Dates(root.certificatePem);
    expect(dates.notBefore.toISOString()).toBe("2030-06-01T11:55:00.000Z");
    expect(dates.notAfter.toISOString()).toBe("2030-06-11T12:00:00.000Z");
    const real = createDeviceCertificate({ issuer: chain(2048).intermediate, registrationId: "skew" });
    expect(x509Dates(real.certificatePem).notBefore.getTime()).toBeLessThan(Date.now() - 4 * 60 * 1000);
  });

  test("a certificate never outlives its issuer (intermediate, device, verification)", () => {
    const now = new Date("2031-01-01T00:00:00Z");
    const root = createRootCa({ commonName: "Short Root", keySize: 2048, validityDays: 30, now });
    const intermediate = createIntermediateCa({ issuer: root, commonName: "Long Intermediate", keySize: 2048, validityDays: 3650, now });
    const later = new Date(now.getTime() + 29.5 * DAY);
    const device = createDeviceCertificate({ issuer: intermediate, registrationId: "late-device", validityDays: 365, now: later });
    const verification = createVerificationCertificate({ issuer: intermediate, code: "ABC123", now: later });
    const rootEnd = x509Dates(root.certificatePem).notAfter.getTime();
    expect(x509Dates(intermediate.certificatePem).notAfter.getTime()).toBe(rootEnd);
    expect(x509Dates(device.certificatePem).notAfter.getTime()).toBe(rootEnd);
    expect(x509Dates(verification.certificatePem).notAfter.getTime()).toBe(rootEnd);
    // still a valid chain at a moment inside every window
    const atTime = String(Math.floor((later.getTime() + 60_000) / 1000));
    const r = verifyChain({ root: root.certificatePem, intermediates: [intermediate.certificatePem], leaf: device.certificatePem, extra: ["-attime", atTime] });
    expect(r.code).toBe(0);
  });

  test("issuing from an expired issuer is refused", () => {
    const now = new Date("2031-01-01T00:00:00Z");
    const root = createRootCa({ commonName: "Old Root", keySize: 2048, validityDays: 1, now });
    expect(() => createIntermediateCa({ issuer: root, commonName: "Too late", keySize: 2048, validityDays: 10, now: new Date(now.getTime() + 2 * DAY) })).toThrow(/expired/);
  });

  test("validityDays must be a whole number in range", () => {
    for (const validityDays of [0, -1, 1.5, 36501, NaN]) {
      expect(() => createRootCa({ commonName: "x", keySize: 2048, validityDays })).toThrow(/validityDays/);
    }
  });
});

describe("device certificates", () => {
  test("registration ids of 64 characters are accepted, 65 and more rejected, as is an empty one", () => {
    const issuer = chain(2048).intermediate;
    const id64 = "d".repeat(64);
    const device = createDeviceCertificate({ issuer, registrationId: id64 });
    expect(x509SubjectCn(device.certificatePem)).toBe(id64);
    expect(() => createDeviceCertificate({ issuer, registrationId: "d".repeat(65) })).toThrow(/1 to 64 characters/);
    expect(() => createDeviceCertificate({ issuer, registrationId: "" })).toThrow(/1 to 64 characters/);
    expect(() => createDeviceCertificate({ issuer, registrationId: "bad id" })).toThrow(/letters, digits/);
    expect(() => createDeviceCertificate({ issuer, registrationId: "ends." })).toThrow(/must end/);
  });

  test("registration ids with _ . : are written as UTF8String (PrintableString cannot hold _)", () => {
    const issuer = chain(2048).intermediate;
    const device = createDeviceCertificate({ issuer, registrationId: "site_7.line:3-a" });
    const asn1 = opensslOk(["asn1parse"], { input: device.certificatePem });
    expect(asn1).toMatch(/UTF8STRING\s*:site_7\.line:3-a/);
    expect(x509SubjectCn(device.certificatePem)).toBe("site_7.line:3-a");
  });

  test("a device is not issued by a non-CA, or by a CA whose key does not match", () => {
    const { intermediate, device, root } = chain(2048);
    expect(() => createDeviceCertificate({ issuer: device, registrationId: "x" })).toThrow(/not a CA/);
    const wrongKey = { certificatePem: intermediate.certificatePem, privateKeyPem: root.privateKeyPem };
    let message = "";
    try {
      createDeviceCertificate({ issuer: wrongKey, registrationId: "x" });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/does not match/);
    expect(message).not.toMatch(/PRIVATE KEY|MII/);
  });

  test("a root with pathlen 0 may not sign an intermediate", () => {
    const root = createRootCa({ commonName: "Flat Root", keySize: 2048, validityDays: 10, pathLength: 0 });
    expect(x509Text(root.certificatePem)).toMatch(/CA:TRUE, pathlen:0/);
    expect(() => createIntermediateCa({ issuer: root, commonName: "nope", keySize: 2048, validityDays: 5 })).toThrow(/pathlen 0/);
    const device = createDeviceCertificate({ issuer: root, registrationId: "direct" });
    expect(verifyChain({ root: root.certificatePem, leaf: device.certificatePem }).code).toBe(0);
  });
});

describe("verification certificates (proof of possession)", () => {
  test("CN = code, issuer = CA subject, AKI = CA SKI, 1 day; verifies against its CA, not another", () => {
    const { root, intermediate } = chain(2048);
    const other = chain(3072).root;
    const code = "2F1E0B3C4D5A69788796A5B4C3D2E1F0A1B2C3D4E5F60718";
    const v = createVerificationCertificate({ issuer: root, code });
    expect(x509SubjectCn(v.certificatePem)).toBe(code);
    expect(x509Field(v.certificatePem, ["-issuer", "-nameopt", "RFC2253"])).toBe(x509Field(root.certificatePem, ["-subject", "-nameopt", "RFC2253"]));
    const text = x509Text(v.certificatePem);
    const aki = hexColons(extensionBlock(text, "X509v3 Authority Key Identifier")!.value.replace(/^keyid:/, ""));
    expect(aki).toBe(opensslRsaKeyId(root.certificatePem));
    const { notBefore, notAfter } = x509Dates(v.certificatePem);
    expect(notAfter.getTime() - notBefore.getTime()).toBe(DAY + 5 * 60 * 1000);

    const x = new X509Certificate(v.certificatePem);
    expect(x.verify(new X509Certificate(root.certificatePem).publicKey)).toBe(true);
    expect(x.verify(new X509Certificate(other.certificatePem).publicKey)).toBe(false);
    expect(x.verify(createPublicKey(intermediate.privateKeyPem))).toBe(false);
    expect(verifyChain({ root: root.certificatePem, leaf: v.certificatePem }).code).toBe(0);
    expect(verifyChain({ root: other.certificatePem, leaf: v.certificatePem }).code).not.toBe(0);
    // an intermediate can be proved too
    const vi = createVerificationCertificate({ issuer: intermediate, code: "abc-DEF_012.3" });
    expect(verifyChain({ root: root.certificatePem, intermediates: [intermediate.certificatePem], leaf: vi.certificatePem }).code).toBe(0);
  });

  test("bad codes are rejected: empty, too long, unsafe characters", () => {
    const issuer = chain(2048).root;
    for (const code of ["", "A".repeat(65), "AB CD", "AB/CD", "CN=x,O=y", "ab\ncd", "é"]) {
      expect(() => createVerificationCertificate({ issuer, code })).toThrow(/code/);
    }
    expect(() => createVerificationCertificate({ issuer, code: "A".repeat(64) })).not.toThrow();
  });
});

describe("describeCertificate", () => {
  test("matches OpenSSL's view of the same certificate", () => {
    const { intermediate } = chain(2048);
    const pem = intermediate.certificatePem;
    const d = describeCertificate(pem);
    const dates = x509Dates(pem);
    expect(d.subject).toBe(x509Field(pem, ["-subject", "-nameopt", "RFC2253"]));
    expect(d.issuer).toBe(x509Field(pem, ["-issuer", "-nameopt", "RFC2253"]));
    expect(d.commonName).toBe(x509SubjectCn(pem));
    expect(d.notBefore).toBe(dates.notBefore.toISOString());
    expect(d.notAfter).toBe(dates.notAfter.toISOString());
    expect(d.serialNumber).toBe(x509Field(pem, ["-serial"]));
    expect(d.sha1Thumbprint).toBe(hexColons(x509Field(pem, ["-fingerprint", "-sha1"])));
    expect(d.sha256Thumbprint).toBe(hexColons(x509Field(pem, ["-fingerprint", "-sha256"])));
    expect(d.keySize).toBe(2048);
    expect(d.isCa).toBe(true);
    expect(d.pathLength).toBe(0);
    expect(d.subjectKeyId).toBe(opensslRsaKeyId(pem));
    expect(d.authorityKeyId).toBe(opensslRsaKeyId(chain(2048).root.certificatePem));
    const dd = describeCertificate(chain(2048).device.certificatePem);
    expect(dd.isCa).toBe(false);
    expect(dd.pathLength).toBeUndefined();
  });

  test("reads a certificate made by OpenSSL with an EC key and a multi-attribute subject", () => {
    const key = opensslOk(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"]);
    const s = scratch({ "k.pem": key });
    try {
      opensslOk(["req", "-x509", "-key", "k.pem", "-subj", "/C=NL/O=Contoso, Ltd/CN=EC Root", "-days", "5", "-out", "c.pem", "-addext", "basicConstraints=critical,CA:TRUE,pathlen:2"], { cwd: s.dir });
      const pem = opensslOk(["x509", "-in", "c.pem"], { cwd: s.dir });
      const d = describeCertificate(pem);
      expect(d.subject).toBe(x509Field(pem, ["-subject", "-nameopt", "RFC2253"]));
      expect(d.commonName).toBe("EC Root");
      expect(d.keySize).toBe(384);
      expect(d.pathLength).toBe(2);
      expect(d.sha1Thumbprint).toBe(hexColons(x509Field(pem, ["-fingerprint", "-sha1"])));
    } finally {
      s.cleanup();
    }
  });

  test("an unparsable PEM throws a message without the input", () => {
    const junk = "-----BEGIN CERTIFICATE-----\nTUlJQ0FBQUJCQ0RF\n-----END CERTIFICATE-----\n";
    expect(() => describeCertificate(junk)).toThrow(/^malformed certificate/);
    expect(() => describeCertificate("hello")).toThrow(/no CERTIFICATE PEM block/);
  });
});

describe("common names", () => {
  test("CA common names: 1..64 characters, no control characters, no outer spaces", () => {
    expect(() => createRootCa({ commonName: "", keySize: 2048, validityDays: 1 })).toThrow(/1 to 64/);
    expect(() => createRootCa({ commonName: "x".repeat(65), keySize: 2048, validityDays: 1 })).toThrow(/1 to 64/);
    expect(() => createRootCa({ commonName: "a\u0000b", keySize: 2048, validityDays: 1 })).toThrow(/control/);
    expect(() => createRootCa({ commonName: " padded", keySize: 2048, validityDays: 1 })).toThrow(/white space/);
    expect(() => createRootCa({ commonName: "ok", keySize: 1024 as 2048, validityDays: 1 })).toThrow(/keySize/);
  });
});
