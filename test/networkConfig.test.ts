/**
 * The hub and DPS hardening keys in stack config (components/config/networkSchema.ts, networkRules.ts), checked
 * without Pulumi: each bad value is refused before anything is declared, with the key, the value and what is allowed.
 */
import { formatProblems, parseStackConfig } from "../components/config";

const BASE = {
  resourceGroupName: "rg",
  dps: { name: "my-dps" },
  hubs: [{ name: "my-hub" }],
  ca: { root: { name: "root", commonName: "Root" }, intermediates: [{ name: "inter", commonName: "Inter" }] },
};
const SUBNET = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/v/subnets/s";

function problems(values: Record<string, unknown>): string[] {
  const result = parseStackConfig({ values: { ...BASE, ...values }, location: "westeurope" });
  return result.ok ? [] : formatProblems(result.problems).split("\n").filter(Boolean).map((line) => line.replace(/^\s*- dps-x509:/, ""));
}
const hub = (extra: Record<string, unknown>) => ({ hubs: [{ name: "my-hub", ...extra }] });
const dps = (extra: Record<string, unknown>) => ({ dps: { name: "my-dps", ...extra } });

test("the hardening keys are optional, and well-formed values pass", () => {
  expect(problems({})).toEqual([]);
  expect(
    problems({
      ...hub({ disableDeviceSAS: false, minTlsVersion: "1.2", publicNetworkAccess: "Enabled", ipAllowList: [{ name: "office", ipMask: "203.0.113.0/24" }], privateEndpoint: { subnetId: SUBNET } }),
      ...dps({ publicNetworkAccess: "Disabled", privateEndpoint: { subnetId: SUBNET, location: "northeurope" } }),
      environment: "production",
    }),
  ).toEqual([]);
});

test("disableLocalAuth: true is refused: it would cut the DPS's link to the hub", () => {
  expect(problems(hub({ disableLocalAuth: true }))).toEqual([expect.stringMatching(/^hubs\[0\]\.disableLocalAuth = true: .*iothubowner.*2023-03-01-preview.*allowed: false/)]);
});

test("an IP mask must be an IPv4 address or CIDR range", () => {
  for (const bad of ["203.0.113.0/33", "256.1.1.1", "2001:db8::/32", "office"]) {
    expect(problems(hub({ ipAllowList: [{ name: "a", ipMask: bad }] }))).toEqual([`hubs[0].ipAllowList[0].ipMask = "${bad}": allowed: an IPv4 address or CIDR range, e.g. 203.0.113.0/24`]);
  }
  expect(problems(dps({ ipFilterRules: [{ name: "a", ipMask: "10.0.0.0/8", action: "Accept" }, { name: "b", ipMask: "10.0.0", action: "Reject" }] }))).toEqual([
    expect.stringMatching(/^dps\.ipFilterRules\[1\]\.ipMask = "10\.0\.0": allowed: an IPv4 address/),
  ]);
});

test("rule names are unique within a list", () => {
  expect(problems(hub({ ipAllowList: [{ name: "office", ipMask: "10.0.0.1" }, { name: "Office", ipMask: "10.0.0.2" }] }))).toEqual([
    expect.stringMatching(/^hubs\[0\]\.ipAllowList\[1\]\.name = "Office": is already the name of hubs\[0\]\.ipAllowList\[0\]/),
  ]);
});

test("IP rules with public network access Disabled are refused: Azure ignores them", () => {
  expect(problems(dps({ publicNetworkAccess: "Disabled", ipFilterRules: [{ name: "a", ipMask: "10.0.0.1", action: "Accept" }] }))).toEqual([
    expect.stringMatching(/^dps\.ipFilterRules = \["a"\]: are ignored by Azure while publicNetworkAccess is Disabled.*allowed: remove the rules, or set publicNetworkAccess: Enabled/),
  ]);
});

test("a private endpoint needs a subnet's ARM id and, when given, an Azure region", () => {
  expect(problems(hub({ privateEndpoint: { subnetId: "vnet/subnet", location: "moon-west" } }))).toEqual([
    expect.stringMatching(/^hubs\[0\]\.privateEndpoint\.subnetId = "vnet\/subnet": allowed: a subnet's ARM id, \/subscriptions\/<id>\/resourceGroups/),
    expect.stringMatching(/^hubs\[0\]\.privateEndpoint\.location = "moon-west": is not an Azure region/),
  ]);
});

test("enumerated keys name what is allowed", () => {
  const [tls] = problems(hub({ minTlsVersion: "1.1" }));
  expect(tls).toMatch(/^hubs\[0\]\.minTlsVersion = "1\.1": allowed: .*"1\.2".*"1\.0"/);
  const [access] = problems(dps({ publicNetworkAccess: "Off" }));
  expect(access).toMatch(/^dps\.publicNetworkAccess = "Off": allowed: .*"Enabled".*"Disabled"/);
  const [target] = problems(dps({ ipFilterRules: [{ name: "a", ipMask: "10.0.0.1", action: "Accept", target: "portal" }] }));
  expect(target).toMatch(/^dps\.ipFilterRules\[0\]\.target = "portal": allowed: .*"all".*"serviceApi".*"deviceApi"/);
  const [environment] = problems({ environment: "prod" });
  expect(environment).toMatch(/^environment = "prod": allowed: .*"development".*"production"/);
});
