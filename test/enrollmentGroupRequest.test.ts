/**
 * The enrollment group request body against the DPS service API 2021-10-01 (EnrollmentGroup definition in
 * azure-rest-api-specs .../stable/2021-10-01/service.json). Expected bodies are written out literally here
 * from that definition, not derived from the code.
 */
import {
  changedEnrollmentGroupFields,
  EnrollmentGroupSpec,
  enrollmentGroupRequestBody,
  enrollmentGroupSpecProblems,
  isValidEnrollmentId,
  specFromEnrollmentGroupRecord,
} from "../components/requests/enrollmentGroupRequest";

const base: EnrollmentGroupSpec = {
  enrollmentId: "factory-line-1",
  primaryCaName: "root-ca",
  provisioningStatus: "enabled",
  allocationPolicy: "hashed",
  iotHubHostNames: ["hub-a.azure-devices.net", "hub-b.azure-devices.net"],
  reprovisionPolicy: "reprovisionandmigratedata",
  edgeEnabled: false,
};

describe("enrollmentGroupRequestBody", () => {
  test("a hashed group over two hubs", () => {
    expect(enrollmentGroupRequestBody(base)).toStrictEqual({
      enrollmentGroupId: "factory-line-1",
      attestation: { type: "x509", x509: { caReferences: { primary: "root-ca" } } },
      capabilities: { iotEdge: false },
      initialTwin: { tags: {}, properties: { desired: {} } },
      provisioningStatus: "enabled",
      reprovisionPolicy: { updateHubAssignment: true, migrateDeviceData: true },
      allocationPolicy: "hashed",
      iotHubs: ["hub-a.azure-devices.net", "hub-b.azure-devices.net"],
    });
  });

  test("custom allocation, secondary CA, edge, twin, reset-data reprovisioning, disabled", () => {
    const spec: EnrollmentGroupSpec = {
      ...base,
      secondaryCaName: "root-ca-2026",
      provisioningStatus: "disabled",
      allocationPolicy: "custom",
      customAllocation: { webhookUrl: "https://alloc.example.net/api/allocate?code=k3y", apiVersion: "2021-10-01" },
      initialTwin: { tags: { site: "lyon", line: 1 }, properties: { desired: { telemetryInterval: 30, mode: { eco: true } } } },
      reprovisionPolicy: "reprovisionandresetdata",
      edgeEnabled: true,
    };
    expect(enrollmentGroupRequestBody(spec)).toStrictEqual({
      enrollmentGroupId: "factory-line-1",
      attestation: { type: "x509", x509: { caReferences: { primary: "root-ca", secondary: "root-ca-2026" } } },
      capabilities: { iotEdge: true },
      initialTwin: { tags: { site: "lyon", line: 1 }, properties: { desired: { telemetryInterval: 30, mode: { eco: true } } } },
      provisioningStatus: "disabled",
      reprovisionPolicy: { updateHubAssignment: true, migrateDeviceData: false },
      allocationPolicy: "custom",
      iotHubs: ["hub-a.azure-devices.net", "hub-b.azure-devices.net"],
      customAllocationDefinition: { webhookUrl: "https://alloc.example.net/api/allocate?code=k3y", apiVersion: "2021-10-01" },
    });
  });

  test("reprovision policy never, static, geoLatency: casing as the service has it", () => {
    expect(enrollmentGroupRequestBody({ ...base, reprovisionPolicy: "never" }).reprovisionPolicy).toStrictEqual({ updateHubAssignment: false, migrateDeviceData: false });
    expect(enrollmentGroupRequestBody({ ...base, allocationPolicy: "static", iotHubHostNames: ["hub-a.azure-devices.net"] }).allocationPolicy).toBe("static");
    expect(enrollmentGroupRequestBody({ ...base, allocationPolicy: "geoLatency" }).allocationPolicy).toBe("geoLatency");
  });

  test("no customAllocationDefinition unless custom, no secondary unless set, no etag ever", () => {
    const body = enrollmentGroupRequestBody({ ...base, customAllocation: { webhookUrl: "https://x.example/a", apiVersion: "2021-10-01" } });
    expect(body).not.toHaveProperty("customAllocationDefinition");
    expect((body.attestation as any).x509.caReferences).not.toHaveProperty("secondary");
    expect(body).not.toHaveProperty("etag");
  });

  test("pure: the spec is not modified and bodies do not share objects with it", () => {
    const spec: EnrollmentGroupSpec = { ...base, initialTwin: { tags: { a: 1 } } };
    const copy = JSON.parse(JSON.stringify(spec));
    const body = enrollmentGroupRequestBody(spec) as any;
    body.initialTwin.tags.b = 2;
    body.iotHubs.push("x");
    expect(spec).toStrictEqual(copy);
  });
});

