/** The store of ADR issuing CAs issues what Learn says ADR issues, checked with OpenSSL and Node's X509Certificate. */
import { execFileSync } from "child_process";
import { generateKeyPairSync, X509Certificate } from "crypto";
import { mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { pemDecode } from "../certs/der";
import { AdrIssuers, IssuanceError } from "../azure-test-servers/adrIssuers";
import { certificatePem, csrPemFor, issueCertificate, nameDer } from "../azure-test-servers/ecCertificates";

const ec = (namedCurve: string) => generateKeyPairSync("ec", { namedCurve });
const DAY = 86_400_000;

function rootAndIca() {
  const root = ec("P-384");
  const now = Date.now();
  const rootDer = issueCertificate({ subjectName: nameDer("root"), subjectPublicKey: root.publicKey, issuerKey: root.privateKey, notBefore: new Date(now - DAY), notAfter: new Date(now + 3650 * DAY), profile: { ca: true, pathLength: 1 } });
  const ica = ec("P-384");
  const icaDer = issueCertificate({ subjectName: nameDer("ica1"), subjectPublicKey: ica.publicKey, issuerName: nameDer("root"), issuerKey: root.privateKey, issuerPublicKey: root.publicKey, notBefore: new Date(now - DAY), notAfter: new Date(now + 400 * DAY), profile: { ca: true, pathLength: 0 } });
  return { root, rootPem: certificatePem(rootDer), ica, icaPem: certificatePem(icaDer) };
}

const key = { subscriptionId: "sub", resourceGroup: "rg", namespace: "ns1", caName: "ica1" };

test("a device certificate: P-384/SHA-384, CN = the CSR's, the policy's days, chain leaf first to the root, verified by openssl", async () => {
  const { ica, icaPem, rootPem } = rootAndIca();
  const store = new AdrIssuers();
  store.putKey(key, ica.privateKey);
  store.activate(key, [icaPem, rootPem]);
  store.setPolicy(key, "pol1", 7);
  const device = ec("P-384");
  const csrDer = pemDecode(await csrPemFor(device.privateKey, "device-001"), "CERTIFICATE REQUEST");
  const chain = store.issueDeviceCertificate("NS1", "ica1", "pol1", csrDer.toString("base64"));
  expect(chain).toHaveLength(3);
  const leaf = new X509Certificate(Buffer.from(chain[0], "base64"));
  expect(leaf.subject).toBe("CN=device-001");
  expect(leaf.publicKey.asymmetricKeyDetails?.namedCurve).toBe("secp384r1");
  expect(leaf.verify(ica.publicKey)).toBe(true);
  expect(Math.round((Date.parse(leaf.validTo) - Date.parse(leaf.validFrom)) / DAY)).toBe(7);
  const dir = mkdtempSync(join(tmpdir(), "adr-"));
  const pem = (b64: string) => new X509Certificate(Buffer.from(b64, "base64")).toString();
  writeFileSync(join(dir, "leaf.pem"), pem(chain[0]));
  writeFileSync(join(dir, "ica.pem"), pem(chain[1]));
  writeFileSync(join(dir, "root.pem"), pem(chain[2]));
  const out = execFileSync("openssl", ["verify", "-x509_strict", "-purpose", "sslclient", "-CAfile", join(dir, "root.pem"), "-untrusted", join(dir, "ica.pem"), join(dir, "leaf.pem")]).toString();
  expect(out).toContain("OK");
  const text = execFileSync("openssl", ["x509", "-noout", "-text", "-in", join(dir, "leaf.pem")]).toString();
  expect(text).toContain("ecdsa-with-SHA384");
});

test("refusals: not active, unknown policy, RSA or P-256 CSR", async () => {
  const { ica } = rootAndIca();
  const store = new AdrIssuers();
  store.putKey(key, ica.privateKey);
  store.setPolicy(key, "pol1", 7);
  const csr = async (k: ReturnType<typeof ec>["privateKey"]) => pemDecode(await csrPemFor(k, "d"), "CERTIFICATE REQUEST");
  const p384 = await csr(ec("P-384").privateKey);
  expect(() => store.issueDeviceCertificate("ns1", "ica1", "pol1", p384)).toThrow(/not active/);
  store.activate(key, [rootAndIca().icaPem]);
  expect(() => store.issueDeviceCertificate("ns1", "ica1", "other", p384)).toThrow(IssuanceError);
  expect(() => store.issueDeviceCertificate("ns1", "nope", "pol1", p384)).toThrow(/No certificate authority/);
  await expect(csr(ec("P-256").privateKey).then((d) => store.issueDeviceCertificate("ns1", "ica1", "pol1", d))).rejects.toThrow(/P-384/);
  const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
  await expect(csr(rsa.privateKey).then((d) => store.issueDeviceCertificate("ns1", "ica1", "pol1", d))).rejects.toThrow(/P-384/);
});
