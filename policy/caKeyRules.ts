/** Rule `no-ca-key-in-state-in-production`, and how a stack declares itself production. */
import { ENVIRONMENT_TAG, TYPES, type Finding, type PolicySubject } from "./subjects";

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
