/**
 * The enrollment group dynamic provider against the fake DPS service, through Microsoft's SDK: the host name
 * stays `*.azure-devices-provisioning.net` and is routed to the local server in this process.
 */
import { enrollmentGroupProvider, EnrollmentGroupProviderInputs, EnrollmentGroupProviderOutputs, UNKNOWN } from "../components/providers/enrollmentGroup";
import { FakeDpsServiceServer, startRoutedFakeDps } from "../azure-test-servers/dpsServiceServer";

const provider = enrollmentGroupProvider as Required<typeof enrollmentGroupProvider>;
let server: FakeDpsServiceServer;
let stop: () => Promise<void>;

beforeAll(async () => {
  ({ server, stop } = await startRoutedFakeDps({
    linkedHubs: ["hub-a.azure-devices.net", "hub-b.azure-devices.net"],
    caCertificates: { "root-ca": { verified: true }, "root-ca-2026": { verified: true }, "pending-ca": { verified: false } },
  }));
});
afterAll(async () => stop());
beforeEach(() => {
  server.clearFaults();
  server.resetRequests();
});

function inputs(id: string, extra: Partial<EnrollmentGroupProviderInputs> = {}): EnrollmentGroupProviderInputs {
  return {
    enrollmentId: id,
    primaryCaName: "root-ca",
    provisioningStatus: "enabled",
    allocationPolicy: "hashed",
    iotHubHostNames: ["hub-a.azure-devices.net", "hub-b.azure-devices.net"],
    initialTwin: { tags: { site: "lyon" }, properties: { desired: { interval: 30 } } },
    reprovisionPolicy: "reprovisionandmigratedata",
    edgeEnabled: false,
    serviceHostName: server.hostName,
    connectionString: server.connectionString(),
    providerVersion: "1",
    ...extra,
  };
}

async function created(id: string, extra: Partial<EnrollmentGroupProviderInputs> = {}): Promise<{ ins: EnrollmentGroupProviderInputs; outs: EnrollmentGroupProviderOutputs }> {
  const ins = inputs(id, extra);
  const res = await provider.create(ins);
  server.resetRequests();
  return { ins, outs: res.outs as EnrollmentGroupProviderOutputs };
}

const puts = () => server.requests.filter((r) => r.method === "PUT");

describe("create", () => {
  test("PUTs exactly the documented body, once, and returns the etag", async () => {
    const ins = inputs("eg-create");
    const res = await provider.create(ins);
    expect(res.id).toBe("eg-create");
    expect(server.requestCount).toBe(1);
    const put = server.requests[0];
    expect(put.path).toBe("/enrollmentGroups/eg-create");
    expect(put.query["api-version"]).toBe("2021-10-01");
    expect(put.headers["if-match"]).toBeUndefined();
    expect(put.body).toStrictEqual({
      enrollmentGroupId: "eg-create",
      attestation: { type: "x509", x509: { caReferences: { primary: "root-ca" } } },
      capabilities: { iotEdge: false },
      initialTwin: { tags: { site: "lyon" }, properties: { desired: { interval: 30 } } },
      provisioningStatus: "enabled",
      reprovisionPolicy: { updateHubAssignment: true, migrateDeviceData: true },
      allocationPolicy: "hashed",
      iotHubs: ["hub-a.azure-devices.net", "hub-b.azure-devices.net"],
    });
    expect(res.outs.etag).toBe(server.group("eg-create")!.etag);
    expect(res.outs.connectionString).toBe(ins.connectionString);
  });

  test("a group that already exists (not ours) is an error, not adopted", async () => {
    await created("eg-exists");
    await expect(provider.create(inputs("eg-exists", { provisioningStatus: "disabled" }))).rejects.toThrow(/already exists .* not managed by this stack \(it differs in: provisioningStatus\)/);
  });

  test("a 500 after the PUT was applied: the retry's 409 adopts the group, created once", async () => {
    server.failNext({ status: 500, afterApply: true, match: (r) => r.path === "/enrollmentGroups/eg-ambiguous" });
    const res = await provider.create(inputs("eg-ambiguous"));
    expect(res.id).toBe("eg-ambiguous");
    expect(server.requests.map((r) => `${r.method} ${r.status}`)).toEqual(["PUT 500", "PUT 409", "GET 200"]);
    expect(res.outs.etag).toBe(server.group("eg-ambiguous")!.etag);
  });

  test("429 with Retry-After is waited out, then created", async () => {
    server.failNext({ status: 429, retryAfter: 1 });
    const t0 = Date.now();
    const res = await provider.create(inputs("eg-throttled"));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    expect(res.id).toBe("eg-throttled");
    expect(server.requests.map((r) => r.status)).toEqual([429, 200]);
  });

  test("503 is retried with backoff", async () => {
    server.failNext({ status: 503 }, 2);
    await provider.create(inputs("eg-503"));
    expect(server.requests.map((r) => r.status)).toEqual([503, 503, 200]);
  });
});

