/** The component's pure parts, without mocks. */
import { toDpsCertificateContent } from "../components/azure/dpsCertificates";
import { validateVerifiedCaCertificateArgs, VerifiedCaCertificateArgs } from "../components/resources/verifiedCaCertificate";

const base: VerifiedCaCertificateArgs = {
  certificateName: "root",
  subscriptionId: "sub",
  resourceGroupName: "rg",
  dpsName: "dps",
  certificatePem: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
  privateKeyPem: "key",
  verification: "proofOfPossession",
};

test("valid arguments pass; onUpload needs no key", () => {
  expect(() => validateVerifiedCaCertificateArgs("ca", base)).not.toThrow();
  expect(() => validateVerifiedCaCertificateArgs("ca", { ...base, verification: "onUpload", privateKeyPem: undefined })).not.toThrow();
});

test("errors name the component, the field, the value and what is allowed", () => {
  expect(() => validateVerifiedCaCertificateArgs("ca", { ...base, verification: "auto" as never })).toThrow(
    'VerifiedCaCertificate "ca": verification is "auto"; allowed: proofOfPossession, onUpload',
  );
  expect(() => validateVerifiedCaCertificateArgs("ca", { ...base, certificateName: "" })).toThrow(/certificateName is ""; allowed: a non-empty string/);
  expect(() => validateVerifiedCaCertificateArgs("ca", { ...base, certificateName: "x".repeat(257) })).toThrow(/at most 256/);
  for (const privateKeyPem of [undefined, ""]) {
    expect(() => validateVerifiedCaCertificateArgs("ca", { ...base, privateKeyPem })).toThrow(
      /verification is "proofOfPossession" for certificate "root" but no privateKeyPem was given/,
    );
  }
});

test("the DPS certificate content is base64 of the PEM text, line endings normalised", () => {
  const pem = "-----BEGIN CERTIFICATE-----\r\nAAAA\r\n-----END CERTIFICATE-----\r\n";
  const content = toDpsCertificateContent(pem);
  expect(content).toMatch(/^[A-Za-z0-9+/]+=*$/);
  expect(Buffer.from(content, "base64").toString("utf8")).toBe("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
  expect(toDpsCertificateContent(pem)).toBe(toDpsCertificateContent(pem.replace(/\r\n/g, "\n")));
});
