/**
 * YAML merge keys (`<<`) read as Pulumi reads stack config: the Pulumi CLI unmarshals the whole stack file with
 * go-yaml, which applies merges, and hands the program the merged values. The expected values below are go-yaml
 * v3's rules (decode.go `merge`: explicit keys win; in a list of maps the earlier map wins; shallow), written out by
 * hand, not read from the parser under test.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runPlan } from "../cli/plan";
import { secureValues } from "../cli/plan/secretConfig";
import { parseStackFile } from "../cli/plan/stackFile";
import { parseStackYaml } from "../cli/plan/stackYaml";

const ROOT = path.resolve(__dirname, "..");

describe("the yaml package with merge: true follows go-yaml v3's merge rules", () => {
  test("an explicit key after << wins over the merged one", () => {
    expect(parseStackYaml("a: &a { x: 1, y: 2 }\nb:\n  <<: *a\n  y: 5\n")).toEqual({ a: { x: 1, y: 2 }, b: { x: 1, y: 5 } });
  });

  test("in a list of maps, the earlier map wins", () => {
    expect(parseStackYaml("a: &a { x: 1, y: 2 }\nb: &b { x: 9, z: 3 }\nc:\n  <<: [*a, *b]\n")).toEqual({ a: { x: 1, y: 2 }, b: { x: 9, z: 3 }, c: { x: 1, y: 2, z: 3 } });
  });

  test("the merge is shallow: a nested map is taken whole, not merged", () => {
    expect(parseStackYaml("a: &a { t: { p: 1, q: 2 } }\nb:\n  <<: *a\n  t: { p: 3 }\n")).toEqual({ a: { t: { p: 1, q: 2 } }, b: { t: { p: 3 } } });
  });

  test("a << whose value is not a map is an error, as in go-yaml", () => {
    expect(() => parseStackYaml("a: &a [1, 2]\nb:\n  <<: *a\n")).toThrow();
  });
});

/** A stack that uses merge keys for hubs, CAs and groups. */
const MERGED = `config:
  azure-native:location: westeurope
  dps-x509:resourceGroupName: iot-rg
  dps-x509:dps: { name: my-dps-x509 }
  dps-x509:hubs:
    - &hub { name: hub-one, sku: S1, capacity: 2 }
    - { name: hub-two, <<: *hub }
  dps-x509:ca:
    root: { name: root-ca, commonName: Root CA, keySize: 2048 }
    intermediates:
      - &int { name: int-a, commonName: Intermediate A, keySize: 2048, validityDays: 365 }
      - <<: *int
        name: int-b
        commonName: Intermediate B
  dps-x509:enrollmentGroups:
    - &group
      enrollmentId: group-a
      caName: int-a
      initialTwin: { tags: { site: plant } }
    - <<: [*group, { reprovisionPolicy: never, caName: ignored-ca }]
      enrollmentId: group-b
      caName: int-b
`;

/** The same stack written out by hand. */
const EXPANDED = `config:
  azure-native:location: westeurope
  dps-x509:resourceGroupName: iot-rg
  dps-x509:dps: { name: my-dps-x509 }
  dps-x509:hubs:
    - { name: hub-one, sku: S1, capacity: 2 }
    - { name: hub-two, sku: S1, capacity: 2 }
  dps-x509:ca:
    root: { name: root-ca, commonName: Root CA, keySize: 2048 }
    intermediates:
      - { name: int-a, commonName: Intermediate A, keySize: 2048, validityDays: 365 }
      - { name: int-b, commonName: Intermediate B, keySize: 2048, validityDays: 365 }
  dps-x509:enrollmentGroups:
    - enrollmentId: group-a
      caName: int-a
      initialTwin: { tags: { site: plant } }
    - enrollmentId: group-b
      caName: int-b
      initialTwin: { tags: { site: plant } }
      reprovisionPolicy: never
`;

async function planJsonOf(text: string, dir: string): Promise<{ code: number; json: string; stderr: string }> {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, "Pulumi.merge.yaml");
  fs.writeFileSync(file, text);
  let stdout = "";
  let stderr = "";
  const cwd = process.cwd();
  try {
    process.chdir(ROOT);
    const code = await runPlan(["--config", file, "--json"], { stdout: (out) => (stdout += out), stderr: (err) => (stderr += err) });
    return { code, json: stdout.split(file).join("<file>"), stderr };
  } finally {
    process.chdir(cwd);
  }
}

