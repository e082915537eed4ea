/**
 * The doctor's checklist (the tutorial's, after a deployment): what the stack says against what the live DPS holds.
 * Pure: fed by gathered facts (gather.ts) and expectations (expectations.ts), it returns one row per check, each
 * failure with its fix. No I/O, so every rule is unit-tested without servers.
 */

import { DEFAULT_RENEW_BEFORE_DAYS, expiryFinding } from "../../components/expiry/expiring";

export type CheckStatus = "pass" | "fail" | "skip";

export interface CheckResult {
  /** What is checked, e.g. `CA my-root-ca: verified`. */
  readonly check: string;
  readonly status: CheckStatus;
  /** What was found. */
  readonly detail: string;
  /** What to do, for a failure. */
  readonly fix?: string;
}

/** A CA certificate the stack uploads (`upload: true`). */
export interface ExpectedCa {
  readonly name: string;
  /** SHA-1, hex, from the stack output `caThumbprints`; absent when the outputs were not read. */
  readonly thumbprint?: string;
  /** Where the CA is in the config, for fixes: `ca.root` or `ca.intermediates[0]`. */
  readonly configPath: string;
  /** The CA's `renewBeforeDays`: its expiry window (90 days when unset). */
  readonly renewBeforeDays?: number;
}

/** A CA of the stack (uploaded or not) with its notAfter from the stack output `caNotAfter`. */
export interface StackCa {
  readonly name: string;
  readonly configPath: string;
  readonly renewBeforeDays?: number;
  /** ISO 8601, from the outputs; absent when they were not read. */
  readonly notAfter?: string;
}

export interface ExpectedGroup {
  readonly enrollmentId: string;
  /** Primary, then secondary when there is one. */
  readonly caNames: readonly string[];
  readonly provisioningStatus: "enabled" | "disabled";
  /** Absent when the stack cannot say (a tenant group without its platform's default). */
  readonly allocationPolicy?: string;
  /** Host names; absent when the stack cannot say. */
  readonly hubHostNames?: readonly string[];
  /** `enrollmentGroups[2]`, for fixes. */
  readonly configPath: string;
}

export interface Expectations {
  readonly dpsName: string;
  readonly cas: readonly ExpectedCa[];
  readonly groups: readonly ExpectedGroup[];
  /** Hub host names that must be linked to the DPS. */
  readonly linkedHubHostNames: readonly string[];
  /** Whether `thumbprint`s came from the stack outputs (else the thumbprint checks are skipped). */
  readonly haveOutputs: boolean;
  /** Every CA of the stack with its notAfter: those not on the DPS are checked for expiry from the outputs. */
  readonly stackCas?: readonly StackCa[];
}

export interface LiveCertificate {
  readonly name: string;
  readonly isVerified: boolean;
  /** SHA-1, hex, as ARM reports it. */
  readonly thumbprint?: string;
  readonly expiry?: Date;
  readonly subject?: string;
}

/** A fact read from Azure, or why it could not be read. */
export type Read<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

export interface LiveFacts {
  /** ARM: the DPS's certificates. */
  readonly certificates: Read<readonly LiveCertificate[]>;
  /** ARM: host names of the hubs linked to the DPS (`properties.iotHubs[].name`). */
  readonly linkedHubs: Read<readonly string[]>;
  /** DPS service API: each group the stack declares, `undefined` when the DPS has none by that id. */
  readonly groups: Readonly<Record<string, Read<Record<string, any> | undefined>>>;
}

/** Certificates expiring within their CA's renewBeforeDays, or within this many days when unset, fail the check. */
export const EXPIRY_WARNING_DAYS = DEFAULT_RENEW_BEFORE_DAYS;
const DAY_MS = 24 * 60 * 60 * 1000;

