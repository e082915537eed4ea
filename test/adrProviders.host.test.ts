/**
 * The Device Registry providers inside Pulumi's dynamic-provider host, as the engine runs them: `__provider` as the
 * resource classes register it (the shim), DefaultAzureCredential signing in at the local Entra stand-in, the strict
 * local ARM Device Registry server answering. Namespace with its link, External ICA signed and activated, policy,
 * a renewal, destroy; the issuing CA's key never comes back in the outputs.
 */
import { generateKeyPairSync, X509Certificate } from "crypto";
import { FakeEntraTokenServer } from "../azure-test-servers/entraTokenServer";
import { startArmServerWithDeviceRegistry, newAdrServerState, type AdrServerState } from "../azure-test-servers/armDeviceRegistry";
import { AdrIssuers } from "../azure-test-servers/adrIssuers";
import type { ArmServer } from "../azure-test-servers/armServer";
import { certificatePem, issueCertificate, nameDer } from "../azure-test-servers/ecCertificates";
import { DynamicProviderHost, urnOf } from "../azure-test-servers/dynamicProviderHost";
import { hostEnv, registeredProviders, REPO } from "./support/hostEnvironment";
import { RESOURCE_TYPES } from "./support/serializedProviders";

const DAY = 86_400_000;
let providers: Record<string, string>;
let entra: FakeEntraTokenServer;
let host: DynamicProviderHost;
let arm: ArmServer;
let adr: AdrServerState;

beforeAll(async () => {
  providers = registeredProviders();
  entra = await FakeEntraTokenServer.start();
  ({ server: arm, adr } = await startArmServerWithDeviceRegistry({ adr: newAdrServerState(new AdrIssuers()) }));
  host = await DynamicProviderHost.start({ cwd: REPO, env: hostEnv([], entra.env()) });
  await host.configure();
}, 60_000);

afterAll(async () => {
  await host?.stop();
  await arm?.close();
  await entra?.close();
});

test("namespace, External ICA and policy: check, create, read, diff, update (renewal), delete through the host", async () => {
  const sub = "00000000-0000-0000-0000-0000000000ad";
  const target = { subscriptionId: sub, resourceGroupName: "host-rg", namespaceName: "host-ns", location: "eastus", armEndpoint: arm.url, providerVersion: "1" };
  const dpsId = `/subscriptions/${sub}/resourceGroups/host-rg/providers/Microsoft.Devices/provisioningServices/host-dps`;

  const nsUrn = urnOf(RESOURCE_TYPES.adrNamespace, "dps-x509-adr-namespace");
  const badNs = await host.check(nsUrn, {}, { ...target, namespaceName: "Host_NS", identityType: "SystemAssigned", provisioningEndpoints: {}, __provider: providers[RESOURCE_TYPES.adrNamespace] });
  expect(badNs.failures.map((f) => f.property)).toEqual(["namespaceName"]);
  const nsIn = (await host.check(nsUrn, {}, { ...target, identityType: "SystemAssigned", provisioningEndpoints: { "host-dps": { resourceId: dpsId, identityType: "SystemAssigned" } }, __provider: providers[RESOURCE_TYPES.adrNamespace] })).inputs;
  const ns = await host.create(nsUrn, nsIn);
  expect(ns.id).toBe(`/subscriptions/${sub}/resourceGroups/host-rg/providers/Microsoft.DeviceRegistry/namespaces/host-ns`);
  expect(ns.properties.links).toEqual({ "host-dps": { linkingState: "Succeeded" } });

  const root = generateKeyPairSync("ec", { namedCurve: "P-384" });
  const rootPem = certificatePem(issueCertificate({ subjectName: nameDer("host root"), subjectPublicKey: root.publicKey, issuerKey: root.privateKey, notBefore: new Date(Date.now() - DAY), notAfter: new Date(Date.now() + 3650 * DAY), profile: { ca: true, pathLength: 1 } }));
  const caUrn = urnOf(RESOURCE_TYPES.adrCertificateAuthority, "dps-x509-adr-ca-host-ica");
  const caIn = (await host.check(caUrn, {}, {
    ...target, certificateAuthorityName: "host-ica", kind: "ExternalIca", issuerCaName: "host-root", issuerCertificatePem: rootPem,
    issuerPrivateKeyPem: root.privateKey.export({ type: "pkcs8", format: "pem" }).toString(), __provider: providers[RESOURCE_TYPES.adrCertificateAuthority],
  })).inputs;
  const ca = await host.create(caUrn, caIn);
  expect(ca.properties.status).toBe("Active");
  expect(ca.properties).not.toHaveProperty("issuerPrivateKeyPem");
  expect(new X509Certificate(String(ca.properties.certificatePem)).verify(root.publicKey)).toBe(true);

  const polUrn = urnOf(RESOURCE_TYPES.adrCertificatePolicy, "dps-x509-adr-policy-host-devices");
  const badPol = await host.check(polUrn, {}, { ...target, certificateAuthorityName: "host-ica", certificatePolicyName: "host-devices", validityPeriodInDays: 120, __provider: providers[RESOURCE_TYPES.adrCertificatePolicy] });
  expect(badPol.failures.map((f) => f.property)).toEqual(["validityPeriodInDays"]);
  const polIn = (await host.check(polUrn, {}, { ...target, certificateAuthorityName: "host-ica", certificatePolicyName: "host-devices", validityPeriodInDays: 30, __provider: providers[RESOURCE_TYPES.adrCertificatePolicy] })).inputs;
  const pol = await host.create(polUrn, polIn);

  // Drift: the policy changed in the portal is found on refresh and put back.
  adr.namespaces.get(`${sub}/host-rg/host-ns`)!.cas.get("host-ica")!.policies.get("host-devices")!.properties.certificate = { validityPeriodInDays: 9 };
  const polRead = await host.read(polUrn, pol.id, pol.properties, polIn);
  expect(polRead.properties.validityPeriodInDays).toBe(9);
  expect(await host.diff(polUrn, pol.id, polRead.properties, polIn)).toMatchObject({ changes: "some", replaces: [] });
  const polFixed = await host.update(polUrn, pol.id, polRead.properties, polIn);
  expect(polFixed.properties.validityPeriodInDays).toBe(30);

  // Renewal: Azure says ActiveButPendingRenewal; refresh shows it, diff asks for an update, update re-activates.
  adr.renewalWindowDays = 10_000;
  const caRead = await host.read(caUrn, ca.id, ca.properties, caIn);
  expect(caRead.properties.status).toBe("ActiveButPendingRenewal");
  expect(await host.diff(caUrn, ca.id, caRead.properties, caIn)).toMatchObject({ changes: "some", replaces: [] });
  adr.renewalWindowDays = 30;
  const renewed = await host.update(caUrn, ca.id, caRead.properties, caIn);
  expect(renewed.properties.status).toBe("Active");
  expect(renewed.properties.thumbprint).not.toBe(ca.properties.thumbprint);

  await host.delete(polUrn, pol.id, polFixed.properties);
  await host.delete(caUrn, ca.id, renewed.properties);
  await host.delete(nsUrn, ns.id, ns.properties);
  expect(adr.namespaces.size).toBe(0);
}, 120_000);
