/**
 * A throwaway device certificate signed in Key Vault: the issuer's key never leaves the vault, the device's own key
 * is made here (RSA-2048, one day), as in credentials.ts for an issuer key on disk.
 */
import { generateRsaKeyPair, loadSignerIssuer, signDeviceCertificate, assertRegistrationId } from "../../certs";
import { pemDecodeAll, pemEncode } from "../../certs/der";
import { keyVaultSigner } from "../../components/azure/keyVault";
import { loadDeviceCredentials, THROWAWAY_VALIDITY_DAYS, type DeviceCredentials } from "./credentials";

export async function issueThrowawayDeviceInVault(o: { issuerCertificatePem: string; issuerKeyId: string; registrationId: string }): Promise<DeviceCredentials> {
  assertRegistrationId(o.registrationId, "--registration-id");
  const issuerChain = pemDecodeAll(o.issuerCertificatePem, "CERTIFICATE");
  if (!issuerChain.length) throw new Error("the issuer certificate: no PEM certificate in it");
  const issuer = loadSignerIssuer(pemEncode("CERTIFICATE", issuerChain[0]), await keyVaultSigner(o.issuerKeyId), "the issuer");
  const device = generateRsaKeyPair(2048);
  const leaf = await signDeviceCertificate({ issuer, registrationId: o.registrationId, subjectPublicKey: device.publicKey, validityDays: THROWAWAY_VALIDITY_DAYS });
  // Whatever the issuer file carries above the issuer (a root) is sent too.
  const chainPem = leaf + issuerChain.map((der) => pemEncode("CERTIFICATE", der)).join("");
  return loadDeviceCredentials({ chainPem, privateKeyPem: device.privateKeyPem, registrationId: o.registrationId, certWhat: "the issued chain" });
}