describe("specFromEnrollmentGroupRecord: what GET returns, back to the spec", () => {
  const record = {
    enrollmentGroupId: "factory-line-1",
    attestation: { type: "x509", x509: { caReferences: { primary: "root-ca" } } },
    capabilities: { iotEdge: false },
    provisioningStatus: "enabled",
    reprovisionPolicy: { updateHubAssignment: true, migrateDeviceData: true },
    allocationPolicy: "hashed",
    iotHubs: ["hub-a.azure-devices.net", "hub-b.azure-devices.net"],
    iotHubHostName: "hub-a.azure-devices.net",
    etag: "AAAAAAAAAAE=",
    createdDateTimeUtc: "2026-01-01T00:00:00Z",
    lastUpdatedDateTimeUtc: "2026-01-01T00:00:00Z",
  };

  test("round trip: record of the body gives the same body", () => {
    expect(enrollmentGroupRequestBody(specFromEnrollmentGroupRecord(record))).toStrictEqual(enrollmentGroupRequestBody(base));
  });

  test("absent fields take the service's defaults", () => {
    const minimal = { enrollmentGroupId: "g", attestation: { type: "x509", x509: { caReferences: { primary: "root-ca" } } }, allocationPolicy: "hashed", iotHubs: [] };
    const spec = specFromEnrollmentGroupRecord(minimal);
    expect(spec.provisioningStatus).toBe("enabled");
    expect(spec.reprovisionPolicy).toBe("reprovisionandmigratedata");
    expect(spec.edgeEnabled).toBe(false);
  });

  test("twin metadata ($metadata, $version) is the service's and is dropped", () => {
    const spec = specFromEnrollmentGroupRecord({ ...record, initialTwin: { tags: { a: 1, $version: 2 }, properties: { desired: { b: 2, $metadata: {}, $version: 1 } } } });
    expect(spec.initialTwin).toStrictEqual({ tags: { a: 1 }, properties: { desired: { b: 2 } } });
  });

  test("a reprovision policy none of the names describe stays visible as a difference", () => {
    const spec = specFromEnrollmentGroupRecord({ ...record, reprovisionPolicy: { updateHubAssignment: false, migrateDeviceData: true } });
    expect(spec.reprovisionPolicy).toBe("updateHubAssignment=false,migrateDeviceData=true");
    expect(changedEnrollmentGroupFields({ ...base, reprovisionPolicy: "never" }, spec)).toEqual(["reprovisionPolicy"]);
    expect(enrollmentGroupRequestBody(spec).reprovisionPolicy).toStrictEqual({ updateHubAssignment: false, migrateDeviceData: true });
  });
});

describe("changedEnrollmentGroupFields", () => {
  test("names fields, never values", () => {
    const other: EnrollmentGroupSpec = { ...base, provisioningStatus: "disabled", initialTwin: { tags: { edited: true } } };
    expect(changedEnrollmentGroupFields(base, other)).toEqual(["provisioningStatus", "initialTwin.tags"]);
    expect(changedEnrollmentGroupFields(base, { ...base })).toEqual([]);
  });

  test("an absent twin equals an empty one; hub names compare case-insensitively", () => {
    expect(changedEnrollmentGroupFields(base, { ...base, initialTwin: { tags: {}, properties: { desired: {} } } })).toEqual([]);
    expect(changedEnrollmentGroupFields(base, { ...base, iotHubHostNames: ["HUB-A.azure-devices.net", "hub-b.azure-devices.net"] })).toEqual([]);
  });
});

