/**
 * The Device Registry providers through the REST client against the strict local ARM server (armDeviceRegistry.ts):
 * long-running operations followed to the end, the External ICA signed and activated, renewal, revokeAndRotate,
 * the link, refusals, destroy order.
 */
import { execFileSync } from "child_process";
import { generateKeyPairSync, X509Certificate } from "crypto";
import { mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { setArmClientTestOverrides } from "../components/azure/armClient";
import { DeviceRegistryClient, adrIds } from "../components/azure/deviceRegistryClient";
import { adrNamespaceProvider, ADR_NAMESPACE_PROVIDER_VERSION, type AdrNamespaceInputs } from "../components/providers/adrNamespace";
import { adrCertificateAuthorityProvider as caProvider, ADR_CERTIFICATE_AUTHORITY_PROVIDER_VERSION, type AdrCertificateAuthorityInputs } from "../components/providers/adrCertificateAuthority";
import { adrCertificatePolicyProvider as policyProvider, type AdrCertificatePolicyInputs } from "../components/providers/adrCertificatePolicy";
import { startArmServerWithDeviceRegistry, newAdrServerState, type AdrServerState } from "../azure-test-servers/armDeviceRegistry";
import { AdrIssuers } from "../azure-test-servers/adrIssuers";
import type { ArmServer } from "../azure-test-servers/armServer";
import { certificatePem, csrPemFor, issueCertificate, nameDer } from "../azure-test-servers/ecCertificates";
import { pemDecode } from "../certs/der";

const SUB = "00000000-0000-0000-0000-000000000027";
const RG = "adr-rg";
const NS = "adr-ns";
const DPS_ID = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Devices/provisioningServices/adr-dps`;
const DAY = 86_400_000;

let server: ArmServer;
let adr: AdrServerState;
let issuers: AdrIssuers;

const root = generateKeyPairSync("ec", { namedCurve: "P-384" });
const rootPem = certificatePem(issueCertificate({ subjectName: nameDer("stack ec root"), subjectPublicKey: root.publicKey, issuerKey: root.privateKey, notBefore: new Date(Date.now() - DAY), notAfter: new Date(Date.now() + 3650 * DAY), profile: { ca: true, pathLength: 1 } }));
const rootKeyPem = root.privateKey.export({ type: "pkcs8", format: "pem" }).toString();

beforeEach(async () => {
  issuers = new AdrIssuers();
  ({ server, adr } = await startArmServerWithDeviceRegistry({ adr: newAdrServerState(issuers) }));
  setArmClientTestOverrides({ credential: { getToken: async () => ({ token: "t", expiresOnTimestamp: Date.now() + 3600_000 }) }, retryDelayInMs: 10 });
});
afterEach(async () => {
  setArmClientTestOverrides(undefined);
  await server.close();
});

const target = () => ({ subscriptionId: SUB, resourceGroupName: RG, namespaceName: NS, location: "eastus", armEndpoint: server.url, providerVersion: "1" });
const nsInputs = (o: Partial<AdrNamespaceInputs> = {}): AdrNamespaceInputs => ({ ...target(), providerVersion: ADR_NAMESPACE_PROVIDER_VERSION, identityType: "SystemAssigned", provisioningEndpoints: { "adr-dps": { resourceId: DPS_ID, identityType: "SystemAssigned" } }, ...o });
const external = (o: Partial<AdrCertificateAuthorityInputs> = {}): AdrCertificateAuthorityInputs => ({ ...target(), providerVersion: ADR_CERTIFICATE_AUTHORITY_PROVIDER_VERSION, certificateAuthorityName: "ext-ica", kind: "ExternalIca", issuerCertificatePem: rootPem, issuerPrivateKeyPem: rootKeyPem, ...o });
const policy = (o: Partial<AdrCertificatePolicyInputs> = {}): AdrCertificatePolicyInputs => ({ ...target(), certificateAuthorityName: "ext-ica", certificatePolicyName: "devices", validityPeriodInDays: 30, ...o });
const routes = () => server.requests.all.map((r) => `${r.method} ${r.extraRoute ?? r.route} ${r.status}`);

test("namespace, External ICA signed by the stack's EC root and activated, policy, a device certificate, then destroy in order", async () => {
  const ns = await adrNamespaceProvider.create!(nsInputs());
  expect(ns.outs!.links["adr-dps"].linkingState).toBe("Succeeded");
  expect(ns.outs!.provisioningState).toBe("Succeeded");
  // PUT 201 + Azure-AsyncOperation, polled until Succeeded, then the resource read again.
  expect(routes()).toEqual(expect.arrayContaining(["PUT adr.namespace.put 201", "GET adr.operationStatus 200", "GET adr.namespace.get 200"]));

  const ca = await caProvider.create!(external());
  expect(ca.outs!.status).toBe("Active");
  const signed = new X509Certificate(ca.outs!.certificatePem!);
  expect(signed.subject).toBe("CN=ext-ica");
  expect(ca.outs!.thumbprint).toBe(signed.fingerprint.replace(/:/g, ""));
  expect(signed.verify(root.publicKey)).toBe(true);
  const dir = mkdtempSync(join(tmpdir(), "adr-ica-"));
  writeFileSync(join(dir, "root.pem"), rootPem);
  writeFileSync(join(dir, "ica.pem"), ca.outs!.certificatePem!);
  expect(execFileSync("openssl", ["verify", "-x509_strict", "-CAfile", join(dir, "root.pem"), join(dir, "ica.pem")]).toString()).toContain("OK");
  expect(routes()).toEqual(expect.arrayContaining(["POST adr.ca.activate 202"]));

  await policyProvider.create!(policy());
  const device = generateKeyPairSync("ec", { namedCurve: "P-384" });
  const chain = issuers.issueDeviceCertificate(NS, "ext-ica", "devices", pemDecode(await csrPemFor(device.privateKey, "dev-1"), "CERTIFICATE REQUEST"));
  expect(new X509Certificate(Buffer.from(chain[0], "base64")).verify(signed.publicKey)).toBe(true);
  expect(new X509Certificate(Buffer.from(chain[chain.length - 1], "base64")).toString()).toBe(new X509Certificate(rootPem).toString());

  // Destroy: the CA cannot go while its policy is there (the order Pulumi's dependencies give is required).
  await expect(caProvider.delete!(ca.id, ca.outs!)).rejects.toThrow(/CertificateAuthorityInUse/);
  await policyProvider.delete!("p", { ...policy() });
  await caProvider.delete!(ca.id, ca.outs!);
  await adrNamespaceProvider.delete!(ns.id, ns.outs!);
  expect(adr.namespaces.size).toBe(0);
  expect(issuers.ofNamespace(NS)).toHaveLength(0);
});

test("renewal: ActiveButPendingRenewal on refresh → diff asks for an update → re-signed and re-activated", async () => {
  await adrNamespaceProvider.create!(nsInputs());
  const ca = await caProvider.create!(external());
  adr.renewalWindowDays = 10_000; // every Active ICA is now near its end, as Azure would say in its last weeks
  const read = await caProvider.read!(ca.id, ca.outs!);
  expect(read.props!.status).toBe("ActiveButPendingRenewal");
  const diff = await caProvider.diff!(ca.id, read.props!, external());
  expect(diff.changes).toBe(true);
  adr.renewalWindowDays = 30;
  const renewed = await caProvider.update!(ca.id, read.props!, external());
  expect(renewed.outs!.status).toBe("Active");
  expect(renewed.outs!.thumbprint).not.toBe(ca.outs!.thumbprint);
  expect(server.requests.all.filter((r) => r.extraRoute === "adr.ca.activate")).toHaveLength(2);
  // Nothing due: no change, no call.
  const calls = server.requests.all.length;
  expect((await caProvider.diff!(ca.id, renewed.outs!, external())).changes).toBe(false);
  expect(server.requests.all.length).toBe(calls);
});

test("drift found on refresh: a link removed by hand, an ICA activated with another certificate; the next update puts them back", async () => {
  const ns = await adrNamespaceProvider.create!(nsInputs());
  const nsState = adr.namespaces.get(`${SUB}/${RG}/${NS}`.toLowerCase())!;
  (nsState.properties.provisioning as { endpoints: Record<string, unknown> }).endpoints = {};
  const nsRead = await adrNamespaceProvider.read!(ns.id, ns.outs!);
  expect(nsRead.props!.provisioningEndpoints).toEqual({});
  expect((await adrNamespaceProvider.diff!(ns.id, nsRead.props!, nsInputs())).changes).toBe(true);
  const relinked = await adrNamespaceProvider.update!(ns.id, nsRead.props!, nsInputs());
  expect(relinked.outs!.links["adr-dps"].linkingState).toBe("Succeeded");

  const ca = await caProvider.create!(external());
  // Someone activates the ICA with a certificate of their own (same CSR key, another serial): another thumbprint.
  const other = await caProvider.create!({ ...external(), certificateAuthorityName: "ext-ica-2" });
  const caState = nsState.cas.get("ext-ica")!;
  (caState.properties.issuer as Record<string, unknown>).thumbprint = other.outs!.thumbprint;
  const caRead = await caProvider.read!(ca.id, ca.outs!);
  expect((await caProvider.diff!(ca.id, caRead.props!, external())).changes).toBe(true);
  const fixed = await caProvider.update!(ca.id, caRead.props!, external());
  expect(fixed.outs!.thumbprint).toBe(new X509Certificate(fixed.outs!.certificatePem!).fingerprint.replace(/:/g, ""));
  expect((await caProvider.diff!(ca.id, fixed.outs!, external())).changes).toBe(false);
});

test("revokeAndRotate: sent for a Microsoft ICA; refused locally for an External ICA", async () => {
  await adrNamespaceProvider.create!(nsInputs());
  const rootCa = await caProvider.create!({ ...external(), certificateAuthorityName: "ms-root", kind: "Root", issuerCertificatePem: undefined, issuerPrivateKeyPem: undefined });
  const msIca = await caProvider.create!({ ...external(), certificateAuthorityName: "ms-ica", kind: "MicrosoftIca", rootCertificateAuthorityName: "ms-root", issuerCertificatePem: undefined, issuerPrivateKeyPem: undefined });
  expect(rootCa.outs!.provisioningState).toBe("Succeeded");
  const before = issuers.get({ subscriptionId: SUB, resourceGroup: RG, namespace: NS, caName: "ms-ica" })!.chainPem![0];
  const msInputs = { ...msIca.outs!, rotation: 1 };
  await caProvider.update!(msIca.id, msIca.outs!, msInputs);
  expect(adr.revoked).toHaveLength(1);
  expect(issuers.get({ subscriptionId: SUB, resourceGroup: RG, namespace: NS, caName: "ms-ica" })!.chainPem![0]).not.toBe(before);
  const ext = await caProvider.create!(external());
  await expect(caProvider.update!(ext.id, ext.outs!, external({ rotation: 1 }))).rejects.toThrow(/not supported for a ExternalIca/);
  // The Root cannot go before the ICA it issues.
  await expect(caProvider.delete!(rootCa.id, rootCa.outs!)).rejects.toThrow(/CertificateAuthorityInUse/);
});

test("a failed link fails the create with Azure's linkingError; a failed operation surfaces its error", async () => {
  adr.failLinks.add(DPS_ID.toLowerCase());
  await expect(adrNamespaceProvider.create!(nsInputs())).rejects.toThrow(/LinkInitiateFailed/);
  adr.failLinks.clear();
  // The namespace is ours (tagged): the next up takes it over and links.
  const ns = await adrNamespaceProvider.create!(nsInputs());
  expect(ns.outs!.links["adr-dps"].linkingState).toBe("Succeeded");
  adr.failNext = { route: "adr.policy.put", code: "InternalError", message: "HSM unavailable" };
  await caProvider.create!(external());
  await expect(policyProvider.create!(policy())).rejects.toThrow(/InternalError: HSM unavailable/);
});

test("a namespace someone else made is not taken over", async () => {
  const client = new DeviceRegistryClient({ subscriptionId: SUB, endpoint: server.url });
  await client.put(adrIds.namespace({ subscriptionId: SUB, resourceGroupName: RG, namespaceName: NS }), { location: "eastus" });
  await expect(adrNamespaceProvider.create!(nsInputs())).rejects.toThrow(/not managed by this stack/);
});

describe("activation refusals (the server checks what Learn asks)", () => {
  async function pending() {
    await adrNamespaceProvider.create!(nsInputs());
    const client = new DeviceRegistryClient({ subscriptionId: SUB, endpoint: server.url });
    const id = adrIds.certificateAuthority({ subscriptionId: SUB, resourceGroupName: RG, namespaceName: NS, certificateAuthorityName: "ext-ica" });
    const ca = await client.put<{ properties: { issuer: { certificateSigningRequest: string; status: string } } }>(id, { location: "eastus", properties: { certificateAuthorityType: "ICA", keyType: "ECC", issuer: { issuerType: "External" } } });
    expect(ca.properties.issuer.status).toBe("PendingActivation");
    const { parseCsr } = await import("../certs/csr");
    const csr = parseCsr(ca.properties.issuer.certificateSigningRequest);
    return { client, id, csr };
  }
  const sign = (csr: { publicKey: import("crypto").KeyObject }, o: Partial<Parameters<typeof issueCertificate>[0]> = {}) =>
    certificatePem(issueCertificate({ subjectName: nameDer("ext-ica"), subjectPublicKey: csr.publicKey, issuerName: nameDer("stack ec root"), issuerKey: root.privateKey, issuerPublicKey: root.publicKey, notBefore: new Date(Date.now() - DAY), notAfter: new Date(Date.now() + 400 * DAY), profile: { ca: true, pathLength: 0 }, ...o }));

  test.each([
    ["validity under 365 days", { notAfter: new Date(Date.now() + 300 * DAY) }, "InsufficientValidity"],
    ["subject not the CSR's", { subjectName: nameDer("other") }, "SubjectMismatch"],
    ["no subject key id", { omitSubjectKeyId: true }, "MissingSubjectKeyIdentifier"],
    ["basicConstraints not critical", { basicConstraintsNotCritical: true }, "InvalidBasicConstraints"],
    ["not a CA", { profile: { ca: false as const } }, "InvalidBasicConstraints"],
  ])("%s", async (_what, o, code) => {
    const { client, id, csr } = await pending();
    await expect(client.action(`${id}/activate`, { certificateChain: sign(csr, o) + rootPem })).rejects.toThrow(new RegExp(code));
  });

  test("RSA issuer, leaf alone, another key, issuer with path length 0", async () => {
    const { client, id, csr } = await pending();
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const rsaRoot = certificatePem(issueCertificate({ subjectName: nameDer("stack ec root"), subjectPublicKey: rsa.publicKey, issuerKey: rsa.privateKey, notBefore: new Date(Date.now() - DAY), notAfter: new Date(Date.now() + 3650 * DAY), profile: { ca: true, pathLength: 1 } }));
    await expect(client.action(`${id}/activate`, { certificateChain: sign(csr, { issuerKey: rsa.privateKey, issuerPublicKey: rsa.publicKey }) + rsaRoot })).rejects.toThrow(/InvalidSignatureAlgorithm/);
    await expect(client.action(`${id}/activate`, { certificateChain: sign(csr) })).rejects.toThrow(/IncompleteCertificateChain/);
    const other = generateKeyPairSync("ec", { namedCurve: "P-384" });
    await expect(client.action(`${id}/activate`, { certificateChain: sign({ publicKey: other.publicKey }) + rootPem })).rejects.toThrow(/CertificatePublicKeyMismatch/);
    const tightRoot = certificatePem(issueCertificate({ subjectName: nameDer("stack ec root"), subjectPublicKey: root.publicKey, issuerKey: root.privateKey, notBefore: new Date(Date.now() - DAY), notAfter: new Date(Date.now() + 3650 * DAY), profile: { ca: true, pathLength: 0 } }));
    await expect(client.action(`${id}/activate`, { certificateChain: sign(csr) + tightRoot })).rejects.toThrow(/InvalidPathLength/);
    // And the right chain activates.
    await client.action(`${id}/activate`, { certificateChain: sign(csr) + rootPem });
    expect((await client.get<{ properties: { issuer: { status: string } } }>(id))!.properties.issuer.status).toBe("Active");
  });
});

test("limits: one Root, three ICAs, one policy per ICA, none under a Root, 1–90 days, names", async () => {
  await adrNamespaceProvider.create!(nsInputs());
  const client = new DeviceRegistryClient({ subscriptionId: SUB, endpoint: server.url });
  const ca = (name: string) => adrIds.certificateAuthority({ subscriptionId: SUB, resourceGroupName: RG, namespaceName: NS, certificateAuthorityName: name });
  const body = (type: string) => ({ location: "eastus", properties: { certificateAuthorityType: type, keyType: "ECC", ...(type === "ICA" ? { issuer: { issuerType: "External" } } : {}) } });
  await client.put(ca("root1"), body("Root"));
  await expect(client.put(ca("root2"), body("Root"))).rejects.toThrow(/QuotaExceeded/);
  for (const n of ["ica1", "ica2", "ica3"]) await client.put(ca(n), body("ICA"));
  await expect(client.put(ca("ica4"), body("ICA"))).rejects.toThrow(/QuotaExceeded/);
  await expect(client.put(`${ca("root1")}/certificatePolicies/pol1`, { location: "eastus", properties: { certificate: { validityPeriodInDays: 5 } } })).rejects.toThrow(/InvalidParentCertificateAuthority/);
  await expect(client.put(`${ca("ica1")}/certificatePolicies/pol1`, { location: "eastus", properties: { certificate: { validityPeriodInDays: 91 } } })).rejects.toThrow(/InvalidValidityPeriod/);
  await client.put(`${ca("ica1")}/certificatePolicies/pol1`, { location: "eastus", properties: { certificate: { validityPeriodInDays: 90 } } });
  await expect(client.put(`${ca("ica1")}/certificatePolicies/pol2`, { location: "eastus", properties: { certificate: { validityPeriodInDays: 9 } } })).rejects.toThrow(/QuotaExceeded/);
  await expect(client.put(ca("-bad"), body("ICA"))).rejects.toThrow(/InvalidResourceName/);
  await expect(client.put(`${ca("ica1")}`, { location: "eastus", properties: { certificateAuthorityType: "Root", keyType: "ECC" } })).rejects.toThrow(/PropertyChangeNotAllowed/);
});