const sameHex = (a: string, b: string) => a.replace(/[:\s]/g, "").toUpperCase() === b.replace(/[:\s]/g, "").toUpperCase();
const lower = (values: readonly string[]) => values.map((v) => v.toLowerCase()).sort();
const list = (values: readonly string[]) => (values.length ? values.join(", ") : "none");

function row(check: string, status: CheckStatus, detail: string, fix?: string): CheckResult {
  return fix && status === "fail" ? { check, status, detail, fix } : { check, status, detail };
}

const ARM_FIX = "Sign in with an identity that can read the DPS (`az login`; Reader on its resource group) and check --subscription, --resource-group and --dps-name.";
const SERVICE_FIX = "Give a DPS connection string (--connection-string-file <file> or - for stdin, or DPS_CONNECTION_STRING) or sign in with an identity that has the \"Device Provisioning Service Data Reader\" role on the DPS.";

function caChecks(expected: Expectations, certificates: Read<readonly LiveCertificate[]>): CheckResult[] {
  const rows: CheckResult[] = [];
  if (!certificates.ok) {
    rows.push(row("DPS certificates (ARM)", "fail", `could not be read: ${certificates.error}`, ARM_FIX));
    for (const ca of expected.cas) rows.push(row(`CA ${ca.name}`, "skip", "the DPS's certificates could not be read"));
    return rows;
  }
  for (const ca of expected.cas) {
    const live = certificates.value.find((c) => c.name.toLowerCase() === ca.name.toLowerCase());
    if (!live) {
      rows.push(row(`CA ${ca.name}: uploaded`, "fail", `not in DPS ${expected.dpsName}`, `\`pulumi up\` uploads it (${ca.configPath}.upload is true); if it was deleted by hand, \`pulumi refresh\` first.`));
      continue;
    }
    rows.push(row(`CA ${ca.name}: uploaded`, "pass", `in DPS ${expected.dpsName}${live.subject ? ` (${live.subject})` : ""}`));
    rows.push(
      live.isVerified
        ? row(`CA ${ca.name}: verified`, "pass", "verified")
        : row(`CA ${ca.name}: verified`, "fail", "uploaded but not verified: devices it signed are refused", `\`pulumi up\` proves possession again (docs/ca-and-proof-of-possession.md); after a change in the portal, \`pulumi refresh\` first.`),
    );
    if (!ca.thumbprint || !live.thumbprint) {
      rows.push(row(`CA ${ca.name}: thumbprint`, "skip", expected.haveOutputs ? "no thumbprint to compare" : "no stack outputs read (give --stack to compare)"));
    } else if (sameHex(ca.thumbprint, live.thumbprint)) {
      rows.push(row(`CA ${ca.name}: thumbprint`, "pass", `${live.thumbprint.toUpperCase()}, as the stack's`));
    } else {
      rows.push(
        row(
          `CA ${ca.name}: thumbprint`,
          "fail",
          `DPS holds ${live.thumbprint.toUpperCase()}, the stack has ${ca.thumbprint.toUpperCase()}: another certificate under this name`,
          "The certificate was replaced outside Pulumi: `pulumi refresh`, then `pulumi up` uploads and verifies the stack's again.",
        ),
      );
    }
  }
  return rows;
}

/**
 * Every certificate in the DPS (configured or not: a group may name one uploaded by hand), within its CA's
 * renewBeforeDays (90 days when unset); then the stack's CAs that are not on the DPS, from the output `caNotAfter`.
 */
function expiryChecks(certificates: Read<readonly LiveCertificate[]>, expected: Expectations, now: Date): CheckResult[] {
  const onDps = certificates.ok ? certificates.value.filter((c) => c.expiry !== undefined) : [];
  const rows = onDps.map((c) => {
    const configured = expected.cas.find((ca) => ca.name.toLowerCase() === c.name.toLowerCase());
    return expiryRow(`CA ${c.name}: expiry`, c.expiry!, configured?.renewBeforeDays, configured?.configPath, now);
  });
  for (const ca of expected.stackCas ?? []) {
    if (!ca.notAfter || onDps.some((c) => c.name.toLowerCase() === ca.name.toLowerCase())) continue;
    rows.push(expiryRow(`CA ${ca.name}: expiry (stack)`, new Date(ca.notAfter), ca.renewBeforeDays, ca.configPath, now));
  }
  return rows;
}

