/**
 * The azure-native inputs that harden hubs and the DPS for an X.509 fleet, from checked config: pure, so the plan,
 * the tests and the components build them the same way. Shapes: azure-native iothub 2023-06-30
 * (`IotHubPropertiesArgs`) and deviceprovisioningservices 2023-03-01-preview (`IotDpsPropertiesDescriptionArgs`).
 */
import * as pulumi from "@pulumi/pulumi";
import * as network from "@pulumi/azure-native/network";
import { DEFAULT_MIN_TLS_VERSION, type PrivateEndpointConfig } from "../config/networkSchema";
import type { DpsConfig, HubConfig } from "../config";

/** Private Link sub-resource (group id) names: IoT Hub `iotHub`, DPS `iotDps` (Azure Private Endpoint DNS zone values). */
export const PRIVATE_LINK_GROUP_IDS = { hub: "iotHub", dps: "iotDps" } as const;

/** SAS, TLS and network properties of a hub (merged into its `properties`). */
export function hubSecurityProperties(hub: HubConfig) {
  const minTlsVersion = hub.minTlsVersion ?? DEFAULT_MIN_TLS_VERSION;
  return {
    disableDeviceSAS: hub.disableDeviceSAS,
    disableModuleSAS: hub.disableModuleSAS,
    // Kept false: the DPS links the hub with its iothubowner key (docs/network-and-auth.md).
    disableLocalAuth: false,
    // "1.0" means "not enforced": Azure's own default is to leave the property unset.
    ...(minTlsVersion === "1.0" ? {} : { minTlsVersion }),
    publicNetworkAccess: hub.publicNetworkAccess,
    ...(hub.ipAllowList?.length
      ? {
          networkRuleSets: {
            defaultAction: "Deny",
            applyToBuiltInEventHubEndpoint: hub.ipAllowListAppliesToEventHub,
            ipRules: hub.ipAllowList.map((rule) => ({ filterName: rule.name, action: "Allow", ipMask: rule.ipMask })),
          },
        }
      : {}),
  };
}

/** Network properties of the DPS (merged into its `properties`). */
export function dpsNetworkProperties(dps: DpsConfig) {
  return {
    publicNetworkAccess: dps.publicNetworkAccess,
    ...(dps.ipFilterRules?.length
      ? { ipFilterRules: dps.ipFilterRules.map((rule) => ({ filterName: rule.name, action: rule.action, ipMask: rule.ipMask, target: rule.target })) }
      : {}),
  };
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
