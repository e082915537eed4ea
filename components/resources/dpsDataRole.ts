/**
 * The DPS data-plane role for the identity running Pulumi, so that enrollment groups and revoked devices can be
 * written with Entra ID (DefaultAzureCredential) instead of the DPS's SAS key. Built-in role "Device Provisioning
 * Service Data Contributor" (id dfce44e4-17b7-4bd1-a6d1-04996ec95633, Azure built-in roles: Internet of Things),
 * assigned at the scope of the DPS to the principal of `getClientConfig` (its objectId). Making the assignment needs
 * `Microsoft.Authorization/roleAssignments/write` on the DPS (Owner, User Access Administrator, Role Based Access
 * Control Administrator); without it set `dpsDataRoleAssignment: false` and assign the role by hand (docs/dps-auth.md).
 */
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";

export const DPS_DATA_CONTRIBUTOR_ROLE = "Device Provisioning Service Data Contributor";
export const DPS_DATA_CONTRIBUTOR_ROLE_ID = "dfce44e4-17b7-4bd1-a6d1-04996ec95633";

export interface DpsDataRoleArgs {
  /** The subscription of the DPS. */
  readonly subscriptionId: pulumi.Input<string>;
  /** The ARM id of the DPS: the scope of the assignment. */
  readonly dpsId: pulumi.Input<string>;
  /** The object id of the identity running Pulumi. */
  readonly principalId: pulumi.Input<string>;
  /** Its principal type (`User`, `ServicePrincipal`): ARM refuses an assignment whose type does not match. */
  readonly principalType: pulumi.Input<string>;
}

/** Assigns the DPS data-plane contributor role on the DPS to the running identity. */
export function assignDpsDataRole(name: string, args: DpsDataRoleArgs, opts: pulumi.CustomResourceOptions): authorization.RoleAssignment {
  return new authorization.RoleAssignment(
    name,
    {
      principalId: args.principalId,
      principalType: args.principalType,
      scope: args.dpsId,
      roleDefinitionId: pulumi.interpolate`/subscriptions/${args.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${DPS_DATA_CONTRIBUTOR_ROLE_ID}`,
      description: "dps-x509: lets this stack write enrollment groups and revoked devices with Entra ID",
    },
    opts,
  );
}
