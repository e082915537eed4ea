/**
 * The doctor's checks, pure: expectations and live facts in, one row per check out, each failure with a fix.
 */
import { CheckResult, Expectations, LiveCertificate, LiveFacts, runChecks } from "../cli/doctor/checks";
import { formatReport } from "../cli/doctor/render";

const NOW = new Date("2027-03-01T12:00:00Z");
const days = (n: number) => new Date(NOW.getTime() + n * 24 * 3600 * 1000);

const expected: Expectations = {
  dpsName: "my-dps",
  cas: [
    { name: "root-ca", thumbprint: "AA11", configPath: "ca.root" },
    { name: "line-ca", thumbprint: "BB22", configPath: "ca.intermediates[0]" },
  ],
  groups: [
    { enrollmentId: "line-1", caNames: ["line-ca"], provisioningStatus: "enabled", allocationPolicy: "hashed", hubHostNames: ["hub-a.azure-devices.net", "hub-b.azure-devices.net"], configPath: "enrollmentGroups[0]" },
  ],
  linkedHubHostNames: ["hub-a.azure-devices.net", "hub-b.azure-devices.net"],
  haveOutputs: true,
};

const cert = (name: string, extra: Partial<LiveCertificate> = {}): LiveCertificate => ({ name, isVerified: true, thumbprint: name === "root-ca" ? "aa11" : "BB22", expiry: days(400), ...extra });
const group = (extra: Record<string, unknown> = {}) => ({
  enrollmentGroupId: "line-1",
  attestation: { type: "x509", x509: { caReferences: { primary: "line-ca" } } },
  provisioningStatus: "enabled",
  allocationPolicy: "hashed",
  iotHubs: ["hub-b.azure-devices.net", "HUB-A.azure-devices.net"],
  ...extra,
});
const healthy = (): LiveFacts => ({
  certificates: { ok: true, value: [cert("root-ca"), cert("line-ca")] },
  linkedHubs: { ok: true, value: ["hub-a.azure-devices.net", "hub-b.azure-devices.net"] },
  groups: { "line-1": { ok: true, value: group() } },
});

const rowOf = (results: CheckResult[], check: string) => {
  const found = results.find((r) => r.check === check);
  if (!found) throw new Error(`no row "${check}"; rows: ${results.map((r) => r.check).join(" | ")}`);
  return found;
};
const failing = (results: CheckResult[]) => results.filter((r) => r.status === "fail").map((r) => r.check);

test("a healthy DPS: every check passes (thumbprint and hub names compared without case)", () => {
  const results = runChecks(expected, healthy(), NOW);
  expect(failing(results)).toEqual([]);
  expect(results.map((r) => r.check)).toEqual([
    "CA root-ca: uploaded", "CA root-ca: verified", "CA root-ca: thumbprint",
    "CA line-ca: uploaded", "CA line-ca: verified", "CA line-ca: thumbprint",
    "CA root-ca: expiry", "CA line-ca: expiry",
    "hub hub-a.azure-devices.net: linked", "hub hub-b.azure-devices.net: linked",
    "group line-1: present", "group line-1: enabled", "group line-1: CA references", "group line-1: allocation", "group line-1: hubs",
  ]);
  expect(rowOf(results, "CA line-ca: expiry").detail).toBe("expires on 2028-04-04, in 400 days");
});

test("a missing, an unverified and a replaced CA each fail with their own fix", () => {
  const live = healthy();
  const results = runChecks(expected, { ...live, certificates: { ok: true, value: [cert("root-ca", { thumbprint: "CC33" }), cert("line-ca", { isVerified: false })] } }, NOW);
  expect(failing(results)).toEqual(["CA root-ca: thumbprint", "CA line-ca: verified", "group line-1: CA references"]);
  expect(rowOf(results, "CA root-ca: thumbprint")).toMatchObject({ detail: expect.stringContaining("DPS holds CC33, the stack has AA11"), fix: expect.stringContaining("`pulumi refresh`") });
  expect(rowOf(results, "CA line-ca: verified").fix).toContain("proves possession");
  expect(rowOf(results, "group line-1: CA references").detail).toContain("line-ca is not verified");

  const gone = runChecks(expected, { ...live, certificates: { ok: true, value: [cert("root-ca")] } }, NOW);
  expect(rowOf(gone, "CA line-ca: uploaded")).toMatchObject({ status: "fail", detail: "not in DPS my-dps", fix: expect.stringContaining("ca.intermediates[0].upload") });
  expect(gone.some((r) => r.check === "CA line-ca: verified")).toBe(false);
  expect(rowOf(gone, "group line-1: CA references").detail).toContain("line-ca is not a certificate of the DPS");
});

