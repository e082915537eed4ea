/**
 * On a DPS that already exists (ours by name): CA certificates and enrollment groups with the names the stack
 * would create. Preflight is for a stack's first `up`: on a stack already deployed, these are its own. Without adoption, `up` refuses them (a CA upload or group PUT that finds one); each is reported with
 * how to adopt it (docs/day-two.md).
 */
import type { TokenCredential } from "@azure/identity";
import { createDpsServiceClient } from "../../components/azure/dpsServiceClient";
import { azureError, type PreflightClients } from "./clients";
import type { Finding, PreflightTarget } from "./types";

const ADOPT_HINT = "adopt it on purpose with adoptExisting: true (docs/day-two.md), or rename it in the stack";

export async function checkExistingDps(
  clients: PreflightClients,
  target: PreflightTarget,
  data: { credential: TokenCredential; connectionString?: string },
): Promise<Finding[]> {
  const { dpsName, resourceGroupName } = target;
  if (!dpsName || !resourceGroupName) return [];
  const findings: Finding[] = [];
  const collision = (what: string, name: string): Finding =>
    target.adoptExisting
      ? { check: `${what} ${name}`, status: "ok", detail: `exists in DPS ${dpsName}; adoptExisting: true takes it over` }
      : { check: `${what} ${name}`, status: "problem", detail: `already exists in DPS ${dpsName}: unless this stack uploaded it in an earlier up, up refuses to overwrite it`, fix: ADOPT_HINT };

  try {
    const existing = new Set<string>();
    const list = await clients.dps().dpsCertificate.list(resourceGroupName, dpsName);
    for (const certificate of list.value ?? []) {
      if (certificate.name) existing.add(certificate.name.toLowerCase());
    }
    const colliding = target.caNames.filter((name) => existing.has(name.toLowerCase()));
    findings.push(...colliding.map((name) => collision("CA certificate", name)));
    if (!colliding.length) findings.push({ check: `CA certificates in DPS ${dpsName}`, status: "ok", detail: `none of the stack's ${target.caNames.length} names is taken` });
  } catch (err) {
    findings.push({ check: `CA certificates in DPS ${dpsName}`, status: "problem", detail: azureError(err), fix: "needs Microsoft.Devices/provisioningServices/certificates/read (Reader on the DPS)" });
  }

  if (target.enrollmentGroupIds.length) {
    const client = createDpsServiceClient({
      serviceHostName: `${dpsName}.azure-devices-provisioning.net`,
      ...(data.connectionString ? { connectionString: data.connectionString } : { credential: data.credential }),
      retry: { maxAttempts: 2 },
    });
    const colliding: string[] = [];
    try {
      for (const id of target.enrollmentGroupIds) if (await client.getEnrollmentGroup(id)) colliding.push(id);
      findings.push(...colliding.map((id) => collision("enrollment group", id)));
      if (!colliding.length) findings.push({ check: `enrollment groups in DPS ${dpsName}`, status: "ok", detail: `none of the stack's ${target.enrollmentGroupIds.length} ids is taken` });
    } catch (err) {
      findings.push({
        check: `enrollment groups in DPS ${dpsName}`,
        status: "warning",
        detail: `could not be read: ${azureError(err)}`,
        fix: "give the identity the \"Device Provisioning Service Data Reader\" role on the DPS, or set DPS_CONNECTION_STRING, and run preflight again",
      });
    }
  }
  return findings;
}
