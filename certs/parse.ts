/**
 * Reads an X.509 certificate into the fields this project needs, with node-forge's ASN.1 reader
 * (not forge's certificate reader: that one refuses non-RSA keys, and a brought CA may be EC).
 * One job: PEM/DER in, plain fields out. Never includes the input in an error message.
 */
import { asn1 } from "node-forge";
import { pemDecode } from "./der";

/** One attribute of a distinguished name, in certificate order. */
export interface NameAttribute {
  oid: string;
  shortName?: string;
  value: string;
}

/** The extensions this project writes and checks. Key ids are raw bytes. */
export interface ParsedExtensions {
  basicConstraints?: { critical: boolean; cA: boolean; pathLength?: number };
  keyUsage?: { critical: boolean; usages: string[] };
  extKeyUsage?: string[];
  subjectKeyId?: Buffer;
  authorityKeyId?: Buffer;
}

/** A certificate, parsed. `tbs`, `subjectName` and `issuerName` are forge ASN.1 nodes, reusable when building a child. */
export interface ParsedCertificate {
  der: Buffer;
  tbs: asn1.Asn1;
  serialHex: string;
  serialNegative: boolean;
  signatureAlgorithmOid: string;
  issuerName: asn1.Asn1;
  subjectName: asn1.Asn1;
  /** The subject Name as DER: the issuer field of every certificate this one signs. */
  subjectNameDer: Buffer;
  issuerAttributes: NameAttribute[];
  subjectAttributes: NameAttribute[];
  notBefore: Date;
  notAfter: Date;
  spkiDer: Buffer;
  extensions: ParsedExtensions;
}

/** OIDs used across certs/. */
const OID = {
  commonName: "2.5.4.3",
  basicConstraints: "2.5.29.19",
  keyUsage: "2.5.29.15",
  extKeyUsage: "2.5.29.37",
  subjectKeyIdentifier: "2.5.29.14",
  authorityKeyIdentifier: "2.5.29.35",
  clientAuth: "1.3.6.1.5.5.7.3.2",
  serverAuth: "1.3.6.1.5.5.7.3.1",
  sha256WithRSAEncryption: "1.2.840.113549.1.1.11",
  ecdsaWithSHA256: "1.2.840.10045.4.3.2",
  ecdsaWithSHA384: "1.2.840.10045.4.3.3",
  ecdsaWithSHA512: "1.2.840.10045.4.3.4",
} as const;
export { OID };

const SHORT_NAMES: Record<string, string> = {
  "2.5.4.3": "CN",
  "2.5.4.5": "serialNumber",
  "2.5.4.6": "C",
  "2.5.4.7": "L",
  "2.5.4.8": "ST",
  "2.5.4.9": "street",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
  "1.2.840.113549.1.9.1": "emailAddress",
  "0.9.2342.19200300.100.1.1": "UID",
  "0.9.2342.19200300.100.1.25": "DC",
};

const KEY_USAGE_BITS = [
  "digitalSignature",
  "nonRepudiation",
  "keyEncipherment",
  "dataEncipherment",
  "keyAgreement",
  "keyCertSign",
  "cRLSign",
  "encipherOnly",
  "decipherOnly",
];

const T = asn1.Type;
const C = asn1.Class;

function children(node: asn1.Asn1, what: string): asn1.Asn1[] {
  if (!Array.isArray(node.value)) throw new Error(`malformed certificate: ${what} is not constructed`);
  return node.value as asn1.Asn1[];
}

function bytes(node: asn1.Asn1, what: string): string {
  if (typeof node.value !== "string") throw new Error(`malformed certificate: ${what} is not primitive`);
  return node.value;
}

function fromDer(binary: string): asn1.Asn1 {
  // forge accepts an options object here; its typings only know the boolean form.
  const options = { strict: true, parseAllBytes: true, decodeBitStrings: false } as unknown as boolean;
  return asn1.fromDer(binary, options);
}

/** Decodes an ASN.1 string value (UTF8String, PrintableString, IA5String, T61String, BMPString, UniversalString). */
function decodeString(node: asn1.Asn1): string {
  const raw = Buffer.from(bytes(node, "attribute value"), "binary");
  switch (node.type as number) {
    case T.BMPSTRING: {
      let s = "";
      for (let i = 0; i + 1 < raw.length; i += 2) s += String.fromCharCode(raw.readUInt16BE(i));
      return s;
    }
    case 28 /* UniversalString */: {
      let s = "";
      for (let i = 0; i + 3 < raw.length; i += 4) s += String.fromCodePoint(raw.readUInt32BE(i));
      return s;
    }
    case T.UTF8:
      return raw.toString("utf8");
    default:
      return raw.toString("latin1");
  }
}

function parseName(node: asn1.Asn1): NameAttribute[] {
  const attrs: NameAttribute[] = [];
  for (const rdn of children(node, "name")) {
    for (const atv of children(rdn, "relative distinguished name")) {
      const [type, value] = children(atv, "attribute");
      const oid = asn1.derToOid(bytes(type, "attribute type"));
      attrs.push({ oid, shortName: SHORT_NAMES[oid], value: decodeString(value) });
    }
  }
  return attrs;
}