describe("enrollment id rule", () => {
  test.each([["a"], ["factory-line_1.v2:x"], ["A".repeat(128)], ["0abc9"]])("valid: %s", (id) => expect(isValidEnrollmentId(id)).toBe(true));
  test.each([[""], ["-abc"], ["abc."], ["a b"], ["a/b"], ["A".repeat(129)], ["é"], [":x"]])("invalid: %j", (id) => expect(isValidEnrollmentId(id)).toBe(false));
});

describe("enrollmentGroupSpecProblems", () => {
  const props = (spec: Partial<Record<string, unknown>>) => enrollmentGroupSpecProblems(spec).map((p) => p.property);

  test("a valid spec has none", () => {
    expect(enrollmentGroupSpecProblems(base)).toEqual([]);
    expect(enrollmentGroupSpecProblems({ ...base, allocationPolicy: "custom", customAllocation: { webhookUrl: "https://f.example/api/a?code=x", apiVersion: "2021-10-01" } })).toEqual([]);
  });

  test("required fields and enums, with the allowed values in the reason", () => {
    const problems = enrollmentGroupSpecProblems({ ...base, enrollmentId: undefined, allocationPolicy: "Hashed", provisioningStatus: "on", reprovisionPolicy: "always", edgeEnabled: "no" });
    expect(problems.map((p) => p.property)).toEqual(["enrollmentId", "provisioningStatus", "allocationPolicy", "reprovisionPolicy", "edgeEnabled"]);
    expect(problems.find((p) => p.property === "allocationPolicy")!.reason).toBe('"Hashed" is not allowed: one of hashed | geoLatency | static | custom (exact casing)');
  });

  test("id rule", () => {
    expect(enrollmentGroupSpecProblems({ ...base, enrollmentId: "-bad" })[0].reason).toMatch(/not a valid enrollment id: 1 to 128/);
  });

  test("static needs exactly one hub", () => {
    expect(props({ ...base, allocationPolicy: "static" })).toEqual(["iotHubHostNames"]);
    expect(props({ ...base, allocationPolicy: "static", iotHubHostNames: ["hub-a.azure-devices.net"] })).toEqual([]);
  });

  test("custom needs webhookUrl and apiVersion; the URL is never echoed", () => {
    expect(props({ ...base, allocationPolicy: "custom" })).toEqual(["customAllocation"]);
    expect(props({ ...base, allocationPolicy: "custom", customAllocation: { apiVersion: "2021-10-01" } })).toEqual(["customAllocation.webhookUrl"]);
    const secretUrl = "http://f.example/api/a?code=SECRETKEY";
    const problems = enrollmentGroupSpecProblems({ ...base, allocationPolicy: "custom", customAllocation: { webhookUrl: secretUrl, apiVersion: "v1" } });
    expect(problems.map((p) => p.property)).toEqual(["customAllocation.webhookUrl", "customAllocation.apiVersion"]);
    expect(JSON.stringify(problems)).not.toContain("SECRETKEY");
  });

  test("customAllocation with another policy is a mistake", () => {
    expect(props({ ...base, customAllocation: { webhookUrl: "https://f.example/a", apiVersion: "2021-10-01" } })).toEqual(["customAllocation"]);
  });

  test("hub names and duplicates", () => {
    expect(props({ ...base, iotHubHostNames: ["not a host"] })).toEqual(["iotHubHostNames[0]"]);
    expect(props({ ...base, iotHubHostNames: ["hub-a.azure-devices.net", "HUB-A.azure-devices.net"] })).toEqual(["iotHubHostNames"]);
  });

  test("unknown values (a preview) are not judged", () => {
    const unknown = "<unknown>";
    expect(enrollmentGroupSpecProblems({ ...base, enrollmentId: unknown, allocationPolicy: unknown, iotHubHostNames: unknown }, (v) => v === unknown)).toEqual([]);
  });
});