function expiryRow(check: string, notAfter: Date, renewBeforeDays: number | undefined, configPath: string | undefined, now: Date): CheckResult {
  const when = notAfter.toISOString().slice(0, 10);
  const finding = expiryFinding({ subject: check, notAfter, renewBeforeDays }, now);
  if (!finding) return row(check, "pass", `expires on ${when}, in ${Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS)} days`);
  const renew = configPath
    ? `Rotate it without stranding devices: set ${configPath}.rotation to { step: stage, name: <a new certificate name> } and \`pulumi up\`, then promote and retire (docs/day-two.md).`
    : "Renew it and upload the new certificate (it is not in this stack's config).";
  const window = renewBeforeDays !== undefined ? `renewBeforeDays ${renewBeforeDays}` : `${finding.windowDays} days, no renewBeforeDays set`;
  const detail = finding.expired ? `expired on ${when}` : `expires on ${when}, in ${finding.daysLeft} day${finding.daysLeft === 1 ? "" : "s"} (within ${window})`;
  return row(check, "fail", detail, renew);
}

function hubChecks(expected: Expectations, linkedHubs: Read<readonly string[]>): CheckResult[] {
  if (!linkedHubs.ok) {
    return [
      row(`DPS ${expected.dpsName} (ARM)`, "fail", `could not be read: ${linkedHubs.error}`, ARM_FIX),
      ...expected.linkedHubHostNames.map((hub) => row(`hub ${hub}: linked`, "skip", "the DPS could not be read")),
    ];
  }
  const linked = lower(linkedHubs.value);
  return expected.linkedHubHostNames.map((hub) =>
    linked.includes(hub.toLowerCase())
      ? row(`hub ${hub}: linked`, "pass", `linked to DPS ${expected.dpsName}`)
      : row(`hub ${hub}: linked`, "fail", `not linked to DPS ${expected.dpsName} (linked: ${list(linkedHubs.value)})`, "`pulumi up` links it (hubs[] in the stack config); if it was unlinked by hand, `pulumi refresh` first."),
  );
}

