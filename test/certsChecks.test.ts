/**
 * checkBroughtCa: each failure, and brought CAs made by OpenSSL (RSA and EC) used as issuers.
 */
import { X509Certificate } from "crypto";
import {
  checkBroughtCa,
  checkBroughtCaDetailed,
  createDeviceCertificate,
  createIntermediateCa,
  createRootCa,
  createVerificationCertificate,
  KeyAndCert,
} from "../certs";
import { opensslOk, scratch, verifyChain, x509Dates } from "./support/openssl";

const DAY = 24 * 3600 * 1000;

let root: KeyAndCert;
let intermediate: KeyAndCert;
let otherRoot: KeyAndCert;

beforeAll(() => {
  root = createRootCa({ commonName: "Brought Root", keySize: 2048, validityDays: 100 });
  intermediate = createIntermediateCa({ issuer: root, commonName: "Brought Intermediate", keySize: 2048, validityDays: 50 });
  otherRoot = createRootCa({ commonName: "Other Root", keySize: 2048, validityDays: 100 });
});

/** A CA made entirely by OpenSSL, as a user would bring it. */
function opensslCa(o: { keyAlg: string[]; cn: string; ca?: boolean; days?: number }): KeyAndCert {
  const s = scratch();
  try {
    opensslOk(["genpkey", ...o.keyAlg, "-out", "key.pem"], { cwd: s.dir });
    const ext = o.ca === false ? ["-addext", "basicConstraints=critical,CA:FALSE"] : ["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"];
    opensslOk(["req", "-x509", "-key", "key.pem", "-subj", `/CN=${o.cn}`, "-days", String(o.days ?? 30), "-sha256", ...ext, "-out", "cert.pem"], { cwd: s.dir });
    return {
      certificatePem: opensslOk(["x509", "-in", "cert.pem"], { cwd: s.dir }),
      privateKeyPem: opensslOk(["pkey", "-in", "key.pem"], { cwd: s.dir }),
    };
  } finally {
    s.cleanup();
  }
}

test("a good brought CA has no problems (with and without key, with its issuer)", () => {
  expect(checkBroughtCa({ certificatePem: root.certificatePem })).toEqual([]);
  expect(checkBroughtCa({ certificatePem: root.certificatePem, privateKeyPem: root.privateKeyPem })).toEqual([]);
  expect(
    checkBroughtCa({ certificatePem: intermediate.certificatePem, privateKeyPem: intermediate.privateKeyPem, issuerCertificatePem: root.certificatePem }),
  ).toEqual([]);
});

test("a key that does not match the certificate", () => {
  const problems = checkBroughtCaDetailed({ certificatePem: root.certificatePem, privateKeyPem: otherRoot.privateKeyPem });
  expect(problems).toEqual([{ property: "privateKeyPem", message: "private key does not match the certificate's public key" }]);
});

test("a key that is not a key, and the message carries none of it", () => {
  const notAKey = "-----BEGIN PRIVATE KEY-----\nAAAAsecretsecretsecret\n-----END PRIVATE KEY-----\n";
  const problems = checkBroughtCa({ certificatePem: root.certificatePem, privateKeyPem: notAKey });
  expect(problems).toEqual(["private key could not be parsed"]);
  expect(checkBroughtCa({ certificatePem: root.certificatePem, privateKeyPem: "hello" })).toEqual(["private key is not a PEM private key"]);
});

