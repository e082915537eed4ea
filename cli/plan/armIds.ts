/**
 * The ids the mocks hand out, shaped as Azure's: an ARM id for what ARM holds
 * (`/subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.Devices/IotHubs/<name>`), and what each of our
 * dynamic providers returns as its id for the rest (an enrollment group's id, a CA's key request). So a role
 * assignment's scope in the plan reads as the ARM id of what it is assigned on, as it will after `up`.
 */
import { createHash } from "crypto";
import { certificateArmId } from "../../components/azure/dpsCertificates";

type Inputs = Record<string, unknown>;

/** Resource type → the ARM type (provider namespace and type, as Azure spells them in ids) and the input naming it. */
const ARM_TYPES: Record<string, { armType: string; nameInput: string }> = {
  "azure-native:iothub:IotHubResource": { armType: "Microsoft.Devices/IotHubs", nameInput: "resourceName" },
  "azure-native:deviceprovisioningservices:IotDpsResource": { armType: "Microsoft.Devices/provisioningServices", nameInput: "provisioningServiceName" },
  "azure-native:keyvault:Vault": { armType: "Microsoft.KeyVault/vaults", nameInput: "vaultName" },
};

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
  const group = `/subscriptions/${subscription}/resourceGroups/${text(inputs.resourceGroupName, "unknown")}`;
  const arm = ARM_TYPES[type];
  if (arm) return `${group}/providers/${arm.armType}/${text(inputs[arm.nameInput], name)}`;
  const target = { subscriptionId: subscription, resourceGroupName: text(inputs.resourceGroupName, "unknown"), dpsName: text(inputs.dpsName, "unknown"), certificateName: text(inputs.certificateName, name) };
  switch (type) {
    case "azure-native:resources:ResourceGroup":
      return group;
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
    case "pulumi-nodejs:dynamic/dps-x509:TenantCertificate":
      return `${text(inputs.tenant, "unknown")}/${text(inputs.caName, name)}`;
    default:
      // A CA's id is its certificate's SHA-256 thumbprint, known after up; a command's is random.
      return name;
  }
}
