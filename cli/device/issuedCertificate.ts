/**
 * The device's side of Azure Device Registry issuance: a new P-384 key and its CSR (CN = registration id; Learn: "EC
 * key on NIST P-384, RSA not supported"), and the check of the chain DPS hands back (`issuedCertificateChain`, base64
 * DER, leaf first, ending with the root) by OpenSSL up to the stack's root:
 * `openssl verify -x509_strict -purpose sslclient -CAfile <root> -untrusted <ICAs> <leaf>`, plus the leaf's key is
 * the device's own and its CN the registration id. The CSR is built natively by certs/csr.ts (ECDSA with SHA-384).
 */
import { spawnSync } from "child_process";
import { createPublicKey, generateKeyPairSync, KeyObject, X509Certificate } from "crypto";
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { createCsr } from "../../certs/csr";
import { pemDecode } from "../../certs/der";
import { keyObjectSigner } from "../../certs/signer";

export interface DeviceKeyAndCsr {
  readonly privateKey: KeyObject;
  /** PKCS#8 PEM; written to a file only when asked, never printed. */
  readonly privateKeyPem: string;
  /** PKCS#10, DER (what the register call sends as base64). */
  readonly csrDer: Buffer;
}

export async function newDeviceKeyAndCsr(registrationId: string): Promise<DeviceKeyAndCsr> {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-384" });
  const csrPem = await createCsr({ commonName: registrationId, signer: keyObjectSigner(privateKey) });
  return { privateKey, privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(), csrDer: pemDecode(csrPem, "CERTIFICATE REQUEST") };
}

export interface IssuedChainCheck {
  readonly ok: boolean;
  /** Why not, in one sentence (OpenSSL's words where it decided). */
  readonly reason?: string;
  /** The chain as PEM, leaf first (what the device presents to its hub). */
  readonly chainPem: string;
  readonly leaf?: { subject: string; notAfter: string; issuer: string };
}

/** The certificates of a PEM bundle, in order. */
function certificatesIn(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

/**
 * Checks the issued chain: each item base64 DER, the leaf for the device's key and registration id, and OpenSSL's
 * verdict up to one of `rootPems` (the stack's roots; the chain's own last item is not trusted for that).
 */
export function checkIssuedChain(chain: readonly string[] | undefined, o: { registrationId: string; devicePrivateKey: KeyObject; rootPems: readonly string[] }): IssuedChainCheck {
  if (!Array.isArray(chain) || chain.length === 0) return { ok: false, reason: "DPS returned no issuedCertificateChain: is the enrollment linked to an Azure Device Registry CA and policy?", chainPem: "" };
  let certs: X509Certificate[];
  try {
    certs = chain.map((item) => new X509Certificate(Buffer.from(item, "base64")));
  } catch {
    return { ok: false, reason: "an item of issuedCertificateChain is not a base64 DER certificate", chainPem: "" };
  }
  const chainPem = certs.map((c) => c.toString()).join("");
  const leaf = certs[0];
  const facts = { subject: leaf.subject, notAfter: new Date(leaf.validTo).toISOString(), issuer: leaf.issuer };
  const ownKey = createPublicKey(o.devicePrivateKey).export({ type: "spki", format: "der" });
  if (!leaf.publicKey.export({ type: "spki", format: "der" }).equals(ownKey)) return { ok: false, reason: "the issued leaf is not for this device's key", chainPem, leaf: facts };
  const cn = /(?:^|\n)CN=([^\n]*)/.exec(leaf.subject)?.[1] ?? "";
  if (cn.toLowerCase() !== o.registrationId.toLowerCase()) return { ok: false, reason: `the issued leaf's CN is ${JSON.stringify(cn)}, not the registration id`, chainPem, leaf: facts };
  const roots = o.rootPems.flatMap(certificatesIn);
  if (!roots.length) return { ok: false, reason: "no root certificate to verify the issued chain against", chainPem, leaf: facts };
  const dir = mkdtempSync(join(tmpdir(), "dps-x509-issued-"));
  try {
    writeFileSync(join(dir, "root.pem"), roots.join("\n"));
    writeFileSync(join(dir, "untrusted.pem"), certs.slice(1).map((c) => c.toString()).join("") || roots[0]);
    writeFileSync(join(dir, "leaf.pem"), leaf.toString());
    const r = spawnSync("openssl", ["verify", "-x509_strict", "-purpose", "sslclient", "-CAfile", "root.pem", "-untrusted", "untrusted.pem", "leaf.pem"], { cwd: dir });
    if (r.error) return { ok: false, reason: `openssl could not be run (${(r.error as NodeJS.ErrnoException).code})`, chainPem, leaf: facts };
    const out = `${r.stdout}${r.stderr}`.trim().split("\n").filter((l) => /error|OK/.test(l)).join("; ");
    return r.status === 0 ? { ok: true, chainPem, leaf: facts } : { ok: false, reason: `openssl verify: ${out}`, chainPem, leaf: facts };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
