/**
 * `pulumi up` played locally, for test/combined/allFeatures.deploy.test.ts: Pulumi's runtime mocks as an `up` (not a
 * preview) whose dynamic resources are checked and created by their providers inside Pulumi's real dynamic-provider
 * host, and whose azure-native resources land in the local ARM server as Azure would hold them (ArmLedger).
 */
import * as pulumi from "@pulumi/pulumi";
import { AzureLikeMocks } from "../../cli/plan/mocks";
// The wire format without secret wrappers, as the engine hands inputs to a provider that does not accept secrets.
import { plain } from "../../cli/bench/state";
import type { ArmServer } from "../../azure-test-servers/armServer";
import type { DpsNetworkSettings, IotHubSettings } from "../../azure-test-servers/armIotHubs";
import { urnOf, type DynamicProviderHost } from "../../azure-test-servers/dynamicProviderHost";

const DYNAMIC = "pulumi-nodejs:dynamic/dps-x509:";


/**
 * azure-native's side of `up`: what ARM holds once each hub, DPS and private endpoint exists. Every DPS links the
 * given hubs. A private endpoint in the same subscription is approved on creation (Azure's auto-approval), so it
 * appears among its target's connections.
 */
export class ArmLedger {
  private readonly hubs = new Map<string, IotHubSettings>();
  private readonly dpsNetwork = new Map<string, DpsNetworkSettings>();

  constructor(private readonly arm: ArmServer, private readonly at: { subscriptionId: string; resourceGroupName: string; hubHostNames: string[]; idScope: string }) {}

  record(type: string, inputs: Record<string, any>): void {
    const { subscriptionId: sub, resourceGroupName: rg } = this.at;
    const p = inputs.properties ?? {};
    if (type === "azure-native:iothub:IotHubResource") {
      this.putHub(inputs.resourceName, {
        location: inputs.location, disableDeviceSAS: p.disableDeviceSAS, disableModuleSAS: p.disableModuleSAS, disableLocalAuth: p.disableLocalAuth, minTlsVersion: p.minTlsVersion,
        publicNetworkAccess: p.publicNetworkAccess, networkRuleSets: p.networkRuleSets,
      });
    }
    if (type === "azure-native:deviceprovisioningservices:IotDpsResource") {
      this.arm.state.dps(sub, rg, inputs.provisioningServiceName).linkHubs(this.at.hubHostNames, { idScope: this.at.idScope, allocationPolicy: p.allocationPolicy, location: inputs.location });
      this.putDpsNetwork(inputs.provisioningServiceName, { publicNetworkAccess: p.publicNetworkAccess, ipFilterRules: p.ipFilterRules });
    }
    if (type === "azure-native:network:PrivateEndpoint") {
      const endpointId = `/subscriptions/${sub}/resourceGroups/${inputs.resourceGroupName}/providers/Microsoft.Network/privateEndpoints/${inputs.privateEndpointName}`;
      for (const connection of inputs.privateLinkServiceConnections ?? []) {
        const [, kind, name] = /\/providers\/Microsoft\.Devices\/(IotHubs|provisioningServices)\/([^/]+)$/i.exec(connection.privateLinkServiceId) ?? [];
        if (kind === "IotHubs") {
          const hub = this.hubs.get(name)!;
          this.putHub(name, { ...hub, privateEndpointIds: [...(hub.privateEndpointIds ?? []), endpointId] });
        } else if (kind) {
          const network = this.dpsNetwork.get(name)!;
          this.putDpsNetwork(name, { ...network, privateEndpointIds: [...(network.privateEndpointIds ?? []), endpointId] });
        }
      }
    }
  }

  private putHub(name: string, settings: IotHubSettings): void {
    this.hubs.set(name, settings);
    this.arm.state.hubs.put(this.at.subscriptionId, this.at.resourceGroupName, name, settings);
  }

  private putDpsNetwork(name: string, network: DpsNetworkSettings): void {
    this.dpsNetwork.set(name, network);
    this.arm.state.dps(this.at.subscriptionId, this.at.resourceGroupName, name).setNetwork(network);
  }
}

/** What a resource holds after `up`. */
export interface UpResource {
  type: string;
  inputs: Record<string, any>;
  outputs: Record<string, any>;
}

export class UpMocks implements pulumi.runtime.Mocks {
  private readonly azureLike = new AzureLikeMocks({ stackOutputs: {} });
  /** Every resource after `up`, by name. */
  readonly resources = new Map<string, UpResource>();
  private failUp: (err: Error) => void = () => undefined;
  /** Rejects with the first resource that fails: the program would wait for it forever. */
  readonly failed = new Promise<never>((_resolve, reject) => (this.failUp = reject));

  constructor(private readonly o: { host: DynamicProviderHost; ledger: ArmLedger; stack: string; subscriptionId: string }) {
    this.failed.catch(() => undefined);
  }

  async newResource(args: pulumi.runtime.MockResourceArgs): Promise<{ id: string | undefined; state: Record<string, unknown> }> {
    try {
      return await this.create(args);
    } catch (err) {
      this.failUp(new Error(`${args.name}: ${(err as Error).message}`));
      throw err;
    }
  }

  /** The signed-in identity's subscription, as azure-native reports it: the stack's. */
  call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    const answer = this.azureLike.call(args);
    return args.token === "azure-native:authorization:getClientConfig" ? { ...answer, subscriptionId: this.o.subscriptionId } : answer;
  }

  private async create(args: pulumi.runtime.MockResourceArgs): Promise<{ id: string | undefined; state: Record<string, unknown> }> {
    const inputs = plain(args.inputs) as Record<string, any>;
    if (!args.type.startsWith(DYNAMIC)) {
      const answer = this.azureLike.newResource(args);
      this.o.ledger.record(args.type, inputs);
      // What ARM answers for a role assignment beyond its inputs (the groups take its createdOn).
      if (args.type === "azure-native:authorization:RoleAssignment") Object.assign(answer.state, { createdOn: new Date().toISOString(), principalType: "User" });
      this.resources.set(args.name, { type: args.type, inputs, outputs: answer.state });
      return answer;
    }
    const urn = urnOf(args.type, args.name, this.o.stack);
    const checked = await this.o.host.check(urn, {}, inputs);
    if (checked.failures.length) throw new Error(`check failed: ${JSON.stringify(checked.failures)}`);
    const created = await this.o.host.create(urn, checked.inputs);
    this.resources.set(args.name, { type: args.type, inputs, outputs: created.properties });
    return { id: created.id, state: created.properties };
  }
}
