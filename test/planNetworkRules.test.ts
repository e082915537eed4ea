/**
 * Network settings as Azure checks them (#24.6), through `npm run plan` as a user runs it: a stack that breaks
 * Azure's rules is refused before anything is declared (exit 1, every problem named with key, value and what is
 * allowed), and a stack that keeps them plans, with the endpoint names it configured.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const SUBNET = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/v/subnets/s";
const HEAD = `config:
  azure-native:location: westeurope
  dps-x509:resourceGroupName: rg
  dps-x509:ca:
    root: { name: root, commonName: Root }
    intermediates: [{ name: inter, commonName: Inter }]
`;

let dir: string;
beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "dps-x509-plan-network-"))));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function plan(name: string, body: string, ...args: string[]) {
  const file = path.join(dir, `Pulumi.${name}.yaml`);
  fs.writeFileSync(file, HEAD + body);
  const result = spawnSync(process.execPath, ["-r", path.join(ROOT, "cli/tsRegister.js"), path.join(ROOT, "cli/plan.ts"), "--config", file, ...args], { cwd: ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

test("a stack breaking Azure's network rules is refused, each problem named", () => {
  const rules = Array.from({ length: 101 }, (_, i) => `      - { name: r${i}, ipMask: 10.0.0.${i} }`).join("\n");
  const { code, stdout, stderr } = plan(
    "badnetwork",
    `  dps-x509:dps:
    name: fleet
    ipFilterRules:
      - { name: block-all, ipMask: 0.0.0.0/0, action: Reject }
      - { name: office, ipMask: 203.0.113.0/24, action: Accept }
    privateEndpoint: { subnetId: "/subscriptions/my-sub/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/v/subnets/s" }
  dps-x509:hubs:
    - name: fleet
      privateEndpoint: { subnetId: "${SUBNET}" }
    - name: fleet-2
      ipAllowList:
${rules.replace("name: r7,", 'name: "office lan",')}
`,
  );
  expect(code).toBe(1);
  expect(stdout).toBe("");
  const lines = stderr.split("\n").filter((line) => line.startsWith("  - "));
  expect(lines).toEqual([
    '  - dps-x509:hubs[1].ipAllowList = "101 rules": is more than Azure takes on a hub; allowed: at most 100 IP rules (merge neighbouring addresses into CIDR ranges)',
    "  - dps-x509:hubs[1].ipAllowList[7].name = \"office lan\": allowed: 1–128 ASCII letters, digits and - : . + % _ # * ? ! ( ) , = @ ; '",
    expect.stringMatching(/^ {2}- dps-x509:dps\.ipFilterRules\[0\] = "Reject 0\.0\.0\.0\/0 \(all\)": rejects every address ahead of dps\.ipFilterRules\[1\] \("office"\).*not even `up`; allowed: the Accept rules first/),
    expect.stringMatching(/^ {2}- dps-x509:dps\.privateEndpoint\.subnetId = .*names subscription "my-sub", which is not a subscription id; allowed: the subscription's GUID/),
    expect.stringMatching(/^ {2}- dps-x509:dps\.privateEndpoint\.name = "fleet-pe": is already the name of hubs\[0\]\.privateEndpoint's endpoint in resource group rg.*allowed: another name/),
  ]);
});

test("a stack keeping them plans, and each endpoint gets the name its config gives or <name>-pe", () => {
  const { code, stdout, stderr } = plan(
    "goodnetwork",
    `  dps-x509:dps:
    name: fleet
    ipFilterRules:
      - { name: office, ipMask: 203.0.113.0/24, action: Accept }
      - { name: deny-all, ipMask: 0.0.0.0/0, action: Reject }
    privateEndpoint: { subnetId: "${SUBNET}", name: fleet-dps-pe }
  dps-x509:hubs:
    - name: fleet
      privateEndpoint: { subnetId: "${SUBNET}" }
`,
    "--json",
  );
  expect(stderr).toBe("");
  expect(code).toBe(0);
  const endpoints = JSON.parse(stdout)
    .resources.filter((r: { type: string }) => r.type === "azure-native:network:PrivateEndpoint")
    .map((r: { inputs: { privateEndpointName: string } }) => r.inputs.privateEndpointName)
    .sort();
  expect(endpoints).toEqual(["fleet-dps-pe", "fleet-pe"]);
});
