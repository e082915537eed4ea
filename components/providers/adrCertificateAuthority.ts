/**
 * Dynamic provider: a certificate authority of a Device Registry namespace (Microsoft.DeviceRegistry 2026-11-01):
 * the namespace's Microsoft-managed Root, an ICA Microsoft issues under it, or an External ICA a CA of the stack signs.
 *
 *   create  PUT (long-running); a CA already there is refused unless it carries our managed-by tag. External ICA:
 *           read its CSR, sign it with the stack's CA (externalIcaSigning.ts), POST `activate` with the chain
 *           (signed ICA, issuer, issuer's chain to the root), GET: status Active, thumbprint, validity.
 *   read    GET: status, thumbprint, validity as Azure has them (drift; ActiveButPendingRenewal shows up here).
 *   diff    local. Replace when a name, the kind or the Root changes. Update (re-sign and re-activate) when the
 *           issuing certificate changed, the CA reads PendingActivation or ActiveButPendingRenewal, refresh found
 *           it activated with a certificate this stack did not sign (thumbprint), or fewer than
 *           `renewBeforeDays` remain: so `plan`/preview show the renewal before it is due. Update (revokeAndRotate)
 *           when `rotation` changes, for the kinds in REVOKE_AND_ROTATE_KINDS.
 *   update  the renewal: GET (the CSR: Azure keeps the key, open question 3), sign, activate. Or revokeAndRotate.
 *   delete  DELETE (long-running). Pulumi deletes the policy first, and a Microsoft ICA before its Root (dependencies).
 * Secret: the issuing CA's private key when it is held in state (`issuerPrivateKeyPem`, additionalSecretOutputs);
 * or `issuerKeyId`, a Key Vault key that signs in the vault. No credential is captured.
 */
import type * as pulumi from "@pulumi/pulumi";
import { adrIds } from "../azure/deviceRegistryClient";
import { normalizeArmEndpoint } from "../azure/armClient";
import { isUnknown, normalizePem, normalizeThumbprint, thumbprintOfPem } from "../azure/dpsCertificates";
import { adrClient, adrErrorText, adrFailures, MANAGED_BY_TAG, NAME_RULES, sameName, type AdrTarget } from "./adrCommon";

export const ADR_CERTIFICATE_AUTHORITY_PROVIDER_VERSION = "1";
/**
 * The kinds `revokeAndRotate` is sent for. Learn: revocation "isn't supported" for an ICA an external CA signed, so
 * only the Microsoft ICA; the swagger's description reads the other way: add "ExternalIca" here to follow it (the
 * update then re-signs and re-activates the new CSR, as for a renewal).
 */
export const REVOKE_AND_ROTATE_KINDS: ReadonlySet<string> = new Set(["MicrosoftIca"]);
/** Re-sign this many days before the ICA expires, unless Azure says ActiveButPendingRenewal earlier. */
export const DEFAULT_RENEW_BEFORE_DAYS = 60;

export type AdrCaKind = "Root" | "MicrosoftIca" | "ExternalIca";

export interface AdrCertificateAuthorityInputs extends AdrTarget {
  certificateAuthorityName: string;
  kind: AdrCaKind;
  /** MicrosoftIca: the namespace's Root CA name. */
  rootCertificateAuthorityName?: string;
  /** ExternalIca: the name of the stack's CA that signs it (informational). */
  issuerCaName?: string;
  /** ExternalIca: the issuing CA's certificate (PEM) and the chain above it to the root (PEM, may be empty for a root). */
  issuerCertificatePem?: string;
  issuerChainPem?: string;
  /** ExternalIca, secret: the issuing CA's key when it is in state. Or `issuerKeyId`. */
  issuerPrivateKeyPem?: string;
  issuerKeyId?: string;
  renewBeforeDays?: number;
  /** Change it (any new value) to ask for revokeAndRotate. */
  rotation?: number;
}

export interface AdrCertificateAuthorityOutputs extends AdrCertificateAuthorityInputs {
  status?: string;
  thumbprint?: string;
  validityNotAfter?: string;
  provisioningState?: string;
  /** The signed External ICA certificate (public). */
  certificatePem?: string;
}

interface CaBody {
  tags?: Record<string, string>;
  properties?: {
    provisioningState?: string;
    certificateAuthorityType?: string;
    validityNotAfter?: string;
    issuer?: { issuerType?: string; certificateSigningRequest?: string; thumbprint?: string; status?: string };
  };
}

const idOf = (p: AdrCertificateAuthorityInputs) => adrIds.certificateAuthority(p);
const where = (p: AdrCertificateAuthorityInputs) => `certificate authority ${p.namespaceName}/${p.certificateAuthorityName}`;
const DAY_MS = 86_400_000;

