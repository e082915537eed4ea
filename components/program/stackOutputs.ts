/**
 * The stack outputs: what users and tenant stacks read. Public certificates in plain text; private keys only where
 * the config asks for them (intermediates, `exportIntermediateKeys`), as secrets. A tenant can read every output of
 * its platform, so the platform exports no secret a tenant does not need: no DPS key, never the root's key; tenants
 * get their certificates (`tenantCertificates`), signed from the CSRs they export (`caCsrs`).
 */
import * as pulumi from "@pulumi/pulumi";
import type { IssuedCa } from "../resources/certificateAuthority";
import { effectiveLimits } from "../config/quotas";
import type { DpsX509 } from "../resources/dpsX509";
import type { PlatformFacts } from "../tenant/platformOutputs";
import { ROOT_CERTIFICATE_OUTPUT } from "../tenant/platformOutputs";
import { TENANT_CSRS_OUTPUT, WAITING_FOR_OUTPUT } from "../tenant/tenantCsrs";
import type { TenantStack } from "../resources/tenantStack";
import { shardOutputs } from "../shards/outputs";

function certificateOutputs(certificates: Record<string, IssuedCa>) {
  return {
    caCertificates: Object.fromEntries(Object.entries(certificates).map(([caName, ca]) => [caName, ca.certificatePem])),
    caThumbprints: Object.fromEntries(Object.entries(certificates).map(([caName, ca]) => [caName, ca.thumbprint])),
    /** Each CA's notAfter (ISO 8601): what `npm run doctor` and a calendar check read. */
    caNotAfter: Object.fromEntries(Object.entries(certificates).map(([caName, ca]) => [caName, ca.notAfter])),
  };
}

function intermediateKeys(certificates: Record<string, IssuedCa>, names: string[]) {
  // Only CAs declared (a tenant's CA waiting for its certificate is not yet) and with a key in state.
  const declared = names.filter((caName) => certificates[caName] !== undefined);
  return { intermediatePrivateKeys: pulumi.secret(Object.fromEntries(declared.map((caName) => [caName, certificates[caName].privateKeyPem]))) };
}

/**
 * `tenantCertificates`, by tenant then CA name (a tenant with none keeps its empty map). One `pulumi.all` over every
 * certificate, not one per tenant: each Output is a handful of promises, and a platform has a thousand tenants.
 */
function tenantCertificatesOutput(byTenant: DpsX509["tenantCertificates"]): pulumi.Output<Record<string, Record<string, string>>> {
  const slots = Object.entries(byTenant).flatMap(([tenant, byCa]) => Object.entries(byCa).map(([caName, pem]) => ({ tenant, caName, pem })));
  return pulumi.all(slots.map((slot) => slot.pem)).apply((pems) => {
    const certificates: Record<string, Record<string, string>> = Object.fromEntries(Object.keys(byTenant).map((tenant) => [tenant, {}]));
    slots.forEach((slot, at) => (certificates[slot.tenant][slot.caName] = pems[at]));
    return certificates;
  });
}

export function platformStackOutputs(stack: DpsX509, waitingFor: string[] = []) {
  const config = stack.config;
  const certificates = stack.ca.certificates;
  // During a root rotation, "the" root is the primary one: the old until promote, the new from then on.
  const root = certificates[stack.rotated.primaryRootName];
  const uploadedCaNames = [...stack.verifiedCas.keys()];
  // Typed against what tenants parse, so the two sides cannot drift apart.
  const facts: { [K in keyof PlatformFacts]: pulumi.Input<PlatformFacts[K]> } = {
    subscriptionId: stack.subscriptionId,
    resourceGroupName: stack.resourceGroup.name,
    dpsName: stack.provisioning.dpsName,
    serviceHostName: stack.provisioning.serviceHostName,
    idScope: stack.provisioning.idScope,
    globalDeviceEndpoint: stack.provisioning.globalDeviceEndpoint,
    allocationPolicy: config.dps.allocationPolicy,
    hubHostNames: pulumi.all(Object.fromEntries([...stack.provisioning.hubs].map(([hubName, hub]) => [hubName, hub.hostName]))),
    caNames: uploadedCaNames,
    enrollmentGroupIds: [...stack.enrollments.groups.keys()],
    tenantCertificates: tenantCertificatesOutput(stack.tenantCertificates),
    capacity: {
      // The stated quotas (dps-x509:quotas), else Azure's defaults: a tenant checks its reservation against these.
      limits: (({ caCertificates, enrollmentGroups }) => ({ caCertificates, enrollmentGroups }))(effectiveLimits(config.quotas)),
      used: { caCertificates: uploadedCaNames.length, enrollmentGroups: config.enrollmentGroups.length },
      // Each tenant's attestation resolved here: a tenant stack reads it (signingCertificate: no upload, no CA slot).
      tenants: Object.fromEntries(config.tenants.map(({ name, caCertificates, enrollmentGroups, attestation }) => [name, { caCertificates, enrollmentGroups, attestation: attestation ?? config.tenantDefaults?.attestation ?? "caReference" }])),
    },
    ...shardOutputs(config, stack.shards, uploadedCaNames.length),
  };
  return {
    ...facts,
    ...certificateOutputs(certificates),
    [ROOT_CERTIFICATE_OUTPUT]: root.certificatePem,
    [WAITING_FOR_OUTPUT]: waitingFor,
    ...(config.exportIntermediateKeys ? intermediateKeys(certificates, stack.rotated.intermediates.map((entry) => entry.name)) : {}),
  };
}

export function tenantStackOutputs(stack: TenantStack) {
  const { tenant } = stack;
  return {
    tenant: tenant.tenant,
    platform: tenant.platform,
    // Where the tenant's DPS is (its shard's, when the platform has shards): doctor and the CLIs read it there.
    subscriptionId: tenant.facts.subscriptionId,
    resourceGroupName: tenant.facts.resourceGroupName,
    dpsName: tenant.facts.dpsName,
    idScope: tenant.facts.idScope,
    globalDeviceEndpoint: tenant.facts.globalDeviceEndpoint,
    serviceHostName: tenant.facts.serviceHostName,
    ...certificateOutputs(stack.ca.certificates),
    enrollmentGroupIds: [...stack.enrollments.groups.keys()],
    [TENANT_CSRS_OUTPUT]: pulumi.all(Object.fromEntries([...stack.requests].map(([caName, request]) => [caName, request.csrPem]))),
    [WAITING_FOR_OUTPUT]: stack.waitingFor,
    ...(tenant.exportIntermediateKeys ? intermediateKeys(stack.ca.certificates, tenant.intermediates.map((entry) => entry.name)) : {}),
  };
}
