import * as path from "path";
import {
  ConfigError,
  allowedKeysAt,
  parsePlatformStackConfig,
  parseStackConfig,
  readRawStackConfig,
  requireStackConfig,
  type Problem,
  type RawStackConfig,
  type StackConfig,
} from "../components/config";
import { formatProblem } from "../components/config/problems";
import { readStackFile } from "../cli/plan/stackFile";
import { createIntermediateCa, createRootCa } from "../certs";

/** A real chain to bring (RSA-2048 to stay quick), made once. */
const brought = (() => {
  const root = createRootCa({ commonName: "Brought Root", keySize: 2048, validityDays: 3650 });
  const intermediate = createIntermediateCa({ issuer: root, commonName: "Brought Intermediate", keySize: 2048, validityDays: 20 });
  return { root, intermediate };
})();

const ROOT = path.resolve(__dirname, "..");
const EXAMPLE_STACKS = ["dev", "multiregion", "platform", "tenant-customer-a", "tenant-customer-b", "keyvault"];

/** A small valid stack, to break one rule at a time. */
function validValues(): Record<string, any> {
  return {
    resourceGroupName: "iot-rg",
    dps: { name: "my-dps" },
    hubs: [{ name: "hub-one" }, { name: "hub-two", location: "eastus" }],
    ca: {
      root: { name: "root-ca", commonName: "Root" },
      intermediates: [{ name: "int-ca", commonName: "Intermediate" }],
    },
    enrollmentGroups: [{ enrollmentId: "group-1", caName: "int-ca" }],
  };
}

function problemsOf(values: Record<string, unknown>): Problem[] {
  const result = parseStackConfig({ values, location: "westeurope" });
  if (result.ok) throw new Error("expected problems, the config passed");
  return result.problems;
}

/** Mutates a fresh valid config and returns its problems. */
function problemsAfter(mutate: (values: Record<string, any>) => void): Problem[] {
  const values = validValues();
  mutate(values);
  return problemsOf(values);
}

describe("example stacks", () => {
  test.each(EXAMPLE_STACKS)("Pulumi.%s.yaml passes the schema", (stack) => {
    const raw = readRawStackConfig(readStackFile(path.join(ROOT, `Pulumi.${stack}.yaml`)).allConfig);
    const result = parseStackConfig(raw);
    expect(result.ok ? [] : result.problems).toEqual([]);
  });

  test("the dev stack is the tutorial's set-up, with defaults filled in", () => {
    const config = requireStackConfig(readRawStackConfig(readStackFile(path.join(ROOT, "Pulumi.dev.yaml")).allConfig)) as StackConfig;
    expect(config.role).toBe("platform");
    expect(config.resourceGroupName).toBe("iot-x509-demo-rg");
    expect(config.dps).toEqual({ name: "my-dps-x509", sku: "S1", capacity: 1, allocationPolicy: "hashed" });
    expect(config.ca.root).toMatchObject({ keySize: 4096, validityDays: 3650, upload: true, verification: "proofOfPossession" });
    expect(config.ca.intermediates[0]).toMatchObject({ name: "my-intermediate-ca", validityDays: 1825 });
    expect(config.hubs[0]).toMatchObject({ location: "eastus", sku: "S1", capacity: 1, applyAllocationPolicy: true });
    expect(config.enrollmentGroups[0]).toMatchObject({
      enrollmentId: "my-device-group",
      allocationPolicy: "hashed",
      iotHubs: ["my-iot-hub-x509"],
      provisioningStatus: "enabled",
      reprovisionPolicy: "reprovisionandmigratedata",
      edgeEnabled: false,
      initialTwin: {
        tags: { environment: "production", location: "factory-floor" },
        properties: { desired: { telemetryInterval: 60, firmware: "1.0.0" } },
      },
    });
  });
});

describe("defaults", () => {
  test("a group's policy defaults to the DPS-level one and its hubs to all hubs", () => {
    const values = validValues();
    values.dps.allocationPolicy = "geoLatency";
    const result = parsePlatformStackConfig({ values, location: "westeurope" });
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.config.enrollmentGroups[0].allocationPolicy).toBe("geoLatency");
    expect(result.config.enrollmentGroups[0].iotHubs).toEqual(["hub-one", "hub-two"]);
    expect(result.config.hubs.map((hub) => hub.location)).toEqual(["westeurope", "eastus"]);
  });
});

