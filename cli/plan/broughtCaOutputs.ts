/**
 * What `up` reports for a brought CA (`ca.*.certificatePem` in config), known before `up`: the CA provider's own
 * outputs for that certificate (components/providers/caCertificate.ts), so that the plan shows the certificate where
 * it goes (the DPS upload, a signing-certificate group's body) instead of "(known after up)". A CA generated during
 * `up` gets nothing here: its certificate does not exist yet.
 */
import { toOutputs } from "../../components/providers/caCertificate";
import { normalizePem } from "../../components/providers/caCertificateState";
import type { CaCertificateInputs } from "../../components/providers/caCertificateState";

export function broughtCaOutputs(inputs: Record<string, unknown>): Record<string, unknown> {
  const pem = inputs.providedCertificatePem;
  if (typeof pem !== "string" || !pem.includes("-----BEGIN CERTIFICATE-----")) return {};
  try {
    const outs = toOutputs(inputs as unknown as CaCertificateInputs, `${normalizePem(pem)}\n`, undefined);
    return { certificatePem: outs.certificatePem, thumbprint: outs.thumbprint, sha256Thumbprint: outs.sha256Thumbprint, notAfter: outs.notAfter, subjectKeyId: outs.subjectKeyId };
  } catch {
    return {}; // Not a certificate: the provider's check refuses it during `up`, the config checks before.
  }
}
