/**
 * Platform side of tenant signing: which CSRs each listed tenant sent (its stack's `caCsrs` output, read with the
 * engine's `readStackOutputs`, or `tenants[i].csrs` in config), checked before anything is declared, and what the
 * platform is still waiting for. Tenants send CSRs and receive certificates: no private key crosses a stack boundary.
 */
import * as pulumi from "@pulumi/pulumi";
import { csrKeyProblem } from "../../certs";
import { checkedCsr } from "./checkedCsr";
import type { Problem } from "../config/problems";
import type { TenantReservation } from "../config/schema";

/** The tenant stack's output holding its CSRs, by CA name. */
export const TENANT_CSRS_OUTPUT = "caCsrs";
/** The platform output holding the tenants' certificates: `{ <tenant>: { <caName>: PEM } }`. */
export const TENANT_CERTIFICATES_OUTPUT = "tenantCertificates";
/** The output (platform and tenant) listing what the next step waits for. */
export const WAITING_FOR_OUTPUT = "waitingFor";

/** One tenant's CSRs by its (prefixed) CA name, with where they came from for messages. */
export interface TenantCsrs {
  readonly tenant: string;
  readonly index: number;
  readonly csrs: Record<string, string>;
  readonly source: string;
  /** The DPS the tenant's stack works on now (its `dpsName` output), when read from its stack: where it lives. */
  readonly currentDps?: string;
}

/** The engine's built-in function behind StackReference (pkg/resource/deploy/builtins.go): a stack's outputs, read. */
export const READ_STACK_OUTPUTS = "pulumi:pulumi:readStackOutputs";

/**
 * A tenant stack's outputs, read through the engine's `readStackOutputs` function rather than a StackReference: an
 * invoke leaves nothing in the platform's state, where a StackReference keeps every output of the tenant's stack
 * (3.2 KB per tenant, its secret outputs included; issue #26.2). The platform reads two of them.
 */
async function readTenantOutputs(stack: string): Promise<{ caCsrs?: unknown; dpsName?: unknown }> {
  const result = (await pulumi.runtime.invoke(READ_STACK_OUTPUTS, { name: stack })) as { outputs?: Record<string, unknown> } | undefined;
  const outputs = result?.outputs ?? {};
  return { caCsrs: outputs[TENANT_CSRS_OUTPUT], dpsName: outputs.dpsName };
}

/** Reads each listed tenant's CSRs: from config, else from its stack (outputs of a stack not yet up: none). */
export async function readTenantCsrs(tenants: TenantReservation[]): Promise<TenantCsrs[]> {
  return Promise.all(
    tenants.map(async (tenant, index) => {
      if (tenant.csrs) return { tenant: tenant.name, index, csrs: tenant.csrs, source: `tenants[${index}].csrs` };
      if (!tenant.stack) return { tenant: tenant.name, index, csrs: {}, source: `tenants[${index}]` };
      const { caCsrs, dpsName } = await readTenantOutputs(tenant.stack);
      const csrs = caCsrs && typeof caCsrs === "object" ? (caCsrs as Record<string, string>) : {};
      const currentDps = typeof dpsName === "string" && dpsName ? dpsName : undefined;
      return { tenant: tenant.name, index, csrs, source: `tenants[${index}].stack`, ...(currentDps ? { currentDps } : {}) };
    }),
  );
}

/** Tenants held back, each with the reason and the fix (one line): their certificates stay as last signed. */
export type HeldBackTenants = Map<string, string>;

/**
 * The subject the platform gives a tenant's CA certificate: its CA name, which carries the tenant's prefix
 * (`customer-a-intermediate-ca`). Never the CSR's own text: a tenant cannot name its CA like the root, another
 * tenant's CA or the platform's (docs/tenants.md#what-the-platform-signs).
 */
export function tenantCaSubject(caName: string): string {
  return caName;
}

/**
 * A tenant's outputs are untrusted input: each CSR is of a CA with the tenant's prefix, within its reservation,
 * well formed (self-signature), with a key the platform signs (certs/csr.ts csrKeyProblem), and a subject no platform
 * CA has; and the DPS its stack says it works on (`dpsName`) is one of the platform's. A tenant that fails is held back
 * (its last certificates stay; every other tenant proceeds), with why and what to do.
 */
