/**
 * What a test needs to run the dynamic resources inside Pulumi's real dynamic-provider host, offline: the
 * `__provider` text of each resource class as the SDK registers it (captured under mocks in a fresh process), and
 * the host's environment: the DPS host name routed to the local strict DPS server (loopback preload), the test CA
 * trusted (inherited NODE_EXTRA_CA_CERTS), and DefaultAzureCredential signing in at the local Entra stand-in.
 */
import { execFileSync } from "child_process";
import { mkdtempSync, readFileSync, rmSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";

export const REPO = path.resolve(__dirname, "../..");

/** `__provider` by resource type, as registered by today's resource classes (test/support/serializedProviders.ts). */
export function registeredProviders(): Record<string, string> {
  const dir = mkdtempSync(path.join(tmpdir(), "dps-x509-providers-"));
  try {
    const file = path.join(dir, "providers.json");
    execFileSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(__dirname, "serializedProviders.ts"), file], { cwd: REPO, env: { ...process.env, NODE_OPTIONS: "" } });
    return JSON.parse(readFileSync(file, "utf8"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The host's environment: no Azure sign-in of this machine leaks in; DPS routed; Entra stand-in when given. */
export function hostEnv(routes: { host: string; port: number }[], extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(AZURE_|IDENTITY_|MSI_|TS_NODE_)/.test(k) || k === "NODE_OPTIONS") continue;
    env[k] = v;
  }
  return {
    ...env,
    NODE_OPTIONS: `--require ${path.join(REPO, "azure-test-servers/loopback-preload.js")}`,
    DPS_X509_TEST_LOOPBACK_ROUTES: JSON.stringify(routes),
    ...extra,
  };
}
