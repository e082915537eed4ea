/**
 * A device provisions under each X.509 attestation DPS offers, end to end and locally: the enrollments are made by
 * the real dynamic providers on the strict local DPS service, and each device registers through Microsoft's device
 * SDK over mutual TLS to the local device endpoint.
 *
 *   CA reference         group names a verified DPS CA                        (a CA slot, a proof of possession)
 *   signing certificate  group holds the intermediate's certificate           (the DPS holds no CA for it)
 *   client certificate   individual enrollment holds the device's certificate (no CA at all), in its primary slot
 *                        and, while the certificate rolls, its next one in the secondary slot
 * (DPS takes no CA reference on an individual enrollment: the strict server refuses one, attestationBodies.test.ts.)
 */
import { createIntermediateCa, createRootCa, KeyAndCert } from "../certs";
import { issueThrowawayDevice } from "../cli/device/credentials";
import { registerX509Device } from "../cli/device/register";
import { enrollmentGroupProvider, EnrollmentGroupProviderInputs } from "../components/providers/enrollmentGroup";
import { INDIVIDUAL_ENROLLMENT_PROVIDER_VERSION, individualEnrollmentProvider, IndividualEnrollmentProviderInputs } from "../components/providers/individualEnrollment";
import { DpsCaCertificate, FakeDpsDeviceServer, startRoutedDeviceEndpoint } from "../azure-test-servers/dpsDeviceServer";
import { FakeDpsServiceServer, startRoutedFakeDps } from "../azure-test-servers/dpsServiceServer";

const HUB_A = "hub-a.azure-devices.net";
const HUB_B = "hub-b.azure-devices.net";
const ID_SCOPE = "0ne00A77E57";

let service: FakeDpsServiceServer;
let device: FakeDpsDeviceServer;
const stops: Array<() => Promise<void>> = [];
const dpsCas: Record<string, DpsCaCertificate> = {};
let root: KeyAndCert;
let referenced: KeyAndCert;
let signing: KeyAndCert;
let stranger: KeyAndCert;

const service$ = () => ({ serviceHostName: service.hostName, connectionString: service.connectionString() });
const common = { provisioningStatus: "enabled", allocationPolicy: "hashed", iotHubHostNames: [HUB_A], reprovisionPolicy: "reprovisionandmigratedata", edgeEnabled: false } as const;

function group(id: string, extra: Partial<EnrollmentGroupProviderInputs>): EnrollmentGroupProviderInputs {
  return { enrollmentId: id, primaryCaName: "referenced-ca", ...common, iotHubHostNames: [HUB_A], ...service$(), providerVersion: "2", ...extra };
}

function individual(id: string, extra: Partial<IndividualEnrollmentProviderInputs>): IndividualEnrollmentProviderInputs {
  return { registrationId: id, ...common, iotHubHostNames: [HUB_B], ...service$(), providerVersion: INDIVIDUAL_ENROLLMENT_PROVIDER_VERSION, ...extra };
}

function register(registrationId: string, issuer: KeyAndCert) {
  const c = issueThrowawayDevice({ issuerCertificatePem: issuer.certificatePem, issuerPrivateKeyPem: issuer.privateKeyPem, registrationId });
  return { certificatePem: c.chainPem.split(/(?<=-----END CERTIFICATE-----)/)[0].trim(), run: () => registerX509Device({ provisioningHost: "global.azure-devices-provisioning.net", idScope: ID_SCOPE, registrationId, chainPem: c.chainPem, privateKeyPem: c.privateKeyPem }) };
}

beforeAll(async () => {
  root = createRootCa({ commonName: "Attestations root", keySize: 2048, validityDays: 30 });
  referenced = createIntermediateCa({ issuer: root, commonName: "Referenced intermediate", keySize: 2048, validityDays: 30 });
  signing = createIntermediateCa({ issuer: root, commonName: "Signing intermediate", keySize: 2048, validityDays: 30 });
  stranger = createRootCa({ commonName: "A root the DPS never heard of", keySize: 2048, validityDays: 30 });
  const started = await startRoutedFakeDps({ linkedHubs: [HUB_A, HUB_B], caCertificates: {} });
  service = started.server;
  stops.push(started.stop);
  // Only the referenced intermediate is on the DPS: not the root, not the signing intermediate.
  dpsCas["referenced-ca"] = { certificatePem: referenced.certificatePem, verified: true };
  service.caCertificates = { "referenced-ca": { verified: true } };
  const endpoint = await startRoutedDeviceEndpoint({ service, caCertificates: () => dpsCas, idScope: ID_SCOPE });
  device = endpoint.server;
  stops.unshift(endpoint.stop);
}, 60_000);