describe("bad input", () => {
  test("refused by check, with the field and what is allowed", async () => {
    const { failures } = await provider.check({} as never, inputs("-bad", {
      allocationPolicy: "Static" as never,
      reprovisionPolicy: "always" as never,
      serviceHostName: "not a host",
    }));
    expect(failures!.map((f) => f.property)).toEqual(["enrollmentId", "allocationPolicy", "reprovisionPolicy", "serviceHostName"]);
    const { failures: custom } = await provider.check({} as never, inputs("eg", { allocationPolicy: "custom" }));
    expect(custom!.map((f) => f.property)).toEqual(["customAllocation"]);
    const { failures: stat } = await provider.check({} as never, inputs("eg", { allocationPolicy: "static" }));
    expect(stat!.map((f) => f.property)).toEqual(["iotHubHostNames"]);
    expect(server.requestCount).toBe(0);
  });

  test("check: a connection string for another DPS, or malformed, without echoing it", async () => {
    const other = server.connectionString().replace(server.hostName, "other.azure-devices-provisioning.net");
    const { failures } = await provider.check({} as never, inputs("eg", { connectionString: other }));
    expect(failures).toEqual([{ property: "connectionString", reason: `is for DPS host other.azure-devices-provisioning.net, not serviceHostName ${server.hostName}` }]);
    const { failures: bad } = await provider.check({} as never, inputs("eg", { connectionString: `HostName=${server.hostName};SharedAccessKey=${server.key}` }));
    expect(bad![0].reason).toMatch(/missing SharedAccessKeyName/);
    expect(JSON.stringify(bad)).not.toContain(server.key);
  });

  test("check passes unknown values (preview) and returns the inputs", async () => {
    const ins = inputs(UNKNOWN, { iotHubHostNames: UNKNOWN as never, connectionString: UNKNOWN });
    const res = await provider.check({} as never, ins);
    expect(res.failures).toEqual([]);
    expect(res.inputs).toBe(ins);
  });

  test("refused by the server (hub not linked, CA not verified): Azure's code and message and the group id, no key", async () => {
    const err = await provider.create(inputs("eg-unlinked", { iotHubHostNames: ["hub-z.azure-devices.net"] })).catch((e) => e);
    expect(err.message).toMatch(/^DPS PUT enrollment group "eg-unlinked" failed: HTTP 400 Bad Request, error 400004: IoT hub\(s\) hub-z.azure-devices.net are not linked/);
    expect(err.errorCode).toBe(400004);
    expect(err.message).not.toContain(server.key);
    expect(JSON.stringify(err)).not.toContain(server.key);
    const err2 = await provider.create(inputs("eg-pending", { primaryCaName: "pending-ca" })).catch((e) => e);
    expect(err2.message).toMatch(/"eg-pending".*error 400004: CA certificate pending-ca is not verified/);
    expect(server.group("eg-unlinked")).toBeUndefined();
  });

  test("a wrong key: 401 with Azure's code, and neither key nor connection string in the error", async () => {
    const wrongKey = Buffer.from("x".repeat(32)).toString("base64");
    const cs = server.connectionString(wrongKey);
    const err = await provider.create(inputs("eg-wrongkey", { connectionString: cs })).catch((e) => e);
    expect(err.statusCode).toBe(401);
    expect(err.message).toMatch(/HTTP 401.*error 401002/);
    for (const secret of [wrongKey, cs, server.key]) expect(`${err.message} ${err.stack} ${JSON.stringify(err)}`).not.toContain(secret);
  });
});