function groupChecks(group: ExpectedGroup, read: Read<Record<string, any> | undefined> | undefined, certificates: Read<readonly LiveCertificate[]>): CheckResult[] {
  const name = `group ${group.enrollmentId}`;
  if (!read || !read.ok) {
    return [row(`${name}: present`, "fail", `could not be read: ${read?.ok === false ? read.error : "not asked"}`, SERVICE_FIX)];
  }
  const record = read.value;
  if (!record) return [row(`${name}: present`, "fail", "not in the DPS", `\`pulumi up\` creates it (${group.configPath}); if it was deleted by hand, \`pulumi refresh\` first.`)];
  const rows = [row(`${name}: present`, "pass", "in the DPS")];
  const outsidePulumi = "was changed outside Pulumi: `pulumi up` puts the stack's value back (or change the stack config to keep it).";

  const status = record.provisioningStatus ?? "enabled";
  rows.push(
    status === group.provisioningStatus
      ? row(`${name}: ${group.provisioningStatus}`, "pass", `${status}, as configured`)
      : row(`${name}: ${group.provisioningStatus}`, "fail", `${status} in the DPS, ${group.provisioningStatus} in the stack${status === "disabled" ? ": its devices are refused" : ""}`, `The group's provisioningStatus (${group.configPath}) ${outsidePulumi}`),
  );

  const held = record.attestation?.x509?.signingCertificates;
  if (held && !record.attestation?.x509?.caReferences) {
    // A signing-certificate group holds its CAs' certificates: no DPS certificate to find or verify.
    const count = [held.primary, held.secondary].filter(Boolean).length;
    rows.push(row(`${name}: signing certificates`, count ? "pass" : "fail", count ? `holds ${count} signing certificate${count > 1 ? "s" : ""} (no CA on the DPS needed)` : "holds no certificate: devices of this group are refused", count ? undefined : `\`pulumi up\` puts the certificates of ${group.configPath}.caName back.`));
    return [...rows, ...groupPlacementChecks(name, group, record, outsidePulumi)];
  }
  const refs = record.attestation?.x509?.caReferences ?? {};
  const liveRefs = [refs.primary, refs.secondary].filter((r): r is string => typeof r === "string" && r !== "");
  const problems: string[] = [];
  if (lower(liveRefs).join(",") !== lower(group.caNames).join(",")) problems.push(`references ${list(liveRefs)}, the stack says ${list(group.caNames)}`);
  if (certificates.ok) {
    for (const ref of liveRefs) {
      const cert = certificates.value.find((c) => c.name.toLowerCase() === ref.toLowerCase());
      if (!cert) problems.push(`${ref} is not a certificate of the DPS`);
      else if (!cert.isVerified) problems.push(`${ref} is not verified`);
    }
  }
  rows.push(
    problems.length
      ? row(`${name}: CA references`, "fail", `${problems.join("; ")}: devices of this group are refused`, `Every CA a group names must be uploaded and verified (see the CA rows above); the names come from ${group.configPath}.caName/secondaryCaName; \`pulumi up\`.`)
      : row(`${name}: CA references`, "pass", `${list(liveRefs)}${certificates.ok ? ", verified" : " (certificates not read)"}`),
  );

  return [...rows, ...groupPlacementChecks(name, group, record, outsidePulumi)];
}

/** Allocation policy and hubs of a group, as the stack says them. */
function groupPlacementChecks(name: string, group: ExpectedGroup, record: Record<string, any>, outsidePulumi: string): CheckResult[] {
  const rows: CheckResult[] = [];
  if (group.allocationPolicy === undefined) rows.push(row(`${name}: allocation`, "skip", "the stack does not say which policy"));
  else {
    const policy = record.allocationPolicy ?? "(none: the DPS's)";
    rows.push(
      policy === group.allocationPolicy
        ? row(`${name}: allocation`, "pass", `${policy}, as configured`)
        : row(`${name}: allocation`, "fail", `${policy} in the DPS, ${group.allocationPolicy} in the stack`, `The allocation policy (${group.configPath}.allocationPolicy) ${outsidePulumi}`),
    );
  }

  if (group.hubHostNames === undefined) rows.push(row(`${name}: hubs`, "skip", "the stack does not say which hubs"));
  else {
    const liveHubs: string[] = Array.isArray(record.iotHubs) ? record.iotHubs : [];
    rows.push(
      lower(liveHubs).join(",") === lower(group.hubHostNames).join(",")
        ? row(`${name}: hubs`, "pass", `${list(liveHubs)}, as configured`)
        : row(`${name}: hubs`, "fail", `${list(liveHubs)} in the DPS, ${list(group.hubHostNames)} in the stack`, `The group's hubs (${group.configPath}.iotHubs) ${outsidePulumi}`),
    );
  }
  return rows;
}

/** The whole checklist, in the tutorial's order: CAs, their expiry, linked hubs, groups. */
export function runChecks(expected: Expectations, live: LiveFacts, now: Date = new Date()): CheckResult[] {
  return [
    ...caChecks(expected, live.certificates),
    ...expiryChecks(live.certificates, expected, now),
    ...hubChecks(expected, live.linkedHubs),
    ...expected.groups.flatMap((group) => groupChecks(group, live.groups[group.enrollmentId], live.certificates)),
  ];
}

export function failed(results: readonly CheckResult[]): CheckResult[] {
  return results.filter((r) => r.status === "fail");
}
