/**
 * `npm run doctor` on a stack with `deviceRegistry`: after the providers made the namespace, CAs and policies on the
 * strict local ARM server (as `up` would), the doctor reads them and reports the link, each CA's status and expiry,
 * each policy; a failed link, an ICA Azure says must be renewed, and a policy changed by hand each fail with a fix.
 */
import { generateKeyPairSync } from "crypto";
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { runDoctor } from "../cli/doctor";
import type { CheckResult } from "../cli/doctor/checks";
import { setArmClientTestOverrides } from "../components/azure/armClient";
import { adrNamespaceProvider } from "../components/providers/adrNamespace";
import { adrCertificateAuthorityProvider } from "../components/providers/adrCertificateAuthority";
import { adrCertificatePolicyProvider } from "../components/providers/adrCertificatePolicy";
import { startArmServerWithDeviceRegistry, newAdrServerState, type AdrServerState } from "../azure-test-servers/armDeviceRegistry";
import { AdrIssuers } from "../azure-test-servers/adrIssuers";
import type { ArmServer } from "../azure-test-servers/armServer";
import { certificatePem, issueCertificate, nameDer } from "../azure-test-servers/ecCertificates";

const SUB = "00000000-0000-0000-0000-0000000000d0";
const RG = "doc-rg";
const DAY = 86_400_000;
let arm: ArmServer;
let adr: AdrServerState;
let dir: string;

beforeAll(async () => {
  ({ server: arm, adr } = await startArmServerWithDeviceRegistry({ adr: newAdrServerState(new AdrIssuers()) }));
  arm.state.dps(SUB, RG, "doc-dps");
  setArmClientTestOverrides({ credential: { getToken: async () => ({ token: "t", expiresOnTimestamp: Date.now() + 3600_000 }) }, retryDelayInMs: 10 });
  const target = { subscriptionId: SUB, resourceGroupName: RG, namespaceName: "doc-ns", location: "eastus", armEndpoint: arm.url, providerVersion: "1" };
  await adrNamespaceProvider.create!({ ...target, identityType: "SystemAssigned", provisioningEndpoints: { "doc-dps": { resourceId: `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Devices/provisioningServices/doc-dps`, identityType: "SystemAssigned" } } });
  const root = generateKeyPairSync("ec", { namedCurve: "P-384" });
  const rootPem = certificatePem(issueCertificate({ subjectName: nameDer("doc root"), subjectPublicKey: root.publicKey, issuerKey: root.privateKey, notBefore: new Date(Date.now() - DAY), notAfter: new Date(Date.now() + 3650 * DAY), profile: { ca: true, pathLength: 1 } }));
  await adrCertificateAuthorityProvider.create!({ ...target, certificateAuthorityName: "doc-ica", kind: "ExternalIca", issuerCertificatePem: rootPem, issuerPrivateKeyPem: root.privateKey.export({ type: "pkcs8", format: "pem" }).toString() });
  await adrCertificatePolicyProvider.create!({ ...target, certificateAuthorityName: "doc-ica", certificatePolicyName: "doc-devices", validityPeriodInDays: 30 });
  dir = mkdtempSync(join(tmpdir(), "dps-x509-doctor-adr-"));
  writeFileSync(
    join(dir, "Pulumi.adr.yaml"),
    `config:
  azure-native:location: eastus
  azure-native:subscriptionId: ${SUB}
  dps-x509:resourceGroupName: ${RG}
  dps-x509:dps: { name: doc-dps }
  dps-x509:hubs: [{ name: doc-hub }]
  dps-x509:ca:
    root: { name: root-ca, commonName: Root, upload: false, keyType: EC }
    intermediates: [{ name: inter-ca, commonName: Inter, upload: false }]
  dps-x509:deviceRegistry:
    namespace: { name: doc-ns }
    certificateAuthorities:
      - { name: doc-ica, issuer: { external: { caName: root-ca } }, policy: { name: doc-devices, validityDays: 30 } }
  dps-x509:armEndpoint: ${arm.url}
`,
  );
});

afterAll(async () => {
  setArmClientTestOverrides(undefined);
  await arm.close();
  rmSync(dir, { recursive: true, force: true });
});

async function adrRows(): Promise<CheckResult[]> {
  let stdout = "";
  await runDoctor(["--config", "Pulumi.adr.yaml", "--json"], { stdout: (t) => (stdout += t), stderr: () => {}, cwd: dir, env: {} });
  return (JSON.parse(stdout).results as CheckResult[]).filter((r) => r.check.startsWith("Device Registry"));
}

test("a namespace as the stack declares it: every row passes", async () => {
  expect((await adrRows()).map((r) => [r.check, r.status])).toEqual([
    ["Device Registry namespace doc-ns", "pass"],
    ["Device Registry link to DPS doc-dps", "pass"],
    ["Device Registry CA doc-ica", "pass"],
    ["Device Registry policy doc-ica/doc-devices", "pass"],
  ]);
});

test("a failed link, an ICA pending renewal, a policy changed by hand: each fails with its fix", async () => {
  const ns = adr.namespaces.get(`${SUB}/${RG}/doc-ns`.toLowerCase())!;
  const endpoint = (ns.properties.provisioning as { endpoints: Record<string, Record<string, unknown>> }).endpoints["doc-dps"];
  endpoint.linkingState = "Failed";
  endpoint.linkingError = { code: "LinkInitiateFailed", message: "The namespace's managed identity is not authorized." };
  ns.properties.provisioningState = "Failed";
  adr.renewalWindowDays = 10_000;
  ns.cas.get("doc-ica")!.policies.get("doc-devices")!.properties.certificate = { validityPeriodInDays: 5 };
  const rows = await adrRows();
  expect(rows.filter((r) => r.status === "fail").map((r) => r.check)).toEqual([
    "Device Registry namespace doc-ns",
    "Device Registry link to DPS doc-dps",
    "Device Registry CA doc-ica",
    "Device Registry policy doc-ica/doc-devices",
  ]);
  expect(rows.find((r) => r.check.startsWith("Device Registry link"))!.detail).toContain("LinkInitiateFailed");
  expect(rows.find((r) => r.check === "Device Registry CA doc-ica")!.detail).toContain("ActiveButPendingRenewal");
  expect(rows.find((r) => r.check.startsWith("Device Registry policy"))!.detail).toBe("validityPeriodInDays 5, the stack says 30");
});