describe("diff is local and exact", () => {
  test("no change: changes false and zero requests", async () => {
    const { ins, outs } = await created("eg-noop");
    const res = await provider.diff("eg-noop", outs, { ...ins });
    expect(res).toEqual({ changes: false, replaces: [], deleteBeforeReplace: undefined });
    expect(server.requestCount).toBe(0);
  });

  test("a body field changes: an update, not a replacement", async () => {
    const { ins, outs } = await created("eg-diff");
    for (const change of [{ provisioningStatus: "disabled" }, { initialTwin: { tags: { site: "paris" } } }, { iotHubHostNames: ["hub-a.azure-devices.net"] }, { secondaryCaName: "root-ca-2026" }, { edgeEnabled: true }] as Partial<EnrollmentGroupProviderInputs>[]) {
      expect(await provider.diff("eg-diff", outs, { ...ins, ...change })).toMatchObject({ changes: true, replaces: [] });
    }
    expect(server.requestCount).toBe(0);
  });

  test("a new enrollment id or DPS host replaces; a case-only id change deletes first", async () => {
    const { ins, outs } = await created("eg-replace");
    expect(await provider.diff("eg-replace", outs, { ...ins, enrollmentId: "eg-replace-2" })).toMatchObject({ changes: true, replaces: ["enrollmentId"] });
    expect(await provider.diff("eg-replace", outs, { ...ins, serviceHostName: "other.azure-devices-provisioning.net" })).toMatchObject({ changes: true, replaces: ["serviceHostName"] });
    expect(await provider.diff("eg-replace", outs, { ...ins, enrollmentId: "EG-Replace" })).toMatchObject({ replaces: ["enrollmentId"], deleteBeforeReplace: true });
    expect(await provider.diff("eg-replace", outs, { ...ins, enrollmentId: UNKNOWN })).toMatchObject({ replaces: ["enrollmentId"] });
  });

  test("an absent twin and an empty twin are the same body", async () => {
    const { ins, outs } = await created("eg-twin-empty", { initialTwin: undefined });
    expect(await provider.diff("eg-twin-empty", outs, { ...ins, initialTwin: { tags: {}, properties: { desired: {} } } })).toMatchObject({ changes: false });
  });

  test("a key rotation or a provider version is a change, but the update sends nothing", async () => {
    const { ins, outs } = await created("eg-rotate");
    const rotated = { ...ins, connectionString: server.connectionString().replace(/SharedAccessKey=.*/, `SharedAccessKey=${server.key}`) + ";" };
    expect(await provider.diff("eg-rotate", outs, rotated)).toMatchObject({ changes: true, replaces: [] });
    const res = await provider.update("eg-rotate", outs, { ...ins, providerVersion: "2" });
    expect(res.outs).toMatchObject({ providerVersion: "2", etag: outs.etag });
    expect(server.requestCount).toBe(0);
  });
});

describe("update", () => {
  test("PUTs the new body with If-Match of the stored etag", async () => {
    const { ins, outs } = await created("eg-update");
    const res = await provider.update("eg-update", outs, { ...ins, provisioningStatus: "disabled", reprovisionPolicy: "never" });
    expect(puts().length).toBe(1);
    expect(puts()[0].headers["if-match"]).toBe(outs.etag);
    expect(puts()[0].body).toMatchObject({ provisioningStatus: "disabled", reprovisionPolicy: { updateHubAssignment: false, migrateDeviceData: false } });
    expect(puts()[0].body).not.toHaveProperty("etag");
    expect(res.outs!.etag).not.toBe(outs.etag);
    expect(res.outs!.etag).toBe(server.group("eg-update")!.etag);
    expect(server.group("eg-update")!.provisioningStatus).toBe("disabled");
  });

  test("changed underneath since the last read: re-reads, names the changed fields and does not overwrite", async () => {
    const { ins, outs } = await created("eg-412");
    server.editGroup("eg-412", (g) => {
      g.provisioningStatus = "disabled";
      g.initialTwin.tags.site = "edited-by-hand";
    });
    const err = await provider.update("eg-412", outs, { ...ins, edgeEnabled: true }).catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toMatch(/Enrollment group "eg-412" was changed .* outside Pulumi .*\(changed: provisioningStatus, initialTwin\.tags\); not overwriting it\. Run `pulumi refresh`/);
    expect(err.message).toContain(`etag ${outs.etag} last seen`);
    expect(server.requests.map((r) => `${r.method} ${r.status}`)).toEqual(["GET 200"]);
    expect(server.group("eg-412")).toMatchObject({ provisioningStatus: "disabled", capabilities: { iotEdge: false } });
  });

  test("etag moved but nothing managed changed: applied on top of the current record, with its etag", async () => {
    const { ins, outs } = await created("eg-412-same");
    const saved = server.editGroup("eg-412-same", () => undefined); // saved in the portal without a change
    const res = await provider.update("eg-412-same", outs, { ...ins, edgeEnabled: true });
    expect(server.requests.map((r) => `${r.method} ${r.status} ${r.headers["if-match"]?.replace(/"/g, "") ?? "-"}`)).toEqual(["GET 200 -", `PUT 200 ${saved.etag}`]);
    expect(res.outs!.etag).toBe(server.group("eg-412-same")!.etag);
    expect(server.group("eg-412-same")!.capabilities.iotEdge).toBe(true);
  });

  test("412 between the read and the write: reads again and re-applies on the current record, once", async () => {
    const { ins, outs } = await created("eg-412-race");
    server.failNext({ status: 412, match: (r) => r.method === "PUT" });
    const res = await provider.update("eg-412-race", outs, { ...ins, edgeEnabled: true });
    expect(server.requests.map((r) => `${r.method} ${r.status}`)).toEqual(["GET 200", "PUT 412", "GET 200", "PUT 200"]);
    expect(res.outs!.etag).toBe(server.group("eg-412-race")!.etag);
    server.resetRequests();
    server.failNext({ status: 412, match: (r) => r.method === "PUT" }, 2);
    await expect(provider.update("eg-412-race", res.outs as never, { ...ins, edgeEnabled: false })).rejects.toThrow(/HTTP 412/);
    expect(server.requests.map((r) => `${r.method} ${r.status}`)).toEqual(["GET 200", "PUT 412", "GET 200", "PUT 412"]);
  });

  test("deleted underneath: says so and suggests a refresh", async () => {
    const { ins, outs } = await created("eg-gone");
    server.removeGroup("eg-gone");
    await expect(provider.update("eg-gone", outs, { ...ins, edgeEnabled: true })).rejects.toThrow(/was deleted from .* outside Pulumi\. Run `pulumi refresh`/);
  });
});

