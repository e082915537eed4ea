/**
 * The stack-config keys that harden hubs and the DPS for an X.509 fleet: SAS and TLS on hubs, public network access,
 * IP rules and private endpoints on hubs and the DPS. Imported by schema.ts; checked in networkRules.ts; turned into
 * azure-native inputs in components/resources/networkSettings.ts.
 */
import { z } from "zod";

export const publicNetworkAccessValues = ["Enabled", "Disabled"] as const;
/** "1.2": the hub refuses TLS 1.0 and 1.1 (the default); "1.0": the hub is not told (it accepts 1.0, 1.1, 1.2). */
export const minTlsVersions = ["1.2", "1.0"] as const;
/** What a hub the stack creates gets when its config says nothing: SAS for devices and modules off, TLS 1.2, public access on. */
export const HUB_SECURITY_DEFAULTS = { disableDeviceSAS: true, disableModuleSAS: true, disableLocalAuth: false, minTlsVersion: "1.2", publicNetworkAccess: "Enabled" } as const;
export const DPS_NETWORK_DEFAULTS = { publicNetworkAccess: "Enabled" } as const;
export const dpsIpFilterActions = ["Accept", "Reject"] as const;
/** DPS IP filter targets (deviceprovisioningservices IpFilterTargetType). */
export const dpsIpFilterTargets = ["all", "serviceApi", "deviceApi"] as const;

const ipRuleName = z.string().min(1);
const ipMask = z.string().min(1);

/** A private endpoint for the hub or the DPS in an existing subnet (Azure Private Link). */
export const privateEndpointSchema = z.strictObject({
  /** Azure name of the endpoint (2–64 characters, unique in its resource group); default `<hub or DPS name>-pe`. */
  name: z.string().min(1).optional(),
  /** ARM id of the subnet: /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Network/virtualNetworks/<vnet>/subnets/<subnet>. */
  subnetId: z.string().min(1),
  /** Region of the subnet's virtual network; default the hub's (or the DPS's) region. */
  location: z.string().min(1).optional(),
});

/** The keys a hub gains (spread into the hub schema). */
export const hubSecurityKeys = {
  /** Refuse device-scoped SAS tokens: X.509 devices do not need them. Default true (an adopted hub: as it is). */
  disableDeviceSAS: z.boolean().optional(),
  /** Refuse module-scoped SAS tokens. Default true (an adopted hub: as it is). */
  disableModuleSAS: z.boolean().optional(),
  /** Refuse every SAS token, the hub's own policies included: only false is allowed (the DPS links hubs by `iothubowner`'s key). */
  disableLocalAuth: z.boolean().optional(),
  /** Lowest TLS version the hub accepts; Azure sets it only when the hub is created. Default "1.2" (an adopted hub: as it is). */
  minTlsVersion: z.enum(minTlsVersions).optional(),
  /** Default Enabled (an adopted hub: as it is). */
  publicNetworkAccess: z.enum(publicNetworkAccessValues).optional(),
  /** The only public address ranges (IPv4 CIDR) that may reach the hub; none: any. */
  ipAllowList: z.array(z.strictObject({ name: ipRuleName, ipMask })).optional(),
  /** With ipAllowList: whether the list also guards the built-in Event Hub-compatible endpoint. Default true. */
  ipAllowListAppliesToEventHub: z.boolean().default(true),
  privateEndpoint: privateEndpointSchema.optional(),
};

/** The keys the DPS gains (spread into the DPS schema). */
export const dpsNetworkKeys = {
  /** Default Enabled (an adopted DPS: as it is). */
  publicNetworkAccess: z.enum(publicNetworkAccessValues).optional(),
  /** DPS IP filter rules, in order: the first that matches an address decides. */
  ipFilterRules: z
    .array(
      z.strictObject({
        name: ipRuleName,
        ipMask,
        action: z.enum(dpsIpFilterActions),
        target: z.enum(dpsIpFilterTargets).default("all"),
      }),
    )
    .optional(),
  privateEndpoint: privateEndpointSchema.optional(),
};

export type PrivateEndpointConfig = z.infer<typeof privateEndpointSchema>;

/** Azure caps the IP rules of a hub (`networkRuleSets.ipRules`) and of a DPS (`ipFilterRules`) at 100 each. */
export const MAX_IP_RULES = 100;

const hubNetworkObject = z.object(hubSecurityKeys);
const dpsNetworkObject = z.object(dpsNetworkKeys);
/** A hub's hardening settings as parsed (any hub config carries them). */
export type HubNetworkSettings = z.infer<typeof hubNetworkObject>;
/** A DPS's network settings as parsed: the primary DPS's (`dps`) and each shard's (`shards[i]`) alike. */
export type DpsNetworkSettings = z.infer<typeof dpsNetworkObject>;

/** The Azure name of a private endpoint: its configured name, else `<hub or DPS name>-pe`. */
export function privateEndpointName(targetName: string, endpoint: PrivateEndpointConfig): string {
  return endpoint.name ?? `${targetName}-pe`;
}
