/**
 * `DeviceRegistry`: what `dps-x509:deviceRegistry` declares. The namespace (linked to the DPS and its shards), the
 * Microsoft-managed Root when a Microsoft ICA needs it, each ICA, and each ICA's policy. Dependencies give the order
 * of `up` (namespace → Root → ICAs → policies → the enrollments naming them) and its reverse on destroy.
 */
import * as pulumi from "@pulumi/pulumi";
import type { IssuedCa } from "../resources/certificateAuthority";
import type { StackConfig } from "../config/schema";
import { AdrCertificateAuthority, AdrCertificatePolicy, AdrNamespace } from "./resources";
import { issuerOf } from "./schema";
import { warnExpiringAdrCas } from "../expiry/adrWarn";

export interface DeviceRegistryArgs {
  readonly config: StackConfig;
  readonly subscriptionId: pulumi.Input<string>;
  readonly resourceGroupName: pulumi.Input<string>;
  /** The DPS resource ids to link, by DPS name (the primary and the shards). */
  readonly dpsIds: Map<string, pulumi.Input<string>>;
  /** The stack's CAs by entry name (an External ICA's issuer is one of them). */
  readonly stackCas: Record<string, IssuedCa>;
}

export class DeviceRegistry extends pulumi.ComponentResource {
  readonly namespace: AdrNamespace;
  readonly root?: AdrCertificateAuthority;
  /** The ICAs by name. */
  readonly certificateAuthorities = new Map<string, AdrCertificateAuthority>();
  /** The policies by CA name. */
  readonly policies = new Map<string, AdrCertificatePolicy>();

  constructor(name: string, args: DeviceRegistryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("dps-x509:deviceRegistry:DeviceRegistry", name, {}, opts);
    const adr = args.config.deviceRegistry!;
    const target = {
      subscriptionId: args.subscriptionId,
      resourceGroupName: args.resourceGroupName,
      namespaceName: adr.namespace.name,
      location: adr.namespace.location ?? args.config.location,
      ...(args.config.armEndpoint ? { armEndpoint: args.config.armEndpoint } : {}),
    };
    const endpoints: Record<string, pulumi.Input<{ resourceId: string; identityType: "SystemAssigned" }>> = {};
    if (adr.link) {
      for (const [dpsName, id] of args.dpsIds) endpoints[dpsName] = pulumi.output(id).apply((resourceId) => ({ resourceId, identityType: "SystemAssigned" as const }));
    }
    this.namespace = new AdrNamespace(`${name}-namespace`, { ...target, identityType: "SystemAssigned", provisioningEndpoints: endpoints }, { parent: this });
    const inNamespace = { parent: this, dependsOn: [this.namespace] };
    if (adr.certificateAuthorities.some((ca) => issuerOf(ca).kind === "microsoft")) {
      this.root = new AdrCertificateAuthority(`${name}-ca-${adr.rootName}`, { ...target, certificateAuthorityName: adr.rootName, kind: "Root" }, inNamespace);
    }
    for (const ca of adr.certificateAuthorities) {
      const issuer = issuerOf(ca);
      let resource: AdrCertificateAuthority;
      if (issuer.kind === "microsoft") {
        resource = new AdrCertificateAuthority(
          `${name}-ca-${ca.name}`,
          { ...target, certificateAuthorityName: ca.name, kind: "MicrosoftIca", rootCertificateAuthorityName: adr.rootName, ...(ca.rotation !== undefined ? { rotation: ca.rotation } : {}) },
          { parent: this, dependsOn: [this.namespace, this.root!] },
        );
      } else {
        const signing = args.stackCas[issuer.caName];
        resource = new AdrCertificateAuthority(
          `${name}-ca-${ca.name}`,
          {
            ...target,
            certificateAuthorityName: ca.name,
            kind: "ExternalIca",
            issuerCaName: issuer.caName,
            issuerCertificatePem: signing.certificatePem,
            issuerChainPem: chainAbove(args.config, issuer.caName, args.stackCas),
            issuerPrivateKeyPem: signing.privateKeyPem,
            issuerKeyId: signing.keyId,
            ...(ca.renewBeforeDays !== undefined ? { renewBeforeDays: ca.renewBeforeDays } : {}),
          },
          { parent: this, dependsOn: [this.namespace, signing.resource] },
        );
      }
      this.certificateAuthorities.set(ca.name, resource);
      this.policies.set(
        ca.name,
        new AdrCertificatePolicy(
          `${name}-policy-${ca.policy.name}`,
          { ...target, certificateAuthorityName: ca.name, certificatePolicyName: ca.policy.name, validityPeriodInDays: ca.policy.validityDays },
          { parent: this, dependsOn: [resource] },
        ),
      );
    }
    warnExpiringAdrCas(new Map(adr.certificateAuthorities.map((ca) => [ca.name, { resource: this.certificateAuthorities.get(ca.name)!, renewBeforeDays: ca.renewBeforeDays, external: issuerOf(ca).kind === "external" }])));
    this.registerOutputs({ namespaceId: this.namespace.id });
  }
}

/** The PEM chain above a CA of the stack, up to and including the root ("" for the root itself). */
function chainAbove(config: StackConfig, caName: string, cas: Record<string, IssuedCa>): pulumi.Output<string> {
  const intermediate = config.ca.intermediates.find((e) => e.name === caName);
  if (!intermediate) return pulumi.output("");
  const rootName = ("issuerName" in intermediate && typeof intermediate.issuerName === "string" ? intermediate.issuerName : undefined) ?? config.ca.root.name;
  return cas[rootName]?.certificatePem ?? pulumi.output("");
}
