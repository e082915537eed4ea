/**
 * The quotas a stack's subscriptions have been granted (`dps-x509:quotas`). Azure's defaults (limits.ts) are 100 X.509
 * enrollment groups and 25 CA certificates per DPS and 10 DPS instances per subscription; a support request can raise
 * each. 50 linked hubs per DPS is fixed: stating it is refused (checkQuotas). The plan counts against these;
 * `preflight` compares them with what ARM reports (cli/preflight/quota.ts).
 */
import { z } from "zod";
import { LIMITS } from "./limits";
import type { Problem } from "./problems";

const quota = z.number().int().min(1);

export const quotasSchema = z.strictObject({
  /** X.509 enrollment groups per DPS; Azure's default 100. */
  enrollmentGroupsPerDps: quota.optional(),
  /** CA certificates per DPS; Azure's default 25. */
  caCertificatesPerDps: quota.optional(),
  /** DPS instances per subscription; Azure's default 10. */
  dpsPerSubscription: quota.optional(),
  /** Fixed by Azure at 50: refused with what to do (checkQuotas). */
  linkedHubsPerDps: z.unknown().optional(),
});

export type QuotasConfig = z.infer<typeof quotasSchema>;

/** The limits the plan counts against: the stated quotas, else Azure's defaults. */
export interface EffectiveLimits {
  readonly caCertificates: number;
  readonly enrollmentGroups: number;
  readonly dpsPerSubscription: number;
}

export function effectiveLimits(quotas: QuotasConfig | undefined): EffectiveLimits {
  return {
    caCertificates: quotas?.caCertificatesPerDps ?? LIMITS.caCertificates,
    enrollmentGroups: quotas?.enrollmentGroupsPerDps ?? LIMITS.enrollmentGroups,
    dpsPerSubscription: quotas?.dpsPerSubscription ?? LIMITS.dpsPerSubscription,
  };
}

/** The `quotas` key names behind each limit, for messages. */
export const QUOTA_KEYS = { caCertificates: "quotas.caCertificatesPerDps", enrollmentGroups: "quotas.enrollmentGroupsPerDps", dpsPerSubscription: "quotas.dpsPerSubscription" } as const;

export function checkQuotas(quotas: QuotasConfig | undefined): Problem[] {
  if (quotas?.linkedHubsPerDps === undefined) return [];
  return [
    {
      path: "quotas.linkedHubsPerDps",
      value: quotas.linkedHubsPerDps,
      message: `cannot be raised: Azure links at most ${LIMITS.hubs} IoT hubs to a DPS, a fixed limit; remove the key (more hubs need another DPS: a shard, docs/tenants.md#shards)`,
    },
  ];
}
