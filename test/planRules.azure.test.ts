/**
 * Azure's own rules, checked at plan time: one test per rule, with good and bad values.
 */
import { parseStackConfig, type Problem } from "../components/config";
import { AZURE_REGIONS, closestRegions, isAzureRegion } from "../components/config/azureRegions";
import { isDpsApiVersion, webhookUrlProblem } from "../components/config/azureRules";
import { checkTwinCollection, twinValueSize } from "../components/config/twinRules";
import { platformStackValues } from "./support/stackValues";

function problemsAfter(mutate: (values: Record<string, any>) => void, location = "westeurope"): Problem[] {
  const values = platformStackValues();
  mutate(values);
  const result = parseStackConfig({ values, location });
  return result.ok ? [] : result.problems;
}

const paths = (problems: Problem[]) => problems.map((problem) => problem.path);

describe("IoT hub SKU and units (IoT Hub quotas: F1 1 unit, one per subscription; B1 B2 S1 S2 200; B3 S3 10; 50 hubs)", () => {
  test.each([
    ["F1", 1, 2],
    ["B1", 200, 201],
    ["B2", 200, 201],
    ["S1", 200, 201],
    ["S2", 200, 201],
    ["B3", 10, 11],
    ["S3", 10, 11],
  ])("%s: %i units accepted, %i refused", (sku, most, tooMany) => {
    expect(problemsAfter((v) => Object.assign(v.hubs[0], { sku, capacity: most }))).toEqual([]);
    const problems = problemsAfter((v) => Object.assign(v.hubs[0], { sku, capacity: tooMany }));
    expect(problems).toEqual([expect.objectContaining({ path: "hubs[0].capacity", value: tooMany })]);
    expect(problems[0].message).toContain(sku === "F1" ? "exactly 1 unit" : `at most ${most} units`);
  });

  test("at most one F1 hub", () => {
    expect(problemsAfter((v) => (v.hubs = [{ name: "hub-one", sku: "F1" }, { name: "hub-two", sku: "S1" }]))).toEqual([]);
    const problems = problemsAfter((v) => (v.hubs = [{ name: "hub-one", sku: "F1" }, { name: "hub-two", sku: "F1" }]));
    expect(problems).toEqual([expect.objectContaining({ path: "hubs[1].sku", message: expect.stringContaining("one F1 (free) hub per subscription") })]);
  });

  test("at most 50 hubs, the most a subscription holds and a DPS links", () => {
    const hubs = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `hub-${String(i).padStart(2, "0")}` }));
    expect(problemsAfter((v) => (v.hubs = hubs(50)))).toEqual([]);
    expect(paths(problemsAfter((v) => (v.hubs = hubs(51))))).toEqual(["hubs"]);
  });
});

describe("regions: canonical Azure region names, the closest offered", () => {
  test.each(["westeurope", "eastus", "swedencentral", "southeastasia", "usgovvirginia"])("%s is a region", (region) => {
    expect(isAzureRegion(region)).toBe(true);
    expect(problemsAfter((v) => (v.hubs[0].location = region), region)).toEqual([]);
  });

  test.each([
    ["westeurop", "westeurope"],
    ["West Europe", "westeurope"],
    ["east-us-2", "eastus2"],
    ["europe-west1", "westeurope"],
  ])("%s is refused, offering %s", (bad, closest) => {
    expect(isAzureRegion(bad)).toBe(false);
    expect(closestRegions(bad)).toContain(closest);
    const atLocation = problemsAfter(() => undefined, bad);
    expect(atLocation).toEqual([expect.objectContaining({ path: "azure-native:location", value: bad, message: expect.stringContaining(closest) })]);
    const atHub = problemsAfter((v) => (v.hubs[0].location = bad));
    expect(atHub).toEqual([expect.objectContaining({ path: "hubs[0].location", message: expect.stringContaining("is not an Azure region") })]);
  });

  test("the list is one region per line, canonical (lower-case letters and digits), without repeats", () => {
    expect(AZURE_REGIONS.length).toBeGreaterThan(50);
    for (const region of AZURE_REGIONS) expect(region).toMatch(/^[a-z][a-z0-9]+$/);
    expect(new Set(AZURE_REGIONS).size).toBe(AZURE_REGIONS.length);
  });
});

describe("DPS and hub names start and end with a letter or a digit", () => {
  test.each(["my-dps", "dps1", "1dps", "a-b"])("dps.name %s accepted", (name) => expect(problemsAfter((v) => (v.dps.name = name))).toEqual([]));
  test.each(["-dps", "dps-", "-d-"])("dps.name %s refused", (name) => expect(paths(problemsAfter((v) => (v.dps.name = name)))).toEqual(["dps.name"]));
  test.each(["hub-1", "h1b"])("hubs[0].name %s accepted", (name) => {
    expect(problemsAfter((v) => {
      v.hubs[0].name = name;
    })).toEqual([]);
  });
  test.each(["-hub", "hub-"])("hubs[0].name %s refused", (name) => expect(paths(problemsAfter((v) => (v.hubs[0].name = name)))).toContain("hubs[0].name"));
});

