/**
 * EC certificate authorities through Pulumi's dynamic-provider host, as `pulumi up` runs them: an EC P-384 root and an
 * EC P-256 intermediate made by the CA provider (keys in state), then the root uploaded to the strict ARM server and
 * proved (proof of possession: the verification certificate is signed by the EC root's key, checked by the server
 * with Node's X509Certificate as Azure checks it). OpenSSL checks the chain.
 */
import { X509Certificate } from "crypto";
import { startArmServer, ArmServer } from "../azure-test-servers/armServer";
import { FakeEntraTokenServer } from "../azure-test-servers/entraTokenServer";
import { CA_PROVIDER_VERSION } from "../components/providers/caCertificate";
import { CA_VERIFICATION_PROVIDER_VERSION } from "../components/providers/caVerification";
import { DPS_CERTIFICATE_PROVIDER_VERSION } from "../components/providers/dpsCertificate";
import { DynamicProviderHost, urnOf } from "../azure-test-servers/dynamicProviderHost";
import { hostEnv, registeredProviders, REPO } from "./support/hostEnvironment";
import { RESOURCE_TYPES } from "./support/serializedProviders";
import { opensslOk, verifyChain, x509Text } from "./support/openssl";

let providers: Record<string, string>;
let host: DynamicProviderHost;
let arm: ArmServer;
let entra: FakeEntraTokenServer;

beforeAll(async () => {
  providers = registeredProviders();
  entra = await FakeEntraTokenServer.start();
  arm = await startArmServer();
  host = await DynamicProviderHost.start({ cwd: REPO, env: hostEnv([], entra.env()) });
  expect(await host.configure()).toEqual({ acceptSecrets: false });
}, 60_000);

afterAll(async () => {
  await host?.stop();
  await arm?.close();
  await entra?.close();
});

test("an EC root and intermediate made through the host, then uploaded and proved against the strict ARM server", async () => {
  const __provider = providers[RESOURCE_TYPES.caCertificate];
  const rootUrn = urnOf(RESOURCE_TYPES.caCertificate, "dps-x509-ca-ec-root");
  const interUrn = urnOf(RESOURCE_TYPES.caCertificate, "dps-x509-ca-ec-intermediate");
  const rootIn = { role: "root", commonName: "EC Host Root", keySize: "P-384", validityDays: 30, pathLength: 1, providerVersion: CA_PROVIDER_VERSION, __provider };
  expect((await host.check(rootUrn, {}, { ...rootIn, keySize: "P-192" })).failures.map((f) => f.property)).toEqual(["keySize"]);
  const root = await host.create(rootUrn, (await host.check(rootUrn, {}, rootIn)).inputs);
  const rootPem = String(root.properties.certificatePem);
  expect(x509Text(rootPem)).toMatch(/ASN1 OID: secp384r1[\s\S]*Signature Algorithm: ecdsa-with-SHA384/);
  expect(verifyChain({ root: rootPem, leaf: rootPem, extra: ["-check_ss_sig"] }).stdout).toContain("OK");
  // The key in state is the EC key of the certificate (PKCS#8; the compact form is for RSA).
  expect(opensslOk(["pkey", "-noout", "-text"], { input: String(root.properties.privateKey) })).toContain("NIST CURVE: P-384");

  const interIn = {
    role: "intermediate", commonName: "EC Host Intermediate", keySize: "P-256", validityDays: 20, providerVersion: CA_PROVIDER_VERSION, __provider,
    issuerCertificatePem: rootPem, issuerPrivateKey: root.properties.privateKey,
  };
  const interChecked = (await host.check(interUrn, {}, interIn)).inputs;
  const inter = await host.create(interUrn, interChecked);
  const interPem = String(inter.properties.certificatePem);
  const chain = verifyChain({ root: rootPem, leaf: interPem });
  expect(chain.stderr).toBe("");
  expect(new X509Certificate(interPem).publicKey.asymmetricKeyDetails?.namedCurve).toBe("prime256v1");
  // RSA → EC is a new key: a replacement.
  expect((await host.diff(interUrn, inter.id, inter.properties, { ...interChecked, keySize: 4096 })).replaces).toEqual(["keySize"]);
  expect(await host.diff(interUrn, inter.id, inter.properties, interChecked)).toMatchObject({ changes: "none", replaces: [] });

  const [sub, rg, dpsName] = ["00000000-0000-0000-0000-0000000000ec", "ec-rg", "ec-dps"];
  arm.state.dps(sub, rg, dpsName);
  const target = { subscriptionId: sub, resourceGroupName: rg, dpsName, certificateName: "ec-root", certificatePem: rootPem, armEndpoint: arm.url };
  const uploadUrn = urnOf(RESOURCE_TYPES.dpsCertificateUpload, "dps-x509-cert-ec-root-cert");
  const uploadIn = (await host.check(uploadUrn, {}, { ...target, isVerified: false, providerVersion: DPS_CERTIFICATE_PROVIDER_VERSION, __provider: providers[RESOURCE_TYPES.dpsCertificateUpload] })).inputs;
  const upload = await host.create(uploadUrn, uploadIn);
  expect(arm.state.dps(sub, rg, dpsName).get("ec-root")).toMatchObject({ isVerified: false });

  const proofUrn = urnOf(RESOURCE_TYPES.caVerification, "dps-x509-cert-ec-root-verification");
  const proofIn = (await host.check(proofUrn, {}, { ...target, caPrivateKeyPem: root.properties.privateKey, providerVersion: CA_VERIFICATION_PROVIDER_VERSION, __provider: providers[RESOURCE_TYPES.caVerification] })).inputs;
  const proof = await host.create(proofUrn, proofIn);
  expect(proof.properties).toMatchObject({ isVerified: true });
  expect(arm.state.dps(sub, rg, dpsName).get("ec-root")).toMatchObject({ isVerified: true });

  await host.delete(proofUrn, proof.id, proof.properties);
  await host.delete(uploadUrn, upload.id, upload.properties);
  await host.delete(interUrn, inter.id, inter.properties);
  await host.delete(rootUrn, root.id, root.properties);
}, 90_000);