describe("schema rules", () => {
  test("the Azure location is required", () => {
    const result = parseStackConfig({ values: validValues(), location: undefined });
    expect(result.ok ? [] : result.problems).toEqual([expect.objectContaining({ path: "azure-native:location" })]);
  });

  test("an unknown key is named with the keys allowed there", () => {
    const problems = problemsAfter((v) => (v.dps.allocation = "hashed"));
    expect(problems).toHaveLength(1);
    expect(problems[0].path).toBe("dps.allocation");
    expect(problems[0].message).toContain("name, sku, capacity, allocationPolicy");
  });

  test("a misspelt top-level key is reported", () => {
    const problems = problemsAfter((v) => (v.enrolmentGroups = []));
    expect(problems.map((p) => p.path)).toEqual(["enrolmentGroups"]);
  });

  test.each([
    ["dps.allocationPolicy", (v: any) => (v.dps.allocationPolicy = "Hashed"), /"hashed", "geoLatency", "static"/],
    ["ca.root.keySize", (v: any) => (v.ca.root.keySize = 1024), /2048, 3072, 4096/],
    ["ca.intermediates[0].verification", (v: any) => (v.ca.intermediates[0].verification = "manual"), /proofOfPossession/],
    ["enrollmentGroups[0].allocationPolicy", (v: any) => (v.enrollmentGroups[0].allocationPolicy = "roundRobin"), /custom/],
    ["enrollmentGroups[0].reprovisionPolicy", (v: any) => (v.enrollmentGroups[0].reprovisionPolicy = "always"), /reprovisionandresetdata/],
    ["enrollmentGroups[0].provisioningStatus", (v: any) => (v.enrollmentGroups[0].provisioningStatus = "on"), /"enabled", "disabled"/],
    ["hubs[0].capacity", (v: any) => (v.hubs[0].capacity = 0), /at least 1/],
    ["hubs[1].sku", (v: any) => (v.hubs[1].sku = "S9"), /"S1"/],
    ["enrollmentGroups[0].edgeEnabled", (v: any) => (v.enrollmentGroups[0].edgeEnabled = "yes"), /boolean/],
  ])("%s: a bad value is named with what is allowed", (keyPath, mutate, allowed) => {
    const problems = problemsAfter(mutate);
    expect(problems.map((p) => p.path)).toEqual([keyPath]);
    expect(problems[0].message).toMatch(allowed);
  });

  test("at least one hub and at most 50", () => {
    expect(problemsAfter((v) => (v.hubs = []))[0]).toMatchObject({ path: "hubs", message: expect.stringContaining("at least 1") });
    const tooMany = problemsAfter((v) => (v.hubs = Array.from({ length: 51 }, (_, i) => ({ name: `hub-${String(i).padStart(3, "0")}` }))));
    expect(tooMany[0]).toMatchObject({ path: "hubs", message: expect.stringContaining("at most 50") });
  });

  test("at most 100 enrollment groups", () => {
    const problems = problemsAfter((v) => (v.enrollmentGroups = Array.from({ length: 101 }, (_, i) => ({ enrollmentId: `g-${i}`, caName: "int-ca" }))));
    expect(problems[0]).toMatchObject({ path: "enrollmentGroups", message: expect.stringContaining("at most 100") });
  });

  test("a missing required key says so", () => {
    const problems = problemsAfter((v) => delete v.ca.root.commonName);
    expect(problems).toEqual([expect.objectContaining({ path: "ca.root.commonName", message: expect.stringContaining("required") })]);
  });

  test("every problem is listed, not just the first", () => {
    const problems = problemsAfter((v) => {
      v.dps.sku = "S2";
      v.hubs[0].capacity = -1;
      v.enrollmentGroups[0].edgeEnabled = 1;
    });
    expect(problems.map((p) => p.path).sort()).toEqual(["dps.sku", "enrollmentGroups[0].edgeEnabled", "hubs[0].capacity"]);
  });
});

