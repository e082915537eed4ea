/**
 * CA rotation end to end, locally: each step's `pulumi up` is played through the real providers (certificate upload
 * and proof of possession on the strict ARM server, enrollment groups on the strict DPS service), in the order the
 * program's dependencies give (new CAs, then groups, then removals), from what components/rotation/ declares for the
 * config of that step. After each step, devices register through Microsoft's device SDK over mutual TLS with the
 * local device endpoint, whose trust store is the ARM server's verified certificates.
 *
 * During the overlap (stage, promote) a device issued from the old CA and one issued from the new one both
 * provision; after retire only the new one does.
 */
import { X509Certificate } from "crypto";
import { createIntermediateCa, createRootCa, type KeyAndCert } from "../certs";
import { issueThrowawayDevice } from "../cli/device/credentials";
import { registerX509Device } from "../cli/device/register";
import { startArmServer, type ArmServer } from "../azure-test-servers/armServer";
import { startRoutedDeviceEndpoint, type DpsCaCertificate, type FakeDpsDeviceServer } from "../azure-test-servers/dpsDeviceServer";
import { startRoutedFakeDps, type FakeDpsServiceServer } from "../azure-test-servers/dpsServiceServer";
import { setArmClientTestOverrides } from "../components/azure/armClient";
import { parseStackConfig, type StackConfig } from "../components/config";
import { CA_VERIFICATION_PROVIDER_VERSION, caVerificationProvider } from "../components/providers/caVerification";
import { DPS_CERTIFICATE_PROVIDER_VERSION, dpsCertificateProvider, type DpsCertificateUploadOutputs } from "../components/providers/dpsCertificate";
import { ENROLLMENT_GROUP_PROVIDER_VERSION, enrollmentGroupProvider, type EnrollmentGroupProviderInputs, type EnrollmentGroupProviderOutputs } from "../components/providers/enrollmentGroup";
import { applyRotation, declaredCas } from "../components/rotation/apply";

const SUB = "00000000-0000-0000-0000-00000000000c";
const RG = "rotation-rg";
const DPS = "rotation-dps";
const HUB = "hub-a.azure-devices.net";
const ID_SCOPE = "0ne00ROTATE";

let arm: ArmServer;
let service: FakeDpsServiceServer;
let device: FakeDpsDeviceServer;
const stops: Array<() => Promise<void>> = [];

/** The DPS's certificates as ARM holds them: what the device endpoint trusts and the service lets groups name. */
function dpsCertificates(): Record<string, DpsCaCertificate> {
  const handle = arm.state.dps(SUB, RG, DPS);
  return Object.fromEntries(
    handle.names().map((name) => {
      const stored = handle.get(name)!;
      return [name, { certificatePem: stored.x509.toString(), verified: stored.isVerified }];
    }),
  );
}

beforeAll(async () => {
  arm = await startArmServer();
  arm.state.dps(SUB, RG, DPS).linkHubs([HUB], { idScope: ID_SCOPE });
  setArmClientTestOverrides({
    credential: { getToken: async () => ({ token: "test-token", expiresOnTimestamp: Date.now() + 3600_000 }) },
    retryDelayInMs: 20,
  });
  const started = await startRoutedFakeDps({ linkedHubs: [HUB] });
  service = started.server;
  stops.push(started.stop);
  Object.defineProperty(service, "caCertificates", {
    get: () => Object.fromEntries(Object.entries(dpsCertificates()).map(([name, ca]) => [name, { verified: ca.verified }])),
    set: () => undefined,
  });
  const endpoint = await startRoutedDeviceEndpoint({ service, caCertificates: dpsCertificates, idScope: ID_SCOPE });
  device = endpoint.server;
  stops.unshift(endpoint.stop);
});

afterAll(async () => {
  for (const stop of stops) await stop();
  setArmClientTestOverrides(undefined);
  await arm.close();
});

/** A stack's state between `up`s: the CAs made (key and certificate), their uploads, the groups. */
interface StackState {
  cas: Map<string, { ca: KeyAndCert; upload: DpsCertificateUploadOutputs }>;
  groups: Map<string, EnrollmentGroupProviderOutputs>;
}

function configOf(values: Record<string, unknown>): StackConfig {
  const parsed = parseStackConfig({ values: { resourceGroupName: RG, dps: { name: DPS }, hubs: [{ name: "hub-a" }], ...values }, location: "westeurope" });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  if (parsed.config.role !== "platform") throw new Error("not a platform stack");
  return parsed.config;
}

const target = (certificateName: string, certificatePem: string) => ({ subscriptionId: SUB, resourceGroupName: RG, dpsName: DPS, certificateName, certificatePem, armEndpoint: arm.url });

