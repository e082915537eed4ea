/**
 * Issue 20, "Faithful": what `pulumi preview` or `up` would meet later is refused by the same config checks that
 * the plan and the program run, before anything is declared. One good and one bad stack per refusal; each bad one
 * names the key, the value and the fix.
 */
import { X509Certificate } from "crypto";
import { createRootCa } from "../certs";
import { parseStackConfig, readRawStackConfig, type Problem, type RawStackConfig } from "../components/config";
import { formatProblem } from "../components/config/problems";
import { REMOVED_KEYS } from "../components/config/removedKeys";
import { caKeyName } from "../components/azure/keyVault";
import { caCertificateProvider, CA_PROVIDER_VERSION } from "../components/providers/caCertificate";
import { platformStackValues, tenantStackValues } from "./support/stackValues";

function problemsOf(values: Record<string, any>, extra: Partial<RawStackConfig> = {}): Problem[] {
  const result = parseStackConfig({ values, location: "westeurope", ...extra });
  return result.ok ? [] : result.problems;
}

/** The one problem at `path` (fails when there is none, or the stack has others). */
function onlyProblemAt(problems: Problem[], path: string): string {
  expect(problems.map((problem) => problem.path)).toEqual([path]);
  return formatProblem(problems[0]);
}

describe("two CA names that map to the same Key Vault key name", () => {
  const inVault = (values: Record<string, any>, names: [string, string]) => {
    values.keyVault = { name: "my-vault", create: true };
    values.ca.root = { ...values.ca.root, name: names[0], keyStore: "keyVault" };
    values.ca.intermediates[0] = { ...values.ca.intermediates[0], name: names[1], keyStore: "keyVault" };
    values.enrollmentGroups[0].caName = names[1];
    return values;
  };

  test("the key names really are the same (the function the CA component names keys with)", () => {
    expect(caKeyName("edge.ca")).toBe(caKeyName("edge_ca"));
    expect(caKeyName("edge-ca")).not.toBe(caKeyName("edge-ca2"));
  });

  test("good: names that differ in letters or digits", () => {
    expect(problemsOf(inVault(platformStackValues(), ["edge-ca", "edge-ca2"]))).toEqual([]);
  });

  test("bad: edge.ca and edge_ca share the key dps-x509-edge-ca", () => {
    const message = onlyProblemAt(problemsOf(inVault(platformStackValues(), ["edge.ca", "edge_ca"])), "ca.intermediates[0].name");
    expect(message).toContain('dps-x509:ca.intermediates[0].name = "edge_ca"');
    expect(message).toContain("dps-x509-edge-ca");
    expect(message).toContain("ca.root.name");
    expect(message).toContain("rename one CA");
  });

  test("bad: Key Vault ignores case, so EDGE-CA and edge.ca clash too", () => {
    onlyProblemAt(problemsOf(inVault(platformStackValues(), ["EDGE-CA", "edge.ca"])), "ca.intermediates[0].name");
  });

  test("bad: a rotation's new CA gets a key of its own, and may not take another CA's", () => {
    const values = inVault(platformStackValues(), ["root-ca", "int-ca"]);
    values.ca.intermediates[0].rotation = { step: "stage", name: "root_ca" };
    onlyProblemAt(problemsOf(values), "ca.intermediates[0].rotation.name");
  });

  test("good: the same names with their keys in state use no vault key", () => {
    const values = platformStackValues();
    values.ca.root.name = "edge.ca";
    values.ca.intermediates[0].name = "edge_ca";
    values.enrollmentGroups[0].caName = "edge_ca";
    expect(problemsOf(values)).toEqual([]);
  });

  test("bad, on a tenant stack: the names as declared, with the tenant's prefix", () => {
    const values = tenantStackValues();
    values.keyVault = { name: "tenant-vault", create: false };
    values.ca.intermediates = [
      { name: "int.ca", commonName: "A", keyStore: "keyVault" },
      { name: "int_ca", commonName: "B", keyStore: "keyVault" },
    ];
    values.enrollmentGroups[0].caName = "int.ca";
    const message = onlyProblemAt(problemsOf(values), "ca.intermediates[1].name");
    expect(message).toContain("dps-x509-customer-a-int-ca");
  });
});

