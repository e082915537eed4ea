/**
 * Pulumi Deployments with Azure OIDC, as the engine runs the program's own providers: Pulumi's dynamic-provider host
 * gets only what Deployments gives azure-native (ARM_USE_OIDC, ARM_CLIENT_ID, ARM_TENANT_ID, ARM_OIDC_TOKEN), no
 * Azure CLI sign-in and no managed identity. The enrollment group provider signs in with that token (a client
 * assertion exchanged at the local Entra stand-in) as the federated application, and the strict local DPS checks
 * the access token and the application's data role.
 */
import * as crypto from "crypto";
import { DPS_DATA_CONTRIBUTOR, FakeDpsServiceServer } from "../azure-test-servers/dpsServiceServer";
import { FakeEntraTokenServer } from "../azure-test-servers/entraTokenServer";
import { federatedToken, startEntraAuthority, type EntraAuthority } from "../azure-test-servers/entraAuthority";
import { DynamicProviderHost, urnOf } from "../azure-test-servers/dynamicProviderHost";
import { ENROLLMENT_GROUP_PROVIDER_VERSION } from "../components/providers/enrollmentGroup";
import { hostEnv, registeredProviders, REPO } from "./support/hostEnvironment";
import { RESOURCE_TYPES } from "./support/serializedProviders";

const CLIENT_ID = "22222222-0000-0000-0000-00000000c1d0";
const SP_OBJECT_ID = "33333333-0000-0000-0000-0000000005b0";
const PULUMI_ISSUER = "https://api.pulumi.com/oidc";
const SUBJECT = "pulumi:deploy:org:my-org:project:dps-x509:stack:platform:operation:update:scope:write";
const issuerKeys = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });

let entra: FakeEntraTokenServer;
let authority: EntraAuthority;
let dps: FakeDpsServiceServer;
let providers: Record<string, string>;
const hosts: DynamicProviderHost[] = [];

beforeAll(async () => {
  providers = registeredProviders();
  entra = await FakeEntraTokenServer.start();
  authority = await startEntraAuthority(entra, [
    { clientId: CLIENT_ID, principalId: SP_OBJECT_ID, issuer: PULUMI_ISSUER, subject: SUBJECT, issuerPublicKeyPem: issuerKeys.publicKey.export({ type: "spki", format: "pem" }).toString() },
  ]);
  dps = await FakeDpsServiceServer.start({
    hostName: "dps-x509-oidc.azure-devices-provisioning.net",
    linkedHubs: ["hub-a.azure-devices.net"],
    caCertificates: { "oidc-ca": { verified: true } },
    entra: { issuer: entra.issuer, publicKeyPem: entra.publicKeyPem, roles: { [SP_OBJECT_ID]: DPS_DATA_CONTRIBUTOR } },
  });
}, 60_000);

afterAll(async () => {
  for (const host of hosts) await host.stop();
  await dps?.close();
  await authority?.close();
  await entra?.close();
});

async function startHost(armEnv: Record<string, string>): Promise<DynamicProviderHost> {
  const routes = [{ host: dps.hostName, port: dps.port }, { host: authority.hostName, port: authority.port }];
  // No IDENTITY_ENDPOINT (managed identity) and no Azure CLI profile: only what Deployments sets.
  const env = hostEnv(routes, { ...armEnv, AZURE_CONFIG_DIR: "/nonexistent-azure-cli-profile" });
  const host = await DynamicProviderHost.start({ cwd: REPO, env });
  hosts.push(host);
  await host.configure();
  return host;
}

const group = (enrollmentId: string) => ({
  enrollmentId, primaryCaName: "oidc-ca", provisioningStatus: "enabled", allocationPolicy: "hashed",
  iotHubHostNames: ["hub-a.azure-devices.net"], reprovisionPolicy: "reprovisionandmigratedata", edgeEnabled: false,
  serviceHostName: dps.hostName, providerVersion: ENROLLMENT_GROUP_PROVIDER_VERSION, __provider: providers[RESOURCE_TYPES.enrollmentGroup],
});

test("an enrollment group is written as the application Deployments' OIDC token is federated with", async () => {
  const host = await startHost({ ARM_USE_OIDC: "true", ARM_CLIENT_ID: CLIENT_ID, ARM_TENANT_ID: entra.tenantId, ARM_OIDC_TOKEN: federatedToken({ url: PULUMI_ISSUER, privateKey: issuerKeys.privateKey }, { sub: SUBJECT }) });
  const urn = urnOf(RESOURCE_TYPES.enrollmentGroup, "dps-x509-group-oidc-group");
  const checked = await host.check(urn, {}, group("oidc-group"));
  const created = await host.create(urn, checked.inputs);
  expect(created.id).toBe("oidc-group");
  expect(dps.group("oidc-group")).toBeDefined();
  expect(authority.tokenRequests.map((r) => `${r.status} ${r.clientId} ${r.scope}`)).toEqual([`200 ${CLIENT_ID} https://azure-devices-provisioning.net/.default`]);
  expect(dps.requests.map((r) => `${r.method} ${r.status}`)).toEqual(["PUT 200"]);
  // The token never reaches the state.
  expect(JSON.stringify(created.properties)).not.toContain("eyJ");
  await host.delete(urn, created.id, created.properties);
}, 60_000);

test("a token for another subject is refused by Entra ID, and the provider's error carries Entra's code", async () => {
  const host = await startHost({ ARM_USE_OIDC: "true", ARM_CLIENT_ID: CLIENT_ID, ARM_TENANT_ID: entra.tenantId, ARM_OIDC_TOKEN: federatedToken({ url: PULUMI_ISSUER, privateKey: issuerKeys.privateKey }, { sub: "pulumi:deploy:org:other-org" }) });
  const urn = urnOf(RESOURCE_TYPES.enrollmentGroup, "dps-x509-group-oidc-refused");
  const checked = await host.check(urn, {}, group("oidc-refused"));
  const err = await host.create(urn, checked.inputs).catch((e: Error) => e);
  expect(String(err)).toMatch(/AADSTS70021/);
  expect(dps.group("oidc-refused")).toBeUndefined();
}, 60_000);
