/**
 * The policy pack's rules (policy/rules.ts), each with a resource that passes and one that fails, and the pack's
 * wiring for Pulumi's policy runtime (policy/policies.ts): levels, messages reported against the resource's URN,
 * values unknown in a preview. Certificates come from the project's CA code and are judged by Node's X509Certificate.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { GUARDRAILS, packPolicies, plainCopy, UNKNOWN } from "../policy/policies";
import { groupCasVerifiedByStack, groupsAttestThroughIntermediates, hubHardenedAfterAdoption, hubX509Only, noCaKeyInStateInProduction, oneEnrollmentPerCertificate, TYPES, type PolicySubject } from "../policy/rules";
import { ENVIRONMENT_TAG } from "../components/config/environment";
import { opensslCas } from "./support/opensslCas";

const subject = (type: string, name: string, props: Record<string, unknown>, dependencies: string[] = []): PolicySubject => ({ type, name, props, dependencies });
const hub = (properties: Record<string, unknown> | undefined) => subject(TYPES.hub, "hub", properties ? { properties } : {});

/** A stack: root and intermediate CAs (by role), both uploaded and verified, and one group on `groupCa`. */
function stack(groupCa: string, extra: PolicySubject[] = []): PolicySubject[] {
  return [
    subject(TYPES.caCertificate, "ca-root", { role: "root", caName: "root-ca" }),
    subject(TYPES.caCertificate, "ca-inter", { role: "intermediate", caName: "inter-ca" }, ["ca-root"]),
    subject(TYPES.upload, "cert-root", { certificateName: "root-ca", certificatePem: UNKNOWN, isVerified: false }, ["ca-root"]),
    subject(TYPES.upload, "cert-inter", { certificateName: "inter-ca", certificatePem: UNKNOWN, isVerified: false }, ["ca-inter"]),
    subject(TYPES.verification, "verify-root", { certificateName: "root-ca", caPrivateKeyPem: "[secret]" }, ["cert-root"]),
    subject(TYPES.verification, "verify-inter", { certificateName: "inter-ca", caPrivateKeyPem: "[secret]" }, ["cert-inter"]),
    subject(TYPES.enrollmentGroup, "group", { enrollmentId: "devices", primaryCaName: groupCa }, ["verify-inter"]),
    ...extra,
  ];
}

test("every policy has a level, advisory or mandatory, and a resource or a stack check; what Azure and the seed allow is advisory", () => {
  expect(GUARDRAILS.map((p) => [p.name, p.enforcementLevel])).toEqual([
    ["hub-x509-only", "mandatory"],
    ["hub-hardened-after-adoption", "advisory"],
    ["group-attests-through-intermediate", "advisory"],
    ["group-ca-verified-by-stack", "mandatory"],
    ["one-enrollment-per-certificate", "advisory"],
    ["no-ca-key-in-state-in-production", "mandatory"],
  ]);
  for (const policy of GUARDRAILS) expect(Boolean(policy.checkResource) !== Boolean(policy.checkStack)).toBe(true);
});

describe("hub-x509-only", () => {
  test("passes a hub with device SAS off and TLS 1.2", () => {
    expect(hubX509Only(hub({ disableDeviceSAS: true, minTlsVersion: "1.2" }))).toEqual([]);
  });
  test("fails a hub whose inputs accept device SAS, and one whose inputs state TLS 1.0", () => {
    expect(hubX509Only(hub({ disableDeviceSAS: false, minTlsVersion: "1.2" }))).toEqual([expect.stringMatching(/device SAS tokens are accepted \(properties\.disableDeviceSAS is false\)/)]);
    expect(hubX509Only(hub({ disableDeviceSAS: true, minTlsVersion: "1.0" }))).toEqual([expect.stringMatching(/TLS older than 1\.2 is accepted \(properties\.minTlsVersion is "1\.0"\)/)]);
  });
  test("does not block what the inputs leave to Azure (an adopted hub): hub-hardened-after-adoption reports that", () => {
    expect(hubX509Only(hub(undefined))).toEqual([]);
    expect(hubX509Only(hub({ disableDeviceSAS: true }))).toEqual([]);
  });
  test("ignores other resource types", () => {
    expect(hubX509Only(subject(TYPES.resourceGroup, "rg", {}))).toEqual([]);
  });
});

