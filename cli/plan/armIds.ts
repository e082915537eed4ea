/**
 * The ids the mocks hand out, shaped as Azure's: an ARM id for what ARM holds
 * (`/subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.Devices/IotHubs/<name>`), and what each of our
 * dynamic providers returns as its id for the rest (an enrollment group's id, a CA's key request). So a role
 * assignment's scope in the plan reads as the ARM id of what it is assigned on, as it will after `up`.
 */
import { createHash } from "crypto";
import { dpsArmId, hubArmId, resourceGroupArmId } from "../../components/adoption/importIds";
import { certificateArmId } from "../../components/azure/dpsCertificates";

type Inputs = Record<string, unknown>;

const text = (value: unknown, fallback: string) => (typeof value === "string" && value ? value : fallback);

/** A GUID-shaped name from the resource's name: azure-native names a role assignment with a new GUID on create. */
function placeholderGuid(name: string): string {
  const hex = createHash("sha256").update(name).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The id a resource of this type gets, from its inputs; `subscriptionId` is the provider's (the stack's
 * `azure-native:subscriptionId`, or the mocks' placeholder).
 */
export function offlineIdOf(type: string, name: string, inputs: Inputs, subscriptionId: string): string {
  const subscription = text(inputs.subscriptionId, subscriptionId);
  const resourceGroupName = text(inputs.resourceGroupName, "unknown");
  const group = resourceGroupArmId(subscription, resourceGroupName);
  const target = { subscriptionId: subscription, resourceGroupName, dpsName: text(inputs.dpsName, "unknown"), certificateName: text(inputs.certificateName, name) };
  switch (type) {
    case "azure-native:resources:ResourceGroup":
      return group;
    // The ARM ids adoption imports by (components/adoption/importIds.ts), and the vault's.
    case "azure-native:iothub:IotHubResource":
      return hubArmId(subscription, resourceGroupName, text(inputs.resourceName, name));
    case "azure-native:deviceprovisioningservices:IotDpsResource":
      return dpsArmId(subscription, resourceGroupName, text(inputs.provisioningServiceName, name));
    case "azure-native:keyvault:Vault":
      return `${group}/providers/Microsoft.KeyVault/vaults/${text(inputs.vaultName, name)}`;
    case "azure-native:authorization:RoleAssignment":
      // ARM: `<scope>/providers/Microsoft.Authorization/roleAssignments/<guid>`.
      return `${text(inputs.scope, `/subscriptions/${subscription}`)}/providers/Microsoft.Authorization/roleAssignments/${text(inputs.roleAssignmentName, placeholderGuid(name))}`;
    // Our dynamic providers' ids (components/providers/*: what create returns).
    case "pulumi-nodejs:dynamic/dps-x509:DpsCertificateUpload":
      return certificateArmId(target);
    case "pulumi-nodejs:dynamic/dps-x509:CaVerification":
      return `${certificateArmId(target)}/proofOfPossession`;
    case "pulumi-nodejs:dynamic/dps-x509:EnrollmentGroup":
      return text(inputs.enrollmentId, name);
    case "pulumi-nodejs:dynamic/dps-x509:RevokedDevice":
      return text(inputs.registrationId, name);
    case "pulumi-nodejs:dynamic/dps-x509:CaKeyRequest":
      return `${text(inputs.caName, name)}/csr`;
    // Device Registry (components/providers/adr*.ts): their ARM ids.
    case "pulumi-nodejs:dynamic/dps-x509:AdrNamespace":
    case "pulumi-nodejs:dynamic/dps-x509:AdrCertificateAuthority":
    case "pulumi-nodejs:dynamic/dps-x509:AdrCertificatePolicy": {
      const ns = `${group}/providers/Microsoft.DeviceRegistry/namespaces/${text(inputs.namespaceName, "unknown")}`;
      if (type.endsWith("AdrNamespace")) return ns;
      const ca = `${ns}/certificateAuthorities/${text(inputs.certificateAuthorityName, name)}`;
      return type.endsWith("AdrCertificatePolicy") ? `${ca}/certificatePolicies/${text(inputs.certificatePolicyName, name)}` : ca;
    }
    case "pulumi-nodejs:dynamic/dps-x509:TenantCertificate":
      return `${text(inputs.tenant, "unknown")}/${text(inputs.caName, name)}`;
    default:
      // A CA's id is its certificate's SHA-256 thumbprint, known after up; a command's is random.
      return name;
  }
}
