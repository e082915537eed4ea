/** `npm run plan` with the day-two keys, run as a reviewer runs it: the tree and `--json` say where each rotation stands and what adopting imports. */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const STACK = `config:
  azure-native:location: eastus
  azure-native:subscriptionId: 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0
  dps-x509:resourceGroupName: iot-x509-demo-rg
  dps-x509:dps: { name: my-dps-x509, adopt: true }
  dps-x509:hubs: [{ name: my-iot-hub-x509 }]
  dps-x509:ca:
    root: { name: my-root-ca, commonName: My Root CA }
    intermediates:
      - name: my-intermediate-ca
        commonName: My Intermediate CA
        rotation: { step: promote, name: my-intermediate-ca-2027 }
  dps-x509:enrollmentGroups:
    - { enrollmentId: my-device-group, caName: my-intermediate-ca, adopt: true }
`;

function plan(file: string, ...args: string[]) {
  const result = spawnSync(process.execPath, ["-r", path.join(ROOT, "cli/tsRegister.js"), path.join(ROOT, "cli/plan.ts"), "--config", file, ...args], { cwd: ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

let dir: string;
let file: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "dps-x509-plan-day-two-"));
  file = path.join(dir, "Pulumi.daytwo.yaml");
  fs.writeFileSync(file, STACK);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test("the tree: the import id on adopted resources, the rotation's step and next up, expiry and adoption sections", () => {
  const { code, stdout, stderr } = plan(file);
  expect(stderr).toBe("");
  expect(code).toBe(0);
  expect(stdout).toMatch(/dps-x509-provisioning-dps {2}\(azure-native:deviceprovisioningservices:IotDpsResource\) {2}adopt: import \/subscriptions\/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0\/resourceGroups\/iot-x509-demo-rg\/providers\/Microsoft\.Devices\/provisioningServices\/my-dps-x509\n/);
  expect(stdout).toContain("CA rotation:\n  ca.intermediates[0]: my-intermediate-ca → my-intermediate-ca-2027, step promote\n    next up: makes \"my-intermediate-ca-2027\" the primary CA of group my-device-group");
  // A generated CA's date is set by `up`: the plan says it does not know it, never "ok".
  expect(stdout).toMatch(/CA expiry \(renewBeforeDays, or 90 days when unset\):\n {2}unknown {2}my-root-ca: notAfter \(known after up\) \(the date is set by `up`/);
  expect(stdout).not.toMatch(/ok +my-root-ca/);
  expect(stdout).toMatch(/Adoption:\n {2}resource group iot-x509-demo-rg: imported from/);
});

test("--json: dayTwo, importId, and the group's request naming the new CA primary", () => {
  const { code, stdout } = plan(file, "--json");
  expect(code).toBe(0);
  const parsed = JSON.parse(stdout);
  expect(parsed.dayTwo.rotations).toEqual([expect.objectContaining({ configPath: "ca.intermediates[0]", step: "promote", oldName: "my-intermediate-ca", newName: "my-intermediate-ca-2027", groups: ["my-device-group"] })]);
  const byName = (name: string) => parsed.resources.find((r: { name: string }) => r.name === name);
  expect(byName("dps-x509-rg").importId).toBe("/subscriptions/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0/resourceGroups/iot-x509-demo-rg");
  expect(byName("dps-x509-provisioning-hub-my-iot-hub-x509").importId).toBeUndefined();
  expect(byName("dps-x509-group-my-device-group").request.attestation).toEqual({ type: "x509", x509: { caReferences: { primary: "my-intermediate-ca-2027", secondary: "my-intermediate-ca" } } });
});

test("day-two mistakes are found by the plan, naming the key: exit 1, no stack trace", () => {
  const badStep = path.join(dir, "Pulumi.bad-step.yaml");
  fs.writeFileSync(badStep, STACK.replace("step: promote", "step: later"));
  const step = plan(badStep);
  expect(step.code).toBe(1);
  expect(step.stdout).toBe("");
  expect(step.stderr).toContain('dps-x509:ca.intermediates[0].rotation.step = "later": allowed: "stage", "promote", "retire"');
  const noSubscription = path.join(dir, "Pulumi.no-sub.yaml");
  fs.writeFileSync(noSubscription, STACK.replace("  azure-native:subscriptionId: 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0\n", ""));
  const sub = plan(noSubscription);
  expect(sub.code).toBe(1);
  expect(sub.stderr).toMatch(/azure-native:subscriptionId = \(missing\): is needed to adopt/);
  for (const text of [step.stderr, sub.stderr]) expect(text).not.toMatch(/\n\s+at /);
});

describe("a brought root whose key lives in Key Vault (docs/key-vault.md) rotates as a generated one does", () => {
  /** A self-signed CA certificate made by OpenSSL; its key is thrown away (it would be imported into the vault). */
  const broughtRoot = (cn: string) => {
    const key = path.join(dir, `${cn}.key`);
    const cert = path.join(dir, `${cn}.pem`);
    const made = spawnSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "3650", "-subj", `/CN=${cn}`, "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
    if (made.status !== 0) throw new Error(made.stderr.toString());
    return fs.readFileSync(cert, "utf8");
  };
  const block = (pem: string, indent: string) => pem.trim().split("\n").map((line) => indent + line).join("\n");
  const stack = (o: { keyStore: "keyVault" | "state"; rootRotation?: string }) => `config:
  azure-native:location: westeurope
  dps-x509:resourceGroupName: rg
  dps-x509:dps: { name: my-dps }
  dps-x509:hubs: [{ name: my-hub }]
  dps-x509:keyVault: { name: my-vault, create: false }
  dps-x509:ca:
    root:
      name: brought-root
      commonName: Brought Root
      keyStore: ${o.keyStore}
      certificatePem: |
${block(broughtRoot("Brought Root"), "        ")}
${o.rootRotation ?? ""}
    intermediates:
      - { name: inter, commonName: Inter, rotation: { step: stage, name: inter-2027 } }
  dps-x509:enrollmentGroups: [{ enrollmentId: g, caName: inter }]
`;
  const rootRotation = () => `      rotation:
        step: stage
        name: brought-root-2
        certificatePem: |
${block(broughtRoot("Brought Root 2"), "          ")}`;
  const planOf = (name: string, text: string) => {
    const file = path.join(dir, `Pulumi.${name}.yaml`);
    fs.writeFileSync(file, text);
    return plan(file, "--json");
  };
  const declared = (stdout: string) => JSON.parse(stdout).resources.map((r: { name: string }) => r.name);
  /** Which issuer the CA provider gets for a CA: a Key Vault key id, or a private key. */
  const signer = (stdout: string, name: string) => {
    const inputs = JSON.parse(stdout).resources.find((r: { name: string }) => r.name === name).inputs as Record<string, unknown>;
    return { issuerKeyId: "issuerKeyId" in inputs, issuerPrivateKey: "issuerPrivateKey" in inputs };
  };

  test("an intermediate rotates under it: the vault signs the new intermediate", () => {
    const { code, stdout, stderr } = planOf("kvinter", stack({ keyStore: "keyVault" }));
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(declared(stdout)).toEqual(expect.arrayContaining(["dps-x509-ca-brought-root", "dps-x509-ca-inter", "dps-x509-ca-inter-2027"]));
    // Signed in the vault: the issuer is named by its Key Vault key id, no issuer key travels in the inputs.
    expect(signer(stdout, "dps-x509-ca-inter-2027")).toEqual({ issuerKeyId: true, issuerPrivateKey: false });
    // Without the vault the root has no key: the new intermediate must still be brought.
    const without = planOf("stateinter", stack({ keyStore: "state" }));
    expect(without.code).toBe(1);
    expect(without.stderr).toContain("ca.intermediates[0].rotation.certificatePem = (missing): is needed: the root was brought without its private key");
  });

  test("the root rotates to a brought root whose key is in the vault: proof of possession and the new intermediates are signed there", () => {
    const { code, stdout, stderr } = planOf("kvroot", stack({ keyStore: "keyVault", rootRotation: rootRotation() }));
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const resources = JSON.parse(stdout).resources as Array<{ name: string; inputs: Record<string, unknown>; dependsOn?: string[] }>;
    const newRoot = resources.find((r) => r.name === "dps-x509-ca-brought-root-2")!;
    expect(newRoot.inputs).toMatchObject({ keyStore: "keyVault", keyName: "dps-x509-brought-root-2" });
    expect(resources.map((r) => r.name)).toEqual(expect.arrayContaining(["dps-x509-ca-inter-2027", "dps-x509-cert-brought-root-2-verification"]));
    expect(signer(stdout, "dps-x509-ca-inter-2027")).toEqual({ issuerKeyId: true, issuerPrivateKey: false });
    expect(resources.find((r) => r.name === "dps-x509-ca-inter-2027")!.dependsOn).toEqual(expect.arrayContaining(["dps-x509-ca-brought-root-2"]));
    const without = planOf("stateroot", stack({ keyStore: "state", rootRotation: rootRotation() }));
    expect(without.code).toBe(1);
    expect(without.stderr).toContain('ca.root.rotation.privateKeyPem = (missing): is needed for proof of possession of "brought-root-2"');
    expect(without.stderr).toContain("ca.intermediates[0].rotation.certificatePem = (missing): is needed: the new root (ca.root.rotation) is brought without its private key");
  });
});