test("a proof with another EC key than the uploaded certificate's is refused before any proof is sent; the certificate stays unverified", async () => {
  const __provider = providers[RESOURCE_TYPES.caCertificate];
  const make = async (name: string) =>
    host.create(urnOf(RESOURCE_TYPES.caCertificate, name), (await host.check(urnOf(RESOURCE_TYPES.caCertificate, name), {}, { role: "root", commonName: name, keySize: "P-256", validityDays: 5, pathLength: 1, providerVersion: CA_PROVIDER_VERSION, __provider })).inputs);
  const [real, other] = [await make("ec-real"), await make("ec-other")];
  const [sub, rg, dpsName] = ["00000000-0000-0000-0000-0000000000ed", "ec-rg", "ec-dps-2"];
  arm.state.dps(sub, rg, dpsName);
  const target = { subscriptionId: sub, resourceGroupName: rg, dpsName, certificateName: "ec-real", certificatePem: String(real.properties.certificatePem), armEndpoint: arm.url };
  const uploadUrn = urnOf(RESOURCE_TYPES.dpsCertificateUpload, "dps-x509-cert-ec-real-cert");
  await host.create(uploadUrn, (await host.check(uploadUrn, {}, { ...target, isVerified: false, providerVersion: DPS_CERTIFICATE_PROVIDER_VERSION, __provider: providers[RESOURCE_TYPES.dpsCertificateUpload] })).inputs);
  const proofUrn = urnOf(RESOURCE_TYPES.caVerification, "dps-x509-cert-ec-real-verification");
  const checked = await host.check(proofUrn, {}, { ...target, caPrivateKeyPem: other.properties.privateKey, providerVersion: CA_VERIFICATION_PROVIDER_VERSION, __provider: providers[RESOURCE_TYPES.caVerification] });
  const verifiesBefore = arm.requests.count("certificate.verify");
  await expect(host.create(proofUrn, checked.inputs)).rejects.toThrow(/does not (belong|match)/);
  expect(arm.requests.count("certificate.verify")).toBe(verifiesBefore);
  expect(arm.state.dps(sub, rg, dpsName).get("ec-real")).toMatchObject({ isVerified: false });
}, 90_000);
