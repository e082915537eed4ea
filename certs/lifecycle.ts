/**
 * CA lifecycle math, one job: when a CA certificate expires, whether it outlives its issuer, when it is due for
 * renewal, and whether renewing would help. Pure. The config checks (components/config/caRules.ts, at plan time) and
 * the CA provider (components/providers/caCertificate.ts: check, create, diff) both call these, so the plan and the
 * provider cannot disagree about a churning CA.
 *
 * Serialized by value into the CA provider (see certs/index.ts): no module-level mutable state, constants declared
 * `const X = …; export { X }`.
 */

const LIFECYCLE_DAY_MS = 24 * 60 * 60 * 1000;
export { LIFECYCLE_DAY_MS };

/** The notAfter a certificate issued at `now` gets: now + validityDays, never past its issuer's notAfter. */
export function plannedNotAfter(validityDays: number, now: Date, issuerNotAfter?: Date): Date {
  const own = now.getTime() + validityDays * LIFECYCLE_DAY_MS;
  return new Date(issuerNotAfter && issuerNotAfter.getTime() < own ? issuerNotAfter.getTime() : own);
}

/** Whole days from `now` to `until`, rounded down. */
export function wholeDaysBetween(now: Date, until: Date): number {
  return Math.floor((until.getTime() - now.getTime()) / LIFECYCLE_DAY_MS);
}

/** A lifecycle problem, naming the input it is about. */
export interface LifecycleProblem {
  property: "validityDays" | "renewBeforeDays";
  message: string;
}

export interface LifecycleInput {
  validityDays: number;
  renewBeforeDays?: number;
  /** The issuer's notAfter (absent for a root). */
  issuerNotAfter?: Date;
  /** Says who the issuer is in messages, e.g. `ca.root`. */
  issuerLabel?: string;
  now: Date;
}

/**
 * The problems of a certificate about to be issued: it would outlive its issuer (Azure and every verifier stop
 * trusting it at the issuer's expiry anyway, and we refuse to shorten it silently), or its renewBeforeDays is not
 * smaller than the validity it really gets (every `up` would renew it at once).
 */
export function lifecycleProblems(o: LifecycleInput): LifecycleProblem[] {
  const problems: LifecycleProblem[] = [];
  // Judged in whole days, the issuer's remaining time rounded up: an intermediate made seconds after its root, with
  // the root's validityDays, fits (it loses those seconds, as every certificate capped by its issuer does).
  const left = o.issuerNotAfter ? Math.ceil((o.issuerNotAfter.getTime() - o.now.getTime()) / LIFECYCLE_DAY_MS) : Infinity;
  if (o.issuerNotAfter && o.validityDays > left) {
    problems.push({
      property: "validityDays",
      message:
        `${o.validityDays} days would outlive its issuer${o.issuerLabel ? ` ${o.issuerLabel}` : ""}, which expires on ${o.issuerNotAfter.toISOString().slice(0, 10)}` +
        ` (${Math.max(left, 0)} days from now); allowed: at most ${Math.max(left, 0)}, or a longer-lived issuer`,
    });
  }
  if (o.renewBeforeDays !== undefined) {
    const notAfter = plannedNotAfter(o.validityDays, o.now, o.issuerNotAfter);
    const lifetimeMs = notAfter.getTime() - o.now.getTime();
    if (o.renewBeforeDays * LIFECYCLE_DAY_MS >= lifetimeMs) {
      const days = Math.max(wholeDaysBetween(o.now, notAfter), 0);
      problems.push({
        property: "renewBeforeDays",
        message: `${o.renewBeforeDays} is not smaller than the ${days} days the certificate really gets: every \`pulumi up\` would renew it at once; allowed: at most ${Math.max(days - 1, 0)}`,
      });
    }
  }
  return problems;
}

/** Whether a certificate expiring at `notAfter` is within its renewal window at `now`. */
export function renewalDue(notAfter: Date, renewBeforeDays: number | undefined, now: Date): boolean {
  if (renewBeforeDays === undefined) return false;
  return now.getTime() >= notAfter.getTime() - renewBeforeDays * LIFECYCLE_DAY_MS;
}

/**
 * Whether replacing a certificate that is due helps: a certificate issued now (capped by its issuer) would not
 * itself be due. When it would be (its issuer expires within the window), renewing would replace it on every `up`:
 * renew the issuer instead.
 */
export function renewalHelps(o: { validityDays: number; renewBeforeDays?: number; issuerNotAfter?: Date; now: Date }): boolean {
  return !renewalDue(plannedNotAfter(o.validityDays, o.now, o.issuerNotAfter), o.renewBeforeDays, o.now);
}