describe("cross-checks", () => {
  test("an unknown CA name lists the uploaded CAs", () => {
    const problems = problemsAfter((v) => (v.enrollmentGroups[0].caName = "other-ca"));
    expect(problems).toEqual([{ path: "enrollmentGroups[0].caName", value: "other-ca", message: expect.stringContaining("root-ca, int-ca") }]);
  });

  test("a CA that is not uploaded cannot be named by a group", () => {
    const problems = problemsAfter((v) => (v.ca.intermediates[0].upload = false));
    expect(problems.map((p) => p.path)).toEqual(["enrollmentGroups[0].caName"]);
  });

  test("an unknown hub name is named by its full key path", () => {
    const problems = problemsAfter((v) => (v.enrollmentGroups = [{ enrollmentId: "a", caName: "int-ca" }, { enrollmentId: "b", caName: "int-ca", iotHubs: ["hub-one", "hub-nine"] }]));
    expect(problems).toEqual([{ path: "enrollmentGroups[1].iotHubs[1]", value: "hub-nine", message: expect.stringContaining("hub-one, hub-two") }]);
  });

  test.each([
    ["hub names", (v: any) => v.hubs.push({ name: "HUB-one" }), "hubs[2].name"],
    ["CA names", (v: any) => v.ca.intermediates.push({ name: "root-ca", commonName: "x" }), "ca.intermediates[1].name"],
    ["enrollment ids", (v: any) => v.enrollmentGroups.push({ enrollmentId: "group-1", caName: "root-ca" }), "enrollmentGroups[1].enrollmentId"],
  ])("duplicate %s", (_what, mutate, keyPath) => {
    const problems = problemsAfter(mutate);
    expect(problems).toEqual([expect.objectContaining({ path: keyPath, message: expect.stringContaining("duplicate") })]);
  });

  test("static allocation needs exactly one hub", () => {
    expect(problemsAfter((v) => (v.enrollmentGroups[0].allocationPolicy = "static"))).toEqual([
      expect.objectContaining({ path: "enrollmentGroups[0].allocationPolicy", message: expect.stringContaining("exactly one hub, here 2") }),
    ]);
    expect(problemsAfter((v) => Object.assign(v.enrollmentGroups[0], { allocationPolicy: "static", iotHubs: ["hub-one", "hub-two"] }))[0].path).toBe("enrollmentGroups[0].iotHubs");
    const ok = validValues();
    Object.assign(ok.enrollmentGroups[0], { allocationPolicy: "static", iotHubs: ["hub-two"] });
    expect(parseStackConfig({ values: ok, location: "westeurope" }).ok).toBe(true);
  });

  test("custom allocation needs both webhookUrl and apiVersion", () => {
    const problems = problemsAfter((v) => Object.assign(v.enrollmentGroups[0], { allocationPolicy: "custom", apiVersion: "2021-10-01" }));
    expect(problems.map((p) => p.path)).toEqual(["enrollmentGroups[0].webhookUrl"]);
    const both = problemsAfter((v) => Object.assign(v.enrollmentGroups[0], { allocationPolicy: "custom" }));
    expect(both.map((p) => p.path)).toEqual(["enrollmentGroups[0].webhookUrl", "enrollmentGroups[0].apiVersion"]);
  });

  test("webhookUrl and apiVersion without custom allocation are refused", () => {
    const problems = problemsAfter((v) => Object.assign(v.enrollmentGroups[0], { webhookUrl: "https://fn.example/api/alloc", apiVersion: "2021-10-01" }));
    expect(problems.map((p) => p.path)).toEqual(["enrollmentGroups[0].webhookUrl", "enrollmentGroups[0].apiVersion"]);
    expect(problems[0].message).toContain("only used with allocationPolicy custom");
  });

  test("a webhook URL is never printed: it carries a function key", () => {
    const problems = problemsAfter((v) => Object.assign(v.enrollmentGroups[0], { allocationPolicy: "custom", webhookUrl: "http://fn.example/api?code=SECRETCODE", apiVersion: "2021-10-01" }));
    // Refused as written in clear (it carries code=) and as not https; neither message shows the key.
    expect(problems.map((p) => p.path)).toEqual(["enrollmentGroups[0].webhookUrl", "enrollmentGroups[0].webhookUrl"]);
    for (const problem of problems) {
      expect(formatProblem(problem)).not.toContain("SECRETCODE");
      expect(formatProblem(problem)).toContain("[secret]");
    }
  });

  test.each([["-starts-with-dash"], ["ends-with-dot."], ["has space"], ["a".repeat(129)], ["slash/inside"]])("enrollment id %j is refused", (id) => {
    const problems = problemsAfter((v) => (v.enrollmentGroups[0].enrollmentId = id));
    expect(problems.map((p) => p.path)).toEqual(["enrollmentGroups[0].enrollmentId"]);
  });

  test.each([["a"], ["group.one_two:three-4"], ["A".repeat(128)]])("enrollment id %j is accepted", (id) => {
    const values = validValues();
    values.enrollmentGroups[0].enrollmentId = id;
    expect(parseStackConfig({ values, location: "westeurope" }).ok).toBe(true);
  });

  test.each([
    ["tags", "version"],
    ["tags", "$owner"],
    ["desired", "count"],
    ["desired", "metadata"],
  ])("twin %s key %j is reserved by Azure", (where, key) => {
    const problems = problemsAfter((v) => {
      v.enrollmentGroups[0].initialTwin = where === "tags" ? { tags: { [key]: 1 } } : { properties: { desired: { [key]: 1 } } };
    });
    const expectedPath = where === "tags" ? `enrollmentGroups[0].initialTwin.tags.${key}` : `enrollmentGroups[0].initialTwin.properties.desired.${key}`;
    expect(problems).toEqual([expect.objectContaining({ path: expectedPath, message: expect.stringContaining("reserves") })]);
  });

  test("reserved twin keys are found when nested", () => {
    const problems = problemsAfter((v) => (v.enrollmentGroups[0].initialTwin = { properties: { desired: { config: { $version: 2 } } } }));
    expect(problems.map((p) => p.path)).toEqual(["enrollmentGroups[0].initialTwin.properties.desired.config.$version"]);
  });

  test("a brought CA without its key cannot be proved", () => {
    const problems = problemsAfter((v) => (v.ca.root.certificatePem = brought.root.certificatePem));
    expect(problems.map((p) => p.path)).toEqual(["ca.root.privateKeyPem", "ca.intermediates[0]"]);
    expect(problems[0].message).toContain("proof of possession");
    expect(problems[1].message).toContain("nothing can sign it");
  });

  test("a brought root without its key is fine with onUpload and brought intermediates", () => {
    const values = validValues();
    Object.assign(values.ca.root, { certificatePem: brought.root.certificatePem, verification: "onUpload" });
    Object.assign(values.ca.intermediates[0], { certificatePem: brought.intermediate.certificatePem, privateKeyPem: brought.intermediate.privateKeyPem });
    // As the running program reads it: Pulumi decrypted the key's `secure:` value inside dps-x509:ca.
    const result = parseStackConfig({ values, location: "westeurope", decryptedKeys: ["dps-x509:ca"] });
    expect(result.ok ? [] : result.problems).toEqual([]);
  });

  test("a private key is never printed", () => {
    const problems = problemsAfter((v) => (v.ca.intermediates[0].privateKeyPem = "-----BEGIN PRIVATE KEY-----\nTOPSECRET\n-----END PRIVATE KEY-----"));
    // Refused twice: written in clear, and given without its certificate; neither message shows it.
    expect(problems.map((p) => p.path)).toEqual(["ca.intermediates[0].privateKeyPem", "ca.intermediates[0].privateKeyPem"]);
    for (const problem of problems) expect(formatProblem(problem)).not.toContain("TOPSECRET");
  });

  test.each([
    ["dps.name", (v: any) => (v.dps.name = "ab")],
    ["dps.name", (v: any) => (v.dps.name = "x".repeat(65))],
    ["dps.name", (v: any) => (v.dps.name = "my_dps")],
    ["hubs[0].name", (v: any) => (v.hubs[0].name = "h".repeat(51))],
    ["hubs[0].name", (v: any) => (v.hubs[0].name = "hub-")],
    ["resourceGroupName", (v: any) => (v.resourceGroupName = "rg.")],
  ])("%s outside Azure's naming rules", (keyPath, mutate) => {
    expect(problemsAfter(mutate).map((p) => p.path)).toEqual([keyPath]);
  });

  test("at most 25 CA certificates uploaded to one DPS", () => {
    const problems = problemsAfter((v) => (v.ca.intermediates = Array.from({ length: 25 }, (_, i) => ({ name: `int-${i}`, commonName: `Int ${i}` }))));
    expect(problems.map((p) => p.path)).toContain("ca");
  });
});

