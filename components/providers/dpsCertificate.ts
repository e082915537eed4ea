/**
 * Dynamic provider: the upload of one CA certificate to DPS (ARM certificates API), with the etags ARM asks for.
 *
 * Why not azure-native's `DpsCertificate`: ARM needs `If-Match` with the certificate's current etag to update an
 * existing certificate and to delete one (`DpsCertificate_CreateOrUpdate`: "ETag of the certificate. This is
 * required to update an existing certificate, and ignored while creating a brand new certificate";
 * `DpsCertificate_Delete`: `If-Match` required). azure-native sends none, so renewing a CA under the same name,
 * or removing it, would fail with 412. azurerm had the same bug (#20041) and fixed it the way this provider works.
 *
 *   create  GET the certificate. 404 → PUT without If-Match (a brand new certificate). Already there holding the
 *           same certificate (thumbprint) → adopted (and, when it must be verified on upload and is not, one PUT
 *           with its etag). Holding another certificate → fails: "already exists and is not managed by this
 *           stack"; nothing is overwritten. If the PUT is answered 412 (someone created it between our GET and
 *           our PUT), the same decision is taken again on a fresh GET, once.
 *   read    GET: thumbprint, isVerified, etag and expiry as Azure has them; 404 → gone (refresh drops it).
 *   diff    local only. Replace when the certificate name, DPS, resource group or subscription changes (compared
 *           case-insensitively, as ARM compares them: a change of case only is the same certificate, so it is an
 *           update without a call; every real replacement targets another ARM resource, so the new one can be
 *           created before the old one is deleted, and deleteBeforeReplace is not needed). Update when the
 *           certificate (PEM, normalised) or `isVerified` changes, when read found drift (Azure holds another
 *           thumbprint, or an `isVerified` upload no longer verified), or for providerVersion/armEndpoint.
 *   update  GET (current etag) → PUT with If-Match; a 412 (etag moved meanwhile) re-reads once and retries.
 *           No PUT when Azure already holds exactly what is wanted; no call at all when only providerVersion,
 *           armEndpoint or the case of a name changed.
 *   delete  GET (current etag) → DELETE with If-Match; 404 at either step = already gone; a 412 re-reads once
 *           and retries.
 *
 * State from azure-native's DpsCertificate (the upload until commit 686a1f2; the resource declares an alias to it)
 * is read in this provider's shape (legacyDpsCertificate.ts), so the same certificate is not replaced.
 *
 * Caveat: a replacement the engine forces without asking diff (`pulumi up --replace <this urn>`, or a change of
 * resource type/provider) keeps the same ARM name and is create-before-delete: the new resource adopts the
 * certificate, then the old one deletes it. To upload again, delete the certificate in Azure and `pulumi refresh`.
 *
 * `isVerified` (input) is what is asked of the upload: true for `onUpload` (Azure marks it verified), false for
 * proof of possession, where the body leaves `isVerified` out (CaVerification proves it afterwards). The output
 * `isVerified` is what Azure reports; the input is kept as `requestedIsVerified` for the next diff.
 *
 * How it runs: the resource (components/resources/dpsCertificateUpload.ts) stores only the provider shim in state
 * (shim.ts, registry.ts). No credential is captured: the ARM client builds `DefaultAzureCredential` inside each
 * method. There is no secret here.
 */
import * as pulumi from "@pulumi/pulumi";
import type { CertificateResponse, IotDpsClient } from "@azure/arm-deviceprovisioningservices";
import { createDpsClient, normalizeArmEndpoint } from "../azure/armClient";
import {
  certificateArmId,
  isUnknown,
  normalizePem,
  normalizeThumbprint,
  thumbprintOfPem,
  IDENTITY_KEYS,
  requiredStringFailures,
} from "../azure/dpsCertificates";
import type { DpsCertificateUploadInputs, DpsCertificateUploadOutputs } from "./dpsCertificateTypes";
import { fromAzureNativeState } from "./legacyDpsCertificate";
import { uploadOnce, deleteOnce, retryOnce412, getOrUndefined, azureFacts, outputsOf, requestedOf, sameArmName, where } from "./dpsCertificateSteps";

export type { DpsCertificateUploadInputs, DpsCertificateUploadOutputs, Identity } from "./dpsCertificateTypes";

/** Bump when the provider's behaviour changes, so existing resources are updated to run the new code. */
export const DPS_CERTIFICATE_PROVIDER_VERSION = "2"; // 2: state holds the provider shim; the in-place update rewrites its __provider