afterAll(async () => {
  for (const stop of stops) await stop();
});

test("CA reference: a device of the verified intermediate provisions through its group", async () => {
  await enrollmentGroupProvider.create!(group("by-reference", {}));
  const result = await register("ref-device-1", referenced).run();
  expect(result).toMatchObject({ assignedHub: HUB_A, deviceId: "ref-device-1" });
  expect(device.registration("ref-device-1")).toMatchObject({ status: "assigned", enrollmentGroupId: "by-reference" });
});

test("signing certificate: a device of an intermediate the DPS does not hold provisions through the group that holds it", async () => {
  const noGroupYet = register("sig-device-0", signing);
  await expect(noGroupYet.run()).rejects.toMatchObject({ response: { statusCode: 401 } });

  await enrollmentGroupProvider.create!(group("by-signing", { primaryCaName: "signing-ca", attestation: "signingCertificate", primaryCertificatePem: signing.certificatePem, iotHubHostNames: [HUB_B] }));
  expect(service.group("by-signing")!.attestation.x509).not.toHaveProperty("caReferences");
  const result = await register("sig-device-1", signing).run();
  expect(result).toMatchObject({ assignedHub: HUB_B, deviceId: "sig-device-1" });
  expect(device.registration("sig-device-1")).toMatchObject({ status: "assigned", enrollmentGroupId: "by-signing" });
  // The DPS still holds only the referenced CA: no slot was taken, nothing was proved.
  expect(Object.keys(service.caCertificates)).toEqual(["referenced-ca"]);
});

test("client certificate: a device whose chain reaches no DPS CA provisions through its own enrollment, with its own device id", async () => {
  const solo = register("solo-device", stranger);
  await expect(register("solo-other", stranger).run()).rejects.toMatchObject({ response: { statusCode: 401 } });
  await individualEnrollmentProvider.create!(individual("solo-device", { certificatePem: solo.certificatePem, deviceId: "solo-twin", allocationPolicy: "static" }));
  const result = await solo.run();
  expect(result).toMatchObject({ assignedHub: HUB_B, deviceId: "solo-twin" });
  expect(device.registration("solo-device")).toMatchObject({ status: "assigned" });
  expect(device.registration("solo-device")!.enrollmentGroupId).toBeUndefined();
});

test("client certificate rolled through the secondary slot: either certificate provisions while both are enrolled, then only the new one", async () => {
  const old = register("roll-device", stranger);
  const next = register("roll-device", stranger);
  const ins = individual("roll-device", { certificatePem: old.certificatePem, allocationPolicy: "static" });
  let outs = (await individualEnrollmentProvider.create!(ins)).outs;
  await expect(next.run()).rejects.toMatchObject({ response: { statusCode: 401 } });

  // Stage: the new certificate as secondary. The device provisions with either.
  const staged = { ...ins, secondaryCertificatePem: next.certificatePem };
  outs = (await individualEnrollmentProvider.update!("roll-device", outs, staged)).outs;
  expect(await old.run()).toMatchObject({ assignedHub: HUB_B, deviceId: "roll-device" });
  expect(await next.run()).toMatchObject({ assignedHub: HUB_B, deviceId: "roll-device" });

  // Retire: the new certificate alone, as primary. The old one is refused.
  outs = (await individualEnrollmentProvider.update!("roll-device", outs, { ...ins, certificatePem: next.certificatePem })).outs;
  expect(service.enrollment("roll-device")!.attestation.x509.clientCertificates).not.toHaveProperty("secondary");
  await expect(old.run()).rejects.toMatchObject({ response: { statusCode: 401 } });
  expect(await next.run()).toMatchObject({ assignedHub: HUB_B });
});

test("a disabled individual enrollment blocks its device; deleting the signing group stops its devices", async () => {
  const held = register("held-device", stranger);
  await individualEnrollmentProvider.create!(individual("held-device", { certificatePem: held.certificatePem, provisioningStatus: "disabled" }));
  await held.run().then(
    (r) => expect(r).toMatchObject({ status: "disabled" }),
    (e) => expect(String(e?.message ?? e)).toMatch(/disabled/i),
  );
  expect(device.registration("held-device")).toMatchObject({ status: "disabled" });

  const record = service.group("by-signing")!;
  await enrollmentGroupProvider.delete!("by-signing", { ...group("by-signing", { attestation: "signingCertificate", primaryCertificatePem: signing.certificatePem }), etag: record.etag } as never);
  await expect(register("sig-device-2", signing).run()).rejects.toMatchObject({ response: { statusCode: 401 } });
});
