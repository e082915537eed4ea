/** Subject strings as OpenSSL prints them with -nameopt RFC2253, for the names where escaping is subtle (names with leading or trailing white space are refused before this). */
import { createIntermediateCa, createRootCa, describeCertificate } from "../certs";
import { x509Field } from "./support/openssl";

const root = createRootCa({ commonName: "Names Root", keySize: 2048, validityDays: 30 });

test.each([["#"], ["#a"], ["a#"], ["a#b"], ["="], ["<x>"], ["a,b+c"], ['q"uote'], ["back\\slash"]])("CN %j", (cn) => {
  const ca = createIntermediateCa({ issuer: root, commonName: cn, keySize: 2048, validityDays: 10 });
  expect(describeCertificate(ca.certificatePem).subject).toBe(x509Field(ca.certificatePem, ["-subject", "-nameopt", "RFC2253"]));
});
