/**
 * Dynamic provider: proof of possession for one CA certificate already uploaded to DPS (ARM certificates API).
 *
 *   create  GET certificate (etag e1) → POST generateVerificationCode (If-Match e1 → code, e2)
 *           → sign a verification certificate CN=<code> with the CA key → POST verify (If-Match e2 → e3).
 *           Three ARM requests on the happy path. A 412 (someone changed the certificate meanwhile) starts
 *           the sequence again once. 429/5xx are retried, bounded, by the SDK pipeline (see armClient).
 *   read    GET certificate: reports isVerified/thumbprint as Azure has them (refresh shows drift).
 *   diff    local only: replace on a new certificate, name, DPS, resource group or subscription, or when
 *           read found the certificate unverified or holding another certificate; update for providerVersion.
 *   update  no cloud call (providerVersion/armEndpoint only).
 *   delete  nothing remote: the DpsCertificateUpload resource (providers/dpsCertificate.ts) owns the upload.
 *
 * Closure serialization: Pulumi serializes `caVerificationProvider` with its captured values. The local
 * modules it uses (`../azure/armClient`, `../azure/dpsCertificates`, `../../certs`) are captured *by value*:
 * the serializer walks the functions referenced here (createDpsClient, createVerificationCertificate and what
 * they call) and writes their code into the provider's text, which is why they are imported at the top and
 * not `require`d (a relative `require` would not resolve in the provider process, which also cannot load
 * `.ts` files).
 * npm packages (`@azure/...`, `node-forge`) and Node built-ins are emitted as `require("name")` and resolve
 * from the program's node_modules when the provider runs; packages are `require`d inside the methods here.
 * No credential is captured: the ARM client builds `DefaultAzureCredential` inside each method, and the CA
 * key arrives as a secret input.
 */
import { privateKeyProblem } from "../../certs/checks";
import * as pulumi from "@pulumi/pulumi";
import type { IotDpsClient } from "@azure/arm-deviceprovisioningservices";
import { createDpsClient, normalizeArmEndpoint } from "../azure/armClient";
import {
  azureErrorText,
  certificateArmId,
  httpStatus,
  isUnknown,
  messageOf,
  normalizePem,
  normalizeThumbprint,
  scrub,
  thumbprintOfPem,
  IDENTITY_KEYS,
  requiredStringFailures,
  type DpsCertificateTargetArgs,
} from "../azure/dpsCertificates";
import { createVerificationCertificate } from "../../certs";
import { verificationSigner } from "./caSigning";
import { ProjectDynamicResource } from "./shim";

/** Bump when the provider's behaviour changes, so existing resources are updated to run the new code. */
export const CA_VERIFICATION_PROVIDER_VERSION = "2"; // 2: state holds the provider shim; the in-place update rewrites its __provider

export interface CaVerificationInputs {
  subscriptionId: string;
  resourceGroupName: string;
  dpsName: string;
  certificateName: string;
  certificatePem: string;
  /** Secret. Never echoed in outputs. Give this or `caKeyId`. */
  caPrivateKeyPem?: string;
  /** The CA's Key Vault key id with its version: the verification certificate is signed in the vault. */
  caKeyId?: string;
  armEndpoint?: string;
  providerVersion: string;
}

export interface CaVerificationOutputs {
  subscriptionId: string;
  resourceGroupName: string;
  dpsName: string;
  certificateName: string;
  certificatePem: string;
  armEndpoint?: string;
  providerVersion: string;
  caKeyId?: string;
  /** As Azure reports it (after create: true; after a refresh: whatever the portal says). */
  isVerified: boolean;
  /** SHA-1, upper-case hex, as Azure reports it. */
  thumbprint: string;
  etag: string;
}

