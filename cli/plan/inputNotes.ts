/**
 * What a reviewer needs beside some inputs to read them right, by input key: the name of the built-in role a role
 * assignment grants (its id is a GUID), what becomes of an uploaded CA certificate's `isVerified: false` (the
 * proof of possession verifies it during `up`), where a signing-certificate group's certificate comes from when its
 * CA is generated during `up`, and the key and signature algorithm of a CA certificate (its `keySize` is RSA bits or
 * an EC curve). The tree prints a note after its value; the JSON carries them as
 * `notes`. Notes are not inputs: the `--against` diff does not compare them.
 */
import { builtInRoleName } from "./builtInRoles";
import { adrInputNotes } from "./adrNotes";
import { UNKNOWN_MARKER } from "./record";

interface Noted {
  type: string;
  name: string;
  urn: string;
  parentUrn: string | null;
  inputs: Record<string, unknown>;
}

const ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment";
const UPLOAD = "pulumi-nodejs:dynamic/dps-x509:DpsCertificateUpload";
const VERIFICATION = "pulumi-nodejs:dynamic/dps-x509:CaVerification";
const GROUP = "pulumi-nodejs:dynamic/dps-x509:EnrollmentGroup";

/** A signing-certificate group whose CA is generated during `up`: its certificate (and so the body) exists only then. */
function signingCertificateNotes(inputs: Record<string, unknown>): Record<string, string> | undefined {
  if (inputs.attestation !== "signingCertificate") return undefined;
  const notes: Record<string, string> = {};
  for (const slot of ["primary", "secondary"] as const) {
    if (inputs[`${slot}CertificatePem`] !== UNKNOWN_MARKER) continue;
    notes[`${slot}CertificatePem`] = `the certificate of CA ${String(inputs[`${slot}CaName`])}, generated during \`up\`: the group's body carries it then (a CA brought with certificatePem shows here)`;
  }
  return Object.keys(notes).length ? notes : undefined;
}

const CA_CERTIFICATE = "pulumi-nodejs:dynamic/dps-x509:CaCertificate";
/** The hash each EC curve signs with (certs/sign.ts signatureAlgorithmFor). */
const EC_HASH: Record<string, string> = { "P-256": "SHA-256", "P-384": "SHA-384", "P-521": "SHA-512" };

/** "EC P-384 key: its signatures are ECDSA with SHA-384 …" for a CA certificate's keySize. */
function keyNote(keySize: unknown): string | undefined {
  if (typeof keySize === "string" && EC_HASH[keySize]) {
    return `EC ${keySize} key: signs with ECDSA and ${EC_HASH[keySize]} (what an Azure Device Registry External ICA needs)`;
  }
  if (typeof keySize === "number") return `RSA ${keySize} key: signs with RSA and SHA-256`;
  return undefined;
}

/** Notes for one resource's inputs; `all` is the whole plan (an upload's proof of possession is its sibling). */
export function inputNotes(resource: Noted, all: readonly Noted[]): Record<string, string> | undefined {
  if (resource.type === ROLE_ASSIGNMENT) {
    const name = builtInRoleName(resource.inputs.roleDefinitionId);
    return { roleDefinitionId: name ? `role: ${name}` : "not a built-in role this tool knows: look it up with `az role definition list --name <id>`" };
  }
  if (resource.type === CA_CERTIFICATE && !resource.inputs.providedCertificatePem) {
    const note = keyNote(resource.inputs.keySize);
    return note ? { keySize: note } : undefined;
  }
  if (resource.type === UPLOAD) {
    if (resource.inputs.isVerified === true) return { isVerified: "verified on upload (verification: onUpload): Azure marks it verified, no proof of possession" };
    const proof = all.find((other) => other.type === VERIFICATION && other.parentUrn === resource.parentUrn && other.inputs.certificateName === resource.inputs.certificateName);
    return {
      isVerified: proof
        ? `uploaded unverified, then verified during \`up\` by proof of possession (${proof.name}), before any enrollment group uses it`
        : "uploaded unverified, and nothing in this stack verifies it",
    };
  }
  if (resource.type === GROUP) return signingCertificateNotes(resource.inputs);
  return adrInputNotes(resource.type, resource.inputs);
}
