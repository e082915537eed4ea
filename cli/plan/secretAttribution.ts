/**
 * Which resource a changed `secure:` config value feeds, so that a changed secret shows on that resource
 * ("webhookUrl: [secret] → [secret], a secret changed") and not only as a config key. The plan cannot see secret
 * values, so this maps config paths to resources by what the program does with them: an enrollment group's entry
 * becomes the EnrollmentGroup whose `enrollmentId` is its id (a tenant's with the tenant prefix), a CA's entry the
 * CaCertificate named after it. A secret it cannot place (a whole key made secret) stays a config-level change.
 */
import { CONFIG_NAMESPACE } from "../../components/config/schema";
import { namespacedConfig, parseStackYaml } from "./stackYaml";
import { SECRET_MARKER } from "./record";
import type { PlanJson } from "./planJson";

export interface SecretAttribution {
  /** The config key that changed, `dps-x509:enrollmentGroups[1].webhookUrl`. */
  configKey: string;
  type: string;
  name: string;
  urn?: string;
  /** The resource input that holds it, e.g. `customAllocation.webhookUrl`. */
  field: string;
}

type Resource = PlanJson["resources"][number];

function leaves(value: unknown, path: string, out: Array<[string, unknown]> = []): Array<[string, unknown]> {
  if (Array.isArray(value)) value.forEach((item, i) => leaves(item, `${path}[${i}]`, out));
  else if (value !== null && typeof value === "object") for (const [key, inner] of Object.entries(value)) leaves(inner, path ? `${path}.${key}` : key, out);
  else out.push([path, value]);
  return out;
}

/** The secret input of `resource` that a config key ending in `key` feeds: the same leaf name, or `provided<Key>`. */
function secretField(resource: Resource, key: string): string | undefined {
  const provided = `provided${key[0].toUpperCase()}${key.slice(1)}`;
  const secrets = leaves(resource.inputs ?? {}, "").filter(([, value]) => value === SECRET_MARKER).map(([path]) => path);
  return secrets.find((path) => path.split(".").pop() === key) ?? secrets.find((path) => path.split(".").pop() === provided);
}

export function attributeSecretChanges(changedKeys: readonly string[], stackFileText: string | undefined, resources: PlanJson["resources"]): SecretAttribution[] {
  if (!changedKeys.length || stackFileText === undefined) return [];
  let config: Record<string, unknown>;
  try {
    config = namespacedConfig(parseStackYaml(stackFileText), CONFIG_NAMESPACE);
  } catch {
    return [];
  }
  const found: SecretAttribution[] = [];
  for (const configKey of changedKeys) {
    let candidates: Resource[] = [];
    let key: string | undefined;
    const group = /^[^:]+:enrollmentGroups\[(\d+)\]\.(\w+)$/.exec(configKey);
    const ca = /^[^:]+:ca\.(root|intermediates\[(\d+)\])\.(\w+)$/.exec(configKey);
    if (group) {
      const entry = (config[configKey.slice(0, configKey.indexOf(":"))  + ":enrollmentGroups"] as Array<{ enrollmentId?: string }> | undefined)?.[Number(group[1])];
      const id = entry?.enrollmentId;
      key = group[2];
      if (id) candidates = resources.filter((r) => r.type.endsWith(":EnrollmentGroup") && typeof r.inputs?.enrollmentId === "string" && (r.inputs.enrollmentId === id || (r.inputs.enrollmentId as string).endsWith(`-${id}`)));
    } else if (ca) {
      const section = config[configKey.slice(0, configKey.indexOf(":")) + ":ca"] as { root?: { name?: string }; intermediates?: Array<{ name?: string }> } | undefined;
      const name = ca[2] === undefined ? section?.root?.name : section?.intermediates?.[Number(ca[2])]?.name;
      key = ca[3];
      if (name) candidates = resources.filter((r) => r.type.endsWith(":CaCertificate") && r.name.endsWith(`-${name}`));
    }
    if (!key || candidates.length !== 1) continue;
    const field = secretField(candidates[0], key);
    if (field) found.push({ configKey, type: candidates[0].type, name: candidates[0].name, ...(candidates[0].urn ? { urn: candidates[0].urn } : {}), field });
  }
  return found;
}
