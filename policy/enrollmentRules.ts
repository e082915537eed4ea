/**
 * The enrollment rules, over every kind of entry (enrollments.ts): groups by CA reference or by signing
 * certificate, individual enrollments, revoked devices.
 */
import { certificateIdentity, certificateSlots, slotLabel, type CertificateSlot } from "./enrollments";
import { isSelfSigned, sameName, TYPES, type Finding, type PolicySubject } from "./subjects";

/** Whether the certificate a slot names is a root: by its PEM when known, else by the CA resource it comes from. */
function isRoot(slot: CertificateSlot): boolean | undefined {
  return isSelfSigned(slot.pem) ?? isSelfSigned(slot.ca?.props.certificatePem) ?? isSelfSigned(slot.ca?.props.providedCertificatePem) ?? (slot.ca ? slot.ca.props.role === "root" : undefined);
}

/**
 * Rule `group-attests-through-intermediate`: no enrollment entry attests through a root CA, by CA reference or by
 * signing certificate. A group on a root lets any certificate the root ever signs provision a device; an intermediate
 * per fleet limits that, and can be revoked alone. Azure accepts a root, and the tutorial calls the intermediate a
 * best practice: the pack's default level is advisory.
 */
export function groupsAttestThroughIntermediates(resources: readonly PolicySubject[]): Finding[] {
  const seen = new Set<string>();
  return certificateSlots(resources)
    .filter((slot) => slot.kind !== "clientCertificate" && isRoot(slot) === true)
    .filter((slot) => !seen.has(`${slot.entry.name}\n${slot.caName}`) && !!seen.add(`${slot.entry.name}\n${slot.caName}`))
    .map((slot) => ({
      resource: slot.entry.name,
      message: `${slot.entryLabel} attests through ${slot.caName}, a root CA (${slot.kind === "signingCertificate" ? "held as its signing certificate" : "by CA reference"}); every certificate the root signs could provision here: reference an intermediate the root signed (caName: <intermediate>), one per fleet`,
    }));
}

/** Whether this stack uploads and verifies the DPS certificate `caName` (a proof of possession, or verified on upload). */
function verifiedByStack(caName: string, resources: readonly PolicySubject[]): boolean {
  return resources.some(
    (r) => (r.type === TYPES.verification && sameName(r.props.certificateName, caName)) || (r.type === TYPES.upload && sameName(r.props.certificateName, caName) && r.props.isVerified === true),
  );
}

/**
 * Rule `group-ca-verified-by-stack`: every CA an enrollment entry references is one the stack uploads and verifies;
 * a signing-certificate group holds its CA's certificate instead (no upload, no proof) and passes when it does.
 */
export function groupCasVerifiedByStack(resources: readonly PolicySubject[]): Finding[] {
  return certificateSlots(resources).flatMap((slot): Finding[] => {
    if (slot.kind === "caReference" && !verifiedByStack(slot.caName!, resources)) {
      return [{ resource: slot.entry.name, message: `${slot.entryLabel} references CA ${slot.caName}, which this stack does not upload and verify; DPS refuses devices of an unverified CA: declare it in ca (upload: true), fix caName, or attest by signing certificate` }];
    }
    if (slot.kind === "signingCertificate" && (slot.pem === undefined || slot.pem === null || slot.pem === "")) {
      return [{ resource: slot.entry.name, message: `${slot.entryLabel} attests by signing certificate but holds no certificate of ${slot.caName} (${slot.slot}CertificatePem is empty)` }];
    }
    return [];
  });
}

/**
 * Rule `one-enrollment-per-certificate`: a certificate is named by one enrollment entry only. Microsoft's X.509
 * attestation concepts page: "A certificate can be specified in only one enrollment entry in your DPS instance."
 * One finding per certificate named by several entries, against the first of them, naming them all.
 */
export function oneEnrollmentPerCertificate(resources: readonly PolicySubject[]): Finding[] {
  const byCertificate = new Map<string, { label: string; slots: CertificateSlot[] }>();
  for (const slot of certificateSlots(resources)) {
    const identity = certificateIdentity(slot);
    if (!identity) continue;
    const named = byCertificate.get(identity.key) ?? { label: identity.label, slots: [] };
    named.slots.push(slot);
    byCertificate.set(identity.key, named);
  }
  return [...byCertificate.values()]
    .filter(({ slots }) => new Set(slots.map((s) => s.entry.name)).size > 1)
    .map(({ label, slots }) => {
      const devices = slots.some((s) => s.kind === "clientCertificate");
      const advice = devices
        ? "keep one entry per device certificate"
        : "give each group an intermediate CA of its own, signed by the same root (docs/policy.md#one-certificate-one-enrollment-entry)";
      return {
        resource: slots[0].entry.name,
        message: `${label} is named by ${new Set(slots.map((s) => s.entry.name)).size} enrollment entries: ${slots.map(slotLabel).join(", ")}; DPS takes a certificate in only one enrollment entry (Microsoft's X.509 attestation concepts): ${advice}`,
      };
    });
}