function bodyOf(p: AdrCertificateAuthorityInputs): unknown {
  const issuer =
    p.kind === "Root" ? undefined
    : p.kind === "MicrosoftIca" ? { issuerType: "Microsoft", certificateAuthorityResourceId: adrIds.certificateAuthority({ ...p, certificateAuthorityName: p.rootCertificateAuthorityName! }) }
    : { issuerType: "External" };
  return { location: p.location, tags: { ...MANAGED_BY_TAG }, properties: { certificateAuthorityType: p.kind === "Root" ? "Root" : "ICA", keyType: "ECC", ...(issuer ? { issuer } : {}) } };
}

function outputsOf(p: AdrCertificateAuthorityInputs, b: CaBody, certificatePem?: string): AdrCertificateAuthorityOutputs {
  const issuer = b.properties?.issuer;
  // The issuing CA's key is an input only: never echoed into the outputs.
  const { issuerPrivateKeyPem: _key, ...rest } = p;
  void _key;
  return {
    ...rest,
    ...(issuer?.status ? { status: issuer.status } : {}),
    ...(issuer?.thumbprint ? { thumbprint: issuer.thumbprint } : {}),
    ...(b.properties?.validityNotAfter ? { validityNotAfter: b.properties.validityNotAfter } : {}),
    provisioningState: b.properties?.provisioningState,
    ...(certificatePem ? { certificatePem } : {}),
  };
}

/** Why an External ICA needs signing and activating now (undefined: it does not). Pure: diff uses it. */
export function renewalReason(o: AdrCertificateAuthorityOutputs, now = Date.now()): string | undefined {
  if (o.kind !== "ExternalIca") return undefined;
  if (o.status === "PendingActivation") return "pending activation";
  // Drift: activated since with a certificate that is not the one this stack signed.
  if (o.certificatePem && o.thumbprint && thumbprintOfPem(o.certificatePem) !== normalizeThumbprint(o.thumbprint)) return "activated with another certificate";
  if (o.status === "ActiveButPendingRenewal") return "Azure reports ActiveButPendingRenewal";
  const before = (o.renewBeforeDays ?? DEFAULT_RENEW_BEFORE_DAYS) * DAY_MS;
  if (o.validityNotAfter && Date.parse(o.validityNotAfter) - now < before) return `expires ${o.validityNotAfter.slice(0, 10)}, within ${o.renewBeforeDays ?? DEFAULT_RENEW_BEFORE_DAYS} days`;
  return undefined;
}

async function issuerSigner(p: AdrCertificateAuthorityInputs) {
  if (p.issuerKeyId) {
    const { keyVaultSigner } = require("../azure/keyVault") as typeof import("../azure/keyVault");
    return keyVaultSigner(p.issuerKeyId);
  }
  if (!p.issuerPrivateKeyPem) throw new Error("an External ICA needs the issuing CA's key (issuerPrivateKeyPem or issuerKeyId)");
  const { loadPrivateKey } = require("../../certs/keys") as typeof import("../../certs/keys");
  const { keyObjectSigner } = require("../../certs/signer") as typeof import("../../certs/signer");
  return keyObjectSigner(loadPrivateKey(p.issuerPrivateKeyPem, "the issuing CA's key"));
}

/** Reads the CSR, signs it with the stack's CA and activates the ICA with the chain; returns the CA as read after. */
async function signAndActivate(p: AdrCertificateAuthorityInputs): Promise<AdrCertificateAuthorityOutputs> {
  const client = adrClient(p);
  const current = await client.get<CaBody>(idOf(p));
  const csr = current?.properties?.issuer?.certificateSigningRequest;
  if (!csr) throw new Error("Azure gave no certificateSigningRequest for the External ICA");
  const { signExternalIca } = require("../deviceRegistry/externalIcaSigning") as typeof import("../deviceRegistry/externalIcaSigning");
  const signed = await signExternalIca(csr, { certificatePem: p.issuerCertificatePem!, signer: await issuerSigner(p) });
  const chain = [signed, p.issuerCertificatePem!, p.issuerChainPem ?? ""].map((s) => String(normalizePem(s))).filter((s) => s !== "").join("\n") + "\n";
  await client.action(`${idOf(p)}/activate`, { certificateChain: chain });
  const after = await client.get<CaBody>(idOf(p));
  return outputsOf(p, after ?? {}, String(normalizePem(signed)) + "\n");
}