describe("smoke test", () => {
  test("proves the first group by default; a named group must exist", () => {
    const ok = validValues();
    ok.smokeTest = { registrationId: "smoke-device" };
    expect(parseStackConfig({ values: ok, location: "westeurope" }).ok).toBe(true);
    const problems = problemsAfter((v) => (v.smokeTest = { registrationId: "smoke-device", enrollmentId: "nope" }));
    expect(problems).toEqual([{ path: "smokeTest.enrollmentId", value: "nope", message: expect.stringContaining("allowed: group-1") }]);
  });

  test("needs a group to prove", () => {
    const problems = problemsAfter((v) => {
      v.enrollmentGroups = [];
      v.smokeTest = { registrationId: "smoke-device" };
    });
    expect(problems).toEqual([expect.objectContaining({ path: "smokeTest", message: expect.stringContaining("there is none") })]);
  });

  test("its registration id must be a valid certificate CN", () => {
    const problems = problemsAfter((v) => (v.smokeTest = { registrationId: "x".repeat(65) }));
    expect(problems.map((p) => p.path)).toEqual(["smokeTest.registrationId"]);
  });

  test("needs the key of the group's CA", () => {
    const problems = problemsAfter((v) => {
      Object.assign(v.ca.root, { certificatePem: brought.root.certificatePem, privateKeyPem: "[secret]" });
      Object.assign(v.ca.intermediates[0], { certificatePem: brought.intermediate.certificatePem, verification: "onUpload" });
      v.smokeTest = { registrationId: "smoke-device" };
    });
    expect(problems).toEqual([expect.objectContaining({ path: "smokeTest", message: expect.stringContaining("int-ca was brought without its private key") })]);
  });
});