describe("hub-hardened-after-adoption", () => {
  test("passes a hub that states both", () => {
    expect(hubHardenedAfterAdoption(hub({ disableDeviceSAS: true, minTlsVersion: "1.2" }))).toEqual([]);
    expect(hubHardenedAfterAdoption(hub({ disableDeviceSAS: false, minTlsVersion: "1.0" }))).toEqual([]);
  });
  test("reports each setting left to Azure, with the way to the hardened state", () => {
    expect(hubHardenedAfterAdoption(hub(undefined))).toEqual([
      expect.stringMatching(/device SAS is left as Azure holds it .*set disableDeviceSAS: true .*run up again/),
      expect.stringMatching(/minimum TLS version is left as Azure holds it .*only when a hub is created, so TLS 1\.2 takes a new hub/),
    ]);
    expect(hubHardenedAfterAdoption(hub({ disableDeviceSAS: true }))).toHaveLength(1);
  });
});

describe("group-attests-through-intermediate", () => {
  test("passes a group on an intermediate", () => {
    expect(groupsAttestThroughIntermediates(stack("inter-ca"))).toEqual([]);
  });
  test("fails a group on a root, found through the CA its upload comes from", () => {
    expect(groupsAttestThroughIntermediates(stack("root-ca"))).toEqual([{ resource: "group", message: expect.stringMatching(/^enrollment group devices attests through root-ca, a root CA/) }]);
  });
  test("judges a known certificate by itself: self-signed is a root, whatever the CA resource says", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-"));
    try {
      execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", path.join(dir, "k.pem"), "-out", path.join(dir, "c.pem"), "-subj", "/CN=Brought Root", "-days", "30"], { stdio: "ignore" });
      const rootPem = fs.readFileSync(path.join(dir, "c.pem"), "utf8");
      const resources = stack("inter-ca").map((r) => (r.name === "cert-inter" ? { ...r, props: { ...r.props, certificatePem: rootPem } } : r));
      expect(groupsAttestThroughIntermediates(resources)).toHaveLength(1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("group-ca-verified-by-stack", () => {
  test("passes a group whose CA the stack verifies (proof of possession, or verified on upload)", () => {
    expect(groupCasVerifiedByStack(stack("inter-ca"))).toEqual([]);
    const onUpload = stack("other-ca", [subject(TYPES.upload, "cert-other", { certificateName: "other-ca", isVerified: true })]);
    expect(groupCasVerifiedByStack(onUpload)).toEqual([]);
  });
  test("fails a group on a CA the stack does not verify, primary or secondary", () => {
    expect(groupCasVerifiedByStack(stack("elsewhere-ca"))).toEqual([{ resource: "group", message: expect.stringMatching(/references CA elsewhere-ca, which this stack does not upload and verify/) }]);
    const unverified = stack("other-ca", [subject(TYPES.upload, "cert-other", { certificateName: "other-ca", isVerified: false })]);
    expect(groupCasVerifiedByStack(unverified)).toHaveLength(1);
    const secondary = stack("inter-ca").map((r) => (r.name === "group" ? { ...r, props: { ...r.props, secondaryCaName: "gone-ca" } } : r));
    expect(groupCasVerifiedByStack(secondary)).toEqual([expect.objectContaining({ message: expect.stringContaining("gone-ca") })]);
  });
});

describe("every enrollment kind", () => {
  const cas = opensslCas();
  /** A signing-certificate group holding `pem` (or nothing) of the CA `caName`, which it depends on. */
  const signing = (name: string, caName: string, pem: unknown, deps = [`ca-${caName}`]) =>
    subject(TYPES.enrollmentGroup, name, { enrollmentId: name, attestation: "signingCertificate", primaryCaName: caName, primaryCertificatePem: pem }, deps);
  const cas2 = [
    subject(TYPES.caCertificate, "ca-root-ca", { role: "root" }),
    subject(TYPES.caCertificate, "ca-inter-ca", { role: "intermediate" }, ["ca-root-ca"]),
  ];

  test("a signing-certificate group satisfies group-ca-verified-by-stack: it holds its CA, nothing is uploaded; one that holds nothing fails", () => {
    expect(groupCasVerifiedByStack([...cas2, signing("held", "inter-ca", UNKNOWN)])).toEqual([]);
    expect(groupCasVerifiedByStack([...cas2, signing("held", "inter-ca", cas.intermediatePem)])).toEqual([]);
    expect(groupCasVerifiedByStack([...cas2, signing("empty", "inter-ca", undefined)])).toEqual([{ resource: "empty", message: expect.stringMatching(/attests by signing certificate but holds no certificate of inter-ca/) }]);
  });

  test("a signing-certificate group holding a root is judged as a CA-reference group on a root: by its PEM, else by its CA resource", () => {
    expect(groupsAttestThroughIntermediates([...cas2, signing("on-root", "root-ca", cas.rootPem)])).toEqual([{ resource: "on-root", message: expect.stringMatching(/^enrollment group on-root attests through root-ca, a root CA \(held as its signing certificate\)/) }]);
    expect(groupsAttestThroughIntermediates([...cas2, signing("on-root", "root-ca", UNKNOWN)])).toHaveLength(1);
    expect(groupsAttestThroughIntermediates([...cas2, signing("on-inter", "inter-ca", cas.intermediatePem)])).toEqual([]);
    expect(groupsAttestThroughIntermediates([...cas2, signing("on-inter", "inter-ca", UNKNOWN)])).toEqual([]);
  });

  test("an individual enrollment's CA reference is covered as a group's is: verified by the stack, not a root", () => {
    const individual = subject(TYPES.individualEnrollment, "ie", { registrationId: "press-1", caName: "root-ca" });
    expect(groupsAttestThroughIntermediates(stack("inter-ca", [individual]))).toEqual([{ resource: "ie", message: expect.stringMatching(/^individual enrollment press-1 attests through root-ca, a root CA/) }]);
    const elsewhere = subject(TYPES.individualEnrollment, "ie", { registrationId: "press-1", caName: "gone-ca" });
    expect(groupCasVerifiedByStack(stack("inter-ca", [elsewhere]))).toEqual([{ resource: "ie", message: expect.stringMatching(/^individual enrollment press-1 references CA gone-ca/) }]);
  });

  describe("one-enrollment-per-certificate", () => {
    test("one CA per group, one certificate per device: nothing to report", () => {
      const devices = [
        subject(TYPES.individualEnrollment, "ie-1", { registrationId: "press-1", certificatePem: cas.device("press-1") }),
        subject(TYPES.revokedDevice, "rd-2", { registrationId: "press-2", certificatePem: cas.device("press-2") }),
      ];
      expect(oneEnrollmentPerCertificate(stack("inter-ca", [subject(TYPES.enrollmentGroup, "g2", { enrollmentId: "other", primaryCaName: "root-ca" }), ...devices]))).toEqual([]);
    });
    test("two groups on one CA reference: reported once, naming both entries", () => {
      const found = oneEnrollmentPerCertificate(stack("inter-ca", [subject(TYPES.enrollmentGroup, "g2", { enrollmentId: "second", primaryCaName: "INTER-CA" })]));
      expect(found).toEqual([
        { resource: "group", message: expect.stringMatching(/^the certificate of CA inter-ca is named by 2 enrollment entries: enrollment group devices \(CA reference inter-ca\), enrollment group second \(CA reference INTER-CA\); DPS takes a certificate in only one enrollment entry .*intermediate CA of its own/) },
      ]);
    });
    test("a group's signing certificate equal to another group's CA reference, and a secondary slot, count alike", () => {
      const known = stack("inter-ca").map((r) => (r.name === "cert-inter" ? { ...r, props: { ...r.props, certificatePem: cas.intermediatePem } } : r));
      const held = subject(TYPES.enrollmentGroup, "g-held", { enrollmentId: "held", attestation: "signingCertificate", primaryCaName: "other", primaryCertificatePem: cas.rootPem, secondaryCaName: "inter-ca", secondaryCertificatePem: cas.intermediatePem });
      const found = oneEnrollmentPerCertificate([...known, held]);
      expect(found).toHaveLength(1);
      expect(found[0].message).toMatch(/^CN=Policy Test Intermediate, thumbprint [0-9A-F]{40} is named by 2 enrollment entries: enrollment group devices \(CA reference inter-ca\), enrollment group held \(secondary signing certificate of inter-ca\)/);
    });
    test("an individual enrollment's device certificate equal to another's or to a revoked device's", () => {
      const pem = cas.device("press-1");
      const found = oneEnrollmentPerCertificate([
        subject(TYPES.individualEnrollment, "ie-1", { registrationId: "press-1", certificatePem: pem }),
        subject(TYPES.individualEnrollment, "ie-2", { registrationId: "press-1b", certificatePem: cas.device("press-2"), secondaryCertificatePem: pem }),
        subject(TYPES.revokedDevice, "rd-1", { registrationId: "press-1", certificatePem: pem }),
      ]);
      expect(found).toEqual([{ resource: "ie-1", message: expect.stringMatching(/^CN=press-1, .* is named by 3 enrollment entries: individual enrollment press-1 \(device certificate\), individual enrollment press-1b \(secondary device certificate\), revoked device press-1 \(device certificate\); .*one entry per device certificate/) }]);
    });
    test("one entry naming a certificate as primary and secondary is one entry", () => {
      const pem = cas.device("press-1");
      expect(oneEnrollmentPerCertificate([subject(TYPES.individualEnrollment, "ie-1", { registrationId: "press-1", certificatePem: pem, secondaryCertificatePem: pem })])).toEqual([]);
    });
  });
});

describe("no-ca-key-in-state-in-production", () => {
  const production = subject(TYPES.resourceGroup, "rg", { tags: { [ENVIRONMENT_TAG]: "production" } });
  const inVault = (r: PolicySubject): PolicySubject =>
    r.type === TYPES.caCertificate ? { ...r, props: { ...r.props, keyStore: "keyVault" } } : r.type === TYPES.verification ? { ...r, props: { certificateName: r.props.certificateName, caKeyId: UNKNOWN } } : r;

  test("passes a production stack whose CA keys are in Key Vault, and a stack that is not production", () => {
    expect(noCaKeyInStateInProduction(stack("inter-ca", [production]).map(inVault))).toEqual([]);
    expect(noCaKeyInStateInProduction(stack("inter-ca", [subject(TYPES.resourceGroup, "rg", { tags: { [ENVIRONMENT_TAG]: "staging" } })]))).toEqual([]);
  });
  test("fails each CA key a production stack keeps in state: the CA and the proof of possession signed with it", () => {
    const findings = noCaKeyInStateInProduction(stack("inter-ca", [production]));
    expect(findings.map((f) => f.resource).sort()).toEqual(["ca-inter", "ca-root", "verify-inter", "verify-root"]);
    expect(findings[0].message).toMatch(/keeps its private key in the stack's state.*keyStore: keyVault/);
  });
  test("the pack's config can declare production for a stack without the tag; a brought CA without its key holds none", () => {
    const tenant = [subject(TYPES.caKeyRequest, "csr", { caName: "t-inter", keyStore: "state" }), subject(TYPES.caCertificate, "t-ca", { providedCertificatePem: "-----BEGIN CERTIFICATE-----" })];
    expect(noCaKeyInStateInProduction(tenant)).toEqual([]);
    expect(noCaKeyInStateInProduction(tenant, true).map((f) => f.resource)).toEqual(["csr"]);
  });
});

describe("the pack for Pulumi's policy runtime", () => {
  const policies = packPolicies() as any[];
  const hubPolicy = policies.find((p) => p.name === "hub-x509-only");
  const productionPolicy = policies.find((p) => p.name === "no-ca-key-in-state-in-production");

  test("a resource policy reports each message for the resource", () => {
    const reported: string[] = [];
    hubPolicy.validateResource({ type: TYPES.hub, name: "hub", props: { properties: { disableDeviceSAS: false, minTlsVersion: "1.2" } } }, (message: string) => reported.push(message));
    expect(reported).toEqual([expect.stringMatching(/device SAS tokens are accepted/)]);
  });

  test("a stack policy reports against the resource's URN and reads its config", () => {
    const resources = stack("inter-ca").map((r) => ({ ...r, urn: `urn:pulumi:dev::dps-x509::${r.type}::${r.name}`, dependencies: r.dependencies.map((name) => ({ name })) }));
    const reported: Array<[string, string | undefined]> = [];
    productionPolicy.validateStack({ resources, getConfig: () => ({ production: true }) }, (message: string, urn?: string) => reported.push([message, urn]));
    expect(reported.map(([, urn]) => urn)).toContain("urn:pulumi:dev::dps-x509::pulumi-nodejs:dynamic/dps-x509:CaCertificate::ca-root");
    reported.length = 0;
    productionPolicy.validateStack({ resources, getConfig: () => ({}) }, (message: string, urn?: string) => reported.push([message, urn]));
    expect(reported).toEqual([]);
  });

  test("a value unknown in a preview (the runtime throws on reading it) reads as unknown, not as a failed check", () => {
    const props = { certificateName: "inter-ca" } as Record<string, unknown>;
    Object.defineProperty(props, "certificatePem", { enumerable: true, get: () => { throw new Error("unknown during preview"); } });
    expect(plainCopy(props)).toEqual({ certificateName: "inter-ca", certificatePem: UNKNOWN });
  });
});

test("the pack's tag is the one the program writes", () => {
  const { ENVIRONMENT_TAG: packTag } = jest.requireActual("../policy/rules");
  expect(packTag).toBe(ENVIRONMENT_TAG);
});
