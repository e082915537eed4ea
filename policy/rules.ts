/**
 * The guardrails as plain functions over plain resources: the pack (policies.ts) calls them from Pulumi's policy
 * runtime, and the offline plan (cli/plan/policy.ts) calls them over the resources it records. Nothing here needs
 * the policy runtime, Azure or this project's other code, so the folder can be published as a pack on its own.
 */
export { ENVIRONMENT_TAG, TYPES, type Finding, type PolicySubject } from "./subjects";
export { hubHardenedAfterAdoption, hubX509Only } from "./hubRules";
export { groupCasVerifiedByStack, groupsAttestThroughIntermediates, oneEnrollmentPerCertificate } from "./enrollmentRules";
export { declaresProduction, noCaKeyInStateInProduction } from "./caKeyRules";
