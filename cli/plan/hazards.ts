/**
 * `--against`: a removal and an addition that address the same Azure object. Pulumi matches resources by URN (or an
 * alias); for two different URNs `up` creates the new resource first, then deletes the old one. When both are the
 * same object in Azure, the create finds it there and fails (ARM and our providers refuse to create over what exists,
 * unless adopting), or it takes the object over and the old resource's delete then deletes it from Azure.
 */
import { offlineIdOf } from "./armIds";

interface Planned {
  type: string;
  name: string;
  urn?: string;
  parent?: string | null;
  inputs?: Record<string, unknown>;
}

export interface Hazard {
  /** The Azure object both address, in words and by id. */
  object: string;
  removed: { type: string; name: string; urn?: string };
  added: { type: string; name: string; urn?: string };
  /** What `up` would do. */
  upWould: string;
  /** How to avoid it. */
  avoid: string;
}

const str = (value: unknown) => (typeof value === "string" ? value : "");

/** ARM ids with the subscription left out (a plan of an older version may not know it), compared without case. */
const armKey = (id: string) => id.replace(/^\/subscriptions\/[^/]*/i, "").toLowerCase();

/** The Azure object a planned resource manages, as a comparable key; undefined for what is not one (a CA, a proof). */
export function azureObjectOf(resource: Planned): string | undefined {
  const inputs = resource.inputs ?? {};
  switch (resource.type) {
    case "azure-native:resources:ResourceGroup":
    case "azure-native:iothub:IotHubResource":
    case "azure-native:deviceprovisioningservices:IotDpsResource":
    case "azure-native:keyvault:Vault":
    case "pulumi-nodejs:dynamic/dps-x509:DpsCertificateUpload":
      return armKey(offlineIdOf(resource.type, resource.name, inputs, "-"));
    // azure-native's CA upload, which DpsCertificateUpload replaced: the same ARM certificate.
    case "azure-native:deviceprovisioningservices:DpsCertificate":
      return armKey(`/resourceGroups/${str(inputs.resourceGroupName)}/providers/Microsoft.Devices/provisioningServices/${str(inputs.provisioningServiceName)}/certificates/${str(inputs.certificateName)}`);
    // ARM refuses a second assignment of one role to one principal at one scope (RoleAssignmentExists).
    case "azure-native:authorization:RoleAssignment":
      return `role ${str(inputs.roleDefinitionId).split("/").pop()} for ${str(inputs.principalId)} at ${armKey(str(inputs.scope))}`.toLowerCase();
    // The DPS service API: an enrollment id is unique on one DPS.
    case "pulumi-nodejs:dynamic/dps-x509:EnrollmentGroup":
      return `dps ${str(inputs.serviceHostName)} enrollment group ${str(inputs.enrollmentId)}`.toLowerCase();
    case "pulumi-nodejs:dynamic/dps-x509:RevokedDevice":
      return `dps ${str(inputs.serviceHostName)} individual enrollment ${str(inputs.registrationId)}`.toLowerCase();
    default:
      return undefined;
  }
}

const brief = (r: Planned) => ({ type: r.type, name: r.name, ...(r.urn ? { urn: r.urn } : {}) });

/** The alias the new resource needs: what differs from the old one (its type, its name; else its parent). */
function aliasSpecText(old: Planned, now: Planned): string {
  const parts = [...(old.type !== now.type ? [`type: "${old.type}"`] : []), ...(old.name !== now.name ? [`name: "${old.name}"`] : [])];
  return parts.length ? parts.join(", ") : `parent: <the resource ${old.parent ?? "at the top"}>`;
}

/** Each removed resource paired with an added one that addresses the same Azure object. */
export function sameObjectHazards(removed: readonly Planned[], added: readonly Planned[]): Hazard[] {
  const addedByObject = new Map<string, Planned>();
  for (const resource of added) {
    const object = azureObjectOf(resource);
    if (object) addedByObject.set(object, resource);
  }
  const hazards: Hazard[] = [];
  for (const old of removed) {
    const object = azureObjectOf(old);
    const now = object ? addedByObject.get(object) : undefined;
    if (!object || !now) continue;
    const oldType = old.type.slice(old.type.lastIndexOf(":") + 1);
    hazards.push({
      object,
      removed: brief(old),
      added: brief(now),
      upWould:
        `\`up\` creates ${now.name} before it deletes ${old.name}: the create finds ${object} already in Azure and fails, ` +
        "or, where it takes the object over, the delete of the old resource then deletes it from Azure",
      avoid: `declare \`aliases: [{ ${aliasSpecText(old, now)} }]\` on ${now.name} so that Pulumi sees one resource (the old ${oldType}'s URN: ${old.urn ?? old.name})`,
    });
  }
  return hazards;
}
