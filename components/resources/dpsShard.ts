/**
 * One more DPS (a shard) linking the hubs the platform's ProvisioningService declared: for tenants placed on it
 * (components/shards/placement.ts). It links the same hubs the same way (owner connection string as a secret input,
 * location, weight, policy flag), so a device provisions to the same hubs through any shard, and it carries its own
 * public network access, IP filter rules and private endpoint, built by the functions that build the primary's
 * (networkSettings.ts). A shard in another subscription is declared through that subscription's provider
 * (components/shards/subscriptions.ts), in its own resource group; its hub links still read the hubs' keys where the
 * hubs are, through the default provider.
 */
import * as pulumi from "@pulumi/pulumi";
import * as deviceprovisioningservices from "@pulumi/azure-native/deviceprovisioningservices";
import type { Provider } from "@pulumi/azure-native/provider";
import type { HubConfig, ShardConfig, StackConfig } from "../config";
import { declareSubscriptionProviders, providerOfShard } from "../shards/subscriptions";
import { declarePrivateEndpoint, dpsNetworkProperties, PRIVATE_LINK_GROUP_IDS } from "./networkSettings";
import { privateEndpointName } from "../config/networkSchema";
import { ARM_ALLOCATION_POLICY, linkedHubEntry, type LinkedHub } from "./provisioningService";

export interface DpsShardArgs {
  /** The stack's resource group: the hubs', and the shard's unless it names its own. */
  readonly resourceGroupName: pulumi.Input<string>;
  readonly location: string;
  /** This shard's DPS: name, SKU, capacity, DPS-level allocation policy, network settings, where it lives. */
  readonly dps: ShardConfig;
  /** The hubs from config, in config order, and the declared hubs by name. */
  readonly hubs: HubConfig[];
  readonly linkedHubs: Map<string, LinkedHub>;
  /** The component the hubs belong to: the hub-key reads are parented to it, so they use the hubs' provider. */
  readonly hubsParent: pulumi.Resource;
  /** The azure-native provider of the shard's subscription; undefined: the stack's. */
  readonly provider?: Provider;
  /** Give the DPS a system-assigned identity (a linked Device Registry namespace: docs/device-registry.md#the-link). */
  readonly systemAssignedIdentity?: boolean;
}

/** What tenants on the shard read: its name, ID scope and hosts. */
export interface ShardFacts {
  readonly dpsName: pulumi.Output<string>;
  readonly idScope: pulumi.Output<string>;
  readonly globalDeviceEndpoint: pulumi.Output<string>;
  readonly serviceHostName: pulumi.Output<string>;
}

export class DpsShard extends pulumi.ComponentResource implements ShardFacts {
  readonly dps: deviceprovisioningservices.IotDpsResource;
  readonly dpsName: pulumi.Output<string>;
  readonly idScope: pulumi.Output<string>;
  readonly globalDeviceEndpoint: pulumi.Output<string>;
  readonly serviceHostName: pulumi.Output<string>;

  constructor(name: string, args: DpsShardArgs, opts?: pulumi.ComponentResourceOptions) {
    super("dps-x509:dps:DpsShard", name, {}, opts);
    const iotHubs = args.hubs.map((hub) => linkedHubEntry(hub, args.linkedHubs.get(hub.name)!, args.resourceGroupName, args.hubsParent));
    const resourceGroupName = args.dps.resourceGroupName ?? args.resourceGroupName;
    this.dps = new deviceprovisioningservices.IotDpsResource(
      `${name}-dps`,
      {
        provisioningServiceName: args.dps.name,
        resourceGroupName,
        location: args.location,
        sku: { name: args.dps.sku, capacity: args.dps.capacity },
        ...(args.systemAssignedIdentity ? { identity: { type: "SystemAssigned" } } : {}),
        properties: { allocationPolicy: ARM_ALLOCATION_POLICY[args.dps.allocationPolicy], iotHubs, ...dpsNetworkProperties(args.dps) },
      },
      { parent: this, provider: args.provider },
    );
    if (args.dps.privateEndpoint) {
      const endpoint = { endpoint: args.dps.privateEndpoint, targetId: this.dps.id, groupId: PRIVATE_LINK_GROUP_IDS.dps, endpointName: privateEndpointName(args.dps.name, args.dps.privateEndpoint) };
      declarePrivateEndpoint(`${name}-dps-pe`, { ...endpoint, resourceGroupName, defaultLocation: args.location }, { parent: this, provider: args.provider });
    }
    // As on the primary: `properties` is secret (it holds the links' keys); these values are not.
    this.dpsName = this.dps.name;
    this.idScope = pulumi.unsecret(this.dps.properties.idScope);
    this.globalDeviceEndpoint = pulumi.unsecret(this.dps.properties.deviceProvisioningHostName);
    this.serviceHostName = pulumi.unsecret(this.dps.properties.serviceOperationsHostName);
    this.registerOutputs({ dpsName: this.dpsName, idScope: this.idScope, serviceHostName: this.serviceHostName });
  }
}

/**
 * The shards besides the primary, each a DpsShard named after its DPS (so removing one renames no other), with one
 * provider per subscription other than the stack's.
 */
export function declareShards(
  parent: pulumi.Resource,
  name: string,
  config: Pick<StackConfig, "shards" | "subscriptionId">,
  args: Omit<DpsShardArgs, "dps" | "provider">,
): Map<string, DpsShard> {
  const providers = declareSubscriptionProviders(parent, name, config);
  return new Map(
    (config.shards ?? []).map((dps) => [dps.name, new DpsShard(`${name}-shard-${dps.name}`, { ...args, dps, provider: providerOfShard(config, dps, providers) }, { parent })]),
  );
}