describe("a sovereign cloud whose azure-native:environment and ARM endpoint disagree", () => {
  const withEndpoint = (armEndpoint?: string) => ({ ...platformStackValues(), ...(armEndpoint ? { armEndpoint } : {}) });

  test.each([
    ["neither set (public)", undefined, undefined],
    ["both US Government", "usgovernment", "https://management.usgovcloudapi.net"],
    ["both China, by az's cloud name", "AzureChinaCloud", "https://management.chinacloudapi.cn/"],
    ["public with a test server", undefined, "https://127.0.0.1:8443"],
    ["US Government through a private endpoint", "usgovernment", "https://arm.internal.example"],
  ])("good: %s", (_label, environment, armEndpoint) => {
    expect(problemsOf(withEndpoint(armEndpoint), { environment })).toEqual([]);
  });

  test("bad: the environment set, the ARM endpoint not (the CA upload would go to the public cloud)", () => {
    const message = onlyProblemAt(problemsOf(withEndpoint(), { environment: "usgovernment" }), "armEndpoint");
    expect(message).toContain("dps-x509:armEndpoint = (missing)");
    expect(message).toContain("pulumi config set dps-x509:armEndpoint https://management.usgovcloudapi.net");
  });

  test("bad: the ARM endpoint set, the environment not (the hubs would go to the public cloud)", () => {
    const message = onlyProblemAt(problemsOf(withEndpoint("https://management.chinacloudapi.cn")), "armEndpoint");
    expect(message).toContain('dps-x509:armEndpoint = "https://management.chinacloudapi.cn"');
    expect(message).toContain("pulumi config set azure-native:environment china");
  });

  test("bad: two different sovereign clouds", () => {
    const message = onlyProblemAt(problemsOf(withEndpoint("https://management.usgovcloudapi.net"), { environment: "china" }), "armEndpoint");
    expect(message).toContain("azure-native:environment is china");
  });

  test("bad: a sovereign environment with the public endpoint written out", () => {
    onlyProblemAt(problemsOf(withEndpoint("https://management.azure.com"), { environment: "usgovernment" }), "armEndpoint");
  });

  test("bad: an environment azure-native does not know", () => {
    const message = onlyProblemAt(problemsOf(withEndpoint(), { environment: "mars" }), "azure-native:environment");
    expect(message).toContain("allowed: public, usgovernment, china");
  });

  test("bad, on a tenant stack too", () => {
    onlyProblemAt(problemsOf({ ...tenantStackValues(), armEndpoint: "https://management.usgovcloudapi.net" }), "armEndpoint");
  });

  test("good: a sovereign cloud with a vault the stack creates (addressed by the vaultUri ARM returns)", () => {
    const values = { ...withEndpoint("https://management.usgovcloudapi.net"), keyVault: { name: "my-vault", create: true } };
    expect(problemsOf(values, { environment: "usgovernment" })).toEqual([]);
  });

  test("bad: a sovereign cloud with an existing vault, which is addressed by the public cloud's name", () => {
    const values = { ...withEndpoint("https://management.usgovcloudapi.net"), keyVault: { name: "my-vault", create: false } };
    const message = onlyProblemAt(problemsOf(values, { environment: "usgovernment" }), "keyVault.create");
    expect(message).toContain("keyVault.create: true");
  });

  test("the plan reads azure-native:environment from the stack's config", () => {
    expect(readRawStackConfig({ "azure-native:environment": "china", "dps-x509:dps": "{}" }).environment).toBe("china");
  });
});