describe("a merge-key stack plans like its expanded twin", () => {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "merge-keys-"));
  afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

  test("the config Pulumi would hand the program is the same", () => {
    expect(parseStackFile(MERGED, "merged.yaml")).toEqual(parseStackFile(EXPANDED, "expanded.yaml"));
  });

  test("the two plans' JSON is the same, and the plan declares what the merges say", async () => {
    const merged = await planJsonOf(MERGED, path.join(scratch, "merged"));
    const expanded = await planJsonOf(EXPANDED, path.join(scratch, "expanded"));
    expect({ code: merged.code, stderr: merged.stderr }).toEqual({ code: 0, stderr: "" });
    expect(expanded.code).toBe(0);
    expect(JSON.parse(merged.json)).toEqual(JSON.parse(expanded.json));
    // Not two empty plans: the merged hub and group are there, with the merged values.
    const resources = JSON.parse(merged.json).resources as Array<{ type: string; inputs: Record<string, any> }>;
    const groupB = resources.find((resource) => resource.type.endsWith(":EnrollmentGroup") && resource.inputs.enrollmentId === "group-b");
    expect(groupB?.inputs.reprovisionPolicy).toBe("never");
    expect(groupB?.inputs.primaryCaName).toBe("int-b");
    expect(resources.filter((resource) => resource.type === "azure-native:iothub:IotHubResource").map((hub) => hub.inputs.resourceName).sort()).toEqual(["hub-one", "hub-two"]);
  });
});

describe("where the explicit key stands, and repeated merge keys", () => {
  test("an explicit key written before the << wins too (go-yaml v3 merges after the map's own keys)", () => {
    const text = "config:\n  dps-x509:dps:\n    name: mine\n    <<: { name: other, sku: S1 }\n";
    expect(JSON.parse(parseStackFile(text, "Pulumi.x.yaml").allConfig["dps-x509:dps"])).toEqual({ name: "mine", sku: "S1" });
  });

  test("an explicit key written after the << wins", () => {
    const text = "config:\n  dps-x509:dps:\n    <<: { name: other, sku: S1 }\n    name: mine\n";
    expect(JSON.parse(parseStackFile(text, "Pulumi.x.yaml").allConfig["dps-x509:dps"])).toEqual({ name: "mine", sku: "S1" });
  });

  test("a quoted \"<<\" is a plain key, not a merge (as in go-yaml), and so unknown to the schema", () => {
    const text = "config:\n  dps-x509:dps:\n    name: mine\n    \"<<\": { sku: S1 }\n";
    expect(JSON.parse(parseStackFile(text, "Pulumi.x.yaml").allConfig["dps-x509:dps"])).toEqual({ name: "mine", "<<": { sku: "S1" } });
  });

  test("refused: two << keys in one map (go-yaml v3 refuses the repeated key), with the line", () => {
    const text = "a: &a { x: 1 }\nb: &b { y: 2 }\nconfig:\n  dps-x509:dps:\n    <<: *a\n    <<: *b\n";
    expect(() => parseStackFile(text, "Pulumi.x.yaml")).toThrow(/line 6: a second merge key "<<" in one map.*<<: \[\*first, \*second\]/);
  });
});

test("a secret merged into a map is seen where the program reads it (the plan's secret-change report)", () => {
  const text = "config:\n  dps-x509:ca:\n    root: &r { name: root, privateKeyPem: { secure: v1:abc } }\n    intermediates:\n      - { <<: *r, name: int }\n";
  expect(secureValues(text).get("dps-x509:ca.intermediates[0].privateKeyPem")).toBe("v1:abc");
});

describe("keys without a namespace, as Pulumi reads them: in the project's (dps-x509)", () => {
  test("good: `hubs:` is dps-x509:hubs", () => {
    const short = parseStackFile("config:\n  azure-native:location: westeurope\n  hubs: [{ name: hub-one }]\n", "Pulumi.x.yaml");
    const full = parseStackFile("config:\n  azure-native:location: westeurope\n  dps-x509:hubs: [{ name: hub-one }]\n", "Pulumi.x.yaml");
    expect(short).toEqual(full);
    expect(Object.keys(short.allConfig).sort()).toEqual(["azure-native:location", "dps-x509:hubs"]);
  });

  test("the plan's secret-change report names a short key by its full key", () => {
    expect([...secureValues("config:\n  ca:\n    root: { privateKeyPem: { secure: v1:abc } }\n").keys()]).toEqual(["dps-x509:ca.root.privateKeyPem"]);
  });

  test("bad: the same key written both ways (which one Pulumi keeps is not defined)", () => {
    const text = "config:\n  hubs: [{ name: hub-one }]\n  dps-x509:hubs: [{ name: hub-two }]\n";
    expect(() => parseStackFile(text, "Pulumi.x.yaml")).toThrow(/config key "hubs" is dps-x509:hubs .* keep one of them/);
  });
});
