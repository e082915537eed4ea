/** The ARM steps of proof of possession (caVerification.ts): the code, the signed verification certificate, verify. */
import { privateKeyProblem } from "../../certs/checks";
import type { IotDpsClient } from "@azure/arm-deviceprovisioningservices";
import { createDpsClient, normalizeArmEndpoint } from "../azure/armClient";
import { azureErrorText, certificateArmId, httpStatus, messageOf, normalizeThumbprint, scrub, thumbprintOfPem } from "../azure/dpsCertificates";
import { createVerificationCertificate } from "../../certs";
import { verificationSigner } from "./caSigning";
import type { CaVerificationInputs, CaVerificationOutputs } from "./caVerificationTypes";

export interface VerifiedCertificate {
  id: string;
  isVerified: boolean;
  thumbprint: string;
  etag: string;
}

/** Signs the verification certificate for a code: with the key in state, or in Key Vault (`caKeyId`). */
type CodeSigner = (code: string) => Promise<string>;

export async function codeSigner(inputs: CaVerificationInputs): Promise<CodeSigner> {
  if (typeof inputs.caKeyId === "string" && inputs.caKeyId !== "") {
    try {
      return await verificationSigner({ certificatePem: inputs.certificatePem, keyId: inputs.caKeyId });
    } catch (e) {
      throw new Error(`${where(inputs)}: ${scrub(messageOf(e))}`);
    }
  }
  const problem = keyProblem(inputs.certificatePem, inputs.caPrivateKeyPem ?? "");
  if (problem) throw new Error(`${where(inputs)}: ${problem.reason}`);
  const issuer = { certificatePem: inputs.certificatePem, privateKeyPem: inputs.caPrivateKeyPem! };
  return async (code) => createVerificationCertificate({ issuer, code }).certificatePem;
}

/** One GET → generateVerificationCode → verify sequence. Throws the SDK's error on 412, a described Error otherwise. */
export async function proveOnce(client: IotDpsClient, inputs: CaVerificationInputs, signCode: CodeSigner): Promise<VerifiedCertificate> {
  const { certificateName: name, resourceGroupName: rg, dpsName: dps } = inputs;
  const step = async <T>(label: string, call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (e) {
      if (httpStatus(e) === 412) throw e;
      throw describeFailure(inputs, label, e);
    }
  };

  const cert = await step("read", () => client.dpsCertificate.get(name, rg, dps));
  const uploaded = normalizeThumbprint(cert.properties?.thumbprint ?? "");
  const wanted = thumbprintOfPem(inputs.certificatePem);
  if (uploaded && wanted && uploaded !== wanted) {
    throw new Error(`${where(inputs)}: DPS holds a certificate with thumbprint ${uploaded}, not the one given (${wanted}); upload it first`);
  }
  const generated = await step("generateVerificationCode", () => client.dpsCertificate.generateVerificationCode(name, cert.etag ?? "*", rg, dps));
  const code = generated.properties?.verificationCode;
  if (!code || !generated.etag) throw new Error(`${where(inputs)}: generateVerificationCode returned no code or etag`);

  let verificationPem: string;
  try {
    verificationPem = await signCode(code);
  } catch (e) {
    throw new Error(`${where(inputs)}: could not sign the verification certificate: ${scrub(messageOf(e))}`);
  }

  const verified = await step("verify", () =>
    client.dpsCertificate.verifyCertificate(name, generated.etag!, rg, dps, { certificate: verificationPem }),
  );
  if (verified.properties?.isVerified !== true) {
    throw new Error(`${rejectedPrefix(inputs)}: Azure answered without isVerified=true`);
  }
  return {
    id: verified.id ?? certificateArmId(inputs),
    isVerified: true,
    thumbprint: normalizeThumbprint(verified.properties?.thumbprint ?? wanted ?? ""),
    etag: verified.etag ?? "",
  };
}

export function outputsOf(inputs: CaVerificationInputs, verified: VerifiedCertificate): CaVerificationOutputs {
  const { caPrivateKeyPem: _key, ...rest } = inputs;
  return { ...rest, isVerified: verified.isVerified, thumbprint: verified.thumbprint, etag: verified.etag };
}

export function where(p: { certificateName: string; dpsName: string }): string {
  return `CA certificate "${p.certificateName}" on DPS "${p.dpsName}"`;
}

export function rejectedPrefix(p: { certificateName: string; dpsName: string }): string {
  return `verification of CA certificate "${p.certificateName}" on DPS "${p.dpsName}" was rejected`;
}

/** An Error naming the certificate, the DPS, the step and Azure's code and message; never request bodies or keys. */
export function describeFailure(p: { certificateName: string; dpsName: string }, step: string, e: unknown): Error {
  const status = httpStatus(e);
  const azure = azureErrorText(e);
  if (step === "verify" && status !== undefined && status >= 400 && status < 500) {
    return new Error(`${rejectedPrefix(p)}: ${azure}`);
  }
  return new Error(`${where(p)}: ${step} failed${status ? ` (HTTP ${status})` : ""}: ${azure}`);
}

/** Does the key match the certificate? Checked locally, so a wrong key never reaches Azure. */
export function keyProblem(certificatePem: string, privateKeyPem: string): { property: string; reason: string } | undefined {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const crypto = require("crypto") as typeof import("crypto");
  let cert: import("crypto").X509Certificate;
  try {
    cert = new crypto.X509Certificate(certificatePem);
  } catch {
    return { property: "certificatePem", reason: "certificatePem is not a PEM X.509 certificate" };
  }
  // The same check the plan runs on a brought CA (certs/checks.ts).
  const problem = privateKeyProblem(cert, privateKeyPem);
  if (problem === undefined) return undefined;
  return /does not match/.test(problem)
    ? { property: "caPrivateKeyPem", reason: "the private key given does not match the certificate (proof of possession needs the CA's own key)" }
    : { property: "caPrivateKeyPem", reason: "caPrivateKeyPem is not a PEM private key" };
}

/** `certificateName` names the already uploaded DPS certificate. */
