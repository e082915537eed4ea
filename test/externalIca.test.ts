/**
 * certs/externalIca.ts: the ADR External ICA profile. Every expectation comes from OpenSSL (the CSR and the issuing root
 * are made by OpenSSL too), never from the code under test.
 */
import { createHash, createPrivateKey, X509Certificate } from "crypto";
import { keyObjectSigner, signExternalIcaCsr } from "../certs";
import { openssl, opensslOk, scratch, verifyChain, x509Text } from "./support/openssl";

const DAY = 24 * 3600 * 1000;

/** A self-signed CA made by OpenSSL: key type args for `req -newkey`. */
function opensslRoot(newkey: string[], o: { days?: number; pathlen?: number } = {}) {
  const s = scratch();
  try {
    opensslOk(
      ["req", "-x509", "-newkey", ...newkey, "-nodes", "-keyout", "root.key", "-out", "root.pem", "-days", String(o.days ?? 3650), "-subj", "/CN=Contoso Root",
        "-addext", `basicConstraints=critical,CA:TRUE${o.pathlen === undefined ? "" : `,pathlen:${o.pathlen}`}`, "-addext", "keyUsage=critical,keyCertSign,cRLSign,digitalSignature"],
      { cwd: s.dir },
    );
    return { certificatePem: opensslOk(["x509", "-in", `${s.dir}/root.pem`]), keyPem: opensslOk(["pkey", "-in", `${s.dir}/root.key`]) };
  } finally {
    s.cleanup();
  }
}

/** An ICA CSR as ADR makes one: EC P-384, subject CN=<ca>; PrintableString names (string_mask nombstr), to catch a re-encoded subject. */
function opensslIcaCsr(cn: string, newkey = ["ec", "-pkeyopt", "ec_paramgen_curve:P-384"]) {
  const s = scratch({ "req.cnf": "[req]\ndistinguished_name=dn\nstring_mask=nombstr\nprompt=no\n[dn]\nCN=" + cn + "\n" });
  try {
    opensslOk(["req", "-new", "-config", "req.cnf", "-newkey", ...newkey, "-nodes", "-keyout", "ica.key", "-out", "ica.csr"], { cwd: s.dir });
    return { csrPem: opensslOk(["req", "-in", `${s.dir}/ica.csr`]), keyPem: opensslOk(["pkey", "-in", `${s.dir}/ica.key`]) };
  } finally {
    s.cleanup();
  }
}

const p256Root = opensslRoot(["ec", "-pkeyopt", "ec_paramgen_curve:P-256"], { pathlen: 1 });
const csr = opensslIcaCsr("myica");
const signerOf = (root: { keyPem: string }) => keyObjectSigner(createPrivateKey(root.keyPem));

