import * as pulumi from "@pulumi/pulumi";
import * as deviceprovisioningservices from "@pulumi/azure-native/deviceprovisioningservices";
import * as iothub from "@pulumi/azure-native/iothub";
import type { DpsConfig, HubConfig } from "../config";
import type { ImportIds } from "../adoption/importIds";
import { declarePrivateEndpoint, dpsNetworkProperties, hubSecurityProperties, PRIVATE_LINK_GROUP_IDS } from "./networkSettings";
import { privateEndpointName } from "../config/networkSchema";

/** The DPS-level allocation policy in ARM's casing (enrollment groups use camelCase instead). */
export const ARM_ALLOCATION_POLICY = { hashed: "Hashed", geoLatency: "GeoLatency", static: "Static" } as const;

/** The hub policy whose key the DPS uses to reach a linked hub. */
const HUB_OWNER_POLICY = "iothubowner";
/** The DPS policy whose key the enrollment-group provider uses on the DPS service API. */
const DPS_OWNER_POLICY = "provisioningserviceowner";

export interface ProvisioningServiceArgs {
  /** Resource group of the hubs and the DPS. */
  readonly resourceGroupName: pulumi.Input<string>;
  /** Azure region of the DPS. */
  readonly location: string;
  /** The DPS: name, SKU, capacity and DPS-level allocation policy. */
  readonly dps: DpsConfig;
  /** The IoT hubs to create and link, in config order. */
  readonly hubs: HubConfig[];
  /** ARM ids of a DPS and hubs that already exist, to adopt them (Pulumi's `import` option). */
  readonly importIds?: ImportIds;
  /** `sas`: read the DPS's `provisioningserviceowner` key for the groups; `entraId` (default): no key is read. */
  readonly dpsAuth?: "entraId" | "sas";
  /** Give the DPS a system-assigned identity: what it calls a linked Device Registry namespace with (docs/device-registry.md#the-link). */
  readonly systemAssignedIdentity?: boolean;
}

/** One IoT hub, as the rest of the program sees it. */
export interface LinkedHub {
  /** The hub's name from config. */
  readonly name: string;
  /** `<name>.azure-devices.net`: what enrollment groups list in `iotHubs`. */
  readonly hostName: pulumi.Output<string>;
  readonly resource: iothub.IotHubResource;
}

/**
 * The IoT hubs and the DPS that links them.
 *
 * Each link carries the hub's `iothubowner` connection string as a secret input. ARM answers a GET with the key
 * masked (`SharedAccessKey=****`), but Pulumi diffs new inputs against the inputs it stored, not against that
 * masked output, so an `up` that changes nothing shows no diff; a rotated hub key does show, as it should.
 */
export class ProvisioningService extends pulumi.ComponentResource {
  /** The DPS resource: enrollment groups and certificates depend on it (and so on its hub links). */
  readonly dps: deviceprovisioningservices.IotDpsResource;
  readonly dpsName: pulumi.Output<string>;
  /** The ID scope devices use. */
  readonly idScope: pulumi.Output<string>;
  /** The global device endpoint, `global.azure-devices-provisioning.net`. */
  readonly globalDeviceEndpoint: pulumi.Output<string>;
  /** The DPS service (data-plane) host, `<dps>.azure-devices-provisioning.net`. */
  readonly serviceHostName: pulumi.Output<string>;
  /** Connection string of the DPS's `provisioningserviceowner` policy (secret), with `dpsAuth: sas` only. */
  readonly serviceConnectionString?: pulumi.Output<string>;
  /** The hubs by config name, in config order. */
  readonly hubs: Map<string, LinkedHub>;