function parseTime(node: asn1.Asn1): Date {
  const text = bytes(node, "time");
  if (node.type === T.UTCTIME) return asn1.utcTimeToDate(text);
  if (node.type === T.GENERALIZEDTIME) return asn1.generalizedTimeToDate(text);
  throw new Error("malformed certificate: unexpected time type");
}

function parseExtensions(node: asn1.Asn1): ParsedExtensions {
  const out: ParsedExtensions = {};
  for (const ext of children(node, "extensions")) {
    const parts = children(ext, "extension");
    const oid = asn1.derToOid(bytes(parts[0], "extension id"));
    const critical = parts.length === 3 && bytes(parts[1], "critical flag") !== "\x00";
    const valueDer = bytes(parts[parts.length - 1], "extension value");
    const value = fromDer(valueDer);
    switch (oid) {
      case OID.basicConstraints: {
        const seq = children(value, "basicConstraints");
        let cA = false;
        let pathLength: number | undefined;
        for (const item of seq) {
          if (item.type === T.BOOLEAN) cA = bytes(item, "cA") !== "\x00";
          else if (item.type === T.INTEGER) pathLength = asn1.derToInteger(bytes(item, "pathLen"));
        }
        out.basicConstraints = { critical, cA, pathLength };
        break;
      }
      case OID.keyUsage: {
        const bits = Buffer.from(bytes(value, "keyUsage"), "binary");
        const usages: string[] = [];
        for (let i = 0; i < KEY_USAGE_BITS.length; i++) {
          const byte = bits[1 + (i >> 3)];
          if (byte !== undefined && byte & (0x80 >> (i & 7))) usages.push(KEY_USAGE_BITS[i]);
        }
        out.keyUsage = { critical, usages };
        break;
      }
      case OID.extKeyUsage:
        out.extKeyUsage = children(value, "extKeyUsage").map((o) => asn1.derToOid(bytes(o, "key purpose")));
        break;
      case OID.subjectKeyIdentifier:
        out.subjectKeyId = Buffer.from(bytes(value, "subjectKeyIdentifier"), "binary");
        break;
      case OID.authorityKeyIdentifier:
        for (const item of children(value, "authorityKeyIdentifier")) {
          if (item.tagClass === C.CONTEXT_SPECIFIC && item.type === 0) {
            out.authorityKeyId = Buffer.from(bytes(item, "keyIdentifier"), "binary");
          }
        }
        break;
      default:
        break;
    }
  }
  return out;
}

/** Parses DER bytes of a certificate. Throws `malformed certificate…` messages only (never forge's, which carry bytes). */
export function parseCertificateDer(der: Buffer): ParsedCertificate {
  try {
    return parseUnchecked(der);
  } catch (e) {
    const message = e instanceof Error && e.message.startsWith("malformed certificate") ? e.message : "malformed certificate: not valid DER";
    throw new Error(message);
  }
}

function parseUnchecked(der: Buffer): ParsedCertificate {
  const root = fromDer(der.toString("binary"));
  const [tbs, sigAlg] = children(root, "certificate");
  if (!tbs || !sigAlg) throw new Error("malformed certificate: missing parts");
  const fields = children(tbs, "tbsCertificate");
  // The version is an explicit [0] tag; absent means v1.
  const offset = fields[0] && fields[0].tagClass === C.CONTEXT_SPECIFIC && fields[0].type === 0 ? 1 : 0;
  const serialNode = fields[offset];
  const issuerName = fields[offset + 2];
  const validity = children(fields[offset + 3], "validity");
  const subjectName = fields[offset + 4];
  const spkiNode = fields[offset + 5];
  if (!serialNode || !issuerName || !subjectName || !spkiNode || validity.length !== 2) {
    throw new Error("malformed certificate: missing fields");
  }
  const serial = Buffer.from(bytes(serialNode, "serial number"), "binary");
  let serialHex = serial.toString("hex").toUpperCase();
  while (serialHex.length > 2 && serialHex.startsWith("00")) serialHex = serialHex.slice(2);
  let extensions: ParsedExtensions = {};
  for (const field of fields.slice(offset + 6)) {
    if (field.tagClass === C.CONTEXT_SPECIFIC && field.type === 3) {
      extensions = parseExtensions(children(field, "extensions wrapper")[0]);
    }
  }
  return {
    der,
    tbs,
    serialHex,
    serialNegative: serial.length > 0 && (serial[0] & 0x80) !== 0,
    signatureAlgorithmOid: asn1.derToOid(bytes(children(sigAlg, "signatureAlgorithm")[0], "algorithm")),
    issuerName,
    subjectName,
    subjectNameDer: Buffer.from(asn1.toDer(subjectName).getBytes(), "binary"),
    issuerAttributes: parseName(issuerName),
    subjectAttributes: parseName(subjectName),
    notBefore: parseTime(validity[0]),
    notAfter: parseTime(validity[1]),
    spkiDer: Buffer.from(asn1.toDer(spkiNode).getBytes(), "binary"),
    extensions,
  };
}

/** Parses the first CERTIFICATE block of a PEM string. */
export function parseCertificatePem(pem: string): ParsedCertificate {
  return parseCertificateDer(pemDecode(pem, "CERTIFICATE"));
}

/** The last common name of a parsed name, or "" when there is none. */
export function commonNameOf(attrs: NameAttribute[]): string {
  const cns = attrs.filter((a) => a.oid === OID.commonName);
  return cns.length ? cns[cns.length - 1].value : "";
}
