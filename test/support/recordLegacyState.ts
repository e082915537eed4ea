/**
 * Records the state that the code of commit b4d9e8a (before the provider shim) leaves for an enrollment group and a
 * CA certificate, through Pulumi's real dynamic-provider host: Check then Create, with `__provider` as that code's
 * SDK serialized it (the whole provider closure). Written once to test/fixtures/legacy-state.json; the test
 * test/legacyState.host.test.ts replays read, update and delete of it against today's code.
 *
 * Secrets are not committed: the DPS key in the connection string and the CA's private key are replaced by
 * placeholders, which the test fills in with a key it makes (the DPS key) or keeps as an opaque value (the CA key:
 * no operation replayed reads it).
 *
 *   node azure-test-servers/with-test-tls.js node -r ts-node/register/transpile-only test/support/recordLegacyState.ts
 */
import { execFileSync } from "child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { FakeDpsServiceServer } from "../../azure-test-servers/dpsServiceServer";
import { DynamicProviderHost, urnOf } from "../../azure-test-servers/dynamicProviderHost";
import { RESOURCE_TYPES } from "./serializedProviders";

export const DPS_KEY_PLACEHOLDER = "<dps-key: filled in by the test>";
export const CA_KEY_PLACEHOLDER = "<ca-private-key: not committed>";
export const LEGACY_DPS_HOST = "dps-x509-legacy.azure-devices-provisioning.net";

const repo = path.resolve(__dirname, "../..");

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), "dps-x509-legacy-"));
  const providersFile = path.join(dir, "providers.json");
  execFileSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(__dirname, "serializedProviders.ts"), providersFile], { cwd: repo });
  const providers: Record<string, string> = JSON.parse(readFileSync(providersFile, "utf8"));
  rmSync(dir, { recursive: true, force: true });

  const server = await FakeDpsServiceServer.start({ hostName: LEGACY_DPS_HOST, linkedHubs: ["hub-a.azure-devices.net"], caCertificates: { "legacy-ca": { verified: true } } });
  const env = {
    ...process.env,
    NODE_OPTIONS: `--require ${path.join(repo, "azure-test-servers/loopback-preload.js")}`,
    DPS_X509_TEST_LOOPBACK_ROUTES: JSON.stringify([{ host: server.hostName, port: server.port }]),
  };
  const host = await DynamicProviderHost.start({ cwd: repo, env });
  try {
    await host.configure();
    const groupType = RESOURCE_TYPES.enrollmentGroup;
    const groupUrn = urnOf(groupType, "dps-x509-group-legacy-group");
    const groupNews = {
      enrollmentId: "legacy-group", primaryCaName: "legacy-ca", provisioningStatus: "enabled", allocationPolicy: "hashed",
      iotHubHostNames: ["hub-a.azure-devices.net"], initialTwin: { tags: { fleet: "legacy" } }, reprovisionPolicy: "reprovisionandmigratedata",
      edgeEnabled: false, serviceHostName: server.hostName, connectionString: server.connectionString(), providerVersion: "1",
      __provider: providers[groupType],
    };
    const groupChecked = await host.check(groupUrn, {}, groupNews);
    if (groupChecked.failures.length) throw new Error(JSON.stringify(groupChecked.failures));
    const group = await host.create(groupUrn, groupChecked.inputs);

    const caType = RESOURCE_TYPES.caCertificate;
    const caUrn = urnOf(caType, "dps-x509-ca-legacy-root");
    const caNews = { role: "root", commonName: "Legacy Root", keySize: 2048, validityDays: 3650, pathLength: 1, providerVersion: "1", __provider: providers[caType] };
    const caChecked = await host.check(caUrn, {}, caNews);
    const ca = await host.create(caUrn, caChecked.inputs);

    const strip = (props: Record<string, unknown>) => {
      const { __provider: _p, ...rest } = props;
      const text = JSON.stringify(rest)
        .split(server.key).join(DPS_KEY_PLACEHOLDER)
        .replace(/-----BEGIN PRIVATE KEY-----[^"]*-----END PRIVATE KEY-----\\n/g, CA_KEY_PLACEHOLDER);
      return JSON.parse(text);
    };
    const fixture = {
      recordedWith: "commit b4d9e8a (before the provider shim), Pulumi's dynamic-provider host, @pulumi/pulumi 3.248.0",
      note: "each resource's inputs and outputs both carry `__provider`: the text under providers[type]",
      providers: { [groupType]: providers[groupType], [caType]: providers[caType] },
      resources: [
        { type: groupType, urn: groupUrn, id: group.id, inputs: strip(groupChecked.inputs), outputs: strip(group.properties), serverRecord: server.group("legacy-group") },
        { type: caType, urn: caUrn, id: ca.id, inputs: strip(caChecked.inputs), outputs: strip(ca.properties) },
      ],
    };
    writeFileSync(path.join(repo, "test/fixtures/legacy-state.json"), `${JSON.stringify(fixture, null, 1)}\n`);
  } finally {
    await host.stop();
    await server.close();
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
