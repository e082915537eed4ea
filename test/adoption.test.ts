/**
 * Taking over what the tutorial made by hand, against the strict local servers: a group is read and the stack's
 * values PUT over it with its etag (the service refuses a PUT of an existing group without If-Match: 409); without
 * adopt an existing group is refused with a message that says how to adopt it. A CA certificate is taken over when
 * the DPS holds the same thumbprint; another certificate under the name is refused, saying what to bring. And the
 * config checks of the day-two keys.
 */
import { createRootCa } from "../certs";
import { startArmServer, type ArmServer } from "../azure-test-servers/armServer";
import { startRoutedFakeDps, type FakeDpsServiceServer } from "../azure-test-servers/dpsServiceServer";
import { setArmClientTestOverrides } from "../components/azure/armClient";
import { parseStackConfig } from "../components/config";
import { DPS_CERTIFICATE_PROVIDER_VERSION, dpsCertificateProvider, type DpsCertificateUploadInputs } from "../components/providers/dpsCertificate";
import { ENROLLMENT_GROUP_PROVIDER_VERSION, enrollmentGroupProvider, type EnrollmentGroupProviderInputs, type EnrollmentGroupProviderOutputs } from "../components/providers/enrollmentGroup";

const groups = enrollmentGroupProvider as Required<typeof enrollmentGroupProvider>;
let service: FakeDpsServiceServer;
let stopService: () => Promise<void>;
let arm: ArmServer;
const SUB = "00000000-0000-0000-0000-0000000000ad";

beforeAll(async () => {
  ({ server: service, stop: stopService } = await startRoutedFakeDps({ linkedHubs: ["hub-a.azure-devices.net", "hub-b.azure-devices.net"], caCertificates: { "my-root-ca": { verified: true } } }));
  arm = await startArmServer();
  arm.state.dps(SUB, "iot-x509-demo-rg", "my-dps-x509");
  setArmClientTestOverrides({ credential: { getToken: async () => ({ token: "t", expiresOnTimestamp: Date.now() + 3600_000 }) }, retryDelayInMs: 20 });
});
afterAll(async () => {
  setArmClientTestOverrides(undefined);
  await arm.close();
  await stopService();
});
beforeEach(() => service.resetRequests());

function groupInputs(id: string, extra: Partial<EnrollmentGroupProviderInputs> = {}): EnrollmentGroupProviderInputs {
  return {
    enrollmentId: id,
    primaryCaName: "my-root-ca",
    provisioningStatus: "enabled",
    allocationPolicy: "hashed",
    iotHubHostNames: ["hub-a.azure-devices.net", "hub-b.azure-devices.net"],
    initialTwin: { tags: { environment: "production" } },
    reprovisionPolicy: "reprovisionandmigratedata",
    edgeEnabled: false,
    serviceHostName: service.hostName,
    connectionString: service.connectionString(),
    providerVersion: ENROLLMENT_GROUP_PROVIDER_VERSION,
    ...extra,
  };
}

/** A group as `az iot dps enrollment-group create` left it: another twin, one hub, made outside the stack. */
async function madeByHand(id: string): Promise<string> {
  await groups.create(groupInputs(id, { iotHubHostNames: ["hub-a.azure-devices.net"], initialTwin: { tags: { environment: "test" } } }));
  const etag = service.group(id)!.etag as string;
  service.resetRequests();
  return etag;
}

