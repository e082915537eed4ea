/**
 * Issue #27's whole path on the local servers, in one run, as `up` would drive it: an EC-HSM P-384 root made and
 * signed in the (local) Key Vault; a namespace linked to the DPS; an External ICA whose CSR the vault signs
 * (`issuerKeyId`: the root's key never leaves it), activated on the strict Device Registry server; a policy; an
 * enrollment group naming namespace, CA and policy at DPS API 2026-11-01; `npm run device -- register --issue`: a
 * P-384 CSR answered with a chain OpenSSL verifies up to the vault's root, and the device connected to its hub with
 * it; renewal before expiry (re-signed in the vault, re-activated) and a device issued under the renewed ICA; then
 * destroy in dependency order. The ARM and DPS device servers share one issuer store, as Azure's services share the
 * ICA's HSM key: nothing is seeded by hand.
 */
import { X509Certificate } from "crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { createIntermediateCa, createRootCa, signRootCa } from "../certs";
import { runDevice } from "../cli/device";
import { setArmClientTestOverrides } from "../components/azure/armClient";
import { createVaultKey, keyVaultSigner, vaultUrlOf } from "../components/azure/keyVault";
import { adrNamespaceProvider, ADR_NAMESPACE_PROVIDER_VERSION } from "../components/providers/adrNamespace";
import { adrCertificateAuthorityProvider, ADR_CERTIFICATE_AUTHORITY_PROVIDER_VERSION, type AdrCertificateAuthorityInputs } from "../components/providers/adrCertificateAuthority";
import { adrCertificatePolicyProvider, ADR_CERTIFICATE_POLICY_PROVIDER_VERSION } from "../components/providers/adrCertificatePolicy";
import { enrollmentGroupProvider } from "../components/providers/enrollmentGroup";
import { adrIssuers } from "../azure-test-servers/adrIssuers";
import { startArmServerWithDeviceRegistry, newAdrServerState, type AdrServerState } from "../azure-test-servers/armDeviceRegistry";
import type { ArmServer } from "../azure-test-servers/armServer";
import { startRoutedDeviceEndpoint, type FakeDpsDeviceServer } from "../azure-test-servers/dpsDeviceServer";
import { startRoutedFakeDps, type FakeDpsServiceServer } from "../azure-test-servers/dpsServiceServer";
import { FakeIotHubMqttEndpoint } from "../azure-test-servers/iotHubMqttEndpoint";
import { routeToFake } from "../azure-test-servers/loopbackRouting";
import { startRoutedKeyVault, type RoutedKeyVault } from "./support/keyVault";
import { openssl } from "./support/openssl";

