/**
 * Dynamic provider: a certificate policy of an ICA (Microsoft.DeviceRegistry 2026-11-01): how long the device
 * certificates the ICA issues live (`validityPeriodInDays`, 1–90).
 *   create  PUT (long-running); one already there is refused unless it carries our managed-by tag.
 *   read    GET: validityPeriodInDays as Azure has it (drift); 404 → gone.
 *   diff    replace on a change of subscription, group, namespace, CA or policy name; update on the days.
 *   update  PATCH `properties.certificate.validityPeriodInDays` (long-running, Location).
 *   delete  DELETE (long-running). Pulumi deletes enrollments naming the policy first (they depend on it).
 */
import type * as pulumi from "@pulumi/pulumi";
import { adrIds } from "../azure/deviceRegistryClient";
import { normalizeArmEndpoint } from "../azure/armClient";
import { isUnknown } from "../azure/dpsCertificates";
import { adrClient, adrErrorText, adrFailures, MANAGED_BY_TAG, NAME_RULES, sameName, type AdrTarget } from "./adrCommon";

export const ADR_CERTIFICATE_POLICY_PROVIDER_VERSION = "1";

export interface AdrCertificatePolicyInputs extends AdrTarget {
  certificateAuthorityName: string;
  certificatePolicyName: string;
  validityPeriodInDays: number;
}

export interface AdrCertificatePolicyOutputs extends AdrCertificatePolicyInputs {
  provisioningState?: string;
  uuid?: string;
}

interface PolicyBody {
  tags?: Record<string, string>;
  properties?: { provisioningState?: string; uuid?: string; certificate?: { validityPeriodInDays?: number } };
}

const idOf = (p: AdrCertificatePolicyInputs) => adrIds.certificatePolicy(p);
const where = (p: AdrCertificatePolicyInputs) => `certificate policy ${p.certificatePolicyName} of ${p.namespaceName}/${p.certificateAuthorityName}`;

function outputsOf(p: AdrCertificatePolicyInputs, b: PolicyBody): AdrCertificatePolicyOutputs {
  return { ...p, validityPeriodInDays: b.properties?.certificate?.validityPeriodInDays ?? p.validityPeriodInDays, provisioningState: b.properties?.provisioningState, uuid: b.properties?.uuid };
}

export const adrCertificatePolicyProvider: pulumi.dynamic.ResourceProvider<AdrCertificatePolicyInputs, AdrCertificatePolicyOutputs> = {
  async check(_olds, news) {
    const failures = adrFailures(news as unknown as Record<string, unknown>, ["subscriptionId", "resourceGroupName", "namespaceName", "certificateAuthorityName", "certificatePolicyName", "location", "providerVersion"], {
      namespaceName: NAME_RULES.namespace,
      certificateAuthorityName: NAME_RULES.child,
      certificatePolicyName: NAME_RULES.child,
    });
    const days = news.validityPeriodInDays;
    if (!isUnknown(days) && (!Number.isInteger(days) || days < 1 || days > 90)) failures.push({ property: "validityPeriodInDays", reason: `validityPeriodInDays is ${JSON.stringify(days)}; allowed: an integer from 1 to 90` });
    return { inputs: news, failures };
  },
  async diff(_id, olds, news) {
    const replaces = (["subscriptionId", "resourceGroupName", "namespaceName", "certificateAuthorityName", "certificatePolicyName"] as const).filter((k) => !sameName(olds[k], news[k]));
    const updates = (["validityPeriodInDays", "providerVersion"] as const).filter((k) => olds[k] !== news[k]);
    if (normalizeArmEndpoint(olds.armEndpoint) !== normalizeArmEndpoint(news.armEndpoint)) updates.push("providerVersion");
    return { changes: replaces.length + updates.length > 0, replaces, deleteBeforeReplace: true };
  },
  async create(inputs) {
    const client = adrClient(inputs);
    try {
      const existing = await client.get<PolicyBody>(idOf(inputs));
      if (existing && existing.tags?.["managed-by"] !== MANAGED_BY_TAG["managed-by"]) throw new Error("it already exists and is not managed by this stack; nothing was changed");
      const b = await client.put<PolicyBody>(idOf(inputs), { location: inputs.location, tags: { ...MANAGED_BY_TAG }, properties: { certificate: { validityPeriodInDays: inputs.validityPeriodInDays } } });
      return { id: idOf(inputs), outs: outputsOf(inputs, b) };
    } catch (e) {
      throw adrErrorText(where(inputs), e);
    }
  },
  async read(id, props) {
    if (!props) throw new Error(`read of ${id}: no state to read from`);
    const b = await adrClient(props).get<PolicyBody>(idOf(props)).catch((e) => {
      throw adrErrorText(where(props), e);
    });
    return b ? { id, props: outputsOf(props, b) } : { id: undefined, props: undefined };
  },
  async update(_id, olds, news) {
    if (olds.validityPeriodInDays === news.validityPeriodInDays) return { outs: { ...olds, ...news } };
    try {
      const b = await adrClient(news).patch<PolicyBody>(idOf(news), { properties: { certificate: { validityPeriodInDays: news.validityPeriodInDays } } });
      return { outs: outputsOf(news, b) };
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