export const caVerificationProvider: pulumi.dynamic.ResourceProvider<CaVerificationInputs, CaVerificationOutputs> = {
  async check(_olds, news) {
    const keyField = typeof news.caKeyId === "string" && news.caKeyId !== "" ? "caKeyId" : "caPrivateKeyPem";
    const failures: pulumi.dynamic.CheckFailure[] = requiredStringFailures(news, [...IDENTITY_KEYS, "certificatePem", keyField]);
    if (failures.length === 0 && keyField === "caPrivateKeyPem" && !isUnknown(news.certificatePem) && !isUnknown(news.caPrivateKeyPem)) {
      const problem = keyProblem(news.certificatePem, news.caPrivateKeyPem!);
      if (problem) failures.push({ property: problem.property, reason: `${where(news)}: ${problem.reason}` });
    }
    return { inputs: news, failures };
  },

  async diff(_id, olds, news) {
    const replaces: string[] = [];
    for (const key of [...IDENTITY_KEYS, "certificatePem"] as const) {
      const same = key === "certificatePem" ? normalizePem(olds[key]) === normalizePem(news[key]) : olds[key] === news[key];
      if (!same) replaces.push(key);
    }
    // Drift found by read (pulumi refresh): unverified in Azure, or Azure holds another certificate.
    if (olds.isVerified === false) replaces.push("isVerified");
    const wanted = isUnknown(news.certificatePem) ? undefined : thumbprintOfPem(news.certificatePem);
    if (olds.thumbprint && wanted && normalizeThumbprint(olds.thumbprint) !== wanted && !replaces.includes("certificatePem")) {
      replaces.push("thumbprint");
    }
    // A CA key moving into Key Vault (key id instead of PEM) is an update, so state stops holding the PEM input.
    const updated =
      olds.providerVersion !== news.providerVersion ||
      normalizeArmEndpoint(olds.armEndpoint) !== normalizeArmEndpoint(news.armEndpoint) ||
      (olds.caKeyId ?? "") !== (news.caKeyId ?? "");
    return { changes: replaces.length > 0 || updated, replaces, deleteBeforeReplace: false };
  },

  async create(inputs) {
    // The CA's key is checked against its certificate before any ARM call: locally, or by reading the vault key.
    const signCode = await codeSigner(inputs);
    const client = createDpsClient({ subscriptionId: inputs.subscriptionId, endpoint: inputs.armEndpoint });
    let verified: VerifiedCertificate;
    try {
      verified = await proveOnce(client, inputs, signCode);
    } catch (e) {
      if (httpStatus(e) !== 412) throw e;
      // The certificate changed between our read and our write (etag moved): read again and retry once.
      try {
        verified = await proveOnce(client, inputs, signCode);
      } catch (again) {
        throw httpStatus(again) === 412 ? describeFailure(inputs, "proof of possession (etag changed twice)", again) : again;
      }
    }
    return { id: `${verified.id}/proofOfPossession`, outs: outputsOf(inputs, verified) };
  },

  async read(id, props) {
    if (!props) throw new Error(`read of ${id}: no state to read from`);
    const client = createDpsClient({ subscriptionId: props.subscriptionId, endpoint: props.armEndpoint });
    let cert;
    try {
      cert = await client.dpsCertificate.get(props.certificateName, props.resourceGroupName, props.dpsName);
    } catch (e) {
      // Gone from DPS: report the verification gone too, so the next `up` creates it again.
      if (httpStatus(e) === 404) return { id: undefined, props: undefined };
      throw describeFailure(props, "read", e);
    }
    return {
      id,
      props: {
        ...props,
        isVerified: cert.properties?.isVerified === true,
        thumbprint: normalizeThumbprint(cert.properties?.thumbprint ?? ""),
        etag: cert.etag ?? "",
      },
    };
  },

  async update(_id, olds, news) {
    const { caPrivateKeyPem: _key, ...rest } = news;
    return { outs: { ...rest, isVerified: olds.isVerified, thumbprint: olds.thumbprint, etag: olds.etag } };
  },

  async delete() {
    // Nothing to undo in Azure: verification is a state of the certificate, which the DpsCertificateUpload
    // resource uploads and deletes.
  },
};

interface VerifiedCertificate {
  id: string;
  isVerified: boolean;
  thumbprint: string;
  etag: string;
}

/** Signs the verification certificate for a code: with the key in state, or in Key Vault (`caKeyId`). */
type CodeSigner = (code: string) => Promise<string>;

async function codeSigner(inputs: CaVerificationInputs): Promise<CodeSigner> {
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
async function proveOnce(client: IotDpsClient, inputs: CaVerificationInputs, signCode: CodeSigner): Promise<VerifiedCertificate> {
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

function outputsOf(inputs: CaVerificationInputs, verified: VerifiedCertificate): CaVerificationOutputs {
  const { caPrivateKeyPem: _key, ...rest } = inputs;
  return { ...rest, isVerified: verified.isVerified, thumbprint: verified.thumbprint, etag: verified.etag };
}

function where(p: { certificateName: string; dpsName: string }): string {
  return `CA certificate "${p.certificateName}" on DPS "${p.dpsName}"`;
}

function rejectedPrefix(p: { certificateName: string; dpsName: string }): string {
  return `verification of CA certificate "${p.certificateName}" on DPS "${p.dpsName}" was rejected`;
}

/** An Error naming the certificate, the DPS, the step and Azure's code and message; never request bodies or keys. */
function describeFailure(p: { certificateName: string; dpsName: string }, step: string, e: unknown): Error {
  const status = httpStatus(e);
  const azure = azureErrorText(e);
  if (step === "verify" && status !== undefined && status >= 400 && status < 500) {
    return new Error(`${rejectedPrefix(p)}: ${azure}`);
  }
  return new Error(`${where(p)}: ${step} failed${status ? ` (HTTP ${status})` : ""}: ${azure}`);
}

/** Does the key match the certificate? Checked locally, so a wrong key never reaches Azure. */
function keyProblem(certificatePem: string, privateKeyPem: string): { property: string; reason: string } | undefined {
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
export interface CaVerificationArgs extends DpsCertificateTargetArgs {
  /** The CA's private key, PEM; made secret here whatever the caller passes. Give this or `caKeyId`. */
  readonly caPrivateKeyPem?: pulumi.Input<string | undefined>;
  /** The CA's Key Vault key id (with version), when its key is in a vault. */
  readonly caKeyId?: pulumi.Input<string | undefined>;
}

/** The proof of possession of one uploaded CA certificate (see `caVerificationProvider`). */
export class CaVerification extends ProjectDynamicResource {
  public readonly subscriptionId!: pulumi.Output<string>;
  public readonly resourceGroupName!: pulumi.Output<string>;
  public readonly dpsName!: pulumi.Output<string>;
  public readonly certificateName!: pulumi.Output<string>;
  public readonly certificatePem!: pulumi.Output<string>;
  public readonly providerVersion!: pulumi.Output<string>;
  public readonly isVerified!: pulumi.Output<boolean>;
  public readonly thumbprint!: pulumi.Output<string>;
  public readonly etag!: pulumi.Output<string>;

  constructor(name: string, args: CaVerificationArgs, opts?: pulumi.CustomResourceOptions) {
    // The state holds a shim that loads caVerificationProvider from the project when called (shim.ts, registry.ts).
    super(
      "caVerification",
      name,
      {
        ...args,
        caPrivateKeyPem: args.caPrivateKeyPem === undefined ? undefined : pulumi.secret(args.caPrivateKeyPem),
        providerVersion: CA_VERIFICATION_PROVIDER_VERSION,
        isVerified: undefined,
        thumbprint: undefined,
        etag: undefined,
      },
      opts,
      "dps-x509",
      "CaVerification",
    );
  }
}
