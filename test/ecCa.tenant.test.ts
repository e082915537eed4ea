/**
 * A tenant's EC intermediate: the tenant's key request makes an EC key and its CSR (the key stays in the tenant's
 * state), and the platform signs it under an EC root and under an RSA root. Checked with OpenSSL.
 */
import { X509Certificate } from "crypto";
import { createRootCa } from "../certs";
import { caKeyRequestProvider, CA_KEY_REQUEST_PROVIDER_VERSION } from "../components/providers/caKeyRequest";
import { subjectPublicKeyOf, tenantCertificateProvider, TENANT_CERTIFICATE_PROVIDER_VERSION, type TenantCertificateInputs } from "../components/providers/tenantCertificate";
import { tenantIssuerProvider, TENANT_ISSUER_PROVIDER_VERSION, type TenantIssuerOutputs } from "../components/providers/tenantIssuer";
import { opensslOk, verifyChain } from "./support/openssl";

test.each([["an EC P-384 root", "P-384"], ["an RSA root", 2048]] as const)("an EC P-256 tenant CSR signed by %s passes openssl verify -x509_strict", async (_label, rootKey) => {
  const request = await caKeyRequestProvider.create!({ caName: "contoso-ca", commonName: "Contoso EC CA", keySize: "P-256", keyStore: "state", providerVersion: CA_KEY_REQUEST_PROVIDER_VERSION });
  const csrPem = request.outs!.csrPem as string;
  expect(opensslOk(["req", "-noout", "-verify", "-text"], { input: csrPem })).toMatch(/NIST CURVE: P-256/);
  const root = createRootCa({ commonName: "Platform Root", keySize: rootKey, validityDays: 30 });
  // The platform's signing resource loads the root; the tenant certificate names it by thumbprint.
  const issuer = (await tenantIssuerProvider.create!({ issuerName: "platform-root", certificatePem: root.certificatePem, privateKeyPem: root.privateKeyPem, providerVersion: TENANT_ISSUER_PROVIDER_VERSION })).outs as TenantIssuerOutputs;
  const inputs: TenantCertificateInputs = { tenant: "contoso", caName: "contoso-ca", subject: "contoso-ca", subjectPublicKey: subjectPublicKeyOf(csrPem, "the CSR of contoso-ca"), validityDays: 10, issuerThumbprint: issuer.thumbprint, providerVersion: TENANT_CERTIFICATE_PROVIDER_VERSION };
  expect((await tenantCertificateProvider.check!({} as typeof inputs, inputs)).failures).toEqual([]);
  const signed = await tenantCertificateProvider.create!(inputs);
  const pem = signed.outs!.certificatePem as string;
  const r = verifyChain({ root: root.certificatePem, leaf: pem });
  expect(r.stderr).toBe("");
  expect(new X509Certificate(pem).publicKey.asymmetricKeyDetails?.namedCurve).toBe("prime256v1");
  // The platform chooses the subject (the tenant's prefixed CA name), never the CSR's own text.
  expect(new X509Certificate(pem).subject).toBe("CN=contoso-ca");
});

test("the key request refuses a curve ADR and this project do not sign with", async () => {
  await expect(caKeyRequestProvider.create!({ caName: "contoso-ca", commonName: "x", keySize: "P-192" as "P-256", keyStore: "state", providerVersion: CA_KEY_REQUEST_PROVIDER_VERSION })).rejects.toThrow(/keySize must be RSA .* or an EC curve P-256, P-384, P-521/);
});
