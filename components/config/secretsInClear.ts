/**
 * Secrets written in clear in a stack file: a CA's `privateKeyPem`, or a webhook URL that carries a key (`code=`,
 * `sig=`). Refused with the exact `pulumi config set --secret --path` command that stores the value encrypted.
 */
import { SECRET_PLACEHOLDER } from "./limits";
import { formatPath, type Problem } from "./problems";
import { urlCarriesKey } from "./redact";
import { CONFIG_NAMESPACE } from "./schema";

/**
 * `values`: the `dps-x509:*` keys (namespace stripped). `decryptedKeys`: keys whose values Pulumi decrypted for the
 * running program (`PULUMI_CONFIG_SECRET_KEYS`); inside them a value may have been a secret, so they are not judged.
 * The offline plan does not decrypt: there a secret reads as SECRET_PLACEHOLDER and anything else is in clear.
 */
export function checkSecretsInClear(values: Record<string, unknown>, decryptedKeys: ReadonlySet<string> = new Set()): Problem[] {
  const problems: Problem[] = [];
  for (const [key, value] of Object.entries(values)) {
    if (decryptedKeys.has(`${CONFIG_NAMESPACE}:${key}`)) continue;
    const stack: Array<{ value: unknown; path: PropertyKey[] }> = [{ value, path: [key] }];
    while (stack.length) {
      const { value: current, path } = stack.pop()!;
      if (current !== null && typeof current === "object") {
        if (path.length > 40) continue;
        const entries: Array<[PropertyKey, unknown]> = Array.isArray(current) ? current.map((item, i) => [i, item]) : Object.entries(current);
        for (const [inner, innerValue] of entries) stack.push({ value: innerValue, path: [...path, inner] });
        continue;
      }
      if (typeof current !== "string" || current === SECRET_PLACEHOLDER || current === "") continue;
      const field = path[path.length - 1];
      const at = formatPath(path);
      if (field === "privateKeyPem") {
        problems.push({ path: at, value: current, message: `is a private key written in clear in the stack file: store it as a secret with \`pulumi config set --secret --path '${CONFIG_NAMESPACE}:${at}' < ${keyFileName(path)}\` (then remove the clear copy from history)` });
      } else if (field === "webhookUrl" && urlCarriesKey(current)) {
        problems.push({ path: at, value: current, message: `carries a key (code= or sig=) in clear in the stack file: store it as a secret with \`pulumi config set --secret --path '${CONFIG_NAMESPACE}:${at}' '${withKeyPlaceholder(current)}'\` (and rotate the key if the file was shared)` });
      }
    }
  }
  return problems.sort((a, b) => a.path.localeCompare(b.path));
}

/** A file name for the key in the fix command: `root.key.pem`, `intermediate-0.key.pem`. */
function keyFileName(path: PropertyKey[]): string {
  const index = path.find((segment) => typeof segment === "number");
  if (path.includes("root")) return "root.key.pem";
  return index === undefined ? "ca.key.pem" : `intermediate-${String(index)}.key.pem`;
}

/** The URL with each key's value replaced by a placeholder the user fills in (the fix command never shows a key). */
function withKeyPlaceholder(url: string): string {
  return url.replace(/([?&](?:code|sig|x-functions-key)=)[^&\s]+/gi, "$1<function-key>").replace(/'/g, "%27");
}
