/**
 * The azure-native inputs that harden hubs and the DPS for an X.509 fleet, from checked config: pure, so the plan,
 * the tests and the components build them the same way. Shapes: azure-native iothub 2023-06-30
 * (`IotHubPropertiesArgs`) and deviceprovisioningservices 2023-03-01-preview (`IotDpsPropertiesDescriptionArgs`).
 */
import * as pulumi from "@pulumi/pulumi";
import * as network from "@pulumi/azure-native/network";
import { DPS_NETWORK_DEFAULTS, HUB_SECURITY_DEFAULTS, type PrivateEndpointConfig } from "../config/networkSchema";
import type { DpsConfig, HubConfig } from "../config";

/** Private Link sub-resource (group id) names: IoT Hub `iotHub`, DPS `iotDps` (Azure Private Endpoint DNS zone values). */
export const PRIVATE_LINK_GROUP_IDS = { hub: "iotHub", dps: "iotDps" } as const;

/** Drops undefined values: an adopted resource is sent only what its config says. */
function defined<T extends Record<string, unknown>>(object: T): Partial<T> {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/**
 * SAS, TLS and network properties of a hub (its `properties`). A hub the stack creates gets HUB_SECURITY_DEFAULTS
 * where its config is silent; an adopted hub only what its config says, since Pulumi imports a resource only when
 * the declared inputs match it (and Azure sets `minTlsVersion` only at creation): harden it in a later `up`.
 */
export function hubSecurityProperties(hub: HubConfig, adopted = false) {
  const defaults: Partial<typeof HUB_SECURITY_DEFAULTS> = adopted ? {} : HUB_SECURITY_DEFAULTS;
  const minTlsVersion = hub.minTlsVersion ?? defaults.minTlsVersion;
  return defined({
    disableDeviceSAS: hub.disableDeviceSAS ?? defaults.disableDeviceSAS,
    disableModuleSAS: hub.disableModuleSAS ?? defaults.disableModuleSAS,
    // False: the DPS links the hub with its iothubowner key (docs/network-and-auth.md).
    disableLocalAuth: hub.disableLocalAuth ?? defaults.disableLocalAuth,
    // "1.0" means "not enforced": Azure's own default leaves the property unset.
    minTlsVersion: minTlsVersion === "1.0" ? undefined : minTlsVersion,
    publicNetworkAccess: hub.publicNetworkAccess ?? defaults.publicNetworkAccess,
    networkRuleSets: hub.ipAllowList?.length
      ? {
          defaultAction: "Deny",
          applyToBuiltInEventHubEndpoint: hub.ipAllowListAppliesToEventHub,
          ipRules: hub.ipAllowList.map((rule) => ({ filterName: rule.name, action: "Allow", ipMask: rule.ipMask })),
        }
      : undefined,
  });
}

/** Network properties of the DPS (merged into its `properties`); an adopted DPS only what its config says. */
export function dpsNetworkProperties(dps: DpsConfig, adopted = false) {
  return defined({
    publicNetworkAccess: dps.publicNetworkAccess ?? (adopted ? undefined : DPS_NETWORK_DEFAULTS.publicNetworkAccess),
    ipFilterRules: dps.ipFilterRules?.length
      ? dps.ipFilterRules.map((rule) => ({ filterName: rule.name, action: rule.action, ipMask: rule.ipMask, target: rule.target }))
      : undefined,
  });
}

export interface PrivateEndpointArgs {
  readonly endpoint: PrivateEndpointConfig;
  /** The hub's or the DPS's ARM id. */
  readonly targetId: pulumi.Input<string>;
  readonly groupId: (typeof PRIVATE_LINK_GROUP_IDS)[keyof typeof PRIVATE_LINK_GROUP_IDS];
  /** Azure name of the endpoint, `<hub or DPS name>-pe`. */
  readonly endpointName: string;
  readonly resourceGroupName: pulumi.Input<string>;
  /** The target's region: the endpoint's unless the config names the subnet's. */
  readonly defaultLocation: string;
}

/**
 * A private endpoint in a subnet the stack is given (Azure Private Link). DNS is the network owner's: a
 * `privatelink.azure-devices.net` / `privatelink.azure-devices-provisioning.net` zone linked to the virtual network.
 */
export function declarePrivateEndpoint(name: string, args: PrivateEndpointArgs, opts: pulumi.CustomResourceOptions): network.PrivateEndpoint {
  return new network.PrivateEndpoint(
    name,
    {
      privateEndpointName: args.endpointName,
      resourceGroupName: args.resourceGroupName,
      location: args.endpoint.location ?? args.defaultLocation,
      subnet: { id: args.endpoint.subnetId },
      privateLinkServiceConnections: [{ name: args.endpointName, privateLinkServiceId: args.targetId, groupIds: [args.groupId] }],
    },
    opts,
  );
}