/** One `pulumi up`, in the program's dependency order: new CAs (made, uploaded, proved), groups, then removals. */
async function up(state: StackState, config: StackConfig): Promise<void> {
  const rotated = applyRotation(config);
  const declared = declaredCas(rotated);
  for (const entry of declared) {
    if (state.cas.has(entry.name)) continue;
    const issuer = entry.issuerName === undefined ? undefined : state.cas.get(entry.issuerName)!.ca;
    const ca = issuer
      ? createIntermediateCa({ issuer, commonName: entry.commonName, keySize: 2048, validityDays: entry.validityDays })
      : createRootCa({ commonName: entry.commonName, keySize: 2048, validityDays: entry.validityDays });
    const { outs } = await dpsCertificateProvider.create!({ ...target(entry.name, ca.certificatePem), isVerified: false, providerVersion: DPS_CERTIFICATE_PROVIDER_VERSION });
    await caVerificationProvider.create!({ ...target(entry.name, ca.certificatePem), caPrivateKeyPem: ca.privateKeyPem, providerVersion: CA_VERIFICATION_PROVIDER_VERSION });
    state.cas.set(entry.name, { ca, upload: outs as DpsCertificateUploadOutputs });
  }
  for (const group of rotated.groups) {
    const news: EnrollmentGroupProviderInputs = {
      enrollmentId: group.enrollmentId,
      primaryCaName: group.caName,
      ...(group.secondaryCaName ? { secondaryCaName: group.secondaryCaName } : {}),
      provisioningStatus: group.provisioningStatus,
      allocationPolicy: group.allocationPolicy,
      iotHubHostNames: [HUB],
      reprovisionPolicy: group.reprovisionPolicy,
      edgeEnabled: group.edgeEnabled,
      serviceHostName: service.hostName,
      connectionString: service.connectionString(),
      providerVersion: ENROLLMENT_GROUP_PROVIDER_VERSION,
    };
    const olds = state.groups.get(group.enrollmentId);
    if (!olds) {
      state.groups.set(group.enrollmentId, (await enrollmentGroupProvider.create!(news)).outs as EnrollmentGroupProviderOutputs);
    } else if ((await enrollmentGroupProvider.diff!(group.enrollmentId, olds, news)).changes) {
      state.groups.set(group.enrollmentId, (await enrollmentGroupProvider.update!(group.enrollmentId, olds, news)).outs as EnrollmentGroupProviderOutputs);
    }
  }
  // Deleted last, as Pulumi deletes what left the program: after the groups stopped naming it.
  for (const [name, made] of [...state.cas]) {
    if (declared.some((entry) => entry.name === name)) continue;
    await dpsCertificateProvider.delete!(made.upload.certificateName, made.upload);
    state.cas.delete(name);
  }
}

const register = (registrationId: string, issuer: KeyAndCert) => {
  const creds = issueThrowawayDevice({ issuerCertificatePem: issuer.certificatePem, issuerPrivateKeyPem: issuer.privateKeyPem, registrationId });
  return registerX509Device({ provisioningHost: "global.azure-devices-provisioning.net", idScope: ID_SCOPE, registrationId, chainPem: creds.chainPem, privateKeyPem: creds.privateKeyPem });
};

const groupCaReferences = (id: string) => service.group(id)!.attestation.x509.caReferences;