export const adrCertificateAuthorityProvider: pulumi.dynamic.ResourceProvider<AdrCertificateAuthorityInputs, AdrCertificateAuthorityOutputs> = {
  async check(_olds, news) {
    const failures = adrFailures(news as unknown as Record<string, unknown>, ["subscriptionId", "resourceGroupName", "namespaceName", "certificateAuthorityName", "location", "providerVersion"], {
      namespaceName: NAME_RULES.namespace,
      certificateAuthorityName: NAME_RULES.child,
    });
    if (!["Root", "MicrosoftIca", "ExternalIca"].includes(news.kind)) failures.push({ property: "kind", reason: `kind is ${JSON.stringify(news.kind)}; allowed: Root, MicrosoftIca, ExternalIca` });
    if (news.kind === "MicrosoftIca" && !news.rootCertificateAuthorityName) failures.push({ property: "rootCertificateAuthorityName", reason: "a Microsoft ICA names the namespace's Root" });
    if (news.kind === "ExternalIca" && !isUnknown(news.issuerCertificatePem) && !news.issuerCertificatePem) failures.push({ property: "issuerCertificatePem", reason: "an External ICA needs the issuing CA's certificate" });
    return { inputs: news, failures };
  },
  async diff(_id, olds, news) {
    const replaces = (["subscriptionId", "resourceGroupName", "namespaceName", "certificateAuthorityName", "kind", "rootCertificateAuthorityName", "location"] as const).filter((k) => (olds[k] ?? "") !== (news[k] ?? "") && !sameName(olds[k], news[k]));
    const updates: string[] = [];
    if (news.kind === "ExternalIca" && normalizePem(olds.issuerCertificatePem) !== normalizePem(news.issuerCertificatePem)) updates.push("issuerCertificatePem");
    if (renewalReason({ ...olds, renewBeforeDays: news.renewBeforeDays })) updates.push("status");
    if ((olds.rotation ?? 0) !== (news.rotation ?? 0)) updates.push("rotation");
    for (const k of ["providerVersion", "renewBeforeDays", "issuerChainPem", "issuerKeyId"] as const) if ((olds[k] ?? "") !== (news[k] ?? "")) updates.push(k);
    if (normalizeArmEndpoint(olds.armEndpoint) !== normalizeArmEndpoint(news.armEndpoint)) updates.push("armEndpoint");
    return { changes: replaces.length + updates.length > 0, replaces, deleteBeforeReplace: true };
  },
  async create(inputs) {
    const client = adrClient(inputs);
    try {
      const existing = await client.get<CaBody>(idOf(inputs));
      if (existing && existing.tags?.["managed-by"] !== MANAGED_BY_TAG["managed-by"]) throw new Error("it already exists and is not managed by this stack; nothing was changed");
      const b = await client.put<CaBody>(idOf(inputs), bodyOf(inputs));
      return { id: idOf(inputs), outs: inputs.kind === "ExternalIca" ? await signAndActivate(inputs) : outputsOf(inputs, b) };
    } catch (e) {
      throw adrErrorText(where(inputs), e);
    }
  },
  async read(id, props) {
    if (!props) throw new Error(`read of ${id}: no state to read from`);
    const b = await adrClient(props).get<CaBody>(idOf(props)).catch((e) => {
      throw adrErrorText(where(props), e);
    });
    return b ? { id, props: outputsOf(props, b, props.certificatePem) } : { id: undefined, props: undefined };
  },
  async update(_id, olds, news) {
    try {
      if ((olds.rotation ?? 0) !== (news.rotation ?? 0)) {
        if (!REVOKE_AND_ROTATE_KINDS.has(news.kind)) throw new Error(`revokeAndRotate is not supported for a ${news.kind} (docs/device-registry.md#revoke-and-rotate)`);
        await adrClient(news).action(`${idOf(news)}/revokeAndRotate`);
        if (news.kind === "ExternalIca") return { outs: await signAndActivate(news) };
        const b = await adrClient(news).get<CaBody>(idOf(news));
        return { outs: outputsOf(news, b ?? {}) };
      }
      const resign = news.kind === "ExternalIca" && (normalizePem(olds.issuerCertificatePem) !== normalizePem(news.issuerCertificatePem) || renewalReason({ ...olds, renewBeforeDays: news.renewBeforeDays }) !== undefined);
      if (resign) return { outs: await signAndActivate(news) };
      const { issuerPrivateKeyPem: _key, ...kept } = news;
      void _key;
      return { outs: { ...olds, ...kept, status: olds.status, thumbprint: olds.thumbprint, validityNotAfter: olds.validityNotAfter, certificatePem: olds.certificatePem } };
    } catch (e) {
      throw adrErrorText(where(news), e);
    }
  },
  async delete(_id, props) {
    await adrClient(props).delete(idOf(props)).catch((e) => {
      throw adrErrorText(where(props), e);
    });
  },
};
