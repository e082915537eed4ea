/**
 * The plan's tree is built from parent URNs: names may collide (a CA "x" has an upload named "<top>-cert-x-cert",
 * which is also the name of CA "x-cert"'s VerifiedCaCertificate). And a tenant's plan shows the platform stack it
 * reads as a node of its own.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");

function plan(...args: string[]) {
  const r = spawnSync(process.execPath, ["-r", path.join(ROOT, "cli/tsRegister.js"), path.join(ROOT, "cli/plan.ts"), ...args], { cwd: ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dps-x509-tree-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("CAs named x and x-cert", () => {
  const file = path.join(dir, "Pulumi.collide.yaml");
  let tree: string;
  let resources: Array<{ type: string; name: string; urn: string; parentUrn: string | null }>;
  beforeAll(() => {
    fs.writeFileSync(file, `config:
  azure-native:location: eastus
  dps-x509:resourceGroupName: collide-rg
  dps-x509:dps:
    name: collide-dps
  dps-x509:hubs:
    - name: collide-hub
  dps-x509:ca:
    root: { name: x, commonName: Root X }
    intermediates:
      - { name: x-cert, commonName: Intermediate X }
  dps-x509:enrollmentGroups:
    - enrollmentId: g
      caName: x-cert
`);
    const json = plan("--config", file, "--json");
    expect(json.code).toBe(0);
    resources = JSON.parse(json.stdout).resources;
    tree = plan("--config", file).stdout;
  }, 120_000);

  test("two resources share a name, with different types", () => {
    const same = resources.filter((r) => r.name === "dps-x509-cert-x-cert").map((r) => r.type.slice(r.type.lastIndexOf(":") + 1)).sort();
    expect(same).toEqual(["DpsCertificateUpload", "VerifiedCaCertificate"]);
  });

  test("every resource is printed once, under its own parent", () => {
    const nodeLines = tree.split("\n").filter((line) => /\S+ {2}\([a-z0-9-]+:[^)]*\)$/.test(line));
    expect(nodeLines).toHaveLength(resources.length);
    // x-cert's upload and verification sit under x-cert's VerifiedCaCertificate, x's under x's: the upload named
    // like x-cert's component has no children.
    const indexOf = (text: string) => tree.split("\n").findIndex((line) => line.includes(text));
    const componentX = indexOf("dps-x509-cert-x  (dps-x509:dps:VerifiedCaCertificate)");
    const uploadX = indexOf("dps-x509-cert-x-cert  (pulumi-nodejs:dynamic/dps-x509:DpsCertificateUpload)");
    const componentXCert = indexOf("dps-x509-cert-x-cert  (dps-x509:dps:VerifiedCaCertificate)");
    const uploadXCert = indexOf("dps-x509-cert-x-cert-cert  (pulumi-nodejs:dynamic/dps-x509:DpsCertificateUpload)");
    expect(componentX).toBeLessThan(uploadX);
    expect(uploadX).toBeLessThan(componentXCert);
    expect(componentXCert).toBeLessThan(uploadXCert);
    expect(tree.split("\n").filter((line) => line.includes("dps-x509-cert-x-cert-cert  ("))).toHaveLength(1);
  });

  test("the JSON carries each resource's URN and its parent's", () => {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    expect(byUrn.size).toBe(resources.length);
    const upload = resources.find((r) => r.name === "dps-x509-cert-x-cert" && r.type.endsWith(":DpsCertificateUpload"))!;
    const parent = byUrn.get(upload.parentUrn!)!;
    expect(parent.name).toBe("dps-x509-cert-x");
    expect(parent.type).toBe("dps-x509:dps:VerifiedCaCertificate");
  });
});

test("a tenant's plan shows its platform StackReference as a node", () => {
  const json = plan("--stack", "tenant-customer-a", "--platform-outputs", "examples/platform-outputs.json", "--json");
  expect(json.code).toBe(0);
  const stackFile = fs.readFileSync(path.join(ROOT, "Pulumi.tenant-customer-a.yaml"), "utf8");
  const platform = /dps-x509:platform:\s*(\S+)/.exec(stackFile)![1];
  const refs = JSON.parse(json.stdout).resources.filter((r: { type: string }) => r.type === "pulumi:pulumi:StackReference");
  expect(refs).toHaveLength(1);
  expect(refs[0].inputs.name).toBe(platform);
  expect(refs[0].read).toBe(true);
  const tree = plan("--stack", "tenant-customer-a", "--platform-outputs", "examples/platform-outputs.json").stdout;
  expect(tree).toContain("(pulumi:pulumi:StackReference, read only)");
  expect(tree).toContain(`name: ${platform}`);
}, 120_000);
