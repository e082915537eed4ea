/**
 * Which `secure:` config values differ between two stack files. The plan cannot decrypt them, so a resource input
 * that holds one reads "[secret]" on both sides; comparing the ciphertexts still tells a reviewer that a secret
 * changed (or was encrypted again: `pulumi config set --secret` with the same value gives a new ciphertext).
 * Ciphertexts are compared, never printed.
 */
import { CONFIG_NAMESPACE } from "../../components/config/schema";
import { namespacedConfig, parseStackYaml } from "./stackYaml";

/** Config path (`dps-x509:ca.root.privateKeyPem`, `dps-x509:enrollmentGroups[0].webhookUrl`) → ciphertext. */
export function secureValues(yamlText: string | undefined): Map<string, string> {
  const found = new Map<string, string>();
  if (yamlText === undefined) return found;
  let document: unknown;
  try {
    document = parseStackYaml(yamlText);
  } catch {
    return found; // the plan reports the YAML error itself
  }
  const walk = (value: unknown, path: string) => {
    if (value === null || typeof value !== "object") return;
    if (!Array.isArray(value) && Object.keys(value).length === 1 && "secure" in value) {
      found.set(path, String((value as { secure: unknown }).secure));
      return;
    }
    if (Array.isArray(value)) value.forEach((item, i) => walk(item, `${path}[${i}]`));
    else for (const [key, inner] of Object.entries(value)) walk(inner, path ? `${path}.${key}` : key);
  };
  for (const [key, value] of Object.entries(namespacedConfig(document, CONFIG_NAMESPACE))) walk(value, key);
  return found;
}

export interface SecretConfigChanges {
  added: string[];
  removed: string[];
  changed: string[];
}

export function secretConfigChanges(before: string | undefined, after: string | undefined): SecretConfigChanges {
  const old = secureValues(before);
  const now = secureValues(after);
  return {
    added: [...now.keys()].filter((key) => !old.has(key)).sort(),
    removed: [...old.keys()].filter((key) => !now.has(key)).sort(),
    changed: [...now.keys()].filter((key) => old.has(key) && old.get(key) !== now.get(key)).sort(),
  };
}