describe("the initial twin, as IoT Hub enforces it", () => {
  test("size is counted as IoT Hub counts it: keys plus values; strings by characters less control characters, numbers 8, booleans 4", () => {
    expect(twinValueSize({ ab: "cd" })).toBe(4);
    expect(twinValueSize({ n: 12345.678 })).toBe(1 + 8);
    expect(twinValueSize({ b: true })).toBe(1 + 4);
    expect(twinValueSize({ o: { k: "v" } })).toBe(1 + 2);
    expect(twinValueSize({ s: "a\u0001b\u0085c" })).toBe(1 + 3);
    expect(twinValueSize({ "é": "€" })).toBe(2);
  });

  test("tags: 8 KB accepted, one more byte refused", () => {
    // "t" + 8191 characters = 8192.
    expect(checkTwinCollection("tags", { t: "x".repeat(4095), u: "y".repeat(4095) }, "tags")).toEqual([]);
    const over = checkTwinCollection("tags", { t: "x".repeat(4095), u: "y".repeat(4095), v: true }, "tags");
    expect(over).toEqual([expect.objectContaining({ path: "tags", message: expect.stringContaining("at most 8192 (8 KB)") })]);
  });

  test("desired properties: 32 KB accepted, more refused", () => {
    const fill = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`.padEnd(4, "_"), "v".repeat(4092)]));
    expect(checkTwinCollection("desired", fill(8), "desired")).toEqual([]);
    expect(paths(checkTwinCollection("desired", { ...fill(8), more: 1 }, "desired"))).toEqual(["desired"]);
  });

  test("nesting: Microsoft's own 10-level example is accepted, an 11th level refused", () => {
    const nested = (levels: number): Record<string, unknown> => {
      let value: Record<string, unknown> = { property: "value" };
      for (let i = levels; i >= 2; i--) value = { [`l${i}`]: value };
      return { l1: value };
    };
    expect(checkTwinCollection("desired", nested(10), "desired")).toEqual([]);
    expect(checkTwinCollection("desired", nested(11), "desired")).toEqual([expect.objectContaining({ message: expect.stringContaining("more than 10 levels") })]);
  });

  test("keys: at most 1 KB (UTF-8 bytes), no control characters, no . $ or space", () => {
    expect(checkTwinCollection("tags", { ["k".repeat(1024)]: 1 }, "tags")).toEqual([]);
    expect(checkTwinCollection("tags", { ["k".repeat(1025)]: 1 }, "tags")).toEqual([expect.objectContaining({ message: expect.stringContaining("at most 1024 bytes") })]);
    expect(checkTwinCollection("tags", { ["é".repeat(513)]: 1 }, "tags")).toEqual([expect.objectContaining({ message: expect.stringContaining("this one is 1026") })]);
    for (const bad of ["a\u0007b", "a.b", "a b", "a$b", "$version", "version"]) expect(checkTwinCollection("tags", { [bad]: 1 }, "tags")).toHaveLength(1);
    expect(checkTwinCollection("tags", { "a-b_c:d": 1, ünïcode: 2 }, "tags")).toEqual([]);
  });

  test("string values: at most 4 KB (UTF-8 bytes)", () => {
    expect(checkTwinCollection("tags", { s: "x".repeat(4096) }, "tags")).toEqual([]);
    expect(checkTwinCollection("tags", { s: "x".repeat(4097) }, "tags")).toEqual([expect.objectContaining({ path: "tags.s", message: expect.stringContaining("at most 4096 bytes") })]);
    expect(checkTwinCollection("tags", { s: "€".repeat(1366) }, "tags")).toEqual([expect.objectContaining({ message: expect.stringContaining("this one is 4098") })]);
  });

  test("through the stack config: the twin rules name the key path", () => {
    const problems = problemsAfter((v) => (v.enrollmentGroups[0].initialTwin = { tags: { ok: 1, "bad key": 2 }, properties: { desired: { s: "x".repeat(5000) } } }));
    expect(paths(problems)).toEqual(["enrollmentGroups[0].initialTwin.tags.bad key", "enrollmentGroups[0].initialTwin.properties.desired.s"]);
  });
});

describe("custom allocation", () => {
  test.each(["https://alloc.azurewebsites.net/api/allocate", "https://10.0.0.1:8443/x?y=1", "[secret]"])("webhookUrl %s accepted", (url) => expect(webhookUrlProblem(url)).toBeUndefined());
  test.each([
    ["http://alloc.example.net/api", "https://"],
    ["https://", "valid https:// URL"],
    ["alloc.example.net/api", "valid https:// URL"],
    ["https://user:pw@alloc.example.net/api", "user name or password"],
    ["https://alloc.example.net/a b", "white space"],
  ])("webhookUrl %s refused (%s)", (url, words) => expect(webhookUrlProblem(url)).toContain(words));

  test.each(["2021-10-01", "2019-03-31", "2018-11-01-preview"])("apiVersion %s accepted", (version) => expect(isDpsApiVersion(version)).toBe(true));
  test.each(["v1", "2021-10-1", "2021-13-01", "2021-02-30", "2021-10-01-beta", "21-10-01"])("apiVersion %s refused", (version) => {
    expect(isDpsApiVersion(version)).toBe(false);
    const problems = problemsAfter((v) => Object.assign(v.enrollmentGroups[0], { allocationPolicy: "custom", webhookUrl: "https://alloc.example.net/api", apiVersion: version }));
    expect(paths(problems)).toEqual(["enrollmentGroups[0].apiVersion"]);
  });
});