test("a certificate that is not a CA (a device certificate)", () => {
  const device = createDeviceCertificate({ issuer: intermediate, registrationId: "dev-1" });
  const problems = checkBroughtCa({ certificatePem: device.certificatePem, privateKeyPem: device.privateKeyPem });
  expect(problems).toEqual(["certificate is not a CA certificate (basicConstraints CA:TRUE missing)"]);
  const leafByOpenssl = opensslCa({ keyAlg: ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"], cn: "not a ca", ca: false });
  expect(checkBroughtCa({ certificatePem: leafByOpenssl.certificatePem })).toEqual(["certificate is not a CA certificate (basicConstraints CA:TRUE missing)"]);
});

test("an expired certificate, and one not yet valid (dates as OpenSSL reads them)", () => {
  const { notBefore, notAfter } = x509Dates(root.certificatePem);
  const expired = checkBroughtCa({ certificatePem: root.certificatePem, now: new Date(notAfter.getTime() + 1000) });
  expect(expired).toEqual([`certificate expired (notAfter ${notAfter.toISOString()})`]);
  const early = checkBroughtCa({ certificatePem: root.certificatePem, now: new Date(notBefore.getTime() - 1000) });
  expect(early).toEqual([`certificate is not yet valid (notBefore ${notBefore.toISOString()})`]);
  expect(checkBroughtCa({ certificatePem: root.certificatePem, now: new Date(notAfter.getTime() - 1000) })).toEqual([]);
});

test("a certificate not signed by the given issuer", () => {
  const problems = checkBroughtCaDetailed({ certificatePem: intermediate.certificatePem, issuerCertificatePem: otherRoot.certificatePem });
  expect(problems).toEqual([{ property: "certificatePem", message: "certificate is not signed by the given issuer (CN=Other Root)" }]);
  // same subject name, different key: the name matches, the signature does not
  const impostor = createRootCa({ commonName: "Brought Root", keySize: 2048, validityDays: 100 });
  expect(checkBroughtCa({ certificatePem: intermediate.certificatePem, issuerCertificatePem: impostor.certificatePem })).toEqual([
    "certificate is not signed by the given issuer (CN=Brought Root)",
  ]);
});

test("unparsable PEMs", () => {
  expect(checkBroughtCaDetailed({ certificatePem: "not a pem" })).toEqual([
    { property: "certificatePem", message: "certificate PEM could not be parsed (no CERTIFICATE PEM block found)" },
  ]);
  const junk = "-----BEGIN CERTIFICATE-----\nMIIBAAAA\n-----END CERTIFICATE-----\n";
  expect(checkBroughtCa({ certificatePem: junk })[0]).toMatch(/^certificate PEM could not be parsed \(malformed certificate/);
  expect(checkBroughtCaDetailed({ certificatePem: intermediate.certificatePem, issuerCertificatePem: "junk" })).toEqual([
    { property: "issuerCertificatePem", message: "issuer certificate PEM could not be parsed (no CERTIFICATE PEM block found)" },
  ]);
});

test("several problems are all reported", () => {
  const { notAfter } = x509Dates(intermediate.certificatePem);
  const problems = checkBroughtCaDetailed({
    certificatePem: intermediate.certificatePem,
    privateKeyPem: root.privateKeyPem,
    issuerCertificatePem: otherRoot.certificatePem,
    now: new Date(notAfter.getTime() + DAY),
  });
  expect(problems.map((p) => p.property).sort()).toEqual(["certificatePem", "certificatePem", "privateKeyPem"]);
});

describe.each([
  ["RSA-2048", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"], "sha256WithRSAEncryption"],
  ["EC P-256", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"], "ecdsa-with-SHA256"],
  ["EC P-384", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"], "ecdsa-with-SHA384"],
])("a root brought from OpenSSL (%s)", (_name, keyAlg, sigAlg) => {
  let brought: KeyAndCert;
  beforeAll(() => {
    brought = opensslCa({ keyAlg: keyAlg as string[], cn: `Brought ${_name}` });
  });

  test("passes the checks", () => {
    expect(checkBroughtCa({ certificatePem: brought.certificatePem, privateKeyPem: brought.privateKeyPem })).toEqual([]);
  });

  test("signs an intermediate and a device that pass openssl verify -x509_strict", () => {
    const i = createIntermediateCa({ issuer: brought, commonName: "Under brought", keySize: 2048, validityDays: 10 });
    const d = createDeviceCertificate({ issuer: i, registrationId: "dev-under-brought" });
    const r = verifyChain({ root: brought.certificatePem, intermediates: [i.certificatePem], leaf: d.certificatePem });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(opensslOk(["x509", "-noout", "-text"], { input: i.certificatePem })).toContain(`Signature Algorithm: ${sigAlg}`);
  });

  test("signs a verification certificate that verifies against it", () => {
    const v = createVerificationCertificate({ issuer: brought, code: "0123456789ABCDEF" });
    expect(new X509Certificate(v.certificatePem).verify(new X509Certificate(brought.certificatePem).publicKey)).toBe(true);
    expect(verifyChain({ root: brought.certificatePem, leaf: v.certificatePem }).code).toBe(0);
  });
});
