/** The DPS certificate upload's inputs and outputs: shared by its provider and its steps (no import circle). */

export interface DpsCertificateUploadInputs {
  subscriptionId: string;
  resourceGroupName: string;
  dpsName: string;
  certificateName: string;
  /** The CA certificate, PEM (public). */
  certificatePem: string;
  /** Ask Azure to mark it verified on upload: true only for `onUpload`. */
  isVerified: boolean;
  armEndpoint?: string;
  providerVersion: string;
  /** `adopt: true` in config: taking over the certificate already there is the intent (docs/day-two.md). */
  adopt?: boolean;
}

export interface DpsCertificateUploadOutputs extends Omit<DpsCertificateUploadInputs, "isVerified"> {
  /** The certificate's name as Azure reports it. */
  name: string;
  /** SHA-1, upper-case hex, as Azure reports it. */
  thumbprint: string;
  etag: string;
  /** As Azure reports it (after proof of possession or a portal change, only a refresh shows the new value). */
  isVerified: boolean;
  /** The certificate's notAfter as Azure reports it, ISO 8601 ("" when Azure gave none). */
  expiry: string;
  /** The `isVerified` input of the last create or update. */
  requestedIsVerified: boolean;
}

export type Identity = Pick<DpsCertificateUploadInputs, "subscriptionId" | "resourceGroupName" | "dpsName" | "certificateName">;
