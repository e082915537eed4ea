/**
 * The doctor follows the stack's rotations and reads each CA's notAfter from the outputs: expectations from a
 * config mid-rotation (pure), then the checklist on them.
 */
import { runChecks, type LiveFacts } from "../cli/doctor/checks";
import { expectationsFromConfig } from "../cli/doctor/expectations";
import { parseStackConfig, type StackConfig } from "../components/config";

function config(step: "stage" | "promote" | "retire"): StackConfig {
  const parsed = parseStackConfig({
    values: {
      resourceGroupName: "rg",
      dps: { name: "my-dps" },
      hubs: [{ name: "hub-a" }],
      ca: { root: { name: "root-ca", commonName: "Root", upload: false }, intermediates: [{ name: "line-ca", commonName: "Line", renewBeforeDays: 45, rotation: { step, name: "line-ca-2" } }] },
      enrollmentGroups: [{ enrollmentId: "line", caName: "line-ca" }],
    },
    location: "westeurope",
  });
  if (!parsed.ok || parsed.config.role !== "platform") throw new Error(JSON.stringify(parsed));
  return parsed.config;
}

const NOW = new Date("2031-01-01T00:00:00Z");
const inDays = (n: number) => new Date(NOW.getTime() + n * 86400_000);

test("mid-rotation the doctor expects both certificates, the group naming both; after retire the new one alone", () => {
  const stage = expectationsFromConfig(config("stage"), undefined, "my-dps");
  expect(stage.cas.map((ca) => [ca.name, ca.configPath, ca.renewBeforeDays])).toEqual([["line-ca", "ca.intermediates[0]", 45], ["line-ca-2", "ca.intermediates[0]", 45]]);
  expect(stage.groups[0].caNames).toEqual(["line-ca", "line-ca-2"]);
  expect(expectationsFromConfig(config("promote"), undefined, "my-dps").groups[0].caNames).toEqual(["line-ca-2", "line-ca"]);
  const retired = expectationsFromConfig(config("retire"), undefined, "my-dps");
  expect(retired.cas.map((ca) => ca.name)).toEqual(["line-ca-2"]);
  expect(retired.groups[0].caNames).toEqual(["line-ca-2"]);
});

test("a CA not on the DPS (the root, upload: false) is checked from caNotAfter; a DPS certificate by its CA's renewBeforeDays", () => {
  const outputs = { caNotAfter: { "root-ca": inDays(50).toISOString(), "line-ca": inDays(40).toISOString(), "line-ca-2": inDays(700).toISOString() } };
  const expected = expectationsFromConfig(config("stage"), outputs, "my-dps");
  const live: LiveFacts = {
    certificates: { ok: true, value: [
      { name: "line-ca", isVerified: true, expiry: inDays(40) },
      { name: "line-ca-2", isVerified: true, expiry: inDays(700) },
    ] },
    linkedHubs: { ok: true, value: ["hub-a.azure-devices.net"] },
    groups: { line: { ok: true, value: { enrollmentGroupId: "line", attestation: { type: "x509", x509: { caReferences: { primary: "line-ca", secondary: "line-ca-2" } } }, provisioningStatus: "enabled", allocationPolicy: "hashed", iotHubs: ["hub-a.azure-devices.net"] } } },
  };
  const rows = runChecks(expected, live, NOW);
  const failing = rows.filter((r) => r.status === "fail").map((r) => `${r.check}: ${r.detail}`);
  expect(failing).toEqual([
    "CA line-ca: expiry: expires on 2031-02-10, in 40 days (within renewBeforeDays 45)",
    "CA root-ca: expiry (stack): expires on 2031-02-20, in 50 days (within 90 days, no renewBeforeDays set)",
  ]);
  expect(rows.find((r) => r.check === "group line: CA references")!.status).toBe("pass");
});