export const dpsCertificateProvider: pulumi.dynamic.ResourceProvider<DpsCertificateUploadInputs, DpsCertificateUploadOutputs> = {
  async check(_olds, news) {
    const failures: pulumi.dynamic.CheckFailure[] = requiredStringFailures(news, [...IDENTITY_KEYS, "certificatePem", "providerVersion"]);
    if (typeof news.certificateName === "string" && news.certificateName.length > 256) {
      failures.push({ property: "certificateName", reason: `certificateName is ${news.certificateName.length} characters long; allowed: at most 256` });
    }
    if (!isUnknown(news.isVerified) && typeof news.isVerified !== "boolean") {
      failures.push({ property: "isVerified", reason: `isVerified is ${JSON.stringify(news.isVerified)}; allowed: true or false` });
    }
    if (news.armEndpoint !== undefined && !isUnknown(news.armEndpoint) && typeof news.armEndpoint !== "string") {
      failures.push({ property: "armEndpoint", reason: "armEndpoint must be a URL (a string) when given" });
    }
    if (typeof news.certificatePem === "string" && !isUnknown(news.certificatePem) && news.certificatePem.trim() !== "" && !thumbprintOfPem(news.certificatePem)) {
      failures.push({ property: "certificatePem", reason: `${where(news)}: certificatePem is not a PEM X.509 certificate` });
    }
    return { inputs: news, failures };
  },

  async diff(id, stateBefore, news) {
    const olds = fromAzureNativeState(id, stateBefore); // state from azure-native's DpsCertificate (the alias)
    const replaces: string[] = [];
    const updates: string[] = [];
    for (const key of IDENTITY_KEYS) {
      if (olds[key] === news[key]) continue;
      if (sameArmName(olds[key], news[key])) updates.push(key);
      else replaces.push(key);
    }
    if (normalizePem(olds.certificatePem) !== normalizePem(news.certificatePem)) updates.push("certificatePem");
    if (requestedOf(olds) !== news.isVerified) updates.push("isVerified");
    // Drift found by read (pulumi refresh): Azure holds another certificate, or no longer holds an
    // onUpload certificate as verified.
    if (!updates.includes("certificatePem") && olds.thumbprint && !isUnknown(news.certificatePem)) {
      const wanted = thumbprintOfPem(news.certificatePem);
      if (wanted && normalizeThumbprint(olds.thumbprint) !== wanted) updates.push("thumbprint");
    }
    if (news.isVerified === true && requestedOf(olds) === true && olds.isVerified === false) updates.push("isVerified");
    if (olds.providerVersion !== news.providerVersion) updates.push("providerVersion");
    if (normalizeArmEndpoint(olds.armEndpoint) !== normalizeArmEndpoint(news.armEndpoint)) updates.push("armEndpoint");
    return { changes: replaces.length > 0 || updates.length > 0, replaces, deleteBeforeReplace: false };
  },

  async create(inputs) {
    const client = createDpsClient({ subscriptionId: inputs.subscriptionId, endpoint: inputs.armEndpoint });
    const cert = await retryOnce412(inputs, "upload", () => uploadOnce(client, inputs, "create"));
    return { id: cert.id ?? certificateArmId(inputs), outs: outputsOf(inputs, cert) };
  },

  async read(id, props) {
    if (!props) throw new Error(`read of ${id}: no state to read from (a DpsCertificateUpload cannot be imported)`);
    const client = createDpsClient({ subscriptionId: props.subscriptionId, endpoint: props.armEndpoint });
    const cert = await getOrUndefined(client, props);
    // Gone from DPS: report it gone, so refresh drops it and the next `up` uploads it again.
    if (!cert) return { id: undefined, props: undefined };
    return { id, props: { ...props, ...azureFacts(props, cert) } };
  },

  async update(id, stateBefore, news) {
    const olds = fromAzureNativeState(id, stateBefore);
    const sameCertificate = normalizePem(olds.certificatePem) === normalizePem(news.certificatePem);
    const drifted = Boolean(olds.thumbprint) && normalizeThumbprint(olds.thumbprint) !== thumbprintOfPem(news.certificatePem);
    const unverified = news.isVerified === true && olds.isVerified === false;
    if (sameCertificate && requestedOf(olds) === news.isVerified && !drifted && !unverified) {
      // providerVersion, armEndpoint or the case of a name: nothing to tell Azure.
      return { outs: { ...olds, ...news, isVerified: olds.isVerified, requestedIsVerified: news.isVerified } };
    }
    const client = createDpsClient({ subscriptionId: news.subscriptionId, endpoint: news.armEndpoint });
    const cert = await retryOnce412(news, "update", () => uploadOnce(client, news, "update"));
    return { outs: outputsOf(news, cert) };
  },

  async delete(_id, props) {
    const client = createDpsClient({ subscriptionId: props.subscriptionId, endpoint: props.armEndpoint });
    await retryOnce412(props, "delete", () => deleteOnce(client, props));
  },
};


/**
 * One read-then-write: GET the certificate, then PUT it (without If-Match when it does not exist, with its etag
 * when it does), unless Azure already holds what is wanted. On create, a certificate of that name holding another
 * certificate is refused. Throws the SDK's error on 412 (for retryOnce412), a described Error otherwise.
 */
