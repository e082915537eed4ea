/**
 * Every enrollment entry a stack declares, as the certificates it names: an enrollment group by CA reference (the
 * DPS certificate of that name) or by signing certificate (the CA's PEM held in the group), an individual enrollment
 * by its device's certificate (or a CA reference), and a revoked device (a disabled individual enrollment holding
 * the device's certificate). The rules judge these slots alike, whatever the kind of entry.
 */
import { certificateLabel, certificateOf, sameName, TYPES, type PolicySubject } from "./subjects";

export type AttestationKind = "caReference" | "signingCertificate" | "clientCertificate";

/** One certificate an enrollment entry names, primary or secondary. */
export interface CertificateSlot {
  readonly entry: PolicySubject;
  /** How messages name the entry: `enrollment group devices`, `individual enrollment press-1`, `revoked device x`. */
  readonly entryLabel: string;
  readonly slot: "primary" | "secondary";
  readonly kind: AttestationKind;
  /** The CA's name (CA reference, signing certificate). */
  readonly caName?: string;
  /** The certificate as the entry holds it (or, for a CA reference, as it is uploaded): a PEM, unknown, or absent. */
  readonly pem?: unknown;
  /** The CaCertificate resource the certificate comes from, when this stack declares it. */
  readonly ca?: PolicySubject;
  /** CA reference: the upload of that name, when this stack declares it. */
  readonly upload?: PolicySubject;
}

const isName = (value: unknown): value is string => typeof value === "string" && value !== "";

/** The CaCertificate a resource depends on for the CA named `caName` (resources are named `<ca component>-<CA name>`). */
function caResourceFor(caName: string, dependent: PolicySubject, byName: ReadonlyMap<string, PolicySubject>): PolicySubject | undefined {
  const cas = dependent.dependencies.map((name) => byName.get(name)).filter((r): r is PolicySubject => r?.type === TYPES.caCertificate);
  const suffix = `-${caName}`.toLowerCase();
  return cas.find((ca) => sameName(ca.props.caName, caName) || ca.name.toLowerCase().endsWith(suffix)) ?? (cas.length === 1 ? cas[0] : undefined);
}

function caReference(entry: PolicySubject, entryLabel: string, slot: CertificateSlot["slot"], caName: string, resources: readonly PolicySubject[], byName: ReadonlyMap<string, PolicySubject>): CertificateSlot {
  const upload = resources.find((r) => r.type === TYPES.upload && sameName(r.props.certificateName, caName));
  const ca = upload?.dependencies.map((name) => byName.get(name)).find((r) => r?.type === TYPES.caCertificate);
  return { entry, entryLabel, slot, kind: "caReference", caName, pem: upload?.props.certificatePem, ca, upload };
}

function groupSlots(group: PolicySubject, resources: readonly PolicySubject[], byName: ReadonlyMap<string, PolicySubject>): CertificateSlot[] {
  const label = `enrollment group ${group.props.enrollmentId ?? group.name}`;
  const named: Array<[CertificateSlot["slot"], unknown, unknown]> = [
    ["primary", group.props.primaryCaName, group.props.primaryCertificatePem],
    ["secondary", group.props.secondaryCaName, group.props.secondaryCertificatePem],
  ];
  return named
    .filter(([, caName]) => isName(caName))
    .map(([slot, caName, pem]) =>
      group.props.attestation === "signingCertificate"
        ? { entry: group, entryLabel: label, slot, kind: "signingCertificate" as const, caName: caName as string, pem, ca: caResourceFor(caName as string, group, byName) }
        : caReference(group, label, slot, caName as string, resources, byName),
    );
}

function individualSlots(enrollment: PolicySubject, resources: readonly PolicySubject[], byName: ReadonlyMap<string, PolicySubject>): CertificateSlot[] {
  const label = `individual enrollment ${enrollment.props.registrationId ?? enrollment.name}`;
  const slots: CertificateSlot[] = [];
  if (isName(enrollment.props.caName)) slots.push(caReference(enrollment, label, "primary", enrollment.props.caName, resources, byName));
  const primary = enrollment.props.certificatePem ?? enrollment.props.primaryCertificatePem;
  if (primary !== undefined && primary !== null) slots.push({ entry: enrollment, entryLabel: label, slot: "primary", kind: "clientCertificate", pem: primary });
  const secondary = enrollment.props.secondaryCertificatePem;
  if (secondary !== undefined && secondary !== null) slots.push({ entry: enrollment, entryLabel: label, slot: "secondary", kind: "clientCertificate", pem: secondary });
  return slots;
}

/** Every certificate slot of every enrollment entry among the resources. */
export function certificateSlots(resources: readonly PolicySubject[]): CertificateSlot[] {
  const byName = new Map(resources.map((r) => [r.name, r]));
  return resources.flatMap((r): CertificateSlot[] => {
    switch (r.type) {
      case TYPES.enrollmentGroup:
        return groupSlots(r, resources, byName);
      case TYPES.individualEnrollment:
        return individualSlots(r, resources, byName);
      case TYPES.revokedDevice:
        return [{ entry: r, entryLabel: `revoked device ${r.props.registrationId ?? r.name}`, slot: "primary", kind: "clientCertificate", pem: r.props.certificatePem }];
      default:
        return [];
    }
  });
}

/** How a message names the slot: `enrollment group devices (CA reference my-ca)`. */
export function slotLabel(slot: CertificateSlot): string {
  const how = slot.kind === "caReference" ? `CA reference ${slot.caName}` : slot.kind === "signingCertificate" ? `signing certificate of ${slot.caName}` : "device certificate";
  return `${slot.entryLabel} (${slot.slot === "secondary" ? "secondary " : ""}${how})`;
}

/**
 * Which certificate a slot names, as a key that is the same for every slot naming it: the certificate's SHA-256
 * fingerprint when its PEM is known now, else the CA resource it comes from, else the DPS certificate's name.
 */
export function certificateIdentity(slot: CertificateSlot): { key: string; label: string } | undefined {
  const cert = certificateOf(slot.pem) ?? certificateOf(slot.ca?.props.certificatePem) ?? certificateOf(slot.ca?.props.providedCertificatePem);
  if (cert) return { key: `sha256:${cert.fingerprint256}`, label: certificateLabel(cert) };
  if (slot.ca) return { key: `ca:${slot.ca.name}`, label: `the certificate of CA ${slot.caName ?? slot.ca.props.caName ?? slot.ca.name}` };
  if (slot.kind === "caReference" && slot.caName) return { key: `dps-certificate:${slot.caName.toLowerCase()}`, label: `the DPS certificate ${slot.caName}` };
  return undefined;
}
