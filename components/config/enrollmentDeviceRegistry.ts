/**
 * The config shape of an enrollment's `deviceRegistry` key: the Azure Device Registry namespace, CA and policy whose
 * issuance the enrollment uses (DPS service API 2026-11-01), by the swagger's rules (components/requests/deviceRegistryNames.ts).
 * The same keys as the ARM side's enrollment schema on branch adr-arm (components/deviceRegistry/schema.ts,
 * `enrollmentDeviceRegistrySchema`): when both are merged, one of the two stays.
 */
import { z } from "zod";
import { CA_OR_POLICY_NAME_RULE, NAMESPACE_NAME_RULE } from "../requests/deviceRegistryNames";

const nameBy = (rule: { pattern: RegExp; min: number; max: number; text: string }) => z.string().min(rule.min).max(rule.max).regex(rule.pattern, rule.text);

export const deviceRegistryNamesSchema = z.strictObject({
  namespaceName: nameBy(NAMESPACE_NAME_RULE),
  certificateAuthorityName: nameBy(CA_OR_POLICY_NAME_RULE),
  certificatePolicyName: nameBy(CA_OR_POLICY_NAME_RULE),
});
