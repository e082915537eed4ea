/**
 * `dps-x509:deployer`: facts about the identity that runs `pulumi up`. Its own module so that schema.ts only names it.
 * `principalType` overrides what the program works out (components/deployer/principalType.ts).
 */
import { z } from "zod";

/** The principal types a deployer can be: a group never signs in, so it is not offered. */
export const deployerPrincipalTypes = ["User", "ServicePrincipal"] as const;
export type DeployerPrincipalType = (typeof deployerPrincipalTypes)[number];

export const deployerSchema = z.strictObject({
  /** The `principalType` of every role assignment this stack makes to the identity running `up`. */
  principalType: z.enum(deployerPrincipalTypes).optional(),
});

export type DeployerConfig = z.infer<typeof deployerSchema>;
