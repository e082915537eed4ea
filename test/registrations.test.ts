/**
 * `npm run registrations`, in-process against the fake DPS: credentials from the stack output, a flag, or a
 * token credential; every page listed once; secrets never printed.
 */
import { runRegistrations, STACK_OUTPUT_KEY } from "../cli/registrations";
import { FakeDpsServiceServer, startRoutedFakeDps } from "../azure-test-servers/dpsServiceServer";
import { createDpsServiceClient } from "../components/azure/dpsServiceClient";

let server: FakeDpsServiceServer;
let stop: () => Promise<void>;

beforeAll(async () => {
  ({ server, stop } = await startRoutedFakeDps({ bearerTokens: ["aad"] }));
  const client = createDpsServiceClient({ serviceHostName: server.hostName, connectionString: server.connectionString() });
  for (const id of ["line-1", "empty-line"]) {
    await client.putEnrollmentGroup({ enrollmentGroupId: id, attestation: { type: "x509", x509: { caReferences: { primary: "root-ca" } } }, allocationPolicy: "hashed", iotHubs: ["hub-a.azure-devices.net"] });
  }
  server.seedRegistrations("line-1", [
    ...Array.from({ length: 12 }, (_, i) => ({ registrationId: `sensor-${String(i).padStart(2, "0")}`, assignedHub: i % 2 ? "hub-b.azure-devices.net" : "hub-a.azure-devices.net", lastUpdatedDateTimeUtc: `2026-03-0${1 + (i % 9)}T10:00:00.000Z` })),
    { registrationId: "sensor-broken", status: "failed", errorCode: 401002, errorMessage: "certificate not trusted", assignedHub: undefined, lastUpdatedDateTimeUtc: "2026-03-02T00:00:00.000Z" },
  ]);
});
afterAll(async () => stop());
beforeEach(() => server.resetRequests());

function io(extra: Partial<Parameters<typeof runRegistrations>[1]> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const stacks: string[] = [];
  return {
    out,
    err,
    stacks,
    io: {
      stdout: (t: string) => out.push(t),
      stderr: (t: string) => err.push(t),
      env: {},
      stackOutputs: async (stack: string) => {
        stacks.push(stack);
        return JSON.stringify({ idScope: "0ne000ABCDE", [STACK_OUTPUT_KEY]: server.hostName });
      },
      ...extra,
    },
  };
}

const aadToken = { getToken: async () => ({ token: "aad", expiresOnTimestamp: Date.now() + 3600_000 }) };

test("--stack: reads the DPS host from the stack output, signs in with Azure AD and lists every device, paging explicitly", async () => {
  const t = io({ credential: aadToken });
  const code = await runRegistrations(["--stack", "dev", "--group", "line-1", "--page-size", "5"], t.io);
  expect(t.err.join("")).toBe("");
  expect(code).toBe(0);
  expect(t.stacks).toEqual(["dev"]);
  const text = t.out.join("");
  const lines = text.trimEnd().split("\n");
  expect(lines[0]).toMatch(/^REGISTRATION ID\s+ASSIGNED HUB\s+STATUS\s+LAST UPDATED \(UTC\)$/);
  expect(lines[1]).toMatch(/^sensor-00\s+hub-a\.azure-devices\.net\s+assigned \(initialAssignment\)\s+2026-03-01T10:00:00\.000Z$/);
  expect(lines).toContainEqual(expect.stringMatching(/^sensor-broken\s+hub-a\.azure-devices\.net\s+failed: certificate not trusted\s+2026-03-02/));
  expect(lines.filter((l) => l.startsWith("sensor-")).length).toBe(13);
  expect(lines[lines.length - 1]).toBe('13 registrations in enrollment group "line-1".');
  // 13 items, 5 a page: 3 requests, the 2nd and 3rd with the continuation token
  const queries = server.requests.filter((r) => r.path === "/registrations/line-1/query");
  expect(queries.length).toBe(3);
  expect(queries.map((r) => Boolean(r.headers["x-ms-continuation"]))).toEqual([false, true, true]);
  expect(text).not.toContain(server.key);
});

test("--connection-string and --json", async () => {
  const t = io();
  expect(await runRegistrations(["--connection-string", server.connectionString(), "--group", "line-1", "--json"], t.io)).toBe(0);
  const items = JSON.parse(t.out.join(""));
  expect(items.length).toBe(13);
  expect(items[0]).toMatchObject({ registrationId: "sensor-00", status: "assigned", assignedHub: "hub-a.azure-devices.net" });
  expect(t.stacks).toEqual([]);
});

test("--dps-host with a token credential", async () => {
  const t = io({ credential: { getToken: async () => ({ token: "aad", expiresOnTimestamp: Date.now() + 3600_000 }) } });
  expect(await runRegistrations(["--dps-host", server.hostName, "--group", "empty-line"], t.io)).toBe(0);
  expect(t.out.join("")).toBe('No devices have registered through enrollment group "empty-line".\n');
  expect(server.requests[0].headers.authorization).toBe("Bearer");
});

test("a wrong key: exit 1, Azure's error, and neither key nor connection string printed", async () => {
  const wrong = server.connectionString(Buffer.from("w".repeat(32)).toString("base64"));
  const t = io();
  expect(await runRegistrations(["--connection-string", wrong, "--group", "line-1"], t.io)).toBe(1);
  const printed = t.err.join("") + t.out.join("");
  expect(printed).toMatch(/HTTP 401.*error 401002/);
  expect(printed).not.toContain(wrong);
  expect(printed).not.toContain(Buffer.from("w".repeat(32)).toString("base64"));
});

test("an unknown group: exit 1 with a hint", async () => {
  const t = io({ credential: aadToken });
  expect(await runRegistrations(["--stack", "dev", "--group", "nope"], t.io)).toBe(1);
  expect(t.err.join("")).toMatch(/HTTP 404.*is "nope" an enrollment group of this DPS\?/);
});

test("usage errors: exit 2 without a request", async () => {
  for (const argv of [[], ["--group", "-bad", "--stack", "dev"], ["--group", "line-1"], ["--group", "line-1", "--stack"], ["--bogus"], ["--group", "line-1", "--stack", "dev", "--page-size", "0"]]) {
    const t = io();
    expect(await runRegistrations(argv, t.io)).toBe(2);
    expect(t.err.join("")).not.toBe("");
  }
  expect(server.requestCount).toBe(0);
});

test("a stack without the output says which outputs it has", async () => {
  const t = io({ stackOutputs: async () => JSON.stringify({ idScope: "0ne" }) });
  expect(await runRegistrations(["--stack", "dev", "--group", "line-1"], t.io)).toBe(1);
  expect(t.err.join("")).toMatch(/stack dev has no "serviceHostName" output \(outputs: idScope\)/);
});

test("DPS_CONNECTION_STRING from the environment", async () => {
  const t = io({ env: { DPS_CONNECTION_STRING: server.connectionString() } });
  expect(await runRegistrations(["--group=line-1", "--json"], t.io)).toBe(0);
  expect(JSON.parse(t.out.join("")).length).toBe(13);
});