describe("a rotation's new certificate that outlives its root", () => {
  const DAY = 24 * 3600 * 1000;
  const rotating = (validityDays: number) => {
    const values = platformStackValues();
    values.ca.root.validityDays = 365;
    values.ca.intermediates[0].validityDays = 300;
    values.ca.intermediates[0].rotation = { step: "stage", name: "int-ca-next", validityDays };
    return values;
  };

  test("good: a new intermediate within its root's life", () => {
    expect(problemsOf(rotating(300))).toEqual([]);
  });

  test("bad: a new intermediate that would outlive the current root", () => {
    const message = onlyProblemAt(problemsOf(rotating(1000)), "ca.intermediates[0].rotation.validityDays");
    expect(message).toContain("dps-x509:ca.intermediates[0].rotation.validityDays = 1000");
    expect(message).toContain("would outlive its issuer ca.root");
    expect(message).toContain("allowed: at most 365");
  });

  test("the CA provider refuses the same certificate at preview (so the plan must)", async () => {
    const root = createRootCa({ commonName: "Root", keySize: 2048, validityDays: 365 });
    const { failures = [] } = await caCertificateProvider.check!({} as any, {
      role: "intermediate",
      commonName: "Intermediate",
      keySize: 2048,
      validityDays: 1000,
      providerVersion: CA_PROVIDER_VERSION,
      issuerCertificatePem: root.certificatePem,
      issuerPrivateKey: root.privateKeyPem,
    } as any);
    expect(failures.map((failure) => failure.property)).toContain("validityDays");
    expect(new Date(new X509Certificate(root.certificatePem).validTo).getTime()).toBeLessThan(Date.now() + 1000 * DAY);
  });

  test("bad: when the root rotates, the new intermediates are judged against the new root", () => {
    const values = platformStackValues();
    values.ca.root.rotation = { step: "stage", name: "root-ca-next", validityDays: 400 };
    values.ca.intermediates[0].rotation = { step: "stage", name: "int-ca-next" };
    const message = onlyProblemAt(problemsOf(values), "ca.intermediates[0].rotation.validityDays");
    expect(message).toContain("would outlive its issuer ca.root");
    expect(message).toContain("= 1825");
  });

  test("good: the root rotates to a longer life than its intermediates", () => {
    const values = platformStackValues();
    values.ca.root.rotation = { step: "promote", name: "root-ca-next", validityDays: 4000 };
    values.ca.intermediates[0].rotation = { step: "promote", name: "int-ca-next" };
    expect(problemsOf(values)).toEqual([]);
  });

  test("bad: a rotation's renewal window as long as its own new validity", () => {
    const values = platformStackValues();
    values.ca.intermediates[0].renewBeforeDays = 100;
    values.ca.intermediates[0].rotation = { step: "stage", name: "int-ca-next", validityDays: 100 };
    const message = onlyProblemAt(problemsOf(values), "ca.intermediates[0].renewBeforeDays");
    expect(message).toContain("for the new CA (ca.intermediates[0].rotation)");
  });
});

