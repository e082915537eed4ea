/**
 * What a tenant stack reads from its platform stack's outputs, and the shape they must have. The platform writes
 * them in components/program/stackOutputs.ts; a tenant reads them through a StackReference before declaring anything.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { dpsAllocationPolicies } from "../config";
import { groupAttestations } from "../requests/x509Attestation";
import type { Problem } from "../config/problems";

const count = z.number().int().min(0);
const usage = z.object({ caCertificates: count, enrollmentGroups: count });
/** A tenant's reservation; `attestation` absent (a platform before signing certificates): caReference. */
const reservation = usage.extend({ attestation: z.enum(groupAttestations).optional() });

/** The platform outputs a tenant needs, all plain (no secret among them). */
export const platformFactsSchema = z.object({
  subscriptionId: z.string().min(1),
  resourceGroupName: z.string().min(1),
  dpsName: z.string().min(1),
  serviceHostName: z.string().min(1),
  idScope: z.string().min(1),
  globalDeviceEndpoint: z.string().min(1),
  allocationPolicy: z.enum(dpsAllocationPolicies),
  hubHostNames: z.record(z.string(), z.string()),
  caNames: z.array(z.string()),
  enrollmentGroupIds: z.array(z.string()),
  /** The tenants' intermediates the platform signed from their CSRs, by tenant then CA name (certificates only). */
  tenantCertificates: z.record(z.string(), z.record(z.string(), z.string())).default({}),
  /** The platform root's certificate (public), to check brought tenant intermediates against before declaring. */
  rootCaCertificatePem: z.string().optional(),
  capacity: z.object({
    limits: usage,
    used: usage,
    tenants: z.record(z.string(), reservation),
  }),
  /** A platform with shards: each DPS by name, with the platform's own use of it (components/shards/). */
  shards: z
    .record(
      z.string(),
      z.object({
        dpsName: z.string().min(1),
        idScope: z.string().min(1),
        serviceHostName: z.string().min(1),
        globalDeviceEndpoint: z.string().min(1),
        used: usage,
        /** A shard in another subscription or resource group than the platform's (components/shards/subscriptions.ts). */
        subscriptionId: z.string().min(1).optional(),
        resourceGroupName: z.string().min(1).optional(),
      }),
    )
    .optional(),
  /** A platform with shards: the DPS each tenant lives on. */
  tenantShards: z.record(z.string(), z.string()).optional(),
});

export type PlatformFacts = z.infer<typeof platformFactsSchema>;

/** Output name of the platform's root CA certificate (public). The root's key is never an output. */
export const ROOT_CERTIFICATE_OUTPUT = "rootCaCertificatePem";

/** Checks raw output values against the schema; problems name the platform stack and the output. */
export function parsePlatformFacts(values: Record<string, unknown>, platform: string): { ok: true; facts: PlatformFacts } | { ok: false; problems: Problem[] } {
  const parsed = platformFactsSchema.safeParse(values);
  if (parsed.success) return { ok: true, facts: parsed.data };
  return {
    ok: false,
    problems: parsed.error.issues.map((issue) => ({
      path: "platform",
      value: platform,
      message: `output ${issue.path.map(String).join(".") || "(all)"} of the platform stack is ${values[String(issue.path[0])] === undefined ? "missing" : "malformed"}: run \`pulumi up\` on the platform stack with this version of dps-x509 first`,
    })),
  };
}

/** Reads the plain outputs through the StackReference (waits for them: the checks run before anything is declared). */
export async function readPlatformFacts(platform: pulumi.StackReference): Promise<Record<string, unknown>> {
  const keys = Object.keys(platformFactsSchema.shape);
  const details = await Promise.all(keys.map((key) => platform.getOutputDetails(key)));
  // An output the platform does not have yet (tenantCertificates before its first signing) is left out, for its default.
  return Object.fromEntries(keys.map((key, i) => [key, details[i].value ?? details[i].secretValue]).filter(([, value]) => value !== undefined));
}
