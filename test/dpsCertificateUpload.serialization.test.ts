/**
 * The upload provider as Pulumi ships it: serialized the way `pulumi.dynamic.Resource` does
 * (`serializeFunction(() => provider, { allowSecrets: true })`), loaded back from the text the way the dynamic
 * provider host does (require-from-string), then run against the fake ARM server. This proves the ARM client
 * and the shared certificate helpers travel in the closure and that no credential is captured.
 */
import * as pulumi from "@pulumi/pulumi";
import { createRootCa } from "../certs";
import { setArmClientTestOverrides } from "../components/azure/armClient";
import { toDpsCertificateContent } from "../components/azure/dpsCertificates";
import { dpsCertificateProvider, DPS_CERTIFICATE_PROVIDER_VERSION, DpsCertificateUploadInputs } from "../components/providers/dpsCertificate";
import { startArmServer } from "../azure-test-servers/armServer";

// eslint-disable-next-line @typescript-eslint/no-var-requires
const requireFromString = require("require-from-string") as (code: string) => { handler: () => typeof dpsCertificateProvider };

const serialize = async () => (await pulumi.runtime.serializeFunction(() => dpsCertificateProvider, { allowSecrets: true })).text;

afterEach(() => setArmClientTestOverrides(undefined));

test("the serialized provider captures no credential and carries its helpers", async () => {
  const text = await serialize();
  expect(text).not.toMatch(/getToken/); // no credential object captured (DefaultAzureCredential is built at run time)
  expect(text).not.toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----/);
  expect(text).toContain('require("@azure/arm-deviceprovisioningservices")');
  expect(text).toContain("toDpsCertificateContent");
  expect(text).toContain("createDpsClient");
}, 60_000);

test("the deserialized provider creates, renews (If-Match), refreshes and deletes against the fake server", async () => {
  const server = await startArmServer();
  try {
    const root = createRootCa({ commonName: "serialized upload root", keySize: 2048, validityDays: 5 });
    const renewed = createRootCa({ commonName: "serialized upload root", keySize: 2048, validityDays: 10 });
    server.state.dps("sub", "rg", "dps");
    // Set before serializing: the override is captured by value, like any module state.
    setArmClientTestOverrides({ credential: { getToken: async () => ({ token: "t", expiresOnTimestamp: Date.now() + 3600_000 }) } });
    const provider = requireFromString(await serialize()).handler();
    const inputs: DpsCertificateUploadInputs = {
      subscriptionId: "sub",
      resourceGroupName: "rg",
      dpsName: "dps",
      certificateName: "root",
      certificatePem: root.certificatePem,
      isVerified: true,
      armEndpoint: server.url,
      providerVersion: DPS_CERTIFICATE_PROVIDER_VERSION,
    };
    expect((await provider.check!({} as DpsCertificateUploadInputs, inputs)).failures).toEqual([]);
    const { id, outs } = await provider.create!(inputs);
    expect(outs).toMatchObject({ isVerified: true, name: "root" });
    expect(server.requests.all.find((r) => r.route === "certificate.put")!.body).toEqual({
      properties: { certificate: toDpsCertificateContent(root.certificatePem), isVerified: true },
    });
    expect(await provider.diff!(id, outs!, inputs)).toMatchObject({ changes: false });

    const renewal = { ...inputs, certificatePem: renewed.certificatePem };
    const etag = server.state.dps("sub", "rg", "dps").get("root")!.etag;
    const { outs: updated } = await provider.update!(id, outs!, renewal);
    expect(server.requests.all.filter((r) => r.route === "certificate.put").map((r) => r.ifMatch)).toEqual([undefined, etag]);
    expect((await provider.read!(id, updated)).props).toMatchObject({ isVerified: true, thumbprint: updated!.thumbprint });

    await provider.delete!(id, updated!);
    expect(server.state.dps("sub", "rg", "dps").names()).toEqual([]);
    expect(server.requests.all.find((r) => r.route === "certificate.delete")!.ifMatch).toBe(updated!.etag);
  } finally {
    await server.close();
  }
}, 60_000);