describe("read: drift shows on refresh and the next up puts it back", () => {
  test("group disabled and twin edited in the portal", async () => {
    const { ins, outs } = await created("eg-drift");
    server.editGroup("eg-drift", (g) => {
      g.provisioningStatus = "disabled";
      g.initialTwin = { tags: { site: "lyon", owner: "someone" }, properties: { desired: { interval: 5 } } };
    });
    const read = await provider.read("eg-drift", outs);
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /enrollmentGroups/eg-drift"]);
    expect(read.id).toBe("eg-drift");
    const refreshed = read.props as EnrollmentGroupProviderOutputs;
    expect(refreshed).toMatchObject({
      provisioningStatus: "disabled",
      initialTwin: { tags: { site: "lyon", owner: "someone" }, properties: { desired: { interval: 5 } } },
      etag: server.group("eg-drift")!.etag,
      connectionString: ins.connectionString,
      serviceHostName: ins.serviceHostName,
    });

    const d = await provider.diff("eg-drift", refreshed, ins);
    expect(d).toMatchObject({ changes: true, replaces: [] });

    server.resetRequests();
    await provider.update("eg-drift", refreshed, ins);
    expect(puts()[0].headers["if-match"]).toBe(refreshed.etag);
    expect(server.group("eg-drift")).toMatchObject({ provisioningStatus: "enabled", initialTwin: { tags: { site: "lyon" }, properties: { desired: { interval: 30 } } } });
  });

  test("no drift: the refreshed state diffs as no change", async () => {
    const { ins, outs } = await created("eg-nodrift");
    const read = await provider.read("eg-nodrift", outs);
    expect(await provider.diff("eg-nodrift", read.props as EnrollmentGroupProviderOutputs, ins)).toMatchObject({ changes: false });
  });

  test("deleted in the portal: read returns no id, so refresh drops it", async () => {
    const { outs } = await created("eg-portal-deleted");
    server.removeGroup("eg-portal-deleted");
    expect(await provider.read("eg-portal-deleted", outs)).toEqual({});
  });
});

describe("delete", () => {
  test("removes the group; a second delete (404) is done, not an error", async () => {
    const { outs } = await created("eg-delete");
    await provider.delete("eg-delete", outs);
    expect(server.group("eg-delete")).toBeUndefined();
    await expect(provider.delete("eg-delete", outs)).resolves.toBeUndefined();
    expect(server.requests.map((r) => `${r.method} ${r.status}`)).toEqual(["DELETE 204", "DELETE 404"]);
  });

  test("a 5xx on delete is retried", async () => {
    const { outs } = await created("eg-delete-503");
    server.failNext({ status: 503 });
    await provider.delete("eg-delete-503", outs);
    expect(server.requests.map((r) => r.status)).toEqual([503, 204]);
  });
});
