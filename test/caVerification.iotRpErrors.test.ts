/**
 * The provider against the Devices resource provider's own error shape (flat, numeric code), which is what
 * IoT Hub/DPS certificate calls return in the wild: 412 is still recognised, rejections still explained.
 */
import { createRootCa } from "../certs";
import { setArmClientTestOverrides } from "../components/azure/armClient";
import { caVerificationProvider as provider, CA_VERIFICATION_PROVIDER_VERSION, CaVerificationInputs } from "../components/providers/caVerification";
import { startArmServer, ArmServer } from "../azure-test-servers/armServer";

const root = createRootCa({ commonName: "iotRp errors root", keySize: 2048, validityDays: 5 });
let server: ArmServer;
let inputs: CaVerificationInputs;

beforeEach(async () => {
  server = await startArmServer({ errorStyle: "iotRp" });
  server.state.dps("sub", "rg", "my-dps").upload("my-root", root.certificatePem);
  setArmClientTestOverrides({ credential: { getToken: async () => ({ token: "t", expiresOnTimestamp: Date.now() + 3600_000 }) }, retryDelayInMs: 10 });
  inputs = {
    subscriptionId: "sub",
    resourceGroupName: "rg",
    dpsName: "my-dps",
    certificateName: "my-root",
    certificatePem: root.certificatePem,
    caPrivateKeyPem: root.privateKeyPem,
    armEndpoint: server.url,
    providerVersion: CA_VERIFICATION_PROVIDER_VERSION,
  };
});
afterEach(async () => {
  setArmClientTestOverrides(undefined);
  await server.close();
});

test("412 with a numeric code: re-read and retry once", async () => {
  server.inject({ kind: "concurrentUpdate", route: "certificate.verify" });
  const { outs } = await provider.create!(inputs);
  expect(outs).toMatchObject({ isVerified: true });
  expect(server.requests.count("certificate.verify")).toBe(2);
});

test("a rejection with a numeric code: the error carries it and Azure's message", async () => {
  server.state.codeTtlMs = -1;
  await expect(provider.create!(inputs)).rejects.toThrow(
    /^verification of CA certificate "my-root" on DPS "my-dps" was rejected: 400001: .*expired.*\(VerificationCodeExpired\)/,
  );
});
