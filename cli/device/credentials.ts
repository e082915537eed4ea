/**
 * A simulated device's credentials: its certificate chain (leaf first) and private key, read from files or issued on
 * the spot from an intermediate, and checked here the way DPS will check them, so that a mistake is named before
 * anything is sent. The key is only ever handed to the TLS layer; nothing here prints or returns it in a message.
 */
import { createPrivateKey, KeyObject, X509Certificate } from "crypto";
import { assertRegistrationId, createDeviceCertificate } from "../../certs";
import { pemDecodeAll, pemEncode } from "../../certs/der";

/** A throwaway device certificate lives a day: long enough to register, short enough not to matter if kept. */
export const THROWAWAY_VALIDITY_DAYS = 1;

export interface DeviceCredentials {
  readonly registrationId: string;
  /** Leaf first, then the CAs the device sends (what TLS presents). */
  readonly chainPem: string;
  readonly privateKeyPem: string;
  readonly chain: readonly X509Certificate[];
}

/** What is known about the chain a device sends: used to explain a refusal. */
export interface ChainFacts {
  readonly leafCommonName: string;
  readonly leafIssuer: string;
  /** How many certificates are sent, the leaf included. */
  readonly sentCount: number;
  readonly leafSelfSigned: boolean;
  /** Subjects, leaf first, as `CN=…` lines. */
  readonly subjects: readonly string[];
}

export function commonNameOf(x509: X509Certificate): string {
  return /(?:^|\n)CN=([^\n]*)/.exec(x509.subject)?.[1] ?? "";
}

/** `CN=x, O=y` from Node's newline-separated form. */
export function oneLineName(name: string): string {
  return name.split("\n").join(", ");
}

function parseChain(text: string, what: string): X509Certificate[] {
  let blocks: Buffer[];
  try {
    blocks = pemDecodeAll(text, "CERTIFICATE");
  } catch {
    throw new Error(`${what}: a PEM certificate block is malformed`);
  }
  if (!blocks.length) throw new Error(`${what}: no PEM certificate in it`);
  return blocks.map((der, i) => {
    try {
      return new X509Certificate(der);
    } catch {
      throw new Error(`${what}: certificate ${i + 1} is not a valid X.509 certificate`);
    }
  });
}

function loadKey(pem: string, what: string): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch {
    throw new Error(`${what} is not a PEM private key (or it is encrypted)`); // the key itself is never echoed
  }
}

/**
 * Checks a certificate (or full chain, leaf first) and key from files. `registrationId`, when given, must be the
 * leaf's CN (DPS refuses anything else); when not, it is the CN.
 */
export function loadDeviceCredentials(o: { chainPem: string; privateKeyPem: string; registrationId?: string; certWhat?: string; keyWhat?: string }): DeviceCredentials {
  const certWhat = o.certWhat ?? "the device certificate";
  const keyWhat = o.keyWhat ?? "the device key";
  const chain = parseChain(o.chainPem, certWhat);
  const leaf = chain[0];
  if (leaf.ca) throw new Error(`${certWhat}: the first certificate is a CA certificate (CN=${commonNameOf(leaf)}); put the device's own certificate first`);
  if (!leaf.checkPrivateKey(loadKey(o.privateKeyPem, keyWhat))) throw new Error(`${keyWhat} does not belong to the device certificate (CN=${commonNameOf(leaf)})`);
  const cn = commonNameOf(leaf);
  const registrationId = o.registrationId ?? cn;
  assertRegistrationId(registrationId, o.registrationId === undefined ? "the certificate's CN" : "--registration-id");
  if (cn !== registrationId) {
    throw new Error(`--registration-id ${registrationId} is not the certificate's CN (${cn}): DPS takes the registration id from the CN; use --registration-id ${cn} or a certificate issued for ${registrationId}`);
  }
  return { registrationId, chainPem: chain.map((c) => c.toString()).join(""), privateKeyPem: o.privateKeyPem, chain };
}

/** A fresh device certificate (RSA-2048, one day) from an intermediate; the chain sent is leaf + intermediate. */
export function issueThrowawayDevice(o: { issuerCertificatePem: string; issuerPrivateKeyPem: string; registrationId: string }): DeviceCredentials {
  assertRegistrationId(o.registrationId, "--registration-id");
  const issuerChain = parseChain(o.issuerCertificatePem, "the issuer certificate");
  loadKey(o.issuerPrivateKeyPem, "the issuer key");
  const device = createDeviceCertificate({
    issuer: { certificatePem: issuerChain[0].toString(), privateKeyPem: o.issuerPrivateKeyPem },
    registrationId: o.registrationId,
    keySize: 2048,
    validityDays: THROWAWAY_VALIDITY_DAYS,
  });
  // Whatever the issuer file carries above the issuer (a root) is sent too.
  const chainPem = device.certificatePem + issuerChain.map((c) => pemEncode("CERTIFICATE", c.raw)).join("");
  return { registrationId: o.registrationId, chainPem, privateKeyPem: device.privateKeyPem, chain: parseChain(chainPem, "the issued chain") };
}

export function chainFacts(credentials: DeviceCredentials): ChainFacts {
  const [leaf] = credentials.chain;
  return {
    leafCommonName: commonNameOf(leaf),
    leafIssuer: oneLineName(leaf.issuer),
    sentCount: credentials.chain.length,
    leafSelfSigned: leaf.checkIssued(leaf),
    subjects: credentials.chain.map((c) => oneLineName(c.subject)),
  };
}

/** Things DPS will not like but that are worth trying anyway (they are printed, the registration still goes). */
export function credentialWarnings(credentials: DeviceCredentials, now = new Date()): string[] {
  const warnings: string[] = [];
  const [leaf, ...rest] = credentials.chain;
  if (now.getTime() > Date.parse(leaf.validTo)) warnings.push(`the device certificate expired on ${new Date(leaf.validTo).toISOString()}: DPS will refuse it`);
  if (now.getTime() < Date.parse(leaf.validFrom)) warnings.push(`the device certificate is not valid before ${new Date(leaf.validFrom).toISOString()}: check the clock`);
  credentials.chain.slice(0, -1).forEach((cert, i) => {
    const next = rest[i];
    if (!cert.checkIssued(next) || !cert.verify(next.publicKey)) {
      warnings.push(`certificate ${i + 2} in the chain (${oneLineName(next.subject)}) did not sign certificate ${i + 1} (${oneLineName(cert.subject)}): put the chain in order, leaf first`);
    }
  });
  return warnings;
}
