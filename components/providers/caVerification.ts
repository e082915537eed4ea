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
 * How it runs: the resource (components/resources/caVerification.ts) stores only the provider shim in state; the
 * shim loads this module from the project in Pulumi's dynamic-provider host (shim.ts, registry.ts), so every
 * operation runs the checkout's code.
 * No credential is captured: the ARM client builds `DefaultAzureCredential` inside each method, and the CA
 * key arrives as a secret input.
 */
import * as pulumi from "@pulumi/pulumi";
import { createDpsClient, normalizeArmEndpoint } from "../azure/armClient";
import {
  httpStatus,
  isUnknown,
  normalizePem,
  normalizeThumbprint,
  thumbprintOfPem,
  IDENTITY_KEYS,
  requiredStringFailures,
} from "../azure/dpsCertificates";
import type { CaVerificationInputs, CaVerificationOutputs } from "./caVerificationTypes";
import { VerifiedCertificate, codeSigner, proveOnce, outputsOf, where, describeFailure, keyProblem } from "./caVerificationSteps";

export type { CaVerificationInputs, CaVerificationOutputs } from "./caVerificationTypes";

/** Bump when the provider's behaviour changes, so existing resources are updated to run the new code. */
export const CA_VERIFICATION_PROVIDER_VERSION = "2"; // 2: state holds the provider shim; the in-place update rewrites its __provider

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
