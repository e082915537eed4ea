/**
 * Keys out of shell history and `ps`: `--connection-string-file PATH|-` for registrations and doctor; and without
 * an Azure sign-in, one line that says how to sign in.
 */
import { spawnSync } from "child_process";
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join, resolve } from "path";
import { runDoctor } from "../cli/doctor";
import { runRegistrations } from "../cli/registrations";
import { setArmClientTestOverrides } from "../components/azure/armClient";
import { FakeDpsServiceServer, startRoutedFakeDps } from "../azure-test-servers/dpsServiceServer";
import { createDpsServiceClient } from "../components/azure/dpsServiceClient";

const ROOT = resolve(__dirname, "..");
let server: FakeDpsServiceServer;
let stop: () => Promise<void>;
let dir: string;

/** What DefaultAzureCredential throws when it finds no sign-in at all (its error names, @azure/identity). */
class CredentialUnavailableError extends Error {
  name = "CredentialUnavailableError";
}
const notSignedIn = { getToken: async (): Promise<never> => { throw new CredentialUnavailableError("EnvironmentCredential is unavailable. No underlying credential could be used."); } };

beforeAll(async () => {
  ({ server, stop } = await startRoutedFakeDps({}));
  const client = createDpsServiceClient({ serviceHostName: server.hostName, connectionString: server.connectionString() });
  await client.putEnrollmentGroup({ enrollmentGroupId: "any-group", attestation: { type: "x509", x509: { caReferences: { primary: "root-ca" } } }, allocationPolicy: "hashed", iotHubs: ["hub-a.azure-devices.net"] });
  dir = mkdtempSync(join(tmpdir(), "dps-x509-secrets-"));
});
afterAll(async () => {
  await stop();
  rmSync(dir, { recursive: true, force: true });
});

function io(extra: Partial<Parameters<typeof runRegistrations>[1]> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t), env: {}, ...extra } };
}

describe("registrations --connection-string-file", () => {
  test("from a file: lists, and warns about nothing", async () => {
    const file = join(dir, "dps.cs");
    writeFileSync(file, `${server.connectionString()}\n`, { mode: 0o600 });
    const t = io();
    expect(await runRegistrations(["--connection-string-file", file, "--group", "any-group"], t.io)).toBe(0);
    expect(t.err.join("")).toBe("");
    expect(t.out.join("")).toBe('No devices have registered through enrollment group "any-group".\n');
    expect(server.requests.length).toBeGreaterThan(0);
  });

  test("from stdin with -", async () => {
    let asked = 0;
    const t = io({ readStdin: async () => (asked++, `${server.connectionString()}\n`) });
    expect(await runRegistrations(["--connection-string-file", "-", "--group", "any-group"], t.io)).toBe(0);
    expect(asked).toBe(1);
    expect(t.err.join("")).toBe("");
  });

  test("inline still works, with a note that it is visible in history and ps", async () => {
    const t = io();
    expect(await runRegistrations(["--connection-string", server.connectionString(), "--group", "any-group"], t.io)).toBe(0);
    expect(t.err.join("")).toMatch(/^note: --connection-string on the command line stays in shell history and is visible in `ps`; prefer --connection-string-file/);
    expect(t.err.join("")).not.toContain(server.key);
  });

  test("usage errors: both ways at once, a missing or empty file", async () => {
    const empty = join(dir, "empty.cs");
    writeFileSync(empty, "\n");
    for (const argv of [
      ["--connection-string", server.connectionString(), "--connection-string-file", empty, "--group", "g"],
      ["--connection-string-file", join(dir, "absent.cs"), "--group", "g"],
      ["--connection-string-file", empty, "--group", "g"],
    ]) {
      const t = io();
      expect(await runRegistrations(argv, t.io)).toBe(2);
      expect(t.err.join("")).toMatch(/--connection-string-file|--connection-string or/);
    }
  });

  test("as a process, reading the real stdin", () => {
    const run = (input: string) =>
      spawnSync(process.execPath, ["-r", join(ROOT, "cli/tsRegister.js"), join(ROOT, "cli/registrations.ts"), "--connection-string-file", "-", "--group", "g"], { cwd: ROOT, input, encoding: "utf8" });
    // A connection string without its key: the command read stdin, and says what is missing (never the value).
    const partial = run("HostName=x.azure-devices-provisioning.net;SharedAccessKeyName=owner\n");
    expect(partial.status).toBe(1);
    expect(partial.stderr).toMatch(/missing SharedAccessKey/);
    const empty = run("");
    expect(empty.status).toBe(2);
    expect(empty.stderr).toMatch(/--connection-string-file - \(stdin\) is empty/);
  });
});

describe("without an Azure sign-in", () => {
  test("registrations says in one line how to sign in, before any request", async () => {
    server.resetRequests();
    const t = io({ credential: notSignedIn });
    expect(await runRegistrations(["--dps-host", server.hostName, "--group", "g"], t.io)).toBe(1);
    const lines = t.err.join("").trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^registrations: not signed in to Azure: run `az login`.*AZURE_CLIENT_SECRET.*--connection-string-file$/);
    expect(server.requestCount).toBe(0);
  });

  test("doctor says it once, up front, and still reports each check", async () => {
    const stack = join(dir, "Pulumi.nosignin.yaml");
    writeFileSync(stack, `config:
  azure-native:location: eastus
  dps-x509:resourceGroupName: rg
  dps-x509:dps:
    name: nosignin-dps
  dps-x509:hubs:
    - name: nosignin-hub
  dps-x509:ca:
    root: { name: root, commonName: Root }
`);
    setArmClientTestOverrides({ credential: notSignedIn, retryDelayInMs: 10 });
    try {
      const t = io({ credential: notSignedIn });
      const code = await runDoctor(["--config", stack, "--subscription", "00000000-0000-0000-0000-000000000000", "--arm-endpoint", "https://127.0.0.1:9"], t.io);
      expect(code).toBe(1);
      const hints = t.err.join("").split("\n").filter((line) => line.includes("not signed in to Azure"));
      expect(hints).toHaveLength(1);
      expect(hints[0]).toMatch(/^doctor: not signed in to Azure: run `az login`/);
      expect(t.out.join("")).toMatch(/FAIL/);
    } finally {
      setArmClientTestOverrides(undefined);
    }
  });
});
