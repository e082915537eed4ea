/**
 * IP rules of a hub (`ipAllowList`, sent as `networkRuleSets.ipRules`) and of a DPS (`ipFilterRules`), checked as
 * Azure checks them (learn.microsoft.com: "Use IP filters" for IoT Hub and for DPS):
 * - at most 100 rules;
 * - names unique (case-insensitive), up to 128 ASCII letters and digits plus a few punctuation characters;
 * - the first rule that matches an address decides, so a Reject rule that covers an Accept rule below it makes that
 *   rule dead, and a reject-all ahead of the Accept rules lets nothing reach the service: not even `up`.
 */
import type { Problem } from "./problems";
import { MAX_IP_RULES } from "./networkSchema";

const IPV4_OCTET = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
/** An IPv4 address or CIDR range: what IoT Hub and DPS IP rules take (`ipMask`). */
const IPV4_CIDR = new RegExp(`^${IPV4_OCTET}(?:\\.${IPV4_OCTET}){3}(?:/(?:3[0-2]|[12]?\\d))?$`);

/**
 * Rule names: IoT Hub's page lists `- : . + % _ # * ? ! ( ) , = @ ; '` besides ASCII letters and digits; DPS's
 * page also `/` and `\`.
 */
const RULE_NAMES = {
  hub: { pattern: /^[A-Za-z0-9\-:.+%_#*?!(),=@;']{1,128}$/, allowed: "1–128 ASCII letters, digits and - : . + % _ # * ? ! ( ) , = @ ; '" },
  dps: { pattern: /^[A-Za-z0-9\-:/\\.+%_#*?!(),=@;']{1,128}$/, allowed: "1–128 ASCII letters, digits and - : / \\ . + % _ # * ? ! ( ) , = @ ; '" },
} as const;

const SERVICE = { hub: "hub", dps: "DPS" } as const;

export interface IpRule {
  readonly name: string;
  readonly ipMask: string;
  readonly action: "Accept" | "Reject";
  /** DPS rules: which API the rule guards; hub rules guard all. */
  readonly target: "all" | "serviceApi" | "deviceApi";
}

export function isIpv4Range(value: string): boolean {
  return IPV4_CIDR.test(value);
}

/** The first and last address of an IPv4 address or CIDR range, as unsigned 32-bit numbers. */
export function ipv4Span(mask: string): { first: number; last: number; bits: number } {
  const [address, prefix] = mask.split("/");
  const bits = prefix === undefined ? 32 : Number(prefix);
  const value = address.split(".").reduce((sum, octet) => sum * 256 + Number(octet), 0);
  const size = 2 ** (32 - bits);
  const first = Math.floor(value / size) * size;
  return { first, last: first + size - 1, bits };
}

/** Whether a rule for `outer`'s target sees every request a rule for `inner`'s target sees. */
function targetCovers(outer: IpRule["target"], inner: IpRule["target"]): boolean {
  return outer === "all" || outer === inner;
}

/** `publicNetworkAccess` unset is Azure's default, Enabled. */
export function ipRuleProblems(o: { path: string; kind: "hub" | "dps"; rules: ReadonlyArray<IpRule>; publicNetworkAccess: string | undefined }): Problem[] {
  const { path, kind, rules } = o;
  const problems: Problem[] = [];
  if (rules.length && o.publicNetworkAccess === "Disabled") {
    problems.push({
      path,
      value: rules.map((rule) => rule.name),
      message: "are ignored by Azure while publicNetworkAccess is Disabled (only private endpoints reach the resource); allowed: remove the rules, or set publicNetworkAccess: Enabled",
    });
  }
  if (rules.length > MAX_IP_RULES) {
    problems.push({
      path,
      value: `${rules.length} rules`,
      message: `is more than Azure takes on a ${SERVICE[kind]}; allowed: at most ${MAX_IP_RULES} IP rules (merge neighbouring addresses into CIDR ranges)`,
    });
  }
  const seen = new Map<string, number>();
  rules.forEach((rule, j) => {
    if (!isIpv4Range(rule.ipMask)) {
      problems.push({ path: `${path}[${j}].ipMask`, value: rule.ipMask, message: "allowed: an IPv4 address or CIDR range, e.g. 203.0.113.0/24" });
    }
    if (!RULE_NAMES[kind].pattern.test(rule.name)) {
      problems.push({ path: `${path}[${j}].name`, value: rule.name, message: `allowed: ${RULE_NAMES[kind].allowed}` });
    }
    const first = seen.get(rule.name.toLowerCase());
    if (first !== undefined) {
      problems.push({ path: `${path}[${j}].name`, value: rule.name, message: `is already the name of ${path}[${first}] (Azure compares rule names case-insensitively); each rule needs its own name` });
    } else seen.set(rule.name.toLowerCase(), j);
  });
  problems.push(...shadowedAcceptProblems(path, kind, rules));
  return problems;
}

/** Accept rules that a Reject rule above them already decides: the first match wins, so they never apply. */
function shadowedAcceptProblems(path: string, kind: "hub" | "dps", rules: ReadonlyArray<IpRule>): Problem[] {
  const problems: Problem[] = [];
  const valid = rules.map((rule) => (isIpv4Range(rule.ipMask) ? ipv4Span(rule.ipMask) : undefined));
  rules.forEach((rule, i) => {
    const span = valid[i];
    if (rule.action !== "Reject" || !span) return;
    const shadowed = rules
      .map((accept, j) => ({ accept, j, inner: valid[j] }))
      .filter(({ accept, j, inner }) => j > i && accept.action === "Accept" && inner && span.first <= inner.first && inner.last <= span.last && targetCovers(rule.target, accept.target));
    if (!shadowed.length) return;
    const names = shadowed.map(({ accept, j }) => `${path}[${j}] ("${accept.name}")`).join(", ");
    const what = span.bits === 0 ? "rejects every address" : `rejects ${rule.ipMask}`;
    const reach = span.bits === 0 && rule.target !== "deviceApi" ? `, and nothing public could reach the ${SERVICE[kind]}'s ${rule.target === "all" ? "APIs" : "service API"}, not even \`up\`` : "";
    problems.push({
      path: `${path}[${i}]`,
      value: `${rule.action} ${rule.ipMask} (${rule.target})`,
      message: `${what} ahead of ${names}: the first matching rule decides: ${shadowed.length === 1 ? "that Accept rule never applies" : "those Accept rules never apply"}${reach}; allowed: the Accept rules first, then the Reject rule`,
    });
  });
  return problems;
}
