/**
 * The provider as Pulumi ships it: serialized the way `pulumi.dynamic.Resource` does
 * (`serializeFunction(() => provider, { allowSecrets: true })`), loaded back from the text the way the
 * dynamic provider host does (require-from-string), then run against the fake ARM server. This proves the
 * certs and ARM client code travel in the closure and that nothing secret is captured.
 */
import * as pulumi from "@pulumi/pulumi";
import { createRootCa } from "../certs";
import { setArmClientTestOverrides } from "../components/azure/armClient";
import { caVerificationProvider, CA_VERIFICATION_PROVIDER_VERSION, CaVerificationInputs } from "../components/providers/caVerification";
import { startArmServer } from "../azure-test-servers/armServer";

// eslint-disable-next-line @typescript-eslint/no-var-requires
const requireFromString = require("require-from-string") as (code: string) => { handler: () => typeof caVerificationProvider };

const serialize = async () => (await pulumi.runtime.serializeFunction(() => caVerificationProvider, { allowSecrets: true })).text;

afterEach(() => setArmClientTestOverrides(undefined));

test("the serialized provider captures no credential and no key material", async () => {
  const text = await serialize();
  // (the certs code mentions "PRIVATE KEY" in its PEM checks; what must be absent is a key itself)
  expect(text).not.toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----\s+[A-Za-z0-9+/=]{40}/);
  expect(text).not.toMatch(/getToken/); // no credential object captured (DefaultAzureCredential is built at run time)
  expect(text).toContain('require("@azure/arm-deviceprovisioningservices")');
  expect(text).toContain("createVerificationCertificate");
}, 60_000);

test("the deserialized provider proves possession against the fake server", async () => {
  const server = await startArmServer();
  try {
    const root = createRootCa({ commonName: "serialized provider root", keySize: 2048, validityDays: 5 });
    server.state.dps("sub", "rg", "dps").upload("root", root.certificatePem);
    // Set before serializing: the override is captured by value, like any module state.
    setArmClientTestOverrides({ credential: { getToken: async () => ({ token: "t", expiresOnTimestamp: Date.now() + 3600_000 }) } });
    const provider = requireFromString(await serialize()).handler();
    const inputs: CaVerificationInputs = {
      subscriptionId: "sub",
      resourceGroupName: "rg",
      dpsName: "dps",
      certificateName: "root",
      certificatePem: root.certificatePem,
      caPrivateKeyPem: root.privateKeyPem,
      armEndpoint: server.url,
      providerVersion: CA_VERIFICATION_PROVIDER_VERSION,
    };
    expect((await provider.check!({} as CaVerificationInputs, inputs)).failures).toEqual([]);
    const { outs } = await provider.create!(inputs);
    expect(outs).toMatchObject({ isVerified: true });
    expect(server.requests.count()).toBe(3);
    expect(await provider.diff!("id", outs!, inputs)).toMatchObject({ changes: false });
    expect((await provider.read!("id", outs)).props).toMatchObject({ isVerified: true });
    expect(server.requests.count()).toBe(4);
  } finally {
    await server.close();
  }
}, 60_000);