describe("enrollment group adoption", () => {
  test("adopt: GET, then PUT of the stack's body with the group's etag; adoptedChanges lists what changed", async () => {
    const etag = await madeByHand("tutorial-group");
    const ins = groupInputs("tutorial-group", { adopt: true });
    const { id, outs } = await groups.create(ins);
    expect(id).toBe("tutorial-group");
    expect(service.requests.map((r) => [r.method, r.path, r.status])).toEqual([
      ["GET", "/enrollmentGroups/tutorial-group", 200],
      ["PUT", "/enrollmentGroups/tutorial-group", 200],
    ]);
    expect(service.requests[1].headers["if-match"]!.replace(/"/g, "")).toBe(etag);
    const stored = service.group("tutorial-group")!;
    expect(stored.iotHubs).toEqual(["hub-a.azure-devices.net", "hub-b.azure-devices.net"]);
    expect(stored.initialTwin.tags).toEqual({ environment: "production" });
    const o = outs as EnrollmentGroupProviderOutputs;
    expect(o.etag).toBe(stored.etag);
    expect([...o.adoptedChanges!].sort()).toEqual(["initialTwin.tags", "iotHubHostNames"]);
    expect(o.adoptedChanges).not.toContain("allocationPolicy");
  });

  test("adopt with no group there creates it (no If-Match)", async () => {
    await groups.create(groupInputs("not-there-yet", { adopt: true }));
    expect(service.requests.map((r) => [r.method, r.status, r.headers["if-match"]])).toEqual([
      ["GET", 404, undefined],
      ["PUT", 200, undefined],
    ]);
  });

  test("without adopt, an existing group is refused: nothing is written, and the message says how to adopt it", async () => {
    await madeByHand("hands-off");
    const before = service.group("hands-off");
    await expect(groups.create(groupInputs("hands-off"))).rejects.toThrow(/already exists .* not managed by this stack .*set adopt: true on this group in the stack config \(or adoptExisting: true on the stack\)/);
    expect(service.group("hands-off")).toEqual(before);
    // What the service said: 409 for a PUT without If-Match.
    expect(service.requests.find((r) => r.method === "PUT")!.status).toBe(409);
  });
});

describe("CA certificate adoption", () => {
  const tutorialRoot = createRootCa({ commonName: "Tutorial root", keySize: 2048, validityDays: 30 });
  const otherRoot = createRootCa({ commonName: "Another root", keySize: 2048, validityDays: 30 });
  const inputs = (certificateName: string, certificatePem: string, adopt?: boolean): DpsCertificateUploadInputs => ({
    subscriptionId: SUB,
    resourceGroupName: "iot-x509-demo-rg",
    dpsName: "my-dps-x509",
    certificateName,
    certificatePem,
    isVerified: false,
    armEndpoint: arm.url,
    providerVersion: DPS_CERTIFICATE_PROVIDER_VERSION,
    ...(adopt ? { adopt } : {}),
  });

  test("the same certificate (thumbprint) verified by hand is taken over without a write", async () => {
    const held = arm.state.dps(SUB, "iot-x509-demo-rg", "my-dps-x509").upload("tutorial-root", tutorialRoot.certificatePem, { isVerified: true });
    arm.requests.clear();
    const { outs } = await dpsCertificateProvider.create!(inputs("tutorial-root", tutorialRoot.certificatePem, true));
    expect(arm.requests.all.map((r) => r.route)).toEqual(["certificate.get"]);
    expect(outs).toMatchObject({ etag: held.etag, isVerified: true });
  });

  test("adopt with another certificate under the name: refused, saying to bring the one the DPS holds", async () => {
    arm.state.dps(SUB, "iot-x509-demo-rg", "my-dps-x509").upload("other-root", otherRoot.certificatePem, { isVerified: true });
    await expect(dpsCertificateProvider.create!(inputs("other-root", tutorialRoot.certificatePem, true))).rejects.toThrow(
      /cannot be adopted: .*Adoption takes over the same certificate \(matched by thumbprint\): bring the certificate the DPS holds/,
    );
    await expect(dpsCertificateProvider.create!(inputs("other-root", tutorialRoot.certificatePem))).rejects.toThrow(/with adopt: true on the CA/);
  });
});

describe("config checks of the day-two keys", () => {
  const base = { resourceGroupName: "rg", dps: { name: "my-dps" }, hubs: [{ name: "my-hub" }] };
  const problems = (values: Record<string, unknown>, subscriptionId?: string) => {
    // Brought keys stand in for secrets Pulumi decrypted (in a stack file they are `secure:` values).
    const result = parseStackConfig({ values: { ...base, ...values }, location: "westeurope", subscriptionId, decryptedKeys: ["dps-x509:ca"] });
    return result.ok ? [] : result.problems.map((p) => `${p.path}: ${p.message}`);
  };
  const ca = { root: { name: "root", commonName: "Root" }, intermediates: [{ name: "line", commonName: "Line" }] };

  test("adopting the DPS or hubs needs azure-native:subscriptionId", () => {
    expect(problems({ ca, dps: { name: "my-dps", adopt: true } })).toEqual([expect.stringMatching(/^azure-native:subscriptionId: is needed to adopt .*pulumi config set azure-native:subscriptionId/)]);
    expect(problems({ ca, dps: { name: "my-dps", adopt: true } }, "not-a-guid")).toEqual([expect.stringMatching(/^azure-native:subscriptionId: must be a subscription id/)]);
    expect(problems({ ca, dps: { name: "my-dps", adopt: true } }, SUB)).toEqual([]);
  });

  test("adopting a CA needs its certificate; adoptExisting covers every CA unless one says adopt: false", () => {
    expect(problems({ ca: { root: { name: "root", commonName: "Root", adopt: true } } })).toEqual([expect.stringMatching(/^ca\.root\.certificatePem: is needed to adopt "root": bring the certificate the DPS holds/)]);
    expect(problems({ adoptExisting: true, ca: { root: { name: "root", commonName: "Root", adopt: false } } }, SUB)).toEqual([]);
  });

  test("rotation: a new name, not one in use; a brought CA rotates to a brought one; the root takes its intermediates along", () => {
    expect(problems({ ca: { ...ca, intermediates: [{ name: "line", commonName: "Line", rotation: { step: "stage", name: "root" } }] } })).toEqual([
      expect.stringMatching(/^ca\.intermediates\[0\]\.rotation\.name: is already used at ca\.root\.name; the new CA needs a new DPS certificate name/),
    ]);
    const root = createRootCa({ commonName: "Brought", keySize: 2048, validityDays: 30 });
    expect(problems({ ca: { root: { name: "root", commonName: "Root", certificatePem: root.certificatePem, privateKeyPem: root.privateKeyPem, rotation: { step: "stage", name: "root-2" } } } })).toEqual([
      expect.stringMatching(/^ca\.root\.rotation\.certificatePem: is needed: ca\.root is a brought CA/),
    ]);
    expect(problems({ ca: { ...ca, root: { name: "root", commonName: "Root", rotation: { step: "promote", name: "root-2" } } } })).toEqual([
      expect.stringMatching(/^ca\.intermediates\[0\]\.rotation: must be \{ step: promote, name: <new name> \}: ca\.root rotates/),
    ]);
  });

  test("rotation: the root of a platform with tenants does not rotate (their intermediates would be re-issued in place)", () => {
    const rootRotating = { root: { name: "root", commonName: "Root", rotation: { step: "stage", name: "root-2" } } };
    expect(problems({ ca: rootRotating, tenants: [{ name: "acme" }] })).toEqual([expect.stringMatching(/^ca\.root\.rotation: cannot rotate the root of a platform with tenants \(acme\) yet/)]);
    expect(problems({ ca: rootRotating })).toEqual([]);
  });

  test("rotation: a group of a rotating CA has no secondaryCaName of its own; groups may name the new CA", () => {
    const rotating = { ...ca, intermediates: [{ name: "line", commonName: "Line", rotation: { step: "stage", name: "line-2" } }] };
    expect(problems({ ca: rotating, enrollmentGroups: [{ enrollmentId: "g", caName: "line", secondaryCaName: "root" }] })).toEqual([
      expect.stringMatching(/^enrollmentGroups\[0\]\.secondaryCaName: cannot be set while ca\.intermediates\[0\] rotates/),
    ]);
    expect(problems({ ca: rotating, enrollmentGroups: [{ enrollmentId: "g", caName: "line-2" }] })).toEqual([]);
    expect(problems({ ca: rotating, enrollmentGroups: [{ enrollmentId: "g", caName: "line-3" }] })).toEqual([expect.stringMatching(/allowed: root, line, line-2$/)]);
  });

  test("rotation and adopt are refused on a tenant stack with a message", () => {
    const result = parseStackConfig({ values: { platform: "org/dps-x509/platform", tenant: "acme", ca: { intermediates: [{ name: "i", commonName: "I", rotation: { step: "stage", name: "i-2" } }] } } });
    expect(result.ok ? [] : result.problems.map((p) => p.path)).toEqual(["ca.intermediates[0].rotation"]);
  });
});

test("adopting a group that already holds exactly the stack's values writes nothing", async () => {
  await groups.create(groupInputs("already-right"));
  const etag = service.group("already-right")!.etag;
  service.resetRequests();
  const { outs } = await groups.create(groupInputs("already-right", { adopt: true }));
  expect(service.requests.map((r) => r.method)).toEqual(["GET"]);
  expect(outs).toMatchObject({ etag, adoptedChanges: [] });
});