describe("signExternalIcaCsr", () => {
  let icaPem: string;
  beforeAll(async () => {
    icaPem = await signExternalIcaCsr(csr.csrPem, { certificatePem: p256Root.certificatePem, signer: signerOf(p256Root) });
  });

  test("passes openssl verify -x509_strict under the root, and a device certificate the ICA issues verifies through it", () => {
    expect(verifyChain({ root: p256Root.certificatePem, leaf: icaPem }).stdout).toContain("OK");
    const s = scratch({ "ica.pem": icaPem, "ica.key": csr.keyPem, "ext.cnf": "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n" });
    try {
      opensslOk(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384", "-nodes", "-keyout", "d.key", "-out", "d.csr", "-subj", "/CN=device-1"], { cwd: s.dir });
      opensslOk(["x509", "-req", "-in", "d.csr", "-CA", "ica.pem", "-CAkey", "ica.key", "-CAcreateserial", "-days", "30", "-sha384", "-extfile", "ext.cnf", "-out", "d.pem"], { cwd: s.dir });
      const device = opensslOk(["x509", "-in", `${s.dir}/d.pem`]);
      const r = verifyChain({ root: p256Root.certificatePem, intermediates: [icaPem], leaf: device });
      expect(r.stderr).toBe("");
      expect(r.stdout).toContain("OK");
    } finally {
      s.cleanup();
    }
  });

  test("meets each ADR requirement, as openssl x509 -text reads it", () => {
    const text = x509Text(icaPem);
    expect(text).toContain("Version: 3 (0x2)");
    expect(text).toMatch(/Signature Algorithm: ecdsa-with-SHA256/);
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE, pathlen:1/);
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Digital Signature, Certificate Sign, CRL Sign/);
    expect(text).not.toContain("Extended Key Usage");
    expect(text).toContain("ASN1 OID: secp384r1");
    // SKI = SHA-1 of the CSR key's point (RFC 5280 method 1): the last 97 bytes of a P-384 SPKI are 04||x||y
    const spki = Buffer.from(opensslOk(["req", "-pubkey", "-noout"], { input: csr.csrPem }).replace(/-----[^-]+-----|\s/g, ""), "base64");
    const expectedSki = createHash("sha1").update(spki.subarray(spki.length - 97)).digest("hex").toUpperCase().match(/../g)!.join(":");
    expect(text).toMatch(new RegExp(`Subject Key Identifier:\\s+${expectedSki}`));
    const rootSki = /Subject Key Identifier:\s+([0-9A-F:]+)/.exec(x509Text(p256Root.certificatePem))![1];
    expect(text).toMatch(new RegExp(`Authority Key Identifier:\\s+(keyid:)?${rootSki}`));
  });

  test("subject is the CSR's, string types included; issuer is the root's subject", () => {
    const show = (args: string[], input: string) => opensslOk([...args, "-noout", "-subject", "-nameopt", "multiline,show_type"], { input });
    expect(show(["x509"], icaPem)).toBe(show(["req"], csr.csrPem));
    expect(show(["x509"], icaPem)).toContain("PRINTABLESTRING:myica");
    expect(new X509Certificate(icaPem).issuer).toBe(new X509Certificate(p256Root.certificatePem).subject);
  });

  test("valid for 365 days plus a margin by default, from now", () => {
    const x = new X509Certificate(icaPem);
    const left = new Date(x.validTo).getTime() - Date.now();
    expect(left).toBeGreaterThanOrEqual(365 * DAY + 7 * DAY);
    expect(new Date(x.validFrom).getTime()).toBeLessThanOrEqual(Date.now());
  });

  test("the hash follows the issuer's curve: P-384 → SHA-384, P-521 → SHA-512", async () => {
    for (const [curve, alg] of [["P-384", "ecdsa-with-SHA384"], ["P-521", "ecdsa-with-SHA512"]]) {
      const root = opensslRoot(["ec", "-pkeyopt", `ec_paramgen_curve:${curve}`]);
      const pem = await signExternalIcaCsr(csr.csrPem, { certificatePem: root.certificatePem, signer: signerOf(root) });
      expect(x509Text(pem)).toContain(`Signature Algorithm: ${alg}`);
      expect(verifyChain({ root: root.certificatePem, leaf: pem }).stdout).toContain("OK");
    }
  });

  test("a CSR with escaped line breaks, as ARM's examples show it, is read the same", async () => {
    const escaped = csr.csrPem.trim().replace(/\n/g, "\\n");
    expect(escaped).not.toContain("\n");
    const pem = await signExternalIcaCsr(escaped, { certificatePem: p256Root.certificatePem, signer: signerOf(p256Root) });
    expect(verifyChain({ root: p256Root.certificatePem, leaf: pem }).stdout).toContain("OK");
  });

  test("refuses an RSA issuer, naming ECDSA", async () => {
    const rsa = opensslRoot(["rsa:2048"]);
    await expect(signExternalIcaCsr(csr.csrPem, { certificatePem: rsa.certificatePem, signer: signerOf(rsa) })).rejects.toThrow(/ECDSA.*RSA/);
  });

  test("refuses an issuer that expires within 365 days, and a validity under 365 days", async () => {
    const short = opensslRoot(["ec", "-pkeyopt", "ec_paramgen_curve:P-256"], { days: 200 });
    await expect(signExternalIcaCsr(csr.csrPem, { certificatePem: short.certificatePem, signer: signerOf(short) })).rejects.toThrow(/within 365 days/);
    await expect(signExternalIcaCsr(csr.csrPem, { certificatePem: p256Root.certificatePem, signer: signerOf(p256Root) }, { validityDays: 364 })).rejects.toThrow(/at least 365/);
  });

  test("never outlives its issuer (clamped to the issuer's notAfter)", async () => {
    const root = opensslRoot(["ec", "-pkeyopt", "ec_paramgen_curve:P-256"], { days: 380 });
    const pem = await signExternalIcaCsr(csr.csrPem, { certificatePem: root.certificatePem, signer: signerOf(root) });
    expect(new X509Certificate(pem).validTo).toBe(new X509Certificate(root.certificatePem).validTo);
  });

  test("refuses an RSA CSR, a CSR whose signature does not verify, and an issuer with pathlen 0", async () => {
    const issuer = { certificatePem: p256Root.certificatePem, signer: signerOf(p256Root) };
    await expect(signExternalIcaCsr(opensslIcaCsr("rsaica", ["rsa:2048"]).csrPem, issuer)).rejects.toThrow(/must be EC/);
    const der = Buffer.from(csr.csrPem.replace(/-----[^-]+-----|\s/g, ""), "base64");
    der[der.length - 5] ^= 0x01; // inside the signature
    const broken = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString("base64")}\n-----END CERTIFICATE REQUEST-----\n`;
    await expect(signExternalIcaCsr(broken, issuer)).rejects.toThrow(/External ICA CSR/);
    const leafOnly = opensslRoot(["ec", "-pkeyopt", "ec_paramgen_curve:P-256"], { pathlen: 0 });
    await expect(signExternalIcaCsr(csr.csrPem, { certificatePem: leafOnly.certificatePem, signer: signerOf(leafOnly) })).rejects.toThrow(/pathlen 0/);
  });
});

test("openssl is present (the checks above read certificates with it)", () => {
  expect(openssl(["version"]).code).toBe(0);
});

test("a device certificate for an EC key has keyUsage digitalSignature only (RFC 5480: no keyEncipherment on EC keys)", async () => {
  const { generateKeyPairSync } = await import("crypto");
  const { createRootCa, issueDeviceCertificate, loadIssuer, subjectKeyOf } = await import("../certs");
  const root = createRootCa({ commonName: "EC Device Root", keySize: "P-256", validityDays: 10 });
  const issuer = loadIssuer(root);
  const ecPem = issueDeviceCertificate({ issuer, registrationId: "ec-device", subjectKey: subjectKeyOf(generateKeyPairSync("ec", { namedCurve: "secp384r1" }).publicKey), validityDays: 1 });
  expect(x509Text(ecPem)).toMatch(/X509v3 Key Usage: critical\s+Digital Signature\n/);
  const rsaPem = issueDeviceCertificate({ issuer, registrationId: "rsa-device", subjectKey: subjectKeyOf(generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey), validityDays: 1 });
  expect(x509Text(rsaPem)).toMatch(/X509v3 Key Usage: critical\s+Digital Signature, Key Encipherment/);
  expect(verifyChain({ root: root.certificatePem, leaf: ecPem, extra: ["-purpose", "sslclient"] }).stdout).toContain("OK");
});
