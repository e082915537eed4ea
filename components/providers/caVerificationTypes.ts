/** The proof-of-possession resource's inputs and outputs: shared by its provider and its steps (no import circle). */

export interface CaVerificationInputs {
  subscriptionId: string;
  resourceGroupName: string;
  dpsName: string;
  certificateName: string;
  certificatePem: string;
  /** Secret. Never echoed in outputs. Give this or `caKeyId`. */
  caPrivateKeyPem?: string;
  /** The CA's Key Vault key id with its version: the verification certificate is signed in the vault. */
  caKeyId?: string;
  armEndpoint?: string;
  providerVersion: string;
}

export interface CaVerificationOutputs {
  subscriptionId: string;
  resourceGroupName: string;
  dpsName: string;
  certificateName: string;
  certificatePem: string;
  armEndpoint?: string;
  providerVersion: string;
  caKeyId?: string;
  /** As Azure reports it (after create: true; after a refresh: whatever the portal says). */
  isVerified: boolean;
  /** SHA-1, upper-case hex, as Azure reports it. */
  thumbprint: string;
  etag: string;
}