describe("messages", () => {
  test("a problem prints its config key, the value and what is allowed", () => {
    const [problem] = problemsAfter((v) => (v.enrollmentGroups[0].iotHubs = ["hub-x"]));
    expect(formatProblem(problem)).toBe('dps-x509:enrollmentGroups[0].iotHubs[0] = "hub-x": is not a hub linked to the DPS; allowed: hub-one, hub-two');
  });

  test("requireStackConfig throws a ConfigError listing every problem", () => {
    const values = validValues();
    values.dps.sku = "S3";
    values.enrollmentGroups[0].caName = "nope";
    const raw: RawStackConfig = { values, location: "westeurope" };
    expect(() => requireStackConfig(raw)).toThrow(ConfigError);
    // Schema problems come first; cross-checks run once the shape is right.
    expect(() => requireStackConfig(raw)).toThrow(/dps-x509:dps\.sku = "S3"/);
  });

  test("allowedKeysAt walks through lists and defaults", () => {
    expect(allowedKeysAt(["enrollmentGroups", 3, "initialTwin"])).toEqual(["tags", "properties"]);
    expect(allowedKeysAt(["ca", "intermediates", 0])).toContain("renewBeforeDays");
  });
});

describe("reading raw config", () => {
  test("only dps-x509 keys are read; strings stay strings", () => {
    const raw = readRawStackConfig({
      "azure-native:location": "westeurope",
      "dps-x509:resourceGroupName": "123",
      "dps-x509:hubs": '[{"name":"hub-one"}]',
      "other:key": "x",
    });
    expect(raw).toEqual({ location: "westeurope", values: { resourceGroupName: "123", hubs: [{ name: "hub-one" }] } });
  });
});
