/**
 * The guardrails as plain functions over plain resources: the pack (policies.ts) calls them from Pulumi's policy
 * runtime, and the offline plan (cli/plan/policy.ts) calls them over the resources it records. Nothing here needs
 * the policy runtime, Azure or this project's other code, so the folder can be published as a pack on its own.
 */
import { X509Certificate } from "crypto";

/** A resource as both callers see it: type, name, inputs (or outputs), and the names of what it depends on. */
export interface PolicySubject {
  readonly type: string;
  readonly name: string;
  readonly props: Record<string, any>;
  readonly dependencies: readonly string[];
}

/** A broken rule, for one resource. */
export interface Finding {
  readonly resource: string;
  readonly message: string;
}

/** The resource-group tag a stack declares its environment with (components/config/environment.ts writes it). */
export const ENVIRONMENT_TAG = "dps-x509-environment";

export const TYPES = {
  hub: "azure-native:iothub:IotHubResource",
  resourceGroup: "azure-native:resources:ResourceGroup",
  caCertificate: "pulumi-nodejs:dynamic/dps-x509:CaCertificate",
  caKeyRequest: "pulumi-nodejs:dynamic/dps-x509:CaKeyRequest",
  upload: "pulumi-nodejs:dynamic/dps-x509:DpsCertificateUpload",
  verification: "pulumi-nodejs:dynamic/dps-x509:CaVerification",
  enrollmentGroup: "pulumi-nodejs:dynamic/dps-x509:EnrollmentGroup",
} as const;

/** Whether a TLS version string (`"1.2"`) is 1.2 or newer. */
function tls12OrNewer(version: unknown): boolean {
  const match = typeof version === "string" ? /^(\d+)\.(\d+)$/.exec(version) : null;
  return !!match && (Number(match[1]) > 1 || (Number(match[1]) === 1 && Number(match[2]) >= 2));
}

/** Rule `hub-x509-only`: an IoT hub refuses device SAS tokens and TLS older than 1.2. Messages, none when it passes. */
export function hubX509Only(hub: PolicySubject): string[] {
  if (hub.type !== TYPES.hub) return [];
  const properties = hub.props.properties ?? {};
  const messages: string[] = [];
  if (properties.disableDeviceSAS !== true) {
    messages.push(`IoT hub ${hub.name}: device SAS tokens are accepted (properties.disableDeviceSAS is ${JSON.stringify(properties.disableDeviceSAS) ?? "unset"}); an X.509 fleet needs none: set disableDeviceSAS: true`);
  }
  if (!tls12OrNewer(properties.minTlsVersion)) {
    messages.push(`IoT hub ${hub.name}: TLS older than 1.2 is accepted (properties.minTlsVersion is ${JSON.stringify(properties.minTlsVersion) ?? "unset"}); set minTlsVersion: "1.2" (Azure takes it only when the hub is created)`);
  }
  return messages;
}

/** The CA names an enrollment group references (primary, then secondary). */
function caNamesOf(group: PolicySubject): string[] {
  return [group.props.primaryCaName, group.props.secondaryCaName].filter((name): name is string => typeof name === "string" && name !== "");
}

const same = (a: unknown, b: string) => typeof a === "string" && a.toLowerCase() === b.toLowerCase();

/** Whether a PEM certificate is self-signed (a root); undefined when the PEM is not known (yet). */
function isSelfSigned(pem: unknown): boolean | undefined {
  if (typeof pem !== "string" || !pem.includes("-----BEGIN CERTIFICATE-----")) return undefined;
  try {
    const cert = new X509Certificate(pem);
    return cert.subject === cert.issuer && cert.verify(cert.publicKey);
  } catch {
    return undefined;
  }
}

/** Whether the certificate uploaded under `caName` is a root: by its PEM when known, else by the CA it comes from. */
function uploadIsRoot(caName: string, byName: Map<string, PolicySubject>, resources: readonly PolicySubject[]): boolean | undefined {
  const upload = resources.find((r) => r.type === TYPES.upload && same(r.props.certificateName, caName));
  if (!upload) return undefined;
  const selfSigned = isSelfSigned(upload.props.certificatePem);
  if (selfSigned !== undefined) return selfSigned;
  const ca = upload.dependencies.map((name) => byName.get(name)).find((r) => r?.type === TYPES.caCertificate);
  return ca ? ca.props.role === "root" : undefined;
}

