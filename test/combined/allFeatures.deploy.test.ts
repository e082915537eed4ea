/**
 * The all-features stack (examples/all-features/Pulumi.all-features.yaml) deployed against the local servers, as
 * `pulumi up` would: the real program runs under Pulumi's runtime mocks as an `up`; every dynamic resource is checked
 * and created by its provider inside Pulumi's real dynamic-provider host (gRPC, `__provider` as registered) against
 * the strict local ARM server, DPS service and Entra stand-in; azure-native resources land in the local ARM server as
 * Azure would hold them. Adoption finds what the tutorial built by hand (the DPS, the hubs, the brought root on the
 * DPS). Then `npm run doctor` passes, and a device provisions under each attestation, while the revoked one cannot.
 *
 * Secrets the stack file holds as `secure:` (the brought root's key) and the device certificates are replaced with
 * ones made here, as `pulumi config set --secret` would hold them: the structure of the stack is the file's.
 * The CA whose key is in Key Vault is made and proved in the host too: the local Key Vault trusts the Entra stand-in
 * the host's DefaultAzureCredential signs in at, and gives its identity the Crypto Officer role.
 */
import * as pulumi from "@pulumi/pulumi";
import { X509Certificate } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { compactKeyToPem, createDeviceCertificate, createRootCa, isCompactKey, type KeyAndCert } from "../../certs";
import { issueThrowawayDevice } from "../../cli/device/credentials";
import { registerX509Device } from "../../cli/device/register";
import { runDoctor } from "../../cli/doctor";
import { parseStackFile } from "../../cli/plan/stackFile";
import { parseStackConfig, readRawStackConfig } from "../../components/config";
import { setArmClientTestOverrides } from "../../components/azure/armClient";
import { startArmServer, type ArmServer } from "../../azure-test-servers/armServer";
import { startRoutedDeviceEndpoint, type DpsCaCertificate, type FakeDpsDeviceServer } from "../../azure-test-servers/dpsDeviceServer";
import { DPS_DATA_CONTRIBUTOR, FakeDpsServiceServer } from "../../azure-test-servers/dpsServiceServer";
import { DynamicProviderHost } from "../../azure-test-servers/dynamicProviderHost";
import { FakeEntraTokenServer } from "../../azure-test-servers/entraTokenServer";
import { routeToFake } from "../../azure-test-servers/loopbackRouting";
import { hostEnv, REPO } from "../support/hostEnvironment";
import { startKeyVaultServer, type KeyVaultServer } from "../../azure-test-servers/keyVaultServer";
import { ArmLedger, UpMocks } from "./localUp";

const STACK = "all-features";
const STACK_FILE = path.join(REPO, "examples/all-features/Pulumi.all-features.yaml");
const DYNAMIC = "pulumi-nodejs:dynamic/dps-x509:";
const ID_SCOPE = "0ne00A11FEA";
const settings: { waitForRPCs(): Promise<void> } = require("@pulumi/pulumi/runtime/settings");

const fileConfig = (parse(fs.readFileSync(STACK_FILE, "utf8")) as { config: Record<string, any> }).config;
const SUB: string = fileConfig["azure-native:subscriptionId"];
const RG: string = fileConfig["dps-x509:resourceGroupName"];
const DPS: string = fileConfig["dps-x509:dps"].name;
const HUBS: string[] = fileConfig["dps-x509:hubs"].map((hub: { name: string }) => hub.name);
const hostNameOf = (hub: string) => `${hub}.azure-devices.net`;

// What the stack file holds encrypted or names, made here.
const broughtRoot = createRootCa({ commonName: fileConfig["dps-x509:ca"].root.commonName, keySize: 2048, validityDays: 3650 });
const deviceMaker = createRootCa({ commonName: "All Features Device Maker CA", keySize: 2048, validityDays: 3650 });
const soloDevices = Object.fromEntries(
  fileConfig["dps-x509:individualEnrollments"].map((e: { registrationId: string }) => [e.registrationId, createDeviceCertificate({ issuer: deviceMaker, registrationId: e.registrationId, keySize: 2048 })]),
) as Record<string, KeyAndCert & { fullChainPem: string }>;
const stolen = createDeviceCertificate({ issuer: broughtRoot, registrationId: "stolen-sensor-7", keySize: 2048 });