export function heldBackTenants(tenants: TenantReservation[], read: TenantCsrs[], platform: { commonNames: string[]; dpsNames: string[] }): HeldBackTenants {
  const held: HeldBackTenants = new Map();
  const reserved = new Set(platform.commonNames.map((name) => name.toLowerCase()));
  const longerTenantPrefix = tenantPrefixLookup(tenants);
  for (const { tenant, index, csrs, source, currentDps } of read) {
    const reasons: string[] = [];
    const names = Object.keys(csrs);
    const allowed = tenants[index].caCertificates;
    if (names.length > allowed) reasons.push(`its ${source} holds ${names.length} CSRs; the platform reserves ${allowed} CA certificates for it (tenants[${index}].caCertificates): remove the extra CAs from its stack, or raise its reservation`);
    for (const caName of names) {
      if (!caName.toLowerCase().startsWith(`${tenant}-`)) {
        reasons.push(`its ${source} names CA ${JSON.stringify(caName)} without the prefix "${tenant}-": a tenant may only ask for its own CAs`);
        continue;
      }
      if (reserved.has(tenantCaSubject(caName).toLowerCase())) reasons.push(`CA ${caName} would be named like a CA of the platform: rename it in the tenant's stack`);
      // Tenant "a" asking for "a-b-ca" would take the name of tenant "a-b"'s CA "ca".
      const other = longerTenantPrefix(caName, tenant);
      if (other) reasons.push(`CA ${caName} carries the prefix of tenant ${other.name}: rename it in the tenant's stack`);
      try {
        const problem = csrKeyProblem(checkedCsr(csrs[caName], `the CSR of ${caName}`).publicKey);
        if (problem) reasons.push(`the CSR of ${caName}: ${problem}`);
      } catch (e) {
        reasons.push(`${(e as Error).message}: the tenant runs \`pulumi up\` on its stack to export a new one`);
      }
    }
    if (currentDps !== undefined && !platform.dpsNames.includes(currentDps)) {
      reasons.push(`its stack's dpsName output is ${JSON.stringify(currentDps)}, not a DPS of this platform (${platform.dpsNames.join(", ")}): the tenant runs \`pulumi up\` on its stack against this platform's outputs`);
    }
    if (reasons.length) held.set(tenant, reasons.join("; "));
  }
  return held;
}

/**
 * The first listed tenant, other than `tenant` and with a longer name, whose prefix (`<name>-`) a CA name carries.
 * Looked up by the CA name's own prefixes (each ending before a "-"), so that a thousand tenants' CAs are checked
 * in linear time rather than each against every tenant.
 */
function tenantPrefixLookup(tenants: TenantReservation[]): (caName: string, tenant: string) => TenantReservation | undefined {
  const byLowerName = new Map<string, number[]>();
  tenants.forEach((t, at) => {
    const key = t.name.toLowerCase();
    byLowerName.set(key, [...(byLowerName.get(key) ?? []), at]);
  });
  return (caName, tenant) => {
    const lower = caName.toLowerCase();
    let first: number | undefined;
    for (let dash = lower.indexOf("-"); dash >= 0; dash = lower.indexOf("-", dash + 1)) {
      for (const at of byLowerName.get(lower.slice(0, dash)) ?? []) {
        const t = tenants[at];
        if (t.name !== tenant && t.name.length > tenant.length && (first === undefined || at < first)) first = at;
      }
    }
    return first === undefined ? undefined : tenants[first];
  };
}

/** The platform's warning and `waitingFor` line for a held-back tenant. */
export function heldBackNote(tenant: string, reason: string): string {
  return `tenant ${tenant} is held back (its last signed certificates stay; nothing new is signed for it, every other tenant proceeds): ${reason}`;
}

/** What the platform still waits for: listed tenants that sent no CSR yet. */
export function platformWaitingFor(tenants: TenantReservation[], read: TenantCsrs[]): string[] {
  return read
    .filter(({ csrs }) => Object.keys(csrs).length === 0)
    .map(({ tenant, index }) =>
      tenants[index].stack
        ? `tenant ${tenant}: no CSR yet from ${tenants[index].stack}; run \`pulumi up\` on that stack (it makes its keys and exports ${TENANT_CSRS_OUTPUT}), then \`pulumi up\` here`
        : `tenant ${tenant}: no CSR; set tenants[${index}].stack (its stack) or tenants[${index}].csrs`,
    );
}
