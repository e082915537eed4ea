/**
 * Platform side of tenant signing: which CSRs each listed tenant sent (its stack's `caCsrs` output, read through a
 * StackReference, or `tenants[i].csrs` in config), checked before anything is declared, and what the platform is
 * still waiting for. Tenants send CSRs and receive certificates: no private key crosses a stack boundary.
 */
import * as pulumi from "@pulumi/pulumi";
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

/** Reads each listed tenant's CSRs: from config, else from its stack (outputs of a stack not yet up: none). */
export async function readTenantCsrs(tenants: TenantReservation[], referenceName: (tenant: string) => string): Promise<TenantCsrs[]> {
  return Promise.all(
    tenants.map(async (tenant, index) => {
      if (tenant.csrs) return { tenant: tenant.name, index, csrs: tenant.csrs, source: `tenants[${index}].csrs` };
      if (!tenant.stack) return { tenant: tenant.name, index, csrs: {}, source: `tenants[${index}]` };
      const reference = new pulumi.StackReference(referenceName(tenant.name), { name: tenant.stack });
      const [details, dps] = await Promise.all([reference.getOutputDetails(TENANT_CSRS_OUTPUT), reference.getOutputDetails("dpsName")]);
      const value = details.value ?? details.secretValue;
      const csrs = value && typeof value === "object" ? (value as Record<string, string>) : {};
      const currentDps = typeof dps.value === "string" && dps.value ? dps.value : undefined;
      return { tenant: tenant.name, index, csrs, source: `tenants[${index}].stack`, ...(currentDps ? { currentDps } : {}) };
    }),
  );
}

/** Each CSR: of a CA with the tenant's prefix, within the tenant's reservation, and a valid CSR. */
export function checkTenantCsrs(tenants: TenantReservation[], read: TenantCsrs[]): Problem[] {
  const problems: Problem[] = [];
  for (const { tenant, index, csrs, source } of read) {
    const names = Object.keys(csrs);
    const reserved = tenants[index].caCertificates;
    if (names.length > reserved) {
      problems.push({ path: source, value: names, message: `tenant ${tenant} asks for ${names.length} CA certificates; the platform reserves ${reserved} for it (tenants[${index}].caCertificates)` });
    }
    for (const caName of names) {
      if (!caName.toLowerCase().startsWith(`${tenant}-`)) {
        problems.push({ path: `${source}`, value: caName, message: `names a CA without the prefix "${tenant}-": a tenant may only ask for its own CAs` });
        continue;
      }
      try {
        checkedCsr(csrs[caName], `the CSR of ${caName}`);
      } catch (e) {
        problems.push({ path: source, value: caName, message: (e as Error).message });
      }
    }
  }
  return problems;
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
