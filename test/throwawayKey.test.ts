/**
 * The proof of possession's own key is never used (only the CA's signature over CN=<code> counts), so one key a
 * process serves every verification certificate: each still verifies under its CA with OpenSSL, and differs only in
 * what the CA signs.
 */
import { X509Certificate } from "crypto";
import { createRootCa, createVerificationCertificate } from "../certs";
import { throwawayPublicKey } from "../certs/keys";
import { verifyChain } from "./support/openssl";

test("verification certificates share the process's throwaway key and each verifies under its own CA", () => {
  const rootA = createRootCa({ commonName: "Throwaway Root A", keySize: 2048, validityDays: 5 });
  const rootB = createRootCa({ commonName: "Throwaway Root B", keySize: 2048, validityDays: 5 });
  const a = createVerificationCertificate({ issuer: rootA, code: "CODEA1" });
  const b = createVerificationCertificate({ issuer: rootB, code: "CODEB2" });
  const [certA, certB] = [new X509Certificate(a.certificatePem), new X509Certificate(b.certificatePem)];
  const shared = throwawayPublicKey().export({ type: "spki", format: "der" });
  expect(certA.publicKey.export({ type: "spki", format: "der" }).equals(shared)).toBe(true);
  expect(certB.publicKey.export({ type: "spki", format: "der" }).equals(shared)).toBe(true);
  expect(certA.subject).toBe("CN=CODEA1");
  expect(certA.checkIssued(new X509Certificate(rootA.certificatePem))).toBe(true);
  expect(certA.checkIssued(new X509Certificate(rootB.certificatePem))).toBe(false);
  expect(verifyChain({ root: rootA.certificatePem, leaf: a.certificatePem }).code).toBe(0);
  expect(verifyChain({ root: rootB.certificatePem, leaf: b.certificatePem }).code).toBe(0);
  expect(verifyChain({ root: rootA.certificatePem, leaf: b.certificatePem }).code).not.toBe(0);
});