let arm: ArmServer;
let service: FakeDpsServiceServer;
let device: FakeDpsDeviceServer;
let entra: FakeEntraTokenServer;
let vault: KeyVaultServer;
let host: DynamicProviderHost;
const stops: Array<() => Promise<void>> = [];
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dps-x509-all-features-"));
let up: UpMocks;
let outputs: Record<string, unknown>;

/** The stack file with the values a real stack would decrypt, and the test's endpoints. */
function stackConfig(): Record<string, unknown> {
  const config = structuredClone(fileConfig);
  Object.assign(config["dps-x509:ca"].root, { certificatePem: broughtRoot.certificatePem, privateKeyPem: broughtRoot.privateKeyPem });
  for (const e of config["dps-x509:individualEnrollments"]) e.certificatePem = soloDevices[e.registrationId].certificatePem;
  for (const group of config["dps-x509:enrollmentGroups"]) for (const revoked of group.revokedDevices ?? []) revoked.certificatePem = stolen.certificatePem;
  config["dps-x509:armEndpoint"] = arm.url;
  return config;
}

/** The DPS's certificates as ARM holds them: what the device endpoint trusts and the service lets enrollments name. */
function dpsCertificates(): Record<string, DpsCaCertificate> {
  const handle = arm.state.dps(SUB, RG, DPS);
  return Object.fromEntries(handle.names().map((name) => [name, { certificatePem: handle.get(name)!.x509.toString(), verified: handle.get(name)!.isVerified }]));
}

/** The tutorial's hand-built set-up, which the stack adopts: the DPS linking both hubs, the hubs, the root on the DPS. */
function seedHandBuilt(): void {
  arm.state.hubs.put(SUB, RG, HUBS[0], { location: "westeurope", disableDeviceSAS: true, disableModuleSAS: true, disableLocalAuth: false, minTlsVersion: "1.2", publicNetworkAccess: "Enabled" });
  arm.state.hubs.put(SUB, RG, HUBS[1], { location: "northeurope", disableDeviceSAS: false, disableModuleSAS: false, disableLocalAuth: false, publicNetworkAccess: "Enabled" });
  arm.state.dps(SUB, RG, DPS).linkHubs(HUBS.map(hostNameOf), { idScope: ID_SCOPE, location: "westeurope" });
  arm.state.dps(SUB, RG, DPS).upload(fileConfig["dps-x509:ca"].root.name, broughtRoot.certificatePem, { isVerified: true });
}

