/**
 * PKCS#10 certificate signing requests: how a tenant asks the platform for its intermediate without handing over a key.
 * `createCsr` builds CN + public key and signs it through a `Signer` (state or Key Vault); `parseCsr` reads one and
 * checks its self-signature (proof that the requester holds the key). One job: CSRs.
 */
import { KeyObject, verify as cryptoVerify } from "crypto";
import { derOid, derTlv, pemDecode, pemEncode, readTlv, TAG } from "./der";
import { spkiDer } from "./keys";
import { publicKeyFromSpki } from "./spkiKey";
import { assertCommonName } from "./names";
import { OID } from "./parse";
import type { Signer } from "./signer";
import { signWith } from "./signer";

const UTF8_STRING = 0x0c;
const PRINTABLE_STRING = 0x13;
const SET = 0x31;

function nameDer(commonName: string): Buffer {
  return derTlv(TAG.SEQUENCE, derTlv(SET, derTlv(TAG.SEQUENCE, derOid(OID.commonName), derTlv(UTF8_STRING, Buffer.from(commonName, "utf8")))));
}

/** A CSR for the signer's key, subject CN = commonName, no attributes. PEM "CERTIFICATE REQUEST". */
export async function createCsr(o: { commonName: string; signer: Signer }): Promise<string> {
  assertCommonName(o.commonName);
  const info = derTlv(
    TAG.SEQUENCE,
    derTlv(TAG.INTEGER, Buffer.from([0x00])),
    nameDer(o.commonName),
    spkiDer(o.signer.publicKey),
    Buffer.from([0xa0, 0x00]), // attributes [0] IMPLICIT SET OF Attribute: empty
  );
  const signature = await signWith(o.signer, info);
  const der = derTlv(TAG.SEQUENCE, info, o.signer.algorithm.der, derTlv(TAG.BIT_STRING, Buffer.from([0x00]), signature));
  return pemEncode("CERTIFICATE REQUEST", der);
}

/** A CSR, read and checked: its subject CN and public key. */
export interface ParsedCsr {
  readonly commonName: string;
  readonly publicKey: KeyObject;
  /** The key's SubjectPublicKeyInfo, DER, as the CSR holds it. */
  readonly spkiDer: Buffer;
}

/** Reads a PEM CSR and checks its signature with its own key. Messages never quote the input. */
export function parseCsr(pem: string, what = "CSR"): ParsedCsr {
  let der: Buffer;
  try {
    der = pemDecode(pem, "CERTIFICATE REQUEST");
  } catch {
    throw new Error(`${what} is not a PEM certificate request (BEGIN CERTIFICATE REQUEST)`);
  }
  try {
    const outer = readTlv(der, 0);
    const info = readTlv(der, outer.start);
    const algorithm = readTlv(der, info.end);
    const bits = readTlv(der, algorithm.end);
    if (outer.tag !== TAG.SEQUENCE || info.tag !== TAG.SEQUENCE || bits.tag !== TAG.BIT_STRING) throw new Error("structure");
    const infoDer = der.subarray(outer.start, info.end); // the CertificationRequestInfo, tag and length included
    const version = readTlv(der, info.start);
    const subject = readTlv(der, version.end);
    const spki = readTlv(der, subject.end);
    const keyDer = Buffer.from(der.subarray(subject.end, spki.end));
    const publicKey = publicKeyFromSpki(keyDer);
    const algorithmOid = readTlv(der, algorithm.start);
    const oidDer = der.subarray(algorithm.start, algorithmOid.end);
    const hash = oidDer.equals(derOid(OID.sha256WithRSAEncryption)) || oidDer.equals(derOid(OID.ecdsaWithSHA256)) ? "sha256"
      : oidDer.equals(derOid(OID.ecdsaWithSHA384)) ? "sha384" : oidDer.equals(derOid(OID.ecdsaWithSHA512)) ? "sha512" : undefined;
    if (!hash) throw new Error(`${what}: signature algorithm is not sha256WithRSAEncryption or ECDSA`);
    if (!cryptoVerify(hash, infoDer, publicKey, der.subarray(bits.start + 1, bits.end))) {
      throw new Error(`${what}: its signature does not verify with its own public key`);
    }
    return { commonName: commonNameIn(der, subject.start, subject.end), publicKey, spkiDer: keyDer };
  } catch (e) {
    const message = (e as Error).message;
    throw new Error(message.startsWith(what) ? message : `${what} is malformed`);
  }
}

/** The last CN of a Name (RDNSequence) between start and end. */
function commonNameIn(der: Buffer, start: number, end: number): string {
  let cn = "";
  const cnOid = derOid(OID.commonName);
  for (let at = start; at < end; ) {
    const rdn = readTlv(der, at);
    for (let a = rdn.start; a < rdn.end; ) {
      const attribute = readTlv(der, a);
      const oid = readTlv(der, attribute.start);
      const value = readTlv(der, oid.end);
      if (der.subarray(attribute.start, oid.end).equals(cnOid) && (der[oid.end] === UTF8_STRING || der[oid.end] === PRINTABLE_STRING)) {
        cn = der.subarray(value.start, value.end).toString("utf8");
      }
      a = attribute.end;
    }
    at = rdn.end;
  }
  return cn;
}

/** The EC curves a tenant CA key may use (Node's names for P-256, P-384, P-521: Azure Device Registry's and DPS's). */
const CSR_EC_CURVES = ["prime256v1", "secp384r1", "secp521r1"] as const;
const CURVE_NAMES: Record<string, string> = { prime256v1: "P-256", secp384r1: "P-384", secp521r1: "P-521" };
/** The smallest and largest RSA modulus a tenant CA key may have. */
const CSR_RSA_MIN_BITS = 2048;
const CSR_RSA_MAX_BITS = 8192;
export { CSR_EC_CURVES, CSR_RSA_MIN_BITS, CSR_RSA_MAX_BITS };

const ALLOWED_KEYS = `RSA keys of ${CSR_RSA_MIN_BITS} to ${CSR_RSA_MAX_BITS} bits, or EC keys on ${Object.values(CURVE_NAMES).join(", ")}`;

/**
 * The key policy for a CA key the platform signs from a CSR: RSA of 2048 to 8192 bits, or EC on P-256, P-384 or
 * P-521 (named curves only: Node reports no namedCurve for explicit parameters). Undefined when the key meets it.
 */
export function csrKeyProblem(publicKey: KeyObject): string | undefined {
  const type = publicKey.asymmetricKeyType;
  if (type === "rsa") {
    const bits = publicKey.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < CSR_RSA_MIN_BITS || bits > CSR_RSA_MAX_BITS) return `its key is RSA ${bits} bits; the platform signs ${ALLOWED_KEYS}`;
    return undefined;
  }
  if (type === "ec") {
    const curve = publicKey.asymmetricKeyDetails?.namedCurve;
    if (curve && (CSR_EC_CURVES as readonly string[]).includes(curve)) return undefined;
    return `its key is EC ${curve ? (CURVE_NAMES[curve] ?? curve) : "with explicit curve parameters"}; the platform signs ${ALLOWED_KEYS}`;
  }
  return `its key is ${type ?? "of an unknown type"}; the platform signs ${ALLOWED_KEYS}`;
}
