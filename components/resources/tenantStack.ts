import * as pulumi from "@pulumi/pulumi";
import { CertificateAuthority } from "./certificateAuthority";
import { declareEnrollmentGroups, declareSmokeTest, declareVerifiedCas, type EnrollmentSet } from "./dpsEnrollments";
import { caEntryArgs } from "./dpsX509";
import type { SmokeTest } from "./smokeTest";
import type { ResolvedTenant } from "../tenant/resolveTenant";
import type { VerifiedCaCertificate } from "./verifiedCaCertificate";
import { warnExpiringCas } from "../expiry/warn";

export interface TenantStackArgs {
  /** The tenant's config, resolved and checked against the platform's outputs. */
  readonly tenant: ResolvedTenant;
  /** The platform root's certificate (from the platform's outputs). */
  readonly rootCertificatePem: pulumi.Input<string>;
  /** The platform root's key (secret), when the platform signs for tenants. */
  readonly rootPrivateKeyPem?: pulumi.Input<string>;
}

/**
 * A tenant on a platform's shared DPS: its own intermediates (signed by the platform root, or brought), uploaded and
 * proved, and its own enrollment groups on the platform's hubs. It declares no DPS, hub or root: destroying a tenant
 * stack removes its groups, then its CAs, and nothing else.
 */
export class TenantStack extends pulumi.ComponentResource {
  readonly tenant: ResolvedTenant;
  readonly ca: CertificateAuthority;
  readonly verifiedCas: Map<string, VerifiedCaCertificate>;
  readonly enrollments: EnrollmentSet;
  /** Present when `smokeTest` is configured. */
  readonly smokeTest?: SmokeTest;

  constructor(name: string, args: TenantStackArgs, opts?: pulumi.ComponentResourceOptions) {
    super("dps-x509:index:TenantStack", name, {}, opts);
    const tenant = (this.tenant = args.tenant);
    const facts = tenant.facts;

    this.ca = new CertificateAuthority(
      `${name}-ca`,
      {
        externalRoot: { certificatePem: args.rootCertificatePem, privateKeyPem: args.rootPrivateKeyPem },
        intermediates: tenant.intermediates.map(caEntryArgs),
      },
      { parent: this },
    );
    this.verifiedCas = declareVerifiedCas(
      this,
      name,
      tenant.intermediates,
      this.ca,
      { subscriptionId: facts.subscriptionId, resourceGroupName: facts.resourceGroupName, dpsName: facts.dpsName, armEndpoint: tenant.armEndpoint },
      [],
    );
    // No config path: a tenant rotates by hand (docs/day-two.md), so the warning suggests no rotation key.
    warnExpiringCas(tenant.intermediates.map((entry) => ({ ...entry, configPath: "" })), this.ca, this.verifiedCas);
    const hubHostName = (hubName: string) => facts.hubHostNames[hubName];
    // No DPS key: a tenant writes its groups with its own Azure identity (DPS data-plane RBAC).
    this.enrollments = declareEnrollmentGroups(this, name, tenant.enrollmentGroups, {
      verifiedCas: this.verifiedCas,
      hubHostName,
      service: { serviceHostName: facts.serviceHostName },
      dependsOn: [],
    });
    this.smokeTest = declareSmokeTest(this, name, tenant.smokeTest, {
      groups: tenant.enrollmentGroups,
      enrollments: this.enrollments,
      ca: this.ca,
      idScope: facts.idScope,
      globalEndpoint: facts.globalDeviceEndpoint,
      hubHostName,
    });
    this.registerOutputs({ enrollmentGroupIds: [...this.enrollments.groups.keys()] });
  }
}