test("expiry: within 90 days (no renewBeforeDays) fails, with the config key to rotate it; past fails; a hand-uploaded certificate is checked too", () => {
  const results = runChecks(expected, { ...healthy(), certificates: { ok: true, value: [cert("root-ca", { expiry: days(89.5) }), cert("line-ca", { expiry: days(-2) }), cert("by-hand", { expiry: days(10), thumbprint: "DD" })] } }, NOW);
  expect(rowOf(results, "CA root-ca: expiry")).toMatchObject({ status: "fail", detail: "expires on 2027-05-30, in 89 days (within 90 days, no renewBeforeDays set)" });
  expect(rowOf(results, "CA root-ca: expiry").fix).toContain("set ca.root.rotation to { step: stage, name: <a new certificate name> }");
  expect(rowOf(results, "CA line-ca: expiry")).toMatchObject({ status: "fail", detail: "expired on 2027-02-27" });
  expect(rowOf(results, "CA by-hand: expiry")).toMatchObject({ status: "fail", fix: expect.stringContaining("not in this stack's config") });
  expect(rowOf(runChecks(expected, { ...healthy(), certificates: { ok: true, value: [cert("root-ca", { expiry: days(91) }), cert("line-ca")] } }, NOW), "CA root-ca: expiry").status).toBe("pass");
});

test("expiry: a CA's renewBeforeDays is its window; a CA not on the DPS is checked from the stack output caNotAfter", () => {
  const withWindows: Expectations = {
    ...expected,
    cas: [{ ...expected.cas[0], renewBeforeDays: 20 }, expected.cas[1]],
    stackCas: [
      { name: "root-ca", configPath: "ca.root", renewBeforeDays: 20, notAfter: days(30).toISOString() },
      { name: "offline-root", configPath: "ca.root", notAfter: days(60).toISOString() },
      { name: "far-off", configPath: "ca.intermediates[1]", notAfter: days(365).toISOString() },
    ],
  };
  const results = runChecks(withWindows, { ...healthy(), certificates: { ok: true, value: [cert("root-ca", { expiry: days(30) }), cert("line-ca")] } }, NOW);
  expect(rowOf(results, "CA root-ca: expiry")).toMatchObject({ status: "pass", detail: "expires on 2027-03-31, in 30 days" });
  expect(results.some((r) => r.check === "CA root-ca: expiry (stack)")).toBe(false); // on the DPS: checked there
  expect(rowOf(results, "CA offline-root: expiry (stack)")).toMatchObject({ status: "fail", detail: "expires on 2027-04-30, in 60 days (within 90 days, no renewBeforeDays set)" });
  expect(rowOf(results, "CA far-off: expiry (stack)").status).toBe("pass");
  const tighter = runChecks({ ...withWindows, cas: [{ ...expected.cas[0], renewBeforeDays: 40 }, expected.cas[1]] }, { ...healthy(), certificates: { ok: true, value: [cert("root-ca", { expiry: days(30) }), cert("line-ca")] } }, NOW);
  expect(rowOf(tighter, "CA root-ca: expiry")).toMatchObject({ status: "fail", detail: "expires on 2027-03-31, in 30 days (within renewBeforeDays 40)" });
});

test("an unlinked hub fails, naming what is linked", () => {
  const results = runChecks(expected, { ...healthy(), linkedHubs: { ok: true, value: ["hub-a.azure-devices.net"] } }, NOW);
  expect(failing(results)).toEqual(["hub hub-b.azure-devices.net: linked"]);
  expect(rowOf(results, "hub hub-b.azure-devices.net: linked")).toMatchObject({ detail: "not linked to DPS my-dps (linked: hub-a.azure-devices.net)", fix: expect.stringContaining("`pulumi up` links it") });
});

test("a group changed outside Pulumi: status, CA reference, policy and hubs each fail", () => {
  const changed = group({ provisioningStatus: "disabled", allocationPolicy: "geoLatency", iotHubs: ["hub-a.azure-devices.net"], attestation: { type: "x509", x509: { caReferences: { primary: "root-ca" } } } });
  const results = runChecks(expected, { ...healthy(), groups: { "line-1": { ok: true, value: changed } } }, NOW);
  expect(failing(results)).toEqual(["group line-1: enabled", "group line-1: CA references", "group line-1: allocation", "group line-1: hubs"]);
  expect(rowOf(results, "group line-1: enabled").detail).toBe("disabled in the DPS, enabled in the stack: its devices are refused");
  expect(rowOf(results, "group line-1: CA references").detail).toContain("references root-ca, the stack says line-ca");
  expect(rowOf(results, "group line-1: allocation").detail).toBe("geoLatency in the DPS, hashed in the stack");
  expect(rowOf(results, "group line-1: hubs").fix).toContain("enrollmentGroups[0].iotHubs");
});

