/**
 * One more DPS (a shard) linking the hubs the platform's ProvisioningService declared: for tenants placed on it
 * (components/shards/placement.ts). It links the same hubs the same way (owner connection string as a secret input,
 * location, weight, policy flag), so a device provisions to the same hubs through any shard.
 */
import * as pulumi from "@pulumi/pulumi";
import * as deviceprovisioningservices from "@pulumi/azure-native/deviceprovisioningservices";
import type { DpsConfig, HubConfig } from "../config";
import { ARM_ALLOCATION_POLICY, linkedHubEntry, type LinkedHub } from "./provisioningService";

export interface DpsShardArgs {
  readonly resourceGroupName: pulumi.Input<string>;
  readonly location: string;
  /** This shard's DPS: name, SKU, capacity, DPS-level allocation policy. */
  readonly dps: DpsConfig;
  /** The hubs from config, in config order, and the declared hubs by name. */
  readonly hubs: HubConfig[];
  readonly linkedHubs: Map<string, LinkedHub>;
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
    const iotHubs = args.hubs.map((hub) => linkedHubEntry(hub, args.linkedHubs.get(hub.name)!, args.resourceGroupName, this));
    this.dps = new deviceprovisioningservices.IotDpsResource(
      `${name}-dps`,
      {
        provisioningServiceName: args.dps.name,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        sku: { name: args.dps.sku, capacity: args.dps.capacity },
        properties: { allocationPolicy: ARM_ALLOCATION_POLICY[args.dps.allocationPolicy], iotHubs },
      },
      { parent: this },
    );
    // As on the primary: `properties` is secret (it holds the links' keys); these values are not.
    this.dpsName = this.dps.name;
    this.idScope = pulumi.unsecret(this.dps.properties.idScope);
    this.globalDeviceEndpoint = pulumi.unsecret(this.dps.properties.deviceProvisioningHostName);
    this.serviceHostName = pulumi.unsecret(this.dps.properties.serviceOperationsHostName);
    this.registerOutputs({ dpsName: this.dpsName, idScope: this.idScope, serviceHostName: this.serviceHostName });
  }
}

/** The shards besides the primary, each a DpsShard named after its DPS (so removing one renames no other). */
export function declareShards(parent: pulumi.Resource, name: string, shards: DpsConfig[], args: Omit<DpsShardArgs, "dps">): Map<string, DpsShard> {
  return new Map(shards.map((dps) => [dps.name, new DpsShard(`${name}-shard-${dps.name}`, { ...args, dps }, { parent })]));
}
