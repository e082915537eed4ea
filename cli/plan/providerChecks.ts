/**
 * The plan runs every dynamic provider's `check` on what the program declared, as `pulumi preview` does before it
 * shows anything: the same functions, on the same inputs (a secret or a value only `up` knows is passed as Pulumi's
 * unknown value, which the providers do not judge). The config checks are meant to refuse every such stack first,
 * naming its key (test/planCoversProviderChecks.test.ts keeps them in step); this is the net under them, so that a
 * provider check the config checks miss still fails the plan and not the preview.
 */
import type { Problem } from "../../components/config";
import { providers } from "../../components/providers/registry";
import { SECRET_MARKER, UNKNOWN_MARKER, type RecordedResource } from "./record";

/** The unknown value a provider's check sees during a preview (`@pulumi/pulumi` runtime/rpc's unknownValue). */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

const DYNAMIC_PREFIX = "pulumi-nodejs:dynamic/dps-x509:";

/** Resource type (the class name) → the provider's key in the registry. */
const REGISTRY_KEY: Readonly<Record<string, string>> = {
  CaCertificate: "caCertificate",
  DpsCertificateUpload: "dpsCertificate",
  CaVerification: "caVerification",
  EnrollmentGroup: "enrollmentGroup",
  RevokedDevice: "revokedDevice",
  CaKeyRequest: "caKeyRequest",
  TenantCertificate: "tenantCertificate",
  TenantIssuer: "tenantIssuer",
  IndividualEnrollment: "individualEnrollment",
  AdrNamespace: "adrNamespace",
  AdrCertificateAuthority: "adrCertificateAuthority",
  AdrCertificatePolicy: "adrCertificatePolicy",
};

function asCheckInputs(inputs: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(inputs), (_key, value) => (value === SECRET_MARKER || value === UNKNOWN_MARKER ? UNKNOWN : value));
}

/** Every failure a provider's check reports for a declared resource, as a problem naming the resource and input. */
export async function providerCheckProblems(resources: ReadonlyArray<RecordedResource>): Promise<Problem[]> {
  const problems: Problem[] = [];
  for (const resource of resources) {
    if (!resource.type.startsWith(DYNAMIC_PREFIX)) continue;
    const kind = resource.type.slice(DYNAMIC_PREFIX.length);
    const key = REGISTRY_KEY[kind];
    const provider = key === undefined ? undefined : providers[key]?.();
    if (!provider) throw new Error(`the plan knows no provider for ${resource.type}: add it to cli/plan/providerChecks.ts`);
    if (!provider.check) continue;
    const { failures = [] } = await provider.check({}, asCheckInputs(resource.inputs));
    for (const failure of failures) {
      // Only a number or a boolean is shown: any other input may be a PEM or a key the program passed on.
      const value = resource.inputs[failure.property];
      problems.push({
        path: `${kind} ${resource.name}: ${failure.property}`,
        value: typeof value === "number" || typeof value === "boolean" ? value : "(not shown)",
        message: `${failure.reason} (the ${kind} provider refuses it at preview; the stack config led to it)`,
      });
    }
  }
  return problems;
}