describe("rotating an intermediate: stage, promote, retire", () => {
  const state: StackState = { cas: new Map(), groups: new Map() };
  const ca = (rotation?: Record<string, unknown>) => ({
    root: { name: "root-ca", commonName: "Rotation root", keySize: 2048 },
    intermediates: [{ name: "line-ca", commonName: "Line CA", keySize: 2048, ...(rotation ? { rotation } : {}) }],
  });
  const groups = [{ enrollmentId: "line-devices", caName: "line-ca" }];

  test("before: one intermediate, devices from it provision", async () => {
    await up(state, configOf({ ca: ca(), enrollmentGroups: groups }));
    expect(arm.state.dps(SUB, RG, DPS).names().sort()).toEqual(["line-ca", "root-ca"]);
    expect(groupCaReferences("line-devices")).toEqual({ primary: "line-ca" });
    expect((await register("old-device-0", state.cas.get("line-ca")!.ca)).status).toBe("assigned");
  });

  test("stage: the new CA is uploaded and verified, secondary in the group; old and new devices provision", async () => {
    await up(state, configOf({ ca: ca({ step: "stage", name: "line-ca-2", commonName: "Line CA 2" }), enrollmentGroups: groups }));
    const stored = arm.state.dps(SUB, RG, DPS).get("line-ca-2")!;
    expect(stored.isVerified).toBe(true);
    // A new key and certificate, signed by the same root (checked by Node, not by the code that made it).
    const fresh = new X509Certificate(state.cas.get("line-ca-2")!.ca.certificatePem);
    expect(fresh.subject).toBe("CN=Line CA 2");
    expect(fresh.checkIssued(new X509Certificate(state.cas.get("root-ca")!.ca.certificatePem))).toBe(true);
    expect(fresh.publicKey.export({ format: "pem", type: "spki" })).not.toBe(new X509Certificate(state.cas.get("line-ca")!.ca.certificatePem).publicKey.export({ format: "pem", type: "spki" }));
    expect(groupCaReferences("line-devices")).toEqual({ primary: "line-ca", secondary: "line-ca-2" });
    expect((await register("old-device-1", state.cas.get("line-ca")!.ca)).status).toBe("assigned");
    expect((await register("new-device-1", state.cas.get("line-ca-2")!.ca)).status).toBe("assigned");
  });

  test("promote: primary and secondary swap; both still provision", async () => {
    const uploadsBefore = arm.requests.count("certificate.put");
    await up(state, configOf({ ca: ca({ step: "promote", name: "line-ca-2", commonName: "Line CA 2" }), enrollmentGroups: groups }));
    expect(arm.requests.count("certificate.put")).toBe(uploadsBefore); // no certificate work in this step
    expect(groupCaReferences("line-devices")).toEqual({ primary: "line-ca-2", secondary: "line-ca" });
    expect((await register("old-device-2", state.cas.get("line-ca")!.ca)).status).toBe("assigned");
    expect((await register("new-device-2", state.cas.get("line-ca-2")!.ca)).status).toBe("assigned");
  });

  test("retire: the old certificate leaves the group, then the DPS; only the new CA's devices provision", async () => {
    const old = state.cas.get("line-ca")!.ca;
    await up(state, configOf({ ca: ca({ step: "retire", name: "line-ca-2", commonName: "Line CA 2" }), enrollmentGroups: groups }));
    expect(arm.state.dps(SUB, RG, DPS).names().sort()).toEqual(["line-ca-2", "root-ca"]);
    // The delete went with the certificate's etag.
    const deletes = arm.requests.all.filter((r) => r.route === "certificate.delete");
    expect(deletes.map((r) => [r.status, Boolean(r.ifMatch)])).toEqual([[200, true]]);
    expect(groupCaReferences("line-devices")).toEqual({ primary: "line-ca-2" });
    await expect(register("old-device-3", old)).rejects.toMatchObject({ response: { statusCode: 401 } });
    expect((await register("new-device-3", state.cas.get("line-ca-2")!.ca)).status).toBe("assigned");
  });

  test("folding the finished rotation into the entry changes nothing", async () => {
    const before = arm.requests.all.length + service.requestCount;
    const folded = { root: { name: "root-ca", commonName: "Rotation root", keySize: 2048 }, intermediates: [{ name: "line-ca-2", commonName: "Line CA 2", keySize: 2048 }] };
    await up(state, configOf({ ca: folded, enrollmentGroups: [{ enrollmentId: "line-devices", caName: "line-ca-2" }] }));
    expect(arm.requests.all.length + service.requestCount).toBe(before);
  });
});

describe("rotating the root: the intermediates are re-issued under the new root during the overlap", () => {
  const state: StackState = { cas: new Map(), groups: new Map() };
  const ca = (step?: "stage" | "promote" | "retire") => ({
    root: { name: "plant-root", commonName: "Plant root", keySize: 2048, ...(step ? { rotation: { step, name: "plant-root-2", commonName: "Plant root 2" } } : {}) },
    intermediates: [{ name: "plant-ca", commonName: "Plant CA", keySize: 2048, ...(step ? { rotation: { step, name: "plant-ca-2" } } : {}) }],
  });
  const groups = [{ enrollmentId: "plant-devices", caName: "plant-ca" }];

  test("stage and promote: old chain and new chain both provision; retire: only the new chain", async () => {
    await up(state, configOf({ ca: ca(), enrollmentGroups: groups }));
    await up(state, configOf({ ca: ca("stage"), enrollmentGroups: groups }));
    const newIntermediate = new X509Certificate(state.cas.get("plant-ca-2")!.ca.certificatePem);
    expect(newIntermediate.checkIssued(new X509Certificate(state.cas.get("plant-root-2")!.ca.certificatePem))).toBe(true);
    expect(newIntermediate.checkIssued(new X509Certificate(state.cas.get("plant-root")!.ca.certificatePem))).toBe(false);
    expect(Object.fromEntries(Object.entries(dpsCertificates()).map(([n, c]) => [n, c.verified]))).toMatchObject({ "plant-root": true, "plant-root-2": true, "plant-ca": true, "plant-ca-2": true });
    expect(groupCaReferences("plant-devices")).toEqual({ primary: "plant-ca", secondary: "plant-ca-2" });
    expect((await register("plant-old-1", state.cas.get("plant-ca")!.ca)).status).toBe("assigned");
    expect((await register("plant-new-1", state.cas.get("plant-ca-2")!.ca)).status).toBe("assigned");

    await up(state, configOf({ ca: ca("promote"), enrollmentGroups: groups }));
    expect(groupCaReferences("plant-devices")).toEqual({ primary: "plant-ca-2", secondary: "plant-ca" });
    expect((await register("plant-old-2", state.cas.get("plant-ca")!.ca)).status).toBe("assigned");

    const oldIntermediate = state.cas.get("plant-ca")!.ca;
    await up(state, configOf({ ca: ca("retire"), enrollmentGroups: groups }));
    expect(Object.keys(dpsCertificates()).filter((n) => n.startsWith("plant")).sort()).toEqual(["plant-ca-2", "plant-root-2"]);
    await expect(register("plant-old-3", oldIntermediate)).rejects.toMatchObject({ response: { statusCode: 401 } });
    expect((await register("plant-new-3", state.cas.get("plant-ca-2")!.ca)).status).toBe("assigned");
  });
});
