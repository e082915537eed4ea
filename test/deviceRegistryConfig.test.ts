/**
 * `dps-x509:deviceRegistry` checked before anything is declared (components/deviceRegistry/checks.ts): ADR's limits,
 * name patterns, the External ICA's issuer, enrollments naming what the stack declares. And the ADR stack file planned
 * through the command, as a reviewer reads it.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { formatProblems, parseStackConfig } from "../components/config";

const ROOT = path.resolve(__dirname, "..");
const BASE = {
  resourceGroupName: "rg",
  dps: { name: "my-dps" },
  hubs: [{ name: "my-hub" }],
  ca: { root: { name: "root", commonName: "Root", keyType: "EC" }, intermediates: [{ name: "inter", commonName: "Inter", keyType: "EC" }] },
};
const ica = (name: string, extra: Record<string, unknown> = {}) => ({ name, issuer: { microsoft: {} }, policy: { name: `${name}-pol`, validityDays: 30 }, ...extra });
const adr = (extra: Record<string, unknown> = {}) => ({ deviceRegistry: { namespace: { name: "my-ns" }, certificateAuthorities: [ica("ica-one")], ...extra } });

function problems(values: Record<string, unknown>): string[] {
  const result = parseStackConfig({ values: { ...BASE, ...values }, location: "westeurope" });
  return result.ok ? [] : formatProblems(result.problems).split("\n").filter(Boolean).map((line) => line.replace(/^\s*- dps-x509:/, ""));
}

test("a well-formed deviceRegistry passes; an External ICA names a CA of the stack", () => {
  expect(problems(adr())).toEqual([]);
  expect(problems(adr({ certificateAuthorities: [{ name: "ext-ica", issuer: { external: { caName: "root" } }, policy: { name: "devices", validityDays: 90 }, renewBeforeDays: 30 }] }))).toEqual([]);
  expect(problems(adr({ certificateAuthorities: [{ name: "ext-ica", issuer: { external: { caName: "nope" } }, policy: { name: "devices", validityDays: 1 } }] }))).toEqual([
    'deviceRegistry.certificateAuthorities[0].issuer.external.caName = "nope": names no CA of this stack; allowed: root, inter',
  ]);
});

test("the External ICA's issuer: EC, and allowed to sign a CA (a generated intermediate has path length 0)", () => {
  const external = (caName: string) => adr({ certificateAuthorities: [{ name: "ext-ica", issuer: { external: { caName } }, policy: { name: "devices", validityDays: 9 } }] });
  expect(problems(external("inter"))).toEqual([
    'deviceRegistry.certificateAuthorities[0].issuer.external.caName = "inter": ca.intermediates[0] may not sign a CA (path length 0: a generated intermediate signs devices only); name the root, or bring an intermediate with path length 1 or more',
  ]);
  expect(problems({ ...external("root"), ca: { root: { name: "root", commonName: "Root" }, intermediates: [] } })).toEqual([
    'deviceRegistry.certificateAuthorities[0].issuer.external.caName = "root": ca.root has an RSA key; ADR accepts an ICA signed with ECDSA only: give it keyType: EC (P-256, P-384 or P-521)',
  ]);
});

test("limits: at most three ICAs, validity 1–90 days, names by the spec's patterns, unique CA names", () => {
  expect(problems(adr({ certificateAuthorities: ["ica-a", "ica-b", "ica-c", "ica-d"].map((n) => ica(n)) }))).toEqual([
    'deviceRegistry.certificateAuthorities = "4 entries": a namespace holds at most 3 intermediate CAs (and 1 root)',
  ]);
  expect(problems(adr({ certificateAuthorities: [ica("ica-one", { policy: { name: "po", validityDays: 91 } })] }))).toEqual([
    'deviceRegistry.certificateAuthorities[0].policy.name = "po": allowed: 3–63 letters, digits and hyphens, starting with a letter or digit',
    "deviceRegistry.certificateAuthorities[0].policy.validityDays = 91: allowed: 1–90 days (device certificates ADR issues)",
  ]);
  expect(problems(adr({ certificateAuthorities: [ica("ica-one", { policy: { name: "pols", validityDays: 0 } })] }))).toEqual([
    "deviceRegistry.certificateAuthorities[0].policy.validityDays = 0: allowed: 1–90 days (device certificates ADR issues)",
  ]);
  expect(problems(adr({ namespace: { name: "My_NS" } }))).toEqual(['deviceRegistry.namespace.name = "My_NS": allowed: 3–64 lower-case letters, digits and hyphens, starting and ending with a letter or digit']);
  expect(problems(adr({ certificateAuthorities: [ica("ICA-One"), ica("ica-one")] }))).toEqual([
    'deviceRegistry.certificateAuthorities[1].name = "ica-one": is already the name of certificateAuthorities[0]; CA names are unique in a namespace (case-insensitive)',
  ]);
  expect(problems(adr({ certificateAuthorities: [ica("microsoft-root")] }))[0]).toMatch(/the namespace's root \(rootName\)/);
});

test("rotation only on a Microsoft ICA, renewBeforeDays only on an External ICA", () => {
  expect(problems(adr({ certificateAuthorities: [{ name: "ext-ica", issuer: { external: { caName: "root" } }, policy: { name: "devices", validityDays: 5 }, rotation: 1 }] }))[0]).toMatch(/rotation = 1: revokeAndRotate is not supported for an External ICA/);
  expect(problems(adr({ certificateAuthorities: [ica("ica-one", { renewBeforeDays: 10 })] }))[0]).toMatch(/renewBeforeDays = 10: applies to an External ICA only/);
});

test("an enrollment's deviceRegistry names the namespace, a CA and that CA's policy", () => {
  const group = (ref: Record<string, unknown>) => ({ enrollmentGroups: [{ enrollmentId: "g", caName: "inter", deviceRegistry: ref }] });
  expect(problems({ ...adr(), ...group({ namespaceName: "my-ns", certificateAuthorityName: "ica-one", certificatePolicyName: "ica-one-pol" }) })).toEqual([]);
  expect(problems({ ...adr(), ...group({ namespaceName: "other", certificateAuthorityName: "ica-one", certificatePolicyName: "ica-one-pol" }) })).toEqual([
    'enrollmentGroups[0].deviceRegistry.namespaceName = "other": allowed: my-ns (the stack\'s namespace)',
  ]);
  expect(problems({ ...adr(), ...group({ namespaceName: "my-ns", certificateAuthorityName: "ica-two", certificatePolicyName: "ica-one-pol" }) })).toEqual([
    'enrollmentGroups[0].deviceRegistry.certificateAuthorityName = "ica-two": allowed: ica-one',
  ]);
  expect(problems({ ...adr(), ...group({ namespaceName: "my-ns", certificateAuthorityName: "ica-one", certificatePolicyName: "x-pol" }) })).toEqual([
    'enrollmentGroups[0].deviceRegistry.certificatePolicyName = "x-pol": allowed: ica-one-pol (the policy of ica-one)',
  ]);
  expect(problems(group({ namespaceName: "my-ns", certificateAuthorityName: "ica-one", certificatePolicyName: "ica-one-pol" }))[0]).toMatch(/the stack declares none/);
  expect(problems({ ...adr(), individualEnrollments: [{ registrationId: "d", certificatePem: "x", deviceRegistry: { namespaceName: "my-ns", certificateAuthorityName: "nope", certificatePolicyName: "p" } }] }).join("\n")).toMatch(/individualEnrollments\[0\]\.deviceRegistry\.certificateAuthorityName = "nope"/);
});

test("a tenant's group cannot name a namespace: tenants have none", () => {
  const result = parseStackConfig({
    values: { platform: "o/p/s", tenant: "acme", ca: { intermediates: [{ name: "acme-ca", commonName: "Acme" }] }, enrollmentGroups: [{ enrollmentId: "acme-g", caName: "acme-ca", deviceRegistry: { namespaceName: "ns-a", certificateAuthorityName: "ica", certificatePolicyName: "pol" } }] },
    location: "westeurope",
  });
  expect(result.ok ? "" : formatProblems(result.problems)).toContain("enrollmentGroups[0].deviceRegistry");
});

function plan(...args: string[]) {
  const result = spawnSync(process.execPath, ["-r", path.join(ROOT, "cli/tsRegister.js"), path.join(ROOT, "cli/plan.ts"), ...args], { cwd: ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

test("npm run plan --stack adr: namespace, Root, ICAs and policies, in dependency order, with what `up` does to each", () => {
  const { code, stdout, stderr } = plan("--stack", "adr", "--json");
  expect(stderr).toBe("");
  expect(code).toBe(0);
  const planned = JSON.parse(stdout) as { resources: Array<{ type: string; name: string; id?: string; inputs: Record<string, unknown>; notes?: Record<string, string>; dependsOn?: string[] }> };
  const adrResources = planned.resources.filter((r) => r.type.includes(":Adr"));
  expect(adrResources.map((r) => `${r.type.split(":").pop()} ${r.name}`)).toEqual([
    "AdrNamespace dps-x509-adr-namespace",
    "AdrCertificateAuthority dps-x509-adr-ca-microsoft-root",
    "AdrCertificateAuthority dps-x509-adr-ca-stack-ica",
    "AdrCertificatePolicy dps-x509-adr-policy-stack-devices",
    "AdrCertificateAuthority dps-x509-adr-ca-microsoft-ica",
    "AdrCertificatePolicy dps-x509-adr-policy-microsoft-devices",
  ]);
  const ext = adrResources.find((r) => r.name === "dps-x509-adr-ca-stack-ica")!;
  expect(ext.notes?.kind).toMatch(/signed by adr-root-ca and activated with the chain .* during `up`/);
  const ns = adrResources[0];
  expect(JSON.stringify(ns.inputs.provisioningEndpoints)).toContain("/providers/Microsoft.Devices/provisioningServices/adr-dps");
  // destroy runs these in reverse: enrollments, policies, ICAs, the Root, the namespace (and with it the link).
  const dependsOn = (name: string) => planned.resources.find((r) => r.name === name)!.dependsOn ?? [];
  expect(dependsOn("dps-x509-group-adr-devices")).toEqual(expect.arrayContaining(["dps-x509-adr-policy-stack-devices", "dps-x509-adr-policy-microsoft-devices"]));
  expect(dependsOn("dps-x509-adr-policy-stack-devices")).toContain("dps-x509-adr-ca-stack-ica");
  expect(dependsOn("dps-x509-adr-ca-microsoft-ica")).toEqual(expect.arrayContaining(["dps-x509-adr-namespace", "dps-x509-adr-ca-microsoft-root"]));
  expect(dependsOn("dps-x509-adr-ca-stack-ica")).toEqual(expect.arrayContaining(["dps-x509-adr-namespace", "dps-x509-ca-adr-root-ca"]));
  expect(dependsOn("dps-x509-adr-namespace")).toContain("dps-x509-provisioning-dps");
  // The DPS calls the namespace with its system-assigned identity.
  expect(planned.resources.find((r) => r.name === "dps-x509-provisioning-dps")!.inputs.identity).toEqual({ type: "SystemAssigned" });
  const text = plan("--stack", "adr");
  expect(text.code).toBe(0);
  expect(text.stdout).toContain("kind: ExternalIca  # External ICA");
  expect(text.stdout).toContain("validityPeriodInDays: 30  # device certificates stack-ica issues at registration live 30 days");
});

test("a bad deviceRegistry fails the plan with the key, before anything is declared", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-adr-"));
  const file = path.join(dir, "Pulumi.broken-adr.yaml");
  fs.writeFileSync(file, fs.readFileSync(path.join(ROOT, "Pulumi.adr.yaml"), "utf8").replace("validityDays: 30", "validityDays: 365"));
  const { code, stdout, stderr } = plan("--config", file);
  fs.rmSync(dir, { recursive: true, force: true });
  expect(code).toBe(1);
  expect(stdout).toBe("");
  expect(stderr).toContain("dps-x509:deviceRegistry.certificateAuthorities[0].policy.validityDays = 365");
});