describe("tenant references that can never work", () => {
  const platformWithTenants = (tenants: Array<Record<string, unknown>>) => ({ ...platformStackValues(), tenants });
  const self = { project: "dps-x509", stack: "platform" };

  test("good: each tenant with a stack of its own", () => {
    const values = platformWithTenants([
      { name: "customer-a", stack: "my-org/dps-x509/tenant-customer-a" },
      { name: "customer-b", stack: "my-org/dps-x509/tenant-customer-b" },
    ]);
    expect(problemsOf(values, { self })).toEqual([]);
  });

  test("bad: two tenants read from the same stack", () => {
    const values = platformWithTenants([
      { name: "customer-a", stack: "my-org/dps-x509/tenant-customer-a" },
      { name: "customer-b", stack: "my-org/dps-x509/tenant-customer-a" },
    ]);
    const message = onlyProblemAt(problemsOf(values, { self }), "tenants[1].stack");
    expect(message).toContain("is already tenants[0].stack");
  });

  test("bad: a platform that lists itself as a tenant's stack", () => {
    const message = onlyProblemAt(problemsOf(platformWithTenants([{ name: "customer-a", stack: "my-org/dps-x509/platform" }]), { self }), "tenants[0].stack");
    expect(message).toContain("is this platform stack itself");
  });

  test("good: a stack of the same name in another org, when the org is known", () => {
    const values = platformWithTenants([{ name: "customer-a", stack: "other-org/dps-x509/platform" }]);
    expect(problemsOf(values, { self: { ...self, organization: "my-org" } })).toEqual([]);
  });

  test.each([
    ["an org Pulumi cannot name", "my.org/dps-x509/tenant-a", "has the org"],
    ["a stack name with a colon", "my-org/dps-x509/tenant:a", "has the stack"],
    ["a project name with a plus", "my-org/dps+x509/tenant-a", "has the project"],
  ])("bad: a malformed tenant stack reference: %s", (_label, stack, phrase) => {
    const message = onlyProblemAt(problemsOf(platformWithTenants([{ name: "customer-a", stack }]), { self }), "tenants[0].stack");
    expect(message).toContain(phrase);
  });

  test("bad: a tenant given both its stack and its CSRs in config (the stack is never read)", () => {
    const values = platformWithTenants([{ name: "customer-a", stack: "my-org/dps-x509/tenant-customer-a", csrs: { "customer-a-int": "-----BEGIN CERTIFICATE REQUEST-----" } }]);
    const message = onlyProblemAt(problemsOf(values, { self }), "tenants[0].stack");
    expect(message).toContain("keep one of stack or csrs");
  });

  test("good: a tenant stack naming its platform", () => {
    expect(problemsOf(tenantStackValues(), { self: { project: "dps-x509", stack: "tenant-customer-a" } })).toEqual([]);
  });

  test("bad: a tenant stack whose platform is itself", () => {
    const values = { ...tenantStackValues(), platform: "my-org/dps-x509/tenant-customer-a" };
    const message = onlyProblemAt(problemsOf(values, { self: { project: "dps-x509", stack: "tenant-customer-a" } }), "platform");
    expect(message).toContain("is this tenant stack itself");
  });

  test("bad: a malformed platform reference", () => {
    const message = onlyProblemAt(problemsOf({ ...tenantStackValues(), platform: "my-org/dps-x509/pl@tform" }), "platform");
    expect(message).toContain('has the stack "pl@tform"');
  });

  test("bad: two tenant names that its prefix makes one", () => {
    const values = tenantStackValues();
    values.ca.intermediates.push({ name: "customer-a-intermediate-ca", commonName: "Other" });
    const message = onlyProblemAt(problemsOf(values), "ca.intermediates[1].name");
    expect(message).toContain("becomes customer-a-intermediate-ca with the tenant's prefix");
  });
});

describe("a removed key says what replaced it", () => {
  test("the table names each removed key's replacement", () => {
    expect(REMOVED_KEYS.map((removed) => removed.path)).toEqual(expect.arrayContaining(["tenantSigning", "dpsAuth"]));
  });

  test("good: a tenant stack without them", () => {
    expect(problemsOf(tenantStackValues())).toEqual([]);
  });

  test("bad: tenantSigning on a tenant stack (docs/key-vault.md: a message saying what to do instead)", () => {
    const message = onlyProblemAt(problemsOf({ ...tenantStackValues(), tenantSigning: true }), "tenantSigning");
    expect(message).not.toContain("is not a known key");
    expect(message).toContain("exports a CSR");
    expect(message).toContain("tenants[i].stack");
  });

  test("bad: dpsAuth on a tenant stack (docs/dps-auth.md: tenant stacks always use Entra ID)", () => {
    const message = onlyProblemAt(problemsOf({ ...tenantStackValues(), dpsAuth: "sas" }), "dpsAuth");
    expect(message).toContain('dps-x509:dpsAuth = "sas"');
    expect(message).toContain("always use Entra ID");
    expect(message).toContain("Device Provisioning Service Data Contributor");
  });

  test("a key that was never ours still says it is not known", () => {
    const message = onlyProblemAt(problemsOf({ ...tenantStackValues(), tenantSigningX: true }), "tenantSigningX");
    expect(message).toContain("is not a known key");
  });
});
