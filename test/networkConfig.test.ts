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
    expect.stringMatching(/^hubs\[0\]\.privateEndpoint\.subnetId = "vnet\/subnet": allowed: a subnet's ARM id, \/subscriptions\/<subscription GUID>\/resourceGroups/),
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

describe("as Azure checks them (issue #24.6)", () => {
  const rules = (n: number, action?: string) =>
    Array.from({ length: n }, (_, i) => ({ name: `r${i}`, ipMask: `10.0.${Math.floor(i / 250)}.${i % 250}`, ...(action ? { action } : {}) }));

  test("at most 100 IP rules on a hub and on a DPS", () => {
    expect(problems({ ...hub({ ipAllowList: rules(100) }), ...dps({ ipFilterRules: rules(100, "Accept") }) })).toEqual([]);
    expect(problems({ ...hub({ ipAllowList: rules(101) }), ...dps({ ipFilterRules: rules(101, "Accept") }) })).toEqual([
      'hubs[0].ipAllowList = "101 rules": is more than Azure takes on a hub; allowed: at most 100 IP rules (merge neighbouring addresses into CIDR ranges)',
      'dps.ipFilterRules = "101 rules": is more than Azure takes on a DPS; allowed: at most 100 IP rules (merge neighbouring addresses into CIDR ranges)',
    ]);
  });

  test("rule names in Azure's characters: IoT Hub's set, DPS's set (which adds / and \\), at most 128", () => {
    const ok = "Office_1:main.(west)+%#*?!,=@;'-";
    expect(problems({ ...hub({ ipAllowList: [{ name: ok, ipMask: "10.0.0.1" }] }), ...dps({ ipFilterRules: [{ name: `${ok}/\\`, ipMask: "10.0.0.1", action: "Accept" }] }) })).toEqual([]);
    for (const bad of ["office lan", "büro", "a/b"]) {
      expect(problems(hub({ ipAllowList: [{ name: bad, ipMask: "10.0.0.1" }] }))).toEqual([`hubs[0].ipAllowList[0].name = "${bad}": allowed: 1–128 ASCII letters, digits and - : . + % _ # * ? ! ( ) , = @ ; '`]);
    }
    expect(problems(hub({ ipAllowList: [{ name: "x".repeat(128), ipMask: "10.0.0.1" }] }))).toEqual([]);
    expect(problems(hub({ ipAllowList: [{ name: "x".repeat(129), ipMask: "10.0.0.1" }] }))).toEqual([expect.stringMatching(/^hubs\[0\]\.ipAllowList\[0\]\.name = "x+…: allowed: 1–128 ASCII/)]);
    for (const bad of ["office lan", "büro", "x".repeat(129), 'a"b']) {
      expect(problems(dps({ ipFilterRules: [{ name: bad, ipMask: "10.0.0.1", action: "Accept" }] }))).toEqual([
        expect.stringMatching(/^dps\.ipFilterRules\[0\]\.name = .*: allowed: 1–128 ASCII letters, digits and - : \/ \\ \. \+/),
      ]);
    }
  });

  test("no reject-all rule ahead of the accept rules: the first match decides", () => {
    const rejectAll = { name: "deny-all", ipMask: "0.0.0.0/0", action: "Reject" };
    const office = { name: "office", ipMask: "203.0.113.0/24", action: "Accept" };
    expect(problems(dps({ ipFilterRules: [office, rejectAll] }))).toEqual([]);
    expect(problems(dps({ ipFilterRules: [rejectAll, office] }))).toEqual([
      'dps.ipFilterRules[0] = "Reject 0.0.0.0/0 (all)": rejects every address ahead of dps.ipFilterRules[1] ("office"): the first matching rule decides: that Accept rule never applies, and nothing public could reach the DPS\'s APIs, not even `up`; allowed: the Accept rules first, then the Reject rule',
    ]);
    // A narrower Reject that holds an Accept range below it makes that rule dead too.
    expect(problems(dps({ ipFilterRules: [{ name: "lab", ipMask: "10.0.0.0/8", action: "Reject" }, { name: "lab-gw", ipMask: "10.1.2.3", action: "Accept" }] }))).toEqual([
      expect.stringMatching(/^dps\.ipFilterRules\[0\] = "Reject 10\.0\.0\.0\/8 \(all\)": rejects 10\.0\.0\.0\/8 ahead of dps\.ipFilterRules\[1\] \("lab-gw"\).*that Accept rule never applies; allowed/),
    ]);
    // Ranges that only overlap, or a Reject on another API, leave the Accept rule its say.
    expect(problems(dps({ ipFilterRules: [{ name: "half", ipMask: "10.1.0.0/16", action: "Reject" }, { name: "wide", ipMask: "10.0.0.0/8", action: "Accept" }] }))).toEqual([]);
    expect(problems(dps({ ipFilterRules: [{ ...rejectAll, target: "deviceApi" }, { ...office, target: "serviceApi" }] }))).toEqual([]);
    expect(problems(dps({ ipFilterRules: [{ ...rejectAll, target: "serviceApi" }, { ...office, target: "serviceApi" }] }))).toEqual([expect.stringMatching(/rejects every address ahead of .*service API, not even `up`/)]);
  });

  test("a subnet id's subscription is a GUID", () => {
    const bad = "/subscriptions/my-sub/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/v/subnets/s";
    expect(problems(hub({ privateEndpoint: { subnetId: bad } }))).toEqual([expect.stringMatching(/^hubs\[0\]\.privateEndpoint\.subnetId = .*names subscription "my-sub", which is not a subscription id; allowed: the subscription's GUID/)]);
  });

  test("private endpoint names: 2–64 of Azure's characters, the default <name>-pe included", () => {
    const longDps = `d${"x".repeat(61)}`; // 62 characters: a valid DPS name, whose default endpoint name has 65
    expect(problems({ dps: { name: longDps, privateEndpoint: { subnetId: SUBNET } } })).toEqual([
      `dps.privateEndpoint.name = "${longDps}-pe": is not a valid private endpoint name (the default, \`${longDps}-pe\`, 65 characters: set dps.privateEndpoint.name); allowed: 2–64 letters, digits, underscores, periods and hyphens, starting with a letter or digit and ending with a letter, digit or underscore (Azure's rule for Microsoft.Network/privateEndpoints)`,
    ]);
    expect(problems({ dps: { name: longDps, privateEndpoint: { subnetId: SUBNET, name: "dps-pe" } } })).toEqual([]);
    for (const bad of ["a", "-pe", "pe-", "pe.", "p e", "x".repeat(65)]) {
      expect(problems(hub({ privateEndpoint: { subnetId: SUBNET, name: bad } }))).toEqual([expect.stringMatching(/^hubs\[0\]\.privateEndpoint\.name = .*: is not a valid private endpoint name; allowed: 2–64/)]);
    }
    expect(problems(hub({ privateEndpoint: { subnetId: SUBNET, name: "ab" } }))).toEqual([]);
    expect(problems(hub({ privateEndpoint: { subnetId: SUBNET, name: `a${"b".repeat(62)}_` } }))).toEqual([]);
  });

  test("private endpoint names are unique in their resource group (case-insensitive)", () => {
    // A hub and a DPS may share a name in Azure; their default endpoints may not.
    expect(problems({ hubs: [{ name: "fleet", privateEndpoint: { subnetId: SUBNET } }], dps: { name: "fleet", privateEndpoint: { subnetId: SUBNET } } })).toEqual([
      'dps.privateEndpoint.name = "fleet-pe": is already the name of hubs[0].privateEndpoint\'s endpoint in resource group rg, and a private endpoint\'s name is unique in its resource group; allowed: another name (set dps.privateEndpoint.name)',
    ]);
    expect(problems({ hubs: [{ name: "fleet", privateEndpoint: { subnetId: SUBNET, name: "PE" } }], dps: { name: "fleet-dps", privateEndpoint: { subnetId: SUBNET, name: "pe" } } })).toEqual([expect.stringMatching(/^dps\.privateEndpoint\.name = "pe": is already the name of hubs\[0\]/)]);
    expect(problems({ hubs: [{ name: "fleet", privateEndpoint: { subnetId: SUBNET } }], dps: { name: "fleet", privateEndpoint: { subnetId: SUBNET, name: "fleet-dps-pe" } } })).toEqual([]);
  });

  test("a shard's network settings are checked by the same functions, at shards[i]", () => {
    expect(
      problems({ shards: [{ name: "my-dps-2", ipFilterRules: [{ name: "deny", ipMask: "0.0.0.0/0", action: "Reject" }, { name: "ok", ipMask: "10.0.0.1", action: "Accept" }], privateEndpoint: { subnetId: SUBNET, name: "my-hub-pe" } }], ...hub({ privateEndpoint: { subnetId: SUBNET } }) }),
    ).toEqual([expect.stringMatching(/^shards\[0\]\.ipFilterRules\[0\] = "Reject 0\.0\.0\.0\/0 \(all\)": rejects every address/), expect.stringMatching(/^shards\[0\]\.privateEndpoint\.name = "my-hub-pe": is already the name of hubs\[0\]/)]);
  });
});

describe("which Accept rules a Reject rule above them decides (ranges and targets at their edges)", () => {
  const rule = (name: string, ipMask: string, action: "Accept" | "Reject", target?: string) => ({ name, ipMask, action, ...(target ? { target } : {}) });
  const shadowing = (...rules: ReturnType<typeof rule>[]) => problems(dps({ ipFilterRules: rules }));

  test("a range's first and last address: inside at both edges, outside one past them", () => {
    const reject = rule("lab", "10.0.0.0/8", "Reject");
    expect(shadowing(reject, rule("first", "10.0.0.0/16", "Accept"), rule("last", "10.255.255.255", "Accept"))).toEqual([
      'dps.ipFilterRules[0] = "Reject 10.0.0.0/8 (all)": rejects 10.0.0.0/8 ahead of dps.ipFilterRules[1] ("first"), dps.ipFilterRules[2] ("last"): the first matching rule decides: those Accept rules never apply; allowed: the Accept rules first, then the Reject rule',
    ]);
    expect(shadowing(reject, rule("below", "9.255.255.255", "Accept"), rule("above", "11.0.0.0", "Accept"), rule("next-net", "11.0.0.1", "Accept"))).toEqual([]);
    expect(shadowing(rule("block", "10.0.0.0/24", "Reject"), rule("next", "10.0.1.0", "Accept"))).toEqual([]);
  });

  test("only a Reject rule decides for the rules below it, and only for Accept rules", () => {
    expect(shadowing(rule("all-in", "0.0.0.0/0", "Accept"), rule("office", "203.0.113.0/24", "Accept"))).toEqual([]);
    expect(shadowing(rule("deny-all", "0.0.0.0/0", "Reject"), rule("deny-lab", "10.0.0.0/8", "Reject"))).toEqual([]);
    // A Reject rule with a bad mask is reported for its mask, not guessed at.
    expect(shadowing(rule("bad", "10.0.0", "Reject"), rule("office", "10.0.0.1", "Accept"))).toEqual([expect.stringMatching(/^dps\.ipFilterRules\[0\]\.ipMask = "10\.0\.0": allowed/)]);
  });

  test("targets: a rule for all APIs covers each; one for an API covers only it", () => {
    expect(shadowing(rule("deny-all", "0.0.0.0/0", "Reject"), rule("svc", "10.0.0.1", "Accept", "serviceApi"))).toEqual([expect.stringMatching(/rejects every address ahead of dps\.ipFilterRules\[1\] \("svc"\)/)]);
    expect(shadowing(rule("deny-dev", "0.0.0.0/0", "Reject", "deviceApi"), rule("all", "10.0.0.1", "Accept"))).toEqual([]);
    // A reject-all on the device API alone still lets `up` (the service API) through: no lock-out clause.
    expect(shadowing(rule("deny-dev", "0.0.0.0/0", "Reject", "deviceApi"), rule("dev", "10.0.0.1", "Accept", "deviceApi"))).toEqual([
      'dps.ipFilterRules[0] = "Reject 0.0.0.0/0 (deviceApi)": rejects every address ahead of dps.ipFilterRules[1] ("dev"): the first matching rule decides: that Accept rule never applies; allowed: the Accept rules first, then the Reject rule',
    ]);
  });

  test("IP rules while public network access is Disabled are refused on a hub too, and allowed when it is unset or Enabled", () => {
    const list = [{ name: "office", ipMask: "10.0.0.1" }];
    expect(problems(hub({ publicNetworkAccess: "Disabled", ipAllowList: list }))).toEqual([expect.stringMatching(/^hubs\[0\]\.ipAllowList = \["office"\]: are ignored by Azure while publicNetworkAccess is Disabled/)]);
    expect(problems(hub({ ipAllowList: list }))).toEqual([]);
    expect(problems(hub({ publicNetworkAccess: "Enabled", ipAllowList: list }))).toEqual([]);
  });
});
