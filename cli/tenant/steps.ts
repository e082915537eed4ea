/**
 * The three steps of onboarding a tenant (tenant up, platform up, tenant up) and when each is done, read from the
 * two stacks' outputs rather than from a local journal: the stacks are the record, so a run on another machine, or
 * after a crash at any point, sees the same progress.
 *
 * - `tenant-csr`: the tenant stack has been up (it exports `tenant`) and has sent its CSRs (`caCsrs`), or needs
 *   none (it brings its intermediates and waits for nothing).
 * - `platform-sign`: the platform exports a certificate for every CSR the tenant sent (`tenantCertificates`).
 * - `tenant-finish`: the tenant holds a certificate for every CA it asked for and waits for nothing (`waitingFor`
 *   empty: its CAs uploaded and proven, its groups declared).
 */
import { TENANT_CERTIFICATES_OUTPUT, TENANT_CSRS_OUTPUT, WAITING_FOR_OUTPUT } from "../../components/tenant/tenantCsrs";

export type StepName = "tenant-csr" | "platform-sign" | "tenant-finish";

export interface Step {
  readonly name: StepName;
  /** Which stack the step runs `pulumi up` on. */
  readonly role: "tenant" | "platform";
  /** One line for the progress and the plan. */
  readonly summary: string;
}

export const STEPS: readonly Step[] = [
  { name: "tenant-csr", role: "tenant", summary: "tenant up: makes the tenant's keys and exports its CSRs" },
  { name: "platform-sign", role: "platform", summary: "platform up: signs the tenant's CSRs and exports its certificates" },
  { name: "tenant-finish", role: "tenant", summary: "tenant up: uploads and proves the certificates, declares the enrollment groups" },
];

export type Outputs = Record<string, unknown>;

function record(value: unknown): Record<string, unknown> {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** The CA names the tenant sent CSRs for. */
export function requestedCas(tenantOutputs: Outputs): string[] {
  return Object.keys(record(tenantOutputs[TENANT_CSRS_OUTPUT]));
}

function hasBeenUp(tenant: string, tenantOutputs: Outputs): boolean {
  return tenantOutputs.tenant === tenant;
}

/** Whether a step is done, judged from the outputs of both stacks. A step is done only if the ones before it are. */
export function stepDone(step: StepName, tenant: string, tenantOutputs: Outputs, platformOutputs: Outputs): boolean {
  const csrSent = hasBeenUp(tenant, tenantOutputs) && (requestedCas(tenantOutputs).length > 0 || list(tenantOutputs[WAITING_FOR_OUTPUT]).length === 0);
  if (step === "tenant-csr") return csrSent;
  const issued = record(record(platformOutputs[TENANT_CERTIFICATES_OUTPUT])[tenant]);
  const signed = csrSent && requestedCas(tenantOutputs).every((caName) => typeof issued[caName] === "string" && issued[caName] !== "");
  if (step === "platform-sign") return signed;
  const held = record(tenantOutputs.caCertificates);
  return signed && requestedCas(tenantOutputs).every((caName) => caName in held) && list(tenantOutputs[WAITING_FOR_OUTPUT]).length === 0;
}

/** The first step not done yet, or undefined when the tenant is onboarded. */
export function nextStep(tenant: string, tenantOutputs: Outputs, platformOutputs: Outputs): Step | undefined {
  return STEPS.find((step) => !stepDone(step.name, tenant, tenantOutputs, platformOutputs));
}

/** What a stack says it waits for (its `waitingFor` output), for the message when a step ran but is not done. */
export function waitingForOf(outputs: Outputs): string[] {
  return list(outputs[WAITING_FOR_OUTPUT]).map(String);
}
