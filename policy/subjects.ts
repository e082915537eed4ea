/**
 * What every rule reads: a resource as both callers see it (the pack from Pulumi's policy runtime, the offline plan
 * from what it records), the types the program declares, and what a certificate PEM says about itself. Nothing here
 * imports from outside this folder: the pack is published and run on its own (docs/policy.md).
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
  individualEnrollment: "pulumi-nodejs:dynamic/dps-x509:IndividualEnrollment",
  revokedDevice: "pulumi-nodejs:dynamic/dps-x509:RevokedDevice",
} as const;

/** Case-insensitive equality of a value with a name (DPS certificate names compare so). */
export const sameName = (a: unknown, b: string) => typeof a === "string" && a.toLowerCase() === b.toLowerCase();

/** The parsed certificate of a PEM; undefined when the value is not a PEM known now (unknown until `up`, or absent). */
export function certificateOf(pem: unknown): X509Certificate | undefined {
  if (typeof pem !== "string" || !pem.includes("-----BEGIN CERTIFICATE-----")) return undefined;
  try {
    return new X509Certificate(pem);
  } catch {
    return undefined;
  }
}

/** Whether a PEM certificate is self-signed (a root); undefined when the PEM is not known (yet). */
export function isSelfSigned(pem: unknown): boolean | undefined {
  const cert = certificateOf(pem);
  if (!cert) return undefined;
  try {
    return cert.subject === cert.issuer && cert.verify(cert.publicKey);
  } catch {
    return false;
  }
}

/** How a message names a known certificate: its subject CN and Azure's SHA-1 thumbprint. */
export function certificateLabel(cert: X509Certificate): string {
  const cn = /(?:^|\n)CN=([^\n]*)/.exec(cert.subject)?.[1];
  return `${cn ? `CN=${cn}, ` : ""}thumbprint ${cert.fingerprint.replace(/:/g, "")}`;
}
