/**
 * Entra ID on the DPS service API, through Microsoft's client against the strict local DPS (which verifies the
 * token's signature, issuer, audience and expiry, and the caller's data role): what is refused, and the bounded
 * retry of 401/403 while a role assignment this stack made propagates.
 */
import type { TokenCredential } from "@azure/identity";
import { createDpsServiceClient, ROLE_PROPAGATION } from "../components/azure/dpsServiceClient";
import { DPS_DATA_CONTRIBUTOR, FakeDpsServiceServer, startRoutedFakeDps } from "../azure-test-servers/dpsServiceServer";
import { FakeEntraTokenServer } from "../azure-test-servers/entraTokenServer";

let entra: FakeEntraTokenServer;
let server: FakeDpsServiceServer;
let stop: () => Promise<void>;

beforeAll(async () => {
  entra = await FakeEntraTokenServer.start();
  ({ server, stop } = await startRoutedFakeDps({ entra: { issuer: entra.issuer, publicKeyPem: entra.publicKeyPem } }));
});
afterAll(async () => {
  await stop();
  await entra.close();
});
beforeEach(() => {
  server.resetRequests();
  server.assignDataRole(entra.principalId, undefined);
  for (const id of server.groupIds()) server.removeGroup(id);
});

/** A credential that gets tokens from the Entra stand-in, for the audience the client asks for (or a forced one). */
const credential = (aud?: string): TokenCredential => ({
  getToken: async (scope) => ({ token: entra.issue({ aud: aud ?? String(scope).replace(/\/\.default$/, "") }), expiresOnTimestamp: Date.now() + 3600_000 }),
});

const body = { enrollmentGroupId: "eg-entra", attestation: { type: "x509", x509: { caReferences: { primary: "root-ca" } } }, provisioningStatus: "enabled" };

/** A clock the retries move forward, and the sleeps they asked for. */
function fakeClock(start: number) {
  let now = start;
  const sleeps: number[] = [];
  return { sleeps, now: () => now, sleep: async (ms: number) => void (sleeps.push(ms), (now += ms)) };
}

test("a token for the DPS audience with the data role writes; the client asks for scope https://azure-devices-provisioning.net/.default", async () => {
  server.assignDataRole(entra.principalId, DPS_DATA_CONTRIBUTOR);
  const scopes: unknown[] = [];
  const client = createDpsServiceClient({
    serviceHostName: server.hostName,
    credential: { getToken: async (scope, options) => (scopes.push(scope), credential().getToken(scope, options)) },
  });
  await client.putEnrollmentGroup(body);
  expect(scopes).toEqual(["https://azure-devices-provisioning.net/.default"]);
  expect(server.requests.map((r) => `${r.method} ${r.status} ${r.headers.authorization}`)).toEqual(["PUT 200 Bearer"]);
});

test("a token for another audience is refused with 401, not retried, and the error says what to fix", async () => {
  server.assignDataRole(entra.principalId, DPS_DATA_CONTRIBUTOR);
  const client = createDpsServiceClient({ serviceHostName: server.hostName, credential: credential("https://management.azure.com") });
  const err = await client.putEnrollmentGroup(body).catch((e) => e);
  expect(err.statusCode).toBe(401);
  expect(err.message).toMatch(/audience https:\/\/management\.azure\.com/);
  expect(err.message).toMatch(/Device Provisioning Service Data Contributor.*docs\/dps-auth\.md/);
  expect(server.requestCount).toBe(1);
});

test("right after this stack assigned the role, 403 is retried until the role arrives", async () => {
  const clock = fakeClock(Date.parse("2026-12-01T10:00:30Z"));
  const waits: string[] = [];
  const client = createDpsServiceClient({
    serviceHostName: server.hostName,
    credential: credential(),
    dataRoleAssignedAt: "2026-12-01T10:00:00Z",
    onRoleWait: (message) => waits.push(message),
    retry: {
      now: clock.now,
      sleep: async (ms) => {
        await clock.sleep(ms);
        if (clock.sleeps.length === 2) server.assignDataRole(entra.principalId, DPS_DATA_CONTRIBUTOR); // propagated
      },
    },
  });
  await client.putEnrollmentGroup(body);
  expect(clock.sleeps).toEqual([ROLE_PROPAGATION.intervalMs, ROLE_PROPAGATION.intervalMs]);
  expect(server.requests.map((r) => r.status)).toEqual([403, 403, 200]);
  expect(waits).toEqual(['dps-x509: DPS PUT enrollment group "eg-entra" got HTTP 403: waiting up to 570 s for the role this stack assigned at 2026-12-01T10:00:00Z to propagate']);
  expect(server.group("eg-entra")).toBeDefined();
});

test("the wait is bounded by the propagation window after the assignment, and the message says it waited", async () => {
  const clock = fakeClock(Date.parse("2026-12-01T10:00:00Z"));
  const client = createDpsServiceClient({ serviceHostName: server.hostName, credential: credential(), dataRoleAssignedAt: "2026-12-01T10:00:00Z", retry: clock, onRoleWait: () => undefined });
  const err = await client.putEnrollmentGroup(body).catch((e) => e);
  expect(err.statusCode).toBe(403);
  expect(clock.sleeps.reduce((a, b) => a + b, 0)).toBe(ROLE_PROPAGATION.windowMs);
  expect(err.message).toMatch(/assigned that role at 2026-12-01T10:00:00Z and waited 600 s for it to propagate .*pulumi up/);
});

test("no retry when the stack made no assignment, or made it long ago", async () => {
  for (const dataRoleAssignedAt of [undefined, new Date(Date.now() - 11 * 60_000).toISOString()]) {
    server.resetRequests();
    const clock = fakeClock(Date.now());
    const client = createDpsServiceClient({ serviceHostName: server.hostName, credential: credential(), dataRoleAssignedAt, retry: clock });
    const err = await client.getEnrollmentGroup("eg-entra").catch((e) => e);
    expect(err.statusCode).toBe(403);
    expect(clock.sleeps).toEqual([]);
    expect(server.requestCount).toBe(1);
    expect(err.message).toContain("Device Provisioning Service Data Contributor");
    if (dataRoleAssignedAt) expect(err.message).toMatch(/more than 10 minutes ago/);
  }
});

test("with the SAS key, a 401 is never treated as role propagation", async () => {
  const clock = fakeClock(Date.now());
  const client = createDpsServiceClient({ serviceHostName: server.hostName, connectionString: server.connectionString("d3Jvbmcta2V5LXdyb25nLWtleQ=="), dataRoleAssignedAt: new Date().toISOString(), retry: clock });
  const err = await client.getEnrollmentGroup("eg-entra").catch((e) => e);
  expect(err.statusCode).toBe(401);
  expect(clock.sleeps).toEqual([]);
  expect(err.message).not.toContain("Data Contributor");
});