const SUB = "00000000-0000-0000-0000-0000000a0e2e";
const RG = "plant-rg";
const NS = "plant-ns";
const ICA = "devices-ica";
const POLICY = "devices-14d";
const DPS_ID = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Devices/provisioningServices/plant-dps`;
const HUB = "hub-plant.azure-devices.net";
const ID_SCOPE = "0ne00E2E001";
const DAY = 86_400_000;

let dir: string;
let kv: RoutedKeyVault;
let arm: ArmServer;
let adr: AdrServerState;
let service: FakeDpsServiceServer;
let device: FakeDpsDeviceServer;
let hub: FakeIotHubMqttEndpoint;
const stops: Array<() => Promise<void>> = [];
let rootPem = "";
let onboarding: { cert: string; key: string };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "dps-x509-adr-path-"));
  kv = await startRoutedKeyVault({ vaults: { "plant-vault": "premium" } });
  stops.push(() => kv.stop());
  // One issuer store for both servers: the one the DPS device server issues from.
  ({ server: arm, adr } = await startArmServerWithDeviceRegistry({ adr: newAdrServerState(adrIssuers) }));
  stops.push(() => arm.close());
  setArmClientTestOverrides({ credential: { getToken: async () => ({ token: "t", expiresOnTimestamp: Date.now() + 3600_000 }) }, retryDelayInMs: 10 });

  // The device's onboarding credential: a classic RSA intermediate, verified in the DPS.
  const onboardingRoot = createRootCa({ commonName: "Plant Onboarding Root", keySize: 2048, validityDays: 30 });
  const onboardingCa = createIntermediateCa({ issuer: onboardingRoot, commonName: "Plant Onboarding CA", keySize: 2048, validityDays: 30 });
  onboarding = { cert: join(dir, "onboarding.pem"), key: join(dir, "onboarding.key.pem") };
  writeFileSync(onboarding.cert, onboardingCa.certificatePem);
  writeFileSync(onboarding.key, onboardingCa.privateKeyPem, { mode: 0o600 });
  const started = await startRoutedFakeDps({ linkedHubs: [HUB], caCertificates: { "onboarding-ca": { verified: true } } });
  service = started.server;
  stops.push(started.stop);
  const endpoint = await startRoutedDeviceEndpoint({ service, idScope: ID_SCOPE, caCertificates: { "onboarding-ca": { certificatePem: onboardingCa.certificatePem, verified: true } } });
  device = endpoint.server;
  stops.unshift(endpoint.stop);
  // Device Registry syncs its CAs to linked hubs: the hub trusts the root the ICA chains to.
  hub = await FakeIotHubMqttEndpoint.start({ hostName: HUB, trustedCaPems: () => [rootPem], isRegistered: (id) => device.registration(id)?.assignedHub === HUB });
  stops.unshift(routeToFake(hub));
}, 120_000);

afterAll(async () => {
  setArmClientTestOverrides(undefined);
  for (const stop of stops) await stop();
  rmSync(dir, { recursive: true, force: true });
});

/** `npm run device -- register --issue` for one device id; returns the chain it wrote (leaf first). */
async function registerAndConnect(id: string): Promise<string[]> {
  const out: string[] = [];
  const err: string[] = [];
  const argv = ["register", "--id-scope", ID_SCOPE, "--issuer-cert", onboarding.cert, "--issuer-key", onboarding.key, "--registration-id", id, "--issue", "--root-cert", join(dir, "root.pem"), "--out", dir, "--json"];
  const code = await runDevice(argv, { stdout: (t) => out.push(t), stderr: (t) => err.push(t), sleep: async () => undefined });
  expect({ code, stderr: err.join("") }).toEqual({ code: 0, stderr: "" });
  expect(JSON.parse(out.join(""))).toMatchObject({ assignedHub: HUB, issuance: { verified: true, hub: { connected: true } } });
  expect(hub.attempts[hub.attempts.length - 1]).toMatchObject({ clientId: id, commonName: id, tlsAuthorized: true, returnCode: 0 });
  return readFileSync(join(dir, `${id}.issued.fullchain.pem`), "utf8").match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g)!;
}

/** OpenSSL, not this project's code, verifies a chain the device was given up to the vault's root. */
function expectVerifiedToRoot(chain: string[]) {
  writeFileSync(join(dir, "leaf.pem"), chain[0]);
  writeFileSync(join(dir, "untrusted.pem"), chain.slice(1).join(""));
  expect(openssl(["verify", "-x509_strict", "-CAfile", "root.pem", "-untrusted", "untrusted.pem", "leaf.pem"], { cwd: dir }).stdout).toContain("leaf.pem: OK");
}

test("Key Vault EC root → linked namespace → External ICA activated → policy → ADR group → device issued and connected → renewal → destroy", async () => {
  // The root: an EC-HSM P-384 key in a premium vault, its certificate signed there.
  const key = await createVaultKey({ vaultUrl: vaultUrlOf("plant-vault"), name: "plant-root", keySize: "P-384", hsm: true, tags: {} });
  rootPem = await signRootCa({ signer: await keyVaultSigner(key.keyId), commonName: "Plant Vault Root", validityDays: 3650, pathLength: 1, keySize: "P-384" });
  writeFileSync(join(dir, "root.pem"), rootPem);
  const target = { subscriptionId: SUB, resourceGroupName: RG, namespaceName: NS, location: "westeurope", armEndpoint: arm.url };

  const ns = await adrNamespaceProvider.create!({ ...target, providerVersion: ADR_NAMESPACE_PROVIDER_VERSION, identityType: "SystemAssigned", provisioningEndpoints: { "plant-dps": { resourceId: DPS_ID, identityType: "SystemAssigned" } } });
  expect(ns.outs!.links["plant-dps"].linkingState).toBe("Succeeded");

  const icaInputs: AdrCertificateAuthorityInputs = { ...target, providerVersion: ADR_CERTIFICATE_AUTHORITY_PROVIDER_VERSION, certificateAuthorityName: ICA, kind: "ExternalIca", issuerCertificatePem: rootPem, issuerKeyId: key.keyId };
  const signsBefore = kv.server.requests.filter((r) => r.route === "key.sign" && r.status === 200).length;
  const ica = await adrCertificateAuthorityProvider.create!(icaInputs);
  expect(ica.outs!.status).toBe("Active");
  expect(kv.server.requests.filter((r) => r.route === "key.sign" && r.status === 200).length).toBe(signsBefore + 1);
  expect(JSON.stringify(ica.outs)).not.toMatch(/PRIVATE KEY/);
  const policy = { ...target, providerVersion: ADR_CERTIFICATE_POLICY_PROVIDER_VERSION, certificateAuthorityName: ICA, certificatePolicyName: POLICY, validityPeriodInDays: 14 };
  await adrCertificatePolicyProvider.create!(policy);

  const group = await enrollmentGroupProvider.create!({
    enrollmentId: "plant-line", primaryCaName: "onboarding-ca", provisioningStatus: "enabled", allocationPolicy: "hashed", iotHubHostNames: [HUB],
    reprovisionPolicy: "reprovisionandmigratedata", edgeEnabled: false,
    deviceRegistry: { namespaceName: NS, certificateAuthorityName: ICA, certificatePolicyName: POLICY },
    serviceHostName: service.hostName, connectionString: service.connectionString(), providerVersion: "2",
  });

  // A device: the chain it gets is leaf, the activated ICA, the vault's root; valid for the policy's 14 days.
  const first = await registerAndConnect("plant-dev-1");
  expect(first).toHaveLength(3);
  expect(new X509Certificate(first[1]).fingerprint256).toBe(new X509Certificate(ica.outs!.certificatePem!).fingerprint256);
  const leaf = new X509Certificate(first[0]);
  expect(Math.round((Date.parse(leaf.validTo) - Date.parse(leaf.validFrom)) / DAY)).toBe(14);
  expectVerifiedToRoot(first);

  // Renewal before expiry: Azure reports ActiveButPendingRenewal; refresh sees it, the next up re-signs in the vault.
  adr.renewalWindowDays = 10_000;
  const refreshed = await adrCertificateAuthorityProvider.read!(ica.id, ica.outs!);
  expect(refreshed.props!.status).toBe("ActiveButPendingRenewal");
  expect((await adrCertificateAuthorityProvider.diff!(ica.id, refreshed.props!, icaInputs)).changes).toBe(true);
  adr.renewalWindowDays = 30;
  const renewed = await adrCertificateAuthorityProvider.update!(ica.id, refreshed.props!, icaInputs);
  expect(renewed.outs!.status).toBe("Active");
  expect(renewed.outs!.thumbprint).not.toBe(ica.outs!.thumbprint);
  expect(kv.server.requests.filter((r) => r.route === "key.sign" && r.status === 200).length).toBe(signsBefore + 2);
  const second = await registerAndConnect("plant-dev-2");
  expect(new X509Certificate(second[1]).fingerprint256).toBe(new X509Certificate(renewed.outs!.certificatePem!).fingerprint256);
  expectVerifiedToRoot(second);

  // Destroy in the order the dependencies give: the group, the policy, the ICA, the namespace (and its link).
  await enrollmentGroupProvider.delete!(group.id, group.outs!);
  await adrCertificatePolicyProvider.delete!("policy", policy);
  await adrCertificateAuthorityProvider.delete!(ica.id, renewed.outs!);
  await adrNamespaceProvider.delete!(ns.id, ns.outs!);
  expect(service.group("plant-line")).toBeUndefined();
  expect(adr.namespaces.size).toBe(0);
  expect(adrIssuers.ofNamespace(NS)).toHaveLength(0);
}, 180_000);
