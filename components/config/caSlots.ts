/**
 * Which CAs take a CA slot on the DPS. A CA named by a CA reference (an enrollment group with `attestation:
 * caReference`) is uploaded and proved: one of the DPS's 25 slots. A CA named
 * only by signing-certificate groups is held in those groups: it is not uploaded, not proved, and costs no slot. A CA
 * no enrollment names keeps its own `upload` setting. Pure, shared by the platform and tenant stacks.
 */
import type { CaEntryConfig } from "./schema";

interface NamesCas {
  readonly caName?: string;
  readonly secondaryCaName?: string;
  readonly attestation?: "caReference" | "signingCertificate";
}

/** Lower-cased names of the CAs that only signing-certificate groups name. */
export function signingOnlyCaNames(groups: readonly NamesCas[]): Set<string> {
  const names = (e: NamesCas) => [e.caName, e.secondaryCaName].filter((n): n is string => typeof n === "string").map((n) => n.toLowerCase());
  const referenced = new Set(groups.filter((g) => g.attestation !== "signingCertificate").flatMap(names));
  return new Set(groups.filter((g) => g.attestation === "signingCertificate").flatMap(names).filter((n) => !referenced.has(n)));
}

/** The CA entries with `upload: false` where only signing-certificate groups name them. */
export function withoutSigningOnlyUploads<T extends CaEntryConfig>(entries: readonly T[], signingOnly: Set<string>): T[] {
  return entries.map((entry) => (entry.upload && signingOnly.has(entry.name.toLowerCase()) ? { ...entry, upload: false } : entry));
}

/** How many CA slots a tenant's reservation costs: none when its intermediates are held as signing certificates. */
export function reservedCaSlots(reservation: { caCertificates: number; attestation?: "caReference" | "signingCertificate" }, defaultAttestation?: "caReference" | "signingCertificate"): number {
  return (reservation.attestation ?? defaultAttestation ?? "caReference") === "signingCertificate" ? 0 : reservation.caCertificates;
}
