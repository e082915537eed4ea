/**
 * The plan's day-two report: where each CA rotation stands and what the next `up` does, the CA certificates close
 * to expiry (those the plan can know: brought ones; a generated CA's date is known after `up`), and what adopting
 * takes over. Pure: from the checked config and the recorded resources.
 */
import type { StackConfig } from "../../components/config";
import { importIds } from "../../components/adoption/importIds";
import { adopts } from "../../components/adoption/importIds";
import { DEFAULT_RENEW_BEFORE_DAYS, expiringCertificates, notAfterOfPem, type CertificateValidity } from "../../components/expiry/expiring";
import { applyRotation, declaredCas, type RotationStatus } from "../../components/rotation/apply";

/** ok: known and outside its renewal window; warn: within it; unknown: the date is known only after `up`. */
export type ExpiryStatus = "ok" | "warn" | "unknown";

export interface DayTwoReport {
  rotations: RotationStatus[];
  /** Each CA: its notAfter when the plan knows it, and whether it is within its renewal window. */
  expiry: Array<{ name: string; configPath: string; notAfter: string; windowDays: number; status: ExpiryStatus; finding?: string }>;
  adoption: string[];
}

export function dayTwoReport(config: StackConfig, now: Date = new Date()): DayTwoReport {
  const rotated = applyRotation(config);
  const expiry = declaredCas(rotated).map((ca) => {
    const windowDays = ca.renewBeforeDays ?? DEFAULT_RENEW_BEFORE_DAYS;
    const notAfter = ca.certificatePem !== undefined ? notAfterOfPem(ca.certificatePem) : undefined;
    const configPath = ca.configPath.replace(/\.rotation$/, "");
    if (notAfter === undefined) {
      // Generated: made on `up`, valid validityDays from then.
      const soon = ca.validityDays <= windowDays;
      return {
        name: ca.name,
        configPath: ca.configPath,
        notAfter: "(known after up)",
        windowDays,
        status: soon ? ("warn" as const) : ("unknown" as const),
        ...(soon ? { finding: `CA ${ca.name} is generated with validityDays ${ca.validityDays}: within its ${windowDays}-day window from the day it is made` } : {}),
      };
    }
    const validity: CertificateValidity = { subject: `CA ${ca.name}`, notAfter, renewBeforeDays: ca.renewBeforeDays, configPath };
    const [finding] = expiringCertificates([validity], now);
    return { name: ca.name, configPath: ca.configPath, notAfter, windowDays, status: finding ? ("warn" as const) : ("ok" as const), ...(finding ? { finding: finding.message } : {}) };
  });

  const adoption: string[] = [];
  const ids = importIds(config);
  const importNote = "`pulumi preview` compares the stack's inputs with what Azure holds and shows each difference; the import fails until they match";
  if (ids.resourceGroup) adoption.push(`resource group ${config.resourceGroupName}: imported from ${ids.resourceGroup}`);
  for (const [hub, id] of Object.entries(ids.hubs)) adoption.push(`hub ${hub}: imported from ${id}; ${importNote}`);
  if (ids.dps) adoption.push(`DPS ${config.dps.name}: imported from ${ids.dps}; ${importNote}`);
  for (const ca of declaredCas(rotated)) {
    if (!ca.upload || !adopts(config.adoptExisting, ca.adopt)) continue;
    adoption.push(`CA certificate ${ca.name}: taken over if the DPS holds the same certificate (thumbprint); another certificate under this name stops the up, nothing is overwritten; proof of possession then runs with the brought key`);
  }
  for (const group of rotated.groups) {
    if (!adopts(config.adoptExisting, group.adopt)) continue;
    adoption.push(`group ${group.enrollmentId}: read, then the request below is PUT over it with its etag: every field it holds that differs is replaced (the up records them in adoptedChanges)`);
  }
  return { rotations: rotated.rotations, expiry, adoption };
}

const EXPIRY_LABELS: Record<ExpiryStatus, string> = { ok: "ok     ", warn: "WARN   ", unknown: "unknown" };

/** The report as lines for the plan's tree. */
export function dayTwoLines(report: DayTwoReport): string[] {
  const lines: string[] = [];
  if (report.rotations.length) {
    lines.push("", "CA rotation:");
    for (const r of report.rotations) {
      lines.push(`  ${r.configPath}: ${r.oldName} → ${r.newName}, step ${r.step}`);
      lines.push(`    next up: ${r.nextUp}`);
      lines.push(`    then: ${r.then}`);
    }
  }
  lines.push("", "CA expiry (renewBeforeDays, or 90 days when unset):");
  for (const e of report.expiry) {
    // An unknown date is never "ok": a generated CA's notAfter is set by `up` (validityDays from that day).
    lines.push(`  ${EXPIRY_LABELS[e.status]}  ${e.name}: notAfter ${e.notAfter}${e.finding ? `: ${e.finding}` : e.status === "unknown" ? ` (the date is set by \`up\`; the ${e.windowDays}-day window is checked from then)` : ""}`);
  }
  if (report.adoption.length) {
    lines.push("", "Adoption:");
    for (const line of report.adoption) lines.push(`  ${line}`);
  }
  return lines;
}