beforeAll(async () => {
  entra = await FakeEntraTokenServer.start();
  arm = await startArmServer();
  stops.push(() => arm.close());
  service = await FakeDpsServiceServer.start({
    hostName: `${DPS}.azure-devices-provisioning.net`,
    linkedHubs: HUBS.map(hostNameOf),
    caCertificates: {},
    entra: { issuer: entra.issuer, publicKeyPem: entra.publicKeyPem, roles: { [entra.principalId]: DPS_DATA_CONTRIBUTOR } },
  });
  Object.defineProperty(service, "caCertificates", {
    get: () => Object.fromEntries(Object.entries(dpsCertificates()).map(([name, ca]) => [name, { verified: ca.verified }])),
    set: () => undefined,
  });
  stops.unshift(() => service.close());
  stops.unshift(routeToFake(service));
  const endpoint = await startRoutedDeviceEndpoint({ service, caCertificates: dpsCertificates, idScope: ID_SCOPE });
  device = endpoint.server;
  stops.unshift(endpoint.stop);
  vault = await startKeyVaultServer({ trustEntra: { issuer: entra.issuer, publicKeyPem: entra.publicKeyPem, tenantId: entra.tenantId } });
  vault.vault(fileConfig["dps-x509:keyVault"].name, { sku: "premium" });
  // The role the stack assigns to the identity running it (its RoleAssignment), in effect.
  vault.assignRole(entra.principalId, "Key Vault Crypto Officer");
  stops.unshift(() => vault.close());
  setArmClientTestOverrides({ credential: { getToken: async () => ({ token: entra.issue({ aud: arm.url }), expiresOnTimestamp: Date.now() + 3600_000 }) }, retryDelayInMs: 10 });
  stops.push(async () => setArmClientTestOverrides(undefined));
  host = await DynamicProviderHost.start({ cwd: REPO, env: hostEnv([{ host: service.hostName, port: service.port }, { host: "*.vault.azure.net", port: vault.port }], entra.env()) });
  stops.unshift(() => host.stop());
  await host.configure();
  stops.push(() => entra.close());
  seedHandBuilt();

  // `pulumi up`: the program under the mocks, not a preview.
  const config = stackConfig();
  const stackFile = parseStackFile(stringify({ config }, { lineWidth: 0 }), `Pulumi.${STACK}.yaml`);
  // The stack file as the user keeps it, for doctor: the key encrypted.
  const kept = structuredClone(config) as Record<string, any>;
  kept["dps-x509:ca"].root.privateKeyPem = fileConfig["dps-x509:ca"].root.privateKeyPem;
  fs.writeFileSync(path.join(dir, `Pulumi.${STACK}.yaml`), stringify({ config: kept }, { lineWidth: 0 }));
  const parsed = parseStackConfig({ ...readRawStackConfig(stackFile.allConfig, ["dps-x509:ca"]), self: { project: "dps-x509", stack: STACK } });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems, null, 2));
  up = new UpMocks({ host, ledger: new ArmLedger(arm, { subscriptionId: SUB, resourceGroupName: RG, hubHostNames: HUBS.map(hostNameOf), idScope: ID_SCOPE }), stack: STACK, subscriptionId: SUB });
  await pulumi.runtime.setMocks(up, "dps-x509", STACK, false);
  pulumi.runtime.setAllConfig(stackFile.allConfig, []);
  const { declareProgram } = await import("../../components/program");
  const declared = await Promise.race([declareProgram(parsed.config), up.failed]);
  await Promise.race([settings.waitForRPCs(), up.failed]);
  outputs = Object.fromEntries(await Promise.all(Object.entries(declared).map(async ([key, value]) => [key, await new Promise((resolve) => (pulumi.output(value) as pulumi.Output<unknown>).apply(resolve))] as const)));
}, 180_000);