/**
 * Rule `group-attests-through-intermediate`: no enrollment group references a root CA. A group on a root lets any
 * certificate the root ever signs, for any purpose, provision a device; an intermediate per fleet limits that, and
 * can be revoked alone.
 */
export function groupsAttestThroughIntermediates(resources: readonly PolicySubject[]): Finding[] {
  const byName = new Map(resources.map((r) => [r.name, r]));
  return resources
    .filter((r) => r.type === TYPES.enrollmentGroup)
    .flatMap((group) =>
      caNamesOf(group)
        .filter((caName) => uploadIsRoot(caName, byName, resources) === true)
        .map((caName) => ({
          resource: group.name,
          message: `enrollment group ${group.props.enrollmentId ?? group.name} attests through ${caName}, a root CA; reference an intermediate the root signed (caName: <intermediate>)`,
        })),
    );
}

/** Rule `group-ca-verified-by-stack`: every CA a group references is uploaded and verified by this stack. */
export function groupCasVerifiedByStack(resources: readonly PolicySubject[]): Finding[] {
  const verifies = (caName: string) =>
    resources.some((r) => (r.type === TYPES.verification && same(r.props.certificateName, caName)) || (r.type === TYPES.upload && same(r.props.certificateName, caName) && r.props.isVerified === true));
  return resources
    .filter((r) => r.type === TYPES.enrollmentGroup)
    .flatMap((group) =>
      caNamesOf(group)
        .filter((caName) => !verifies(caName))
        .map((caName) => ({
          resource: group.name,
          message: `enrollment group ${group.props.enrollmentId ?? group.name} references CA ${caName}, which this stack does not upload and verify; DPS refuses devices of an unverified CA: declare it in ca (upload: true) or fix caName`,
        })),
    );
}

/** Whether a stack declares itself production: a resource group tagged `dps-x509-environment: production`. */
export function declaresProduction(resources: readonly PolicySubject[]): boolean {
  return resources.some((r) => r.type === TYPES.resourceGroup && r.props.tags?.[ENVIRONMENT_TAG] === "production");
}

/** Why a resource keeps a CA private key in state, or undefined. */
function caKeyInState(resource: PolicySubject): string | undefined {
  switch (resource.type) {
    case TYPES.caCertificate:
    case TYPES.caKeyRequest: {
      if (resource.props.keyStore === "keyVault") return undefined;
      // A brought certificate without its key (a tenant's intermediate signed elsewhere) holds no key.
      const broughtWithoutKey = resource.props.providedCertificatePem !== undefined && resource.props.providedPrivateKeyPem === undefined;
      return broughtWithoutKey ? undefined : `CA ${resource.props.caName ?? resource.props.commonName ?? resource.name} keeps its private key in the stack's state (keyStore: state)`;
    }
    case TYPES.verification:
      return resource.props.caPrivateKeyPem !== undefined ? `the proof of possession of ${resource.props.certificateName ?? resource.name} is signed with a CA private key held in state` : undefined;
    default:
      return undefined;
  }
}

/**
 * Rule `no-ca-key-in-state-in-production`: a production stack keeps no CA private key in its state; the keys live in
 * Key Vault (`keyStore: keyVault`). `production` is the stack's own declaration or the pack's config.
 */
export function noCaKeyInStateInProduction(resources: readonly PolicySubject[], configSaysProduction = false): Finding[] {
  if (!configSaysProduction && !declaresProduction(resources)) return [];
  return resources.flatMap((resource) => {
    const why = caKeyInState(resource);
    return why ? [{ resource: resource.name, message: `${why}; a production stack keeps CA keys in Key Vault: set keyStore: keyVault (docs/key-vault.md)` }] : [];
  });
}