test("a group the stack disables passes when it is disabled; a missing group fails alone", () => {
  const disabled: Expectations = { ...expected, groups: [{ ...expected.groups[0], provisioningStatus: "disabled" }] };
  expect(rowOf(runChecks(disabled, { ...healthy(), groups: { "line-1": { ok: true, value: group({ provisioningStatus: "disabled" }) } } }, NOW), "group line-1: disabled").status).toBe("pass");
  const missing = runChecks(expected, { ...healthy(), groups: { "line-1": { ok: true, value: undefined } } }, NOW);
  expect(failing(missing)).toEqual(["group line-1: present"]);
  expect(missing.filter((r) => r.check.startsWith("group line-1"))).toHaveLength(1);
});

test("what could not be read fails once with how to get access, and what depends on it is skipped", () => {
  const results = runChecks(expected, {
    certificates: { ok: false, error: "HTTP 403 AuthorizationFailed: no access" },
    linkedHubs: { ok: false, error: "HTTP 403 AuthorizationFailed: no access" },
    groups: { "line-1": { ok: false, error: "DPS GET enrollment group \"line-1\" failed: HTTP 401, error 401002" } },
  }, NOW);
  expect(failing(results)).toEqual(["DPS certificates (ARM)", "DPS my-dps (ARM)", "group line-1: present"]);
  expect(rowOf(results, "DPS certificates (ARM)").fix).toContain("az login");
  expect(rowOf(results, "group line-1: present").fix).toContain("Device Provisioning Service Data Reader");
  expect(results.filter((r) => r.status === "skip").map((r) => r.check)).toEqual(["CA root-ca", "CA line-ca", "hub hub-a.azure-devices.net: linked", "hub hub-b.azure-devices.net: linked"]);
});

test("without stack outputs the thumbprints are skipped, not failed; unknown policy and hubs too", () => {
  const bare: Expectations = {
    ...expected,
    haveOutputs: false,
    cas: expected.cas.map(({ name, configPath }) => ({ name, configPath })),
    groups: [{ enrollmentId: "line-1", caNames: ["line-ca"], provisioningStatus: "enabled", configPath: "enrollmentGroups[0]" }],
  };
  const results = runChecks(bare, healthy(), NOW);
  expect(failing(results)).toEqual([]);
  expect(rowOf(results, "CA root-ca: thumbprint")).toMatchObject({ status: "skip", detail: "no stack outputs read (give --stack to compare)" });
  expect(rowOf(results, "group line-1: allocation").status).toBe("skip");
  expect(rowOf(results, "group line-1: hubs").status).toBe("skip");
});

test("the report: a table, a count, and each failure with its fix", () => {
  const results = runChecks(expected, { ...healthy(), linkedHubs: { ok: true, value: ["hub-a.azure-devices.net"] } }, NOW);
  const text = formatReport(results, "DPS my-dps");
  const lines = text.split("\n");
  expect(lines[0]).toBe("Doctor for DPS my-dps");
  expect(lines[2]).toMatch(/^STATUS +CHECK +FOUND$/);
  expect(lines).toContainEqual(expect.stringMatching(/^FAIL +hub hub-b\.azure-devices\.net: linked +not linked to DPS my-dps/));
  expect(lines).toContainEqual(expect.stringMatching(/^PASS +CA root-ca: verified +verified$/));
  expect(text).toContain(`1 of ${results.length} checks failed.`);
  expect(text).toContain("To fix:\n  ✗ hub hub-b.azure-devices.net: linked: not linked to DPS my-dps (linked: hub-a.azure-devices.net)\n    fix: `pulumi up` links it");
  expect(formatReport(runChecks(expected, healthy(), NOW), "x")).toContain(`All ${results.length} checks passed.`);
});

test("a signing-certificate group holds its CA: no CA reference row, its placement still checked", () => {
  const live: LiveFacts = { ...healthy(), groups: { "line-1": { ok: true, value: group({ attestation: { type: "x509", x509: { signingCertificates: { primary: { info: { sha256Thumbprint: "CC33" } } } } }, allocationPolicy: "static" }) } } };
  const results = runChecks(expected, live, NOW);
  expect(rowOf(results, "group line-1: signing certificates")).toMatchObject({ status: "pass" });
  expect(results.some((r) => r.check === "group line-1: CA references")).toBe(false);
  expect(failing(results)).toEqual(["group line-1: allocation"]);
});