afterAll(async () => {
  for (const stop of stops) await stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const outputsOf = (kind: string) => [...up.resources.entries()].filter(([, r]) => r.type === `${DYNAMIC}${kind}`);
const caKeyPem = (caName: string) => {
  const found = outputsOf("CaCertificate").find(([name]) => name.endsWith(`-${caName}`));
  if (!found) throw new Error(`no CA ${caName}: ${outputsOf("CaCertificate").map(([n]) => n).join(", ")}`);
  const key = found[1].outputs.privateKey ?? found[1].outputs.privateKeyPem;
  return { certificatePem: found[1].outputs.certificatePem as string, privateKeyPem: isCompactKey(key) ? compactKeyToPem(key) : (key as string) };
};
const cn = (name: string) => /(?:^|\n)CN=([^\n]*)/.exec(name)?.[1];

function register(registrationId: string, credentials: { chainPem: string; privateKeyPem: string }) {
  return registerX509Device({ provisioningHost: "global.azure-devices-provisioning.net", idScope: ID_SCOPE, registrationId, chainPem: credentials.chainPem, privateKeyPem: credentials.privateKeyPem });
}
const issuedBy = (caName: string, registrationId: string) => {
  const ca = caKeyPem(caName);
  return issueThrowawayDevice({ issuerCertificatePem: ca.certificatePem, issuerPrivateKeyPem: ca.privateKeyPem, registrationId });
};

test("up uploads and proves every CA a CA reference names (the brought root adopted), and not the one only a signing-certificate group holds", () => {
  const certificates = dpsCertificates();
  expect(Object.keys(certificates).sort()).toEqual(["brought-root-ca", "state-intermediate-ca", "state-intermediate-ca-2", "vault-intermediate-ca"]);
  for (const ca of Object.values(certificates)) expect(ca.verified).toBe(true);
  expect(new X509Certificate(certificates["brought-root-ca"].certificatePem).fingerprint256).toBe(new X509Certificate(broughtRoot.certificatePem).fingerprint256);
});

test("the groups, the individual enrollments and the revoked device are on the DPS as the stack says", () => {
  expect(service.group("sensors")!.attestation.x509.caReferences).toEqual({ primary: "state-intermediate-ca", secondary: "state-intermediate-ca-2" });
  expect(service.group("gateways")!.attestation.x509.caReferences).toEqual({ primary: "vault-intermediate-ca" });
  // The DPS keeps only the certificate's info (as Azure): it must be the signing intermediate's, not the root's.
  const info = service.group("line-7")!.attestation.x509.signingCertificates.primary.info;
  const held = new X509Certificate(caKeyPem("signing-intermediate-ca").certificatePem);
  expect(info.sha256Thumbprint).toBe(held.fingerprint256.replace(/:/g, ""));
  expect(cn(held.subject)).toBe("All Features Signing Intermediate CA");
  expect(cn(held.issuer)).toBe("All Features Brought Root CA");
  expect(held.verify(new X509Certificate(broughtRoot.certificatePem).publicKey)).toBe(true);
  for (const [id, solo] of Object.entries(soloDevices)) {
    expect(service.enrollment(id)!.attestation.x509.clientCertificates.primary.info.sha256Thumbprint).toBe(new X509Certificate(solo.certificatePem).fingerprint256.replace(/:/g, ""));
  }
  expect(service.enrollment("stolen-sensor-7")).toMatchObject({ provisioningStatus: "disabled" });
});

test("a device provisions under each attestation: CA reference (old and rotated CA), signing certificate, client certificate", async () => {
  await expect(register("sensor-1", issuedBy("state-intermediate-ca", "sensor-1"))).resolves.toMatchObject({ deviceId: "sensor-1" });
  expect(device.registration("sensor-1")).toMatchObject({ status: "assigned", enrollmentGroupId: "sensors" });
  await expect(register("sensor-2", issuedBy("state-intermediate-ca-2", "sensor-2"))).resolves.toMatchObject({ deviceId: "sensor-2" });
  expect(device.registration("sensor-2")).toMatchObject({ status: "assigned", enrollmentGroupId: "sensors" });
  await expect(register("line-7-device", issuedBy("signing-intermediate-ca", "line-7-device"))).resolves.toMatchObject({ deviceId: "line-7-device" });
  expect(device.registration("line-7-device")).toMatchObject({ status: "assigned", enrollmentGroupId: "line-7" });
  const press = soloDevices["press-1"];
  await expect(register("press-1", { chainPem: press.certificatePem, privateKeyPem: press.privateKeyPem })).resolves.toMatchObject({ deviceId: "press-one", assignedHub: hostNameOf("all-features-hub-neu") });
});

test("the revoked device cannot provision", async () => {
  const outcome = await register("stolen-sensor-7", { chainPem: stolen.certificatePem, privateKeyPem: stolen.privateKeyPem }).then(
    (result) => result.status,
    (err) => String((err as Error).message),
  );
  expect(outcome).toMatch(/disabled/i);
  expect(device.registration("stolen-sensor-7")).toMatchObject({ status: "disabled" });
});

test("`npm run doctor` passes on what up made", async () => {
  let stdout = "";
  let stderr = "";
  const code = await runDoctor(["--stack", STACK], {
    cwd: dir,
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env: { DPS_CONNECTION_STRING: service.connectionString() },
    stackOutputs: async () => JSON.stringify(outputs),
  });
  expect({ code, stderr, failed: stdout.split("\n").filter((line) => /FAIL/.test(line)) }).toEqual({ code: 0, stderr: "", failed: [] });
  // It looked at what the stack has: every CA, group, hub and private endpoint (the shard's included).
  for (const name of ["brought-root-ca", "state-intermediate-ca-2", "vault-intermediate-ca", "sensors", "gateways", "line-7", ...HUBS, DPS]) expect(stdout).toContain(name);
  expect(stdout.split("\n").filter((line) => /^PASS.*private endpoint/.test(line))).toHaveLength(4);

});