  constructor(name: string, args: ProvisioningServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("dps-x509:dps:ProvisioningService", name, {}, opts);

    this.hubs = new Map(args.hubs.map((hub) => [hub.name, this.declareHub(name, hub, args.resourceGroupName, args.importIds?.hubs[hub.name])]));

    this.dps = new deviceprovisioningservices.IotDpsResource(
      `${name}-dps`,
      {
        provisioningServiceName: args.dps.name,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        sku: { name: args.dps.sku, capacity: args.dps.capacity },
        ...(args.systemAssignedIdentity ? { identity: { type: "SystemAssigned" } } : {}),
        properties: {
          allocationPolicy: ARM_ALLOCATION_POLICY[args.dps.allocationPolicy],
          iotHubs: args.hubs.map((hub) => this.hubLink(hub, args.resourceGroupName)),
          ...dpsNetworkProperties(args.dps, args.importIds?.dps !== undefined),
        },
      },
      { parent: this, import: args.importIds?.dps },
    );
    if (args.dps.privateEndpoint) {
      const endpoint = { endpoint: args.dps.privateEndpoint, targetId: this.dps.id, groupId: PRIVATE_LINK_GROUP_IDS.dps, endpointName: privateEndpointName(args.dps.name, args.dps.privateEndpoint) };
      declarePrivateEndpoint(`${name}-dps-pe`, { ...endpoint, resourceGroupName: args.resourceGroupName, defaultLocation: args.location }, { parent: this });
    }

    // The `properties` input holds secret connection strings, so Pulumi marks all of `properties` secret in the
    // outputs. The ID scope and host names are not secrets: users need them in plain text.
    const properties = this.dps.properties;
    this.dpsName = this.dps.name;
    this.idScope = pulumi.unsecret(properties.idScope);
    this.globalDeviceEndpoint = pulumi.unsecret(properties.deviceProvisioningHostName);
    this.serviceHostName = pulumi.unsecret(properties.serviceOperationsHostName);

    // With Entra ID (the default) no DPS key is read: no invoke in a preview, no key in any group's state.
    if (args.dpsAuth === "sas") {
      const dpsKeys = deviceprovisioningservices.listIotDpsResourceKeysForKeyNameOutput(
        { keyName: DPS_OWNER_POLICY, provisioningServiceName: this.dps.name, resourceGroupName: args.resourceGroupName },
        { parent: this },
      );
      this.serviceConnectionString = pulumi.secret(
        pulumi.interpolate`HostName=${this.serviceHostName};SharedAccessKeyName=${DPS_OWNER_POLICY};SharedAccessKey=${dpsKeys.primaryKey}`,
      );
    }

    this.registerOutputs({
      dpsName: this.dpsName,
      idScope: this.idScope,
      globalDeviceEndpoint: this.globalDeviceEndpoint,
      serviceHostName: this.serviceHostName,
    });
  }

  private declareHub(name: string, hub: HubConfig, resourceGroupName: pulumi.Input<string>, importId?: string): LinkedHub {
    const resource = new iothub.IotHubResource(
      `${name}-hub-${hub.name}`,
      {
        resourceName: hub.name,
        resourceGroupName,
        location: hub.location,
        sku: { name: hub.sku, capacity: hub.capacity },
        properties: hubSecurityProperties(hub, importId !== undefined),
      },
      // Azure sets minTlsVersion only when a hub is created: never try to change it on one that exists (doctor reports it).
      { parent: this, import: importId, ignoreChanges: ["properties.minTlsVersion"] },
    );
    if (hub.privateEndpoint) {
      const endpoint = { endpoint: hub.privateEndpoint, targetId: resource.id, groupId: PRIVATE_LINK_GROUP_IDS.hub, endpointName: privateEndpointName(hub.name, hub.privateEndpoint) };
      declarePrivateEndpoint(`${name}-hub-${hub.name}-pe`, { ...endpoint, resourceGroupName, defaultLocation: hub.location }, { parent: this });
    }
    return { name: hub.name, hostName: resource.properties.hostName, resource };
  }

  /** The DPS's link to one hub: its location, weight, policy flag and owner connection string (secret). */
  private hubLink(hub: HubConfig, resourceGroupName: pulumi.Input<string>) {
    return linkedHubEntry(hub, this.hubs.get(hub.name)!, resourceGroupName, this);
  }
}

/**
 * A DPS's link to one hub (the primary's and every shard's): its location, weight, policy flag and the hub's
 * `iothubowner` connection string (secret), read through an invoke parented to the DPS's component.
 */
export function linkedHubEntry(hub: HubConfig, linked: LinkedHub, resourceGroupName: pulumi.Input<string>, parent: pulumi.Resource) {
  const keys = iothub.listIotHubResourceKeysForKeyNameOutput({ keyName: HUB_OWNER_POLICY, resourceGroupName, resourceName: linked.resource.name }, { parent });
  return {
    connectionString: pulumi.secret(pulumi.interpolate`HostName=${linked.hostName};SharedAccessKeyName=${HUB_OWNER_POLICY};SharedAccessKey=${keys.primaryKey}`),
    location: hub.location,
    allocationWeight: hub.allocationWeight,
    applyAllocationPolicy: hub.applyAllocationPolicy,
  };
}
