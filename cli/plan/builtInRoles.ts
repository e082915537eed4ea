/**
 * Names of the Azure built-in roles this project assigns or tells users to assign, by role definition id (the GUID
 * at the end of `/providers/Microsoft.Authorization/roleDefinitions/<id>`), from Azure's list of built-in roles
 * (learn.microsoft.com/azure/role-based-access-control/built-in-roles: Internet of Things, Security). The plan shows
 * the name beside the id, so that a reviewer need not look the GUID up.
 */
export const BUILT_IN_ROLE_NAMES: Readonly<Record<string, string>> = {
  // Internet of Things
  "dfce44e4-17b7-4bd1-a6d1-04996ec95633": "Device Provisioning Service Data Contributor",
  "10745317-c249-44a1-a5ce-3a4353c0bbd8": "Device Provisioning Service Data Reader",
  // Security
  "14b46e9e-c2b7-41b4-b07b-48a6ebf60603": "Key Vault Crypto Officer",
  "12338af0-0e69-4776-bea7-57ae8d297424": "Key Vault Crypto User",
};

/** The built-in role a role definition id (bare GUID or ARM id) names; undefined for a role not in the list. */
export function builtInRoleName(roleDefinitionId: unknown): string | undefined {
  if (typeof roleDefinitionId !== "string") return undefined;
  const guid = roleDefinitionId.slice(roleDefinitionId.lastIndexOf("/") + 1).toLowerCase();
  return BUILT_IN_ROLE_NAMES[guid];
}
