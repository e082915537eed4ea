/**
 * The hub rules. What a stack states about a hub is its own choice and can be changed: `hub-x509-only` holds it to
 * X.509 only and TLS 1.2. What a stack leaves to Azure (an adopted hub is sent only the keys its config states, and
 * Azure sets a hub's minimum TLS version only when the hub is created) is reported by
 * `hub-hardened-after-adoption`, with the way to the hardened state, and does not block.
 */
import { TYPES, type PolicySubject } from "./subjects";

const DOCS = "docs/network-and-auth.md#what-a-new-hub-gets";

/** Whether a TLS version string (`"1.2"`) is 1.2 or newer. */
function tls12OrNewer(version: string): boolean {
  const match = /^(\d+)\.(\d+)$/.exec(version);
  return !!match && (Number(match[1]) > 1 || (Number(match[1]) === 1 && Number(match[2]) >= 2));
}

const hubName = (hub: PolicySubject) => String(hub.props.resourceName ?? hub.name);
const isUnset = (value: unknown) => value === undefined || value === null;

/** Rule `hub-x509-only`: a hub's inputs do not accept device SAS tokens, nor state a TLS version older than 1.2. */
export function hubX509Only(hub: PolicySubject): string[] {
  if (hub.type !== TYPES.hub) return [];
  const properties = hub.props.properties ?? {};
  const messages: string[] = [];
  if (!isUnset(properties.disableDeviceSAS) && properties.disableDeviceSAS !== true) {
    messages.push(`IoT hub ${hubName(hub)}: device SAS tokens are accepted (properties.disableDeviceSAS is ${JSON.stringify(properties.disableDeviceSAS)}); an X.509 fleet needs none: set disableDeviceSAS: true (Azure changes it in place)`);
  }
  if (!isUnset(properties.minTlsVersion) && !(typeof properties.minTlsVersion === "string" && tls12OrNewer(properties.minTlsVersion))) {
    messages.push(`IoT hub ${hubName(hub)}: TLS older than 1.2 is accepted (properties.minTlsVersion is ${JSON.stringify(properties.minTlsVersion)}); set minTlsVersion: "1.2" (Azure takes it only when the hub is created)`);
  }
  return messages;
}

/**
 * Rule `hub-hardened-after-adoption`: a hub whose inputs leave device SAS or the minimum TLS version as Azure holds
 * them (Azure's defaults accept both), as an adopted hub's do. Each message says how to reach the hardened state.
 */
export function hubHardenedAfterAdoption(hub: PolicySubject): string[] {
  if (hub.type !== TYPES.hub) return [];
  const properties = hub.props.properties ?? {};
  const messages: string[] = [];
  if (isUnset(properties.disableDeviceSAS)) {
    messages.push(
      `IoT hub ${hubName(hub)}: device SAS is left as Azure holds it (properties.disableDeviceSAS unset, as an adopted hub's is: Azure's default accepts SAS tokens); once the hub is in the stack, set disableDeviceSAS: true and disableModuleSAS: true on it and run up again: Azure changes them in place (${DOCS})`,
    );
  }
  if (isUnset(properties.minTlsVersion)) {
    messages.push(
      `IoT hub ${hubName(hub)}: the minimum TLS version is left as Azure holds it (properties.minTlsVersion unset: Azure's default accepts TLS 1.0 and 1.1); Azure sets it only when a hub is created, so TLS 1.2 takes a new hub: declare one (it gets minTlsVersion "1.2"), point the enrollment groups' iotHubs at it, let the devices provision again, then remove this hub (${DOCS})`,
    );
  }
  return messages;
}
