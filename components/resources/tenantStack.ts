import * as pulumi from "@pulumi/pulumi";
import { CertificateAuthority, type CaEntryArgs } from "./certificateAuthority";
import { declareEnrollmentGroups, declareSmokeTest, declareVerifiedCas, type EnrollmentSet } from "./dpsEnrollments";
import { caEntryArgs, declareCaKeyVault } from "./dpsX509";
import type { CaKeyVault } from "./caKeyVault";
import type { SmokeTest } from "./smokeTest";
import type { ResolvedTenant } from "../tenant/resolveTenant";
import type { VerifiedCaCertificate } from "./verifiedCaCertificate";
import { warnExpiringCas } from "../expiry/warn";
import { CaKeyRequest } from "../providers/caKeyRequest";
import { caKeyName } from "../azure/keyVault";
import type { CaEntryConfig } from "../config";
import { caKeySpec } from "../config/schema";

export interface TenantStackArgs {
  /** The tenant's config, resolved and checked against the platform's outputs. */
  readonly tenant: ResolvedTenant;
  /** The platform root's certificate (from the platform's outputs). */
  readonly rootCertificatePem: pulumi.Input<string>;
}

/**
 * A tenant on a platform's shared DPS: its own intermediates, uploaded and proved, and its own enrollment groups on
 * the platform's hubs. It declares no DPS, hub or root: destroying a tenant stack removes its groups, then its CAs,
 * and nothing else.
 *
 * A generated intermediate is a key (in this stack's state or its own Key Vault) and a CSR, exported as `caCsrs`;
 * the platform signs it and exports the certificate (`tenantCertificates`); the next `up` here picks it up, uploads
 * and proves it, and declares the groups that name it. Until then, `waitingFor` says so. No key leaves this stack.
 */
export class TenantStack extends pulumi.ComponentResource {
  readonly tenant: ResolvedTenant;
  readonly keyVault?: CaKeyVault;
  readonly ca: CertificateAuthority;
  /** Key + CSR of each generated intermediate, by its (prefixed) CA name. */
  readonly requests: Map<string, CaKeyRequest>;
  readonly verifiedCas: Map<string, VerifiedCaCertificate>;
  readonly enrollments: EnrollmentSet;
  /** What this stack's next step waits for (the platform's signature, in plain words). */
  readonly waitingFor: string[];
  /** Present when `smokeTest` is configured and its group is declared. */
  readonly smokeTest?: SmokeTest;

  constructor(name: string, args: TenantStackArgs, opts?: pulumi.ComponentResourceOptions) {
    super("dps-x509:index:TenantStack", name, {}, opts);
    const tenant = (this.tenant = args.tenant);
    const facts = tenant.facts;
    const signed = facts.tenantCertificates[tenant.tenant] ?? {};
    this.keyVault = declareCaKeyVault(this, name, tenant.keyVault, { resourceGroupName: tenant.keyVault?.resourceGroupName, location: tenant.location ?? "", deployer: tenant.deployer });
    const vault = this.keyVault?.forCertificateAuthority;

    this.requests = new Map();
    this.waitingFor = [];
    const ready: CaEntryConfig[] = [];
    const entries: CaEntryArgs[] = [];
    for (const entry of tenant.intermediates) {
      if (entry.certificatePem !== undefined) {
        // Brought with its certificate (and key) as before: no CSR.
        ready.push(entry);
        entries.push(caEntryArgs(entry));
        continue;
      }
      const inVault = entry.keyStore === "keyVault";
      const request = new CaKeyRequest(
        `${name}-csr-${entry.name}`,
        { caName: entry.name, commonName: entry.commonName, keySize: caKeySpec(entry), keyStore: entry.keyStore, ...(inVault ? { vaultUrl: vault!.vaultUrl, keyName: caKeyName(entry.name), hsm: vault!.hsm } : {}) },
        { parent: this, dependsOn: inVault ? vault!.dependsOn : [] },
      );
      this.requests.set(entry.name, request);
      const certificatePem = signed[entry.name];
      if (certificatePem === undefined) {
        this.waitingFor.push(`CA ${entry.name}: the platform ${tenant.platform} has not signed its CSR yet; run \`pulumi up\` on the platform, then \`pulumi up\` here (it uploads and proves the CA, then declares the groups that name it)`);
        continue;
      }
      ready.push(entry);
      entries.push({
        ...caEntryArgs(entry),
        certificatePem,
        privateKeyPem: inVault ? undefined : (request.privateKeyPem as pulumi.Output<string>),
      });
    }

    this.ca = new CertificateAuthority(
      `${name}-ca`,
      { externalRoot: { certificatePem: args.rootCertificatePem }, intermediates: entries, keyVault: vault },
      { parent: this },
    );
    this.verifiedCas = declareVerifiedCas(
      this,
      name,
      ready,
      this.ca,
      { subscriptionId: facts.subscriptionId, resourceGroupName: facts.resourceGroupName, dpsName: facts.dpsName, armEndpoint: tenant.armEndpoint },
      [],
    );
    // No config path: a tenant rotates by hand (docs/day-two.md), so the warning suggests no rotation key.
    warnExpiringCas(tenant.intermediates.map((entry) => ({ ...entry, configPath: "" })), this.ca, this.verifiedCas);
    // A group waits for every CA it names.
    const readyCas = new Set(ready.map((entry) => entry.name));
    const groups = tenant.enrollmentGroups.filter((group) => {
      const waiting = [group.caName, group.secondaryCaName].filter((caName): caName is string => caName !== undefined && !readyCas.has(caName));
      if (waiting.length) this.waitingFor.push(`group ${group.enrollmentId}: waits for CA ${waiting.join(", ")}`);
      return waiting.length === 0;
    });
    const hubHostName = (hubName: string) => facts.hubHostNames[hubName];
    // No DPS key: a tenant writes its groups with its own Azure identity (DPS data-plane RBAC).
    this.enrollments = declareEnrollmentGroups(this, name, groups, {
      verifiedCas: this.verifiedCas,
      hubHostName,
      service: { serviceHostName: facts.serviceHostName },
      dependsOn: [],
      caCertificatePem: (caName) => this.ca.certificates[caName].certificatePem,
    });
    const smokeGroup = tenant.smokeTest && (tenant.smokeTest.enrollmentId ?? tenant.enrollmentGroups[0]?.enrollmentId);
    if (tenant.smokeTest && !groups.some((group) => group.enrollmentId === smokeGroup)) {
      this.waitingFor.push(`smoke test: waits for group ${smokeGroup}`);
    } else {
      this.smokeTest = declareSmokeTest(this, name, tenant.smokeTest, {
        groups,
        enrollments: this.enrollments,
        ca: this.ca,
        idScope: facts.idScope,
        globalEndpoint: facts.globalDeviceEndpoint,
        hubHostName,
      });
    }
    this.registerOutputs({ enrollmentGroupIds: [...this.enrollments.groups.keys()], waitingFor: this.waitingFor });
  }
}
