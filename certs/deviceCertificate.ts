/**
 * What a device certificate given in config says about itself: its CN and thumbprints. One job, pure. The revoked
 * device provider (components/providers/revokedDevice.ts, check) and the config checks (at plan time) both use
 * `revokedDeviceProblems`, so a PEM the plan accepts is one the provider accepts.
 */
import { X509Certificate } from "crypto";

export interface DeviceCertificateFacts {
  commonName?: string;
  /** SHA-1, upper-case hex: what Azure shows. */
  sha1Thumbprint: string;
  /** SHA-256, upper-case hex: what an individual enrollment records. */
  sha256Thumbprint: string;
}

/** Throws (without echoing the input) when the text is not one PEM X.509 certificate. */
export function deviceCertificateFacts(pem: string): DeviceCertificateFacts {
  if (typeof pem !== "string" || !/-----BEGIN CERTIFICATE-----/.test(pem)) throw new Error("is not a PEM X.509 certificate (-----BEGIN CERTIFICATE----- ...)");
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch {
    throw new Error("is not a PEM X.509 certificate (-----BEGIN CERTIFICATE----- ...): it does not parse");
  }
  const commonName = /(?:^|\n)CN=([^\n]*)/.exec(cert.subject)?.[1];
  return {
    commonName,
    sha1Thumbprint: cert.fingerprint.replace(/:/g, "").toUpperCase(),
    sha256Thumbprint: cert.fingerprint256.replace(/:/g, "").toUpperCase(),
  };
}

/** The problems of a revoked device entry: its PEM parses, and its registration id is the certificate's CN. */
export function revokedDeviceProblems(registrationId: string, certificatePem: string): { property: "certificatePem" | "registrationId"; reason: string }[] {
  let facts: DeviceCertificateFacts;
  try {
    facts = deviceCertificateFacts(certificatePem);
  } catch (err) {
    return [{ property: "certificatePem", reason: (err as Error).message }];
  }
  if ((facts.commonName ?? "").toLowerCase() !== String(registrationId).toLowerCase()) {
    return [{ property: "registrationId", reason: `${JSON.stringify(registrationId)} must be the certificate's common name (${JSON.stringify(facts.commonName ?? "")}): DPS identifies an X.509 device by its CN` }];
  }
  return [];
}
