/**
 * Plan notes for the Device Registry resources (inputNotes.ts): what happens to each during `up`, which the inputs
 * alone do not say (an External ICA is signed and activated then; a Microsoft ICA is issued by the namespace's root).
 */
const PREFIX = "pulumi-nodejs:dynamic/dps-x509:";

export function adrInputNotes(type: string, inputs: Record<string, unknown>): Record<string, string> | undefined {
  switch (type) {
    case `${PREFIX}AdrNamespace`:
      return {
        provisioningEndpoints: "the link to each DPS: linked during `up` (each DPS calls the namespace with its system-assigned identity); `doctor` shows linkingState",
      };
    case `${PREFIX}AdrCertificateAuthority`:
      if (inputs.kind === "ExternalIca") {
        const issuer = typeof inputs.issuerCaName === "string" ? inputs.issuerCaName : "a CA of this stack";
        const before = typeof inputs.renewBeforeDays === "number" ? inputs.renewBeforeDays : 60;
        return {
          kind: `External ICA: Azure makes its key (in its HSM) and CSR; signed by ${issuer} and activated with the chain (ICA, issuer, root) during \`up\`; re-signed and re-activated ${before} days before it expires, or when Azure reports ActiveButPendingRenewal`,
        };
      }
      if (inputs.kind === "MicrosoftIca") return { kind: `Microsoft ICA: issued during \`up\` by the namespace's Microsoft-managed root ${String(inputs.rootCertificateAuthorityName)}; its key never leaves Azure` };
      if (inputs.kind === "Root") return { kind: "the namespace's Microsoft-managed root (key in Azure's HSM), made during `up` for the Microsoft ICAs" };
      return undefined;
    case `${PREFIX}AdrCertificatePolicy`:
      return { validityPeriodInDays: `device certificates ${String(inputs.certificateAuthorityName)} issues at registration live ${String(inputs.validityPeriodInDays)} days` };
    default:
      return undefined;
  }
}
