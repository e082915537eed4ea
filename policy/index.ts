/**
 * The dps-x509 guardrails as a Pulumi policy pack: `pulumi preview --policy-pack policy` (docs/policy.md).
 * The rules are plain functions (rules.ts), run the same way by the offline plan.
 */
import { PolicyPack } from "@pulumi/policy";
import { packPolicies } from "./policies";

new PolicyPack("dps-x509-guardrails", {
  description: "Guardrails for Azure DPS X.509 set-ups: X.509-only hubs, enrollments on verified intermediates, one enrollment per certificate, CA keys out of production state.",
  provider: "azure",
  policies: packPolicies(),
});
