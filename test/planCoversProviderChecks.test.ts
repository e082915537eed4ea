/**
 * The plan and preview share one set of checks. Every check the dynamic providers run in `check` or `create` is
 * listed here (the list is read from their sources, so a new provider check fails this test until it is listed),
 * and for each one either
 * - the stack file can break it: then the provider really refuses such inputs, and the plan refuses the stack file
 *   that leads to them, before anything is declared; or
 * - only the program sets it: then the inputs the program really declares for the example stacks pass every
 *   provider's check.
 * Every path the program declares is covered: the platform's CAs, hubs and groups, a rotation's new CAs, a tenant's
 * key requests and the platform's tenant certificates, CA keys in Key Vault, and adoption.
 */
import * as fs from "fs";
import * as path from "path";
import { createCsr, createDeviceCertificate, createIntermediateCa, createRootCa, generateRsaKeyPair, keyObjectSigner } from "../certs";
import { evaluatePlan } from "../cli/plan/evaluate";
import { parseStackFile, readStackFile, type StackFileConfig } from "../cli/plan/stackFile";
import { parseStackConfig, type Problem } from "../components/config";
import { caCertificateProvider, CA_PROVIDER_VERSION } from "../components/providers/caCertificate";
import { caKeyRequestProvider } from "../components/providers/caKeyRequest";
import { tenantCertificateProvider } from "../components/providers/tenantCertificate";
import { tenantIssuerProvider } from "../components/providers/tenantIssuer";
import { providers as registry } from "../components/providers/registry";
import { caVerificationProvider } from "../components/providers/caVerification";
import { dpsCertificateProvider } from "../components/providers/dpsCertificate";
import { enrollmentGroupProvider } from "../components/providers/enrollmentGroup";
import { revokedDeviceProvider } from "../components/providers/revokedDevice";
import { individualEnrollmentProvider } from "../components/providers/individualEnrollment";
import { adrNamespaceProvider } from "../components/providers/adrNamespace";
import { adrCertificateAuthorityProvider } from "../components/providers/adrCertificateAuthority";
import { adrCertificatePolicyProvider } from "../components/providers/adrCertificatePolicy";
import { expiredDeviceCertificate } from "./support/deviceCertificates";
import { platformStackValues, tenantStackValues } from "./support/stackValues";

const ROOT = path.resolve(__dirname, "..");
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
type Provider = { check?: (olds: any, news: any) => Promise<{ failures?: Array<{ property: string; reason: string }> }> };
const providers: Record<string, Provider> = {
  CaCertificate: caCertificateProvider as Provider,
  DpsCertificateUpload: dpsCertificateProvider as Provider,
  CaVerification: caVerificationProvider as Provider,
  EnrollmentGroup: enrollmentGroupProvider as Provider,
  RevokedDevice: revokedDeviceProvider as Provider,
  CaKeyRequest: caKeyRequestProvider as Provider,
  TenantCertificate: tenantCertificateProvider as Provider,
  TenantIssuer: tenantIssuerProvider as Provider,
  IndividualEnrollment: individualEnrollmentProvider as Provider,
  AdrNamespace: adrNamespaceProvider as Provider,
  AdrCertificateAuthority: adrCertificateAuthorityProvider as Provider,
  AdrCertificatePolicy: adrCertificatePolicyProvider as Provider,
};
const sources: Record<string, string[]> = {
  CaCertificate: ["components/providers/caCertificate.ts", "components/providers/caInputRules.ts", "components/providers/caKeyStore.ts"],
  DpsCertificateUpload: ["components/providers/dpsCertificate.ts"],
  CaVerification: ["components/providers/caVerification.ts"],
  EnrollmentGroup: ["components/providers/enrollmentGroup.ts", "components/requests/enrollmentGroupRequest.ts"],
  RevokedDevice: ["components/providers/revokedDevice.ts", "certs/deviceCertificate.ts"],
  CaKeyRequest: ["components/providers/caKeyRequest.ts"],
  TenantCertificate: ["components/providers/tenantCertificate.ts"],
  TenantIssuer: ["components/providers/tenantIssuer.ts"],
  IndividualEnrollment: ["components/providers/individualEnrollment.ts", "components/requests/individualEnrollmentRequest.ts", "components/providers/enrollmentCare.ts"],
  AdrNamespace: ["components/providers/adrNamespace.ts"],
  AdrCertificateAuthority: ["components/providers/adrCertificateAuthority.ts"],
  AdrCertificatePolicy: ["components/providers/adrCertificatePolicy.ts"],
};

/** The input properties a provider's check can refuse, read from its source (and the rule modules it calls). */
function checkedProperties(provider: string): Set<string> {
  const found = new Set<string>();
  for (const file of sources[provider]) {
    for (const line of fs.readFileSync(path.join(ROOT, file), "utf8").split("\n")) {
      for (const m of line.matchAll(/(?:fail|add|enumCheck)\(\s*[`"]([A-Za-z.]+)/g)) found.add(m[1]);
      if (/fail\(|add\(|failures\.push|return \[\{|return \{ property/.test(line)) for (const m of line.matchAll(/property: "([A-Za-z.]+)"/g)) found.add(m[1]);
      const required = /requiredStringFailures\(news, \[([^\]]*)\]/.exec(line);
      if (required) {
        for (const m of required[1].matchAll(/"(\w+)"/g)) found.add(m[1]);
        if (required[1].includes("IDENTITY_KEYS")) ["subscriptionId", "resourceGroupName", "dpsName", "certificateName"].forEach((key) => found.add(key));
      }
      if (/const property = \{/.test(line)) for (const m of line.matchAll(/: "(\w+)"/g)) found.add(m[1]);
      const loop = /for \(const key of \[([^\]]*)\]/.exec(line);
      if (loop) for (const m of loop[1].matchAll(/"(\w+)"/g)) found.add(m[1]);
    }
  }
  return found;
}

// A real chain and device, for the brought-CA and revoked-device rows.
const root = createRootCa({ commonName: "Cover Root", keySize: 2048, validityDays: 3650 });
const other = createRootCa({ commonName: "Other Root", keySize: 2048, validityDays: 3650 });
const intermediate = createIntermediateCa({ issuer: root, commonName: "Cover Intermediate", keySize: 2048, validityDays: 1000 });
const device = createDeviceCertificate({ issuer: intermediate, registrationId: "device-1", keySize: 2048 });
const expiredDevice = expiredDeviceCertificate("device-1");
// A root a year long, for the rotation rows; and a tenant's CSR, for the tenant rows.
const shortRoot = createRootCa({ commonName: "Short Root", keySize: 2048, validityDays: 365 });
let tenantCsr = "";
beforeAll(async () => {
  tenantCsr = await createCsr({ commonName: "Customer A Intermediate CA", signer: keyObjectSigner(generateRsaKeyPair(2048).privateKey) });
});

/** A stack's values as the plan reads a stack file (the program reads them so too). */
function asStackFile(values: Record<string, unknown>): StackFileConfig {
  const allConfig: Record<string, string> = { "azure-native:location": "westeurope" };
  for (const [key, value] of Object.entries(values)) allConfig[`dps-x509:${key}`] = typeof value === "string" ? value : JSON.stringify(value);
  return { allConfig, secretKeys: [], decryptedKeys: ["dps-x509:ca", "dps-x509:enrollmentGroups", "dps-x509:tenants"] };
}

/**
 * The plan's problems for the stack after `mutate` (as the running program reads it: decrypted secrets): the config
 * checks, or for a row that only the program's own checks can see (a tenant's CSRs), the whole offline plan.
 */
async function planProblems(row: Pick<FileRow, "mutate" | "stack" | "wholePlan">): Promise<Problem[]> {
  const values = row.stack === "tenant" ? tenantStackValues() : platformStackValues();
  row.mutate(values);
  if (row.wholePlan) {
    const result = await evaluatePlan(asStackFile(values), "platform", { stackOutputs: {} });
    return result.ok ? [] : result.problems;
  }
  const result = parseStackConfig({ values, location: "westeurope", decryptedKeys: ["dps-x509:ca", "dps-x509:enrollmentGroups", "dps-x509:tenants"] });
  return result.ok ? [] : result.problems;
}

const caBase = { role: "root", commonName: "Root", keySize: 2048, validityDays: 365, pathLength: 1, providerVersion: CA_PROVIDER_VERSION };
const caIntermediate = { ...caBase, role: "intermediate", pathLength: undefined, commonName: "Intermediate", issuerCertificatePem: root.certificatePem, issuerPrivateKey: root.privateKeyPem };
const dpsTarget = { subscriptionId: "sub", resourceGroupName: "rg", dpsName: "dps", certificateName: "root-ca", certificatePem: root.certificatePem, providerVersion: "1" };
const groupBase = {
  enrollmentId: "group-1",
  primaryCaName: "int-ca",
  provisioningStatus: "enabled",
  allocationPolicy: "hashed",
  iotHubHostNames: ["hub-one.azure-devices.net"],
  reprovisionPolicy: "reprovisionandmigratedata",
  edgeEnabled: false,
  serviceHostName: "my-dps.azure-devices-provisioning.net",
  providerVersion: "1",
};
const soloBase = {
  registrationId: "device-1", certificatePem: device.certificatePem, provisioningStatus: "enabled", allocationPolicy: "hashed", iotHubHostNames: ["hub-one.azure-devices.net"],
  reprovisionPolicy: "reprovisionandmigratedata", edgeEnabled: false, serviceHostName: "my-dps.azure-devices-provisioning.net", providerVersion: "1",
};
const revokedBase = { registrationId: "device-1", certificatePem: device.certificatePem, serviceHostName: "my-dps.azure-devices-provisioning.net", providerVersion: "1" };

interface FileRow {
  /** Inputs the provider refuses, as the program would build them from the broken stack file. */
  inputs: Record<string, unknown>;
  /** The same mistake in the stack file. */
  mutate: (values: Record<string, any>) => void;
  /** Where the plan reports it. */
  planPath: RegExp;
  /** The stack file is a tenant's (default: a platform's). */
  stack?: "tenant";
  /** Checked by the program before it declares anything (run the whole offline plan), not by the config checks. */
  wholePlan?: boolean;
}
type Row = FileRow | { program: string };

const adrTarget = { subscriptionId: "sub", resourceGroupName: "iot-rg", namespaceName: "my-ns", location: "westeurope", providerVersion: "1" };
const adrCa = { name: "my-ica", issuer: { microsoft: {} }, policy: { name: "my-devices", validityDays: 7 } };
const withAdr = (v: Record<string, any>, ns = "my-ns", ca: Record<string, unknown> = adrCa) => (v.deviceRegistry = { namespace: { name: ns }, certificateAuthorities: [ca] });

/** Every provider check: how a stack file can break it, or why only the program sets it. */
const table: Record<string, Record<string, Row>> = {
  // Device Registry (components/providers/adr*.ts): names by the spec's patterns (adrCommon.ts), the days 1–90.
  AdrNamespace: {
    namespaceName: { inputs: { ...adrTarget, namespaceName: "My_NS", identityType: "SystemAssigned", provisioningEndpoints: {} }, mutate: (v) => withAdr(v, "My_NS"), planPath: /^deviceRegistry\.namespace\.name$/ },
  },
  AdrCertificateAuthority: {
    certificateAuthorityName: { inputs: { ...adrTarget, certificateAuthorityName: "-ica", kind: "Root" }, mutate: (v) => withAdr(v, "my-ns", { ...adrCa, name: "-ica" }), planPath: /^deviceRegistry\.certificateAuthorities\[0\]\.name$/ },
    kind: { program: "set by the DeviceRegistry component from the issuer key (Root, MicrosoftIca, ExternalIca)" },
    rootCertificateAuthorityName: { program: "deviceRegistry.rootName, which has a default" },
    issuerCertificatePem: { program: "the certificate of the stack's CA that issuer.external.caName names (checked to exist)" },
  },
  AdrCertificatePolicy: {
    validityPeriodInDays: { inputs: { ...adrTarget, certificateAuthorityName: "my-ica", certificatePolicyName: "my-devices", validityPeriodInDays: 91 }, mutate: (v) => withAdr(v, "my-ns", { ...adrCa, policy: { name: "my-devices", validityDays: 91 } }), planPath: /^deviceRegistry\.certificateAuthorities\[0\]\.policy\.validityDays$/ },
    certificatePolicyName: { inputs: { ...adrTarget, certificateAuthorityName: "my-ica", certificatePolicyName: "p_1", validityPeriodInDays: 7 }, mutate: (v) => withAdr(v, "my-ns", { ...adrCa, policy: { name: "p_1", validityDays: 7 } }), planPath: /^deviceRegistry\.certificateAuthorities\[0\]\.policy\.name$/ },
  },
  CaCertificate: {
    role: { program: "set by the CA component: root or intermediate" },
    commonName: { inputs: { ...caBase, commonName: " Root" }, mutate: (v) => (v.ca.root.commonName = " Root"), planPath: /^ca\.root\.commonName$/ },
    keySize: { inputs: { ...caBase, keySize: 1024 }, mutate: (v) => (v.ca.root.keySize = 1024), planPath: /^ca\.root\.keySize$/ },
    validityDays: { inputs: { ...caIntermediate, validityDays: 36500 }, mutate: (v) => (v.ca.intermediates[0].validityDays = 36500), planPath: /^ca\.intermediates\[0\]\.validityDays$/ },
    pathLength: { program: "set by the CA component (1 for the root), not a config key" },
    renewBeforeDays: { inputs: { ...caBase, renewBeforeDays: 365 }, mutate: (v) => (v.ca.root.renewBeforeDays = 3650), planPath: /^ca\.root\.renewBeforeDays$/ },
    providerVersion: { program: "the program's constant" },
    providedCertificatePem: {
      inputs: { ...caBase, providedCertificatePem: device.certificatePem },
      mutate: (v) => Object.assign(v.ca.root, { certificatePem: device.certificatePem, verification: "onUpload" }),
      planPath: /^ca\.root\.certificatePem$/,
    },
    providedPrivateKeyPem: {
      inputs: { ...caBase, providedCertificatePem: root.certificatePem, providedPrivateKeyPem: other.privateKeyPem },
      mutate: (v) => Object.assign(v.ca.root, { certificatePem: root.certificatePem, privateKeyPem: other.privateKeyPem }),
      planPath: /^ca\.root\.privateKeyPem$/,
    },
    // A brought intermediate is checked against its issuer: an issuer that does not parse.
    issuerCertificatePem: {
      inputs: { ...caIntermediate, issuerPrivateKey: undefined, issuerCertificatePem: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", providedCertificatePem: intermediate.certificatePem },
      mutate: (v) => {
        Object.assign(v.ca.root, { certificatePem: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", verification: "onUpload" });
        Object.assign(v.ca.intermediates[0], { certificatePem: intermediate.certificatePem, verification: "onUpload" });
      },
      planPath: /^ca\.root\.certificatePem$/,
    },
    // ... and one its issuer did not sign (reported on the intermediate's certificate).
    "providedCertificatePem (chain)": {
      inputs: { ...caIntermediate, issuerPrivateKey: undefined, issuerCertificatePem: other.certificatePem, providedCertificatePem: intermediate.certificatePem },
      mutate: (v) => {
        Object.assign(v.ca.root, { certificatePem: other.certificatePem, verification: "onUpload" });
        Object.assign(v.ca.intermediates[0], { certificatePem: intermediate.certificatePem, verification: "onUpload" });
      },
      planPath: /^ca\.intermediates\[0\]\.certificatePem$/,
    },
    issuerPrivateKey: {
      inputs: { ...caIntermediate, issuerPrivateKey: undefined },
      mutate: (v) => Object.assign(v.ca.root, { certificatePem: root.certificatePem, verification: "onUpload" }),
      planPath: /^ca\.intermediates\[0\]$/,
    },
    // Rotation: each new CA is a CaCertificate of its own (components/rotation/apply.ts), checked like any other.
    "validityDays (rotation)": {
      inputs: { ...caIntermediate, issuerCertificatePem: shortRoot.certificatePem, issuerPrivateKey: shortRoot.privateKeyPem, validityDays: 1000 },
      mutate: (v) => {
        v.ca.root.validityDays = 365;
        Object.assign(v.ca.intermediates[0], { validityDays: 300, rotation: { step: "stage", name: "int-ca-next", validityDays: 1000 } });
      },
      planPath: /^ca\.intermediates\[0\]\.rotation\.validityDays$/,
    },
    "commonName (rotation)": {
      inputs: { ...caIntermediate, commonName: " Next" },
      mutate: (v) => (v.ca.intermediates[0].rotation = { step: "stage", name: "int-ca-next", commonName: " Next" }),
      planPath: /^ca\.intermediates\[0\]\.rotation\.commonName$/,
    },
    "providedCertificatePem (rotation)": {
      inputs: { ...caIntermediate, issuerPrivateKey: undefined, providedCertificatePem: device.certificatePem, providedPrivateKeyPem: device.privateKeyPem },
      mutate: (v) => {
        Object.assign(v.ca.root, { certificatePem: root.certificatePem, privateKeyPem: root.privateKeyPem });
        Object.assign(v.ca.intermediates[0], {
          certificatePem: intermediate.certificatePem,
          privateKeyPem: intermediate.privateKeyPem,
          rotation: { step: "stage", name: "int-ca-next", certificatePem: device.certificatePem, privateKeyPem: device.privateKeyPem },
        });
      },
      planPath: /^ca\.intermediates\[0\]\.rotation\.certificatePem$/,
    },
    // Key Vault: a CA whose key lives in the stack's vault (components/providers/caKeyStore.ts).
    keyStore: { inputs: { ...caBase, keyStore: "vault" }, mutate: (v) => (v.ca.root.keyStore = "vault"), planPath: /^ca\.root\.keyStore$/ },
    vaultUrl: { inputs: { ...caBase, keyStore: "keyVault", keyName: "dps-x509-root-ca" }, mutate: (v) => (v.ca.root.keyStore = "keyVault"), planPath: /^ca\.root\.keyStore$/ },
    keyName: { program: "caKeyName(the CA's name), set with vaultUrl; the plan refuses two CAs whose key names clash (ca.*.name)" },
    "providedPrivateKeyPem (keyVault)": {
      inputs: { ...caBase, keyStore: "keyVault", vaultUrl: "https://my-vault.vault.azure.net", keyName: "dps-x509-root-ca", providedCertificatePem: root.certificatePem, providedPrivateKeyPem: root.privateKeyPem },
      mutate: (v) => {
        v.keyVault = { name: "my-vault", create: true };
        Object.assign(v.ca.root, { keyStore: "keyVault", certificatePem: root.certificatePem, privateKeyPem: root.privateKeyPem });
      },
      planPath: /^ca\.root\.privateKeyPem$/,
    },
  },
  DpsCertificateUpload: {
    subscriptionId: { program: "read from Azure (getClientConfig), or the platform's outputs" },
    resourceGroupName: { inputs: { ...dpsTarget, resourceGroupName: "" }, mutate: (v) => (v.resourceGroupName = ""), planPath: /^resourceGroupName$/ },
    dpsName: { inputs: { ...dpsTarget, dpsName: "" }, mutate: (v) => (v.dps.name = ""), planPath: /^dps\.name$/ },
    certificateName: { inputs: { ...dpsTarget, certificateName: "x".repeat(257) }, mutate: (v) => (v.ca.root.name = "x".repeat(257)), planPath: /^ca\.root\.name$/ },
    certificatePem: {
      inputs: { ...dpsTarget, certificatePem: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n" },
      mutate: (v) => Object.assign(v.ca.root, { certificatePem: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", verification: "onUpload" }),
      planPath: /^ca\.root\.certificatePem$/,
    },
    isVerified: { program: "derived from verification (a schema enum): always true or false" },
    armEndpoint: { inputs: { ...dpsTarget, armEndpoint: 42 }, mutate: (v) => (v.armEndpoint = 42), planPath: /^armEndpoint$/ },
    providerVersion: { program: "the program's constant" },
  },
  CaVerification: {
    subscriptionId: { program: "read from Azure (getClientConfig), or the platform's outputs" },
    resourceGroupName: { inputs: { ...dpsTarget, caPrivateKeyPem: root.privateKeyPem, resourceGroupName: "" }, mutate: (v) => (v.resourceGroupName = ""), planPath: /^resourceGroupName$/ },
    dpsName: { inputs: { ...dpsTarget, caPrivateKeyPem: root.privateKeyPem, dpsName: "" }, mutate: (v) => (v.dps.name = ""), planPath: /^dps\.name$/ },
    certificateName: { inputs: { ...dpsTarget, caPrivateKeyPem: root.privateKeyPem, certificateName: "" }, mutate: (v) => (v.ca.root.name = ""), planPath: /^ca\.root\.name$/ },
    certificatePem: {
      inputs: { ...dpsTarget, caPrivateKeyPem: root.privateKeyPem, certificatePem: "not a pem" },
      mutate: (v) => Object.assign(v.ca.root, { certificatePem: "not a pem", privateKeyPem: root.privateKeyPem }),
      planPath: /^ca\.root\.certificatePem$/,
    },
    caPrivateKeyPem: {
      inputs: { ...dpsTarget, caPrivateKeyPem: other.privateKeyPem },
      mutate: (v) => Object.assign(v.ca.root, { certificatePem: root.certificatePem, privateKeyPem: other.privateKeyPem }),
      planPath: /^ca\.root\.privateKeyPem$/,
    },
  },
  EnrollmentGroup: {
    enrollmentId: { inputs: { ...groupBase, enrollmentId: "-bad" }, mutate: (v) => (v.enrollmentGroups[0].enrollmentId = "-bad"), planPath: /^enrollmentGroups\[0\]\.enrollmentId$/ },
    primaryCaName: { inputs: { ...groupBase, primaryCaName: "" }, mutate: (v) => (v.enrollmentGroups[0].caName = ""), planPath: /^enrollmentGroups\[0\]\.caName$/ },
    secondaryCaName: { inputs: { ...groupBase, secondaryCaName: " " }, mutate: (v) => (v.enrollmentGroups[0].secondaryCaName = " "), planPath: /^enrollmentGroups\[0\]\.secondaryCaName$/ },
    attestation: { inputs: { ...groupBase, attestation: "clientCertificate" }, mutate: (v) => (v.enrollmentGroups[0].attestation = "clientCertificate"), planPath: /^enrollmentGroups\[0\]\.attestation$/ },
    provisioningStatus: { inputs: { ...groupBase, provisioningStatus: "Enabled" }, mutate: (v) => (v.enrollmentGroups[0].provisioningStatus = "Enabled"), planPath: /^enrollmentGroups\[0\]\.provisioningStatus$/ },
    allocationPolicy: { inputs: { ...groupBase, allocationPolicy: "Hashed" }, mutate: (v) => (v.enrollmentGroups[0].allocationPolicy = "Hashed"), planPath: /^enrollmentGroups\[0\]\.allocationPolicy$/ },
    reprovisionPolicy: { inputs: { ...groupBase, reprovisionPolicy: "always" }, mutate: (v) => (v.enrollmentGroups[0].reprovisionPolicy = "always"), planPath: /^enrollmentGroups\[0\]\.reprovisionPolicy$/ },
    edgeEnabled: { inputs: { ...groupBase, edgeEnabled: "yes" }, mutate: (v) => (v.enrollmentGroups[0].edgeEnabled = "yes"), planPath: /^enrollmentGroups\[0\]\.edgeEnabled$/ },
    iotHubHostNames: {
      inputs: { ...groupBase, allocationPolicy: "static", iotHubHostNames: ["a.azure-devices.net", "b.azure-devices.net"] },
      mutate: (v) => {
        v.hubs.push({ name: "hub-two" });
        Object.assign(v.enrollmentGroups[0], { allocationPolicy: "static", iotHubs: ["hub-one", "hub-two"] });
      },
      planPath: /^enrollmentGroups\[0\]\.iotHubs$/,
    },
    customAllocation: { inputs: { ...groupBase, allocationPolicy: "custom" }, mutate: (v) => (v.enrollmentGroups[0].allocationPolicy = "custom"), planPath: /^enrollmentGroups\[0\]\.(webhookUrl|apiVersion)$/ },
    "customAllocation.webhookUrl": {
      inputs: { ...groupBase, allocationPolicy: "custom", customAllocation: { webhookUrl: "http://alloc.example.net/api", apiVersion: "2021-10-01" } },
      mutate: (v) => Object.assign(v.enrollmentGroups[0], { allocationPolicy: "custom", webhookUrl: "http://alloc.example.net/api", apiVersion: "2021-10-01" }),
      planPath: /^enrollmentGroups\[0\]\.webhookUrl$/,
    },
    "customAllocation.apiVersion": {
      inputs: { ...groupBase, allocationPolicy: "custom", customAllocation: { webhookUrl: "https://alloc.example.net/api", apiVersion: "v1" } },
      mutate: (v) => Object.assign(v.enrollmentGroups[0], { allocationPolicy: "custom", webhookUrl: "https://alloc.example.net/api", apiVersion: "v1" }),
      planPath: /^enrollmentGroups\[0\]\.apiVersion$/,
    },
    initialTwin: { inputs: { ...groupBase, initialTwin: { tags: {}, reported: {} } }, mutate: (v) => (v.enrollmentGroups[0].initialTwin = { tags: {}, reported: {} }), planPath: /^enrollmentGroups\[0\]\.initialTwin\.reported$/ },
    "initialTwin.tags": { inputs: { ...groupBase, initialTwin: { tags: [1] } }, mutate: (v) => (v.enrollmentGroups[0].initialTwin = { tags: [1] }), planPath: /^enrollmentGroups\[0\]\.initialTwin\.tags$/ },
    "initialTwin.properties": { inputs: { ...groupBase, initialTwin: { properties: 5 } }, mutate: (v) => (v.enrollmentGroups[0].initialTwin = { properties: 5 }), planPath: /^enrollmentGroups\[0\]\.initialTwin\.properties$/ },
    "initialTwin.properties.desired": {
      inputs: { ...groupBase, initialTwin: { properties: { desired: "x" } } },
      mutate: (v) => (v.enrollmentGroups[0].initialTwin = { properties: { desired: "x" } }),
      planPath: /^enrollmentGroups\[0\]\.initialTwin\.properties\.desired$/,
    },
    serviceHostName: { program: "the DPS's host name, from Azure (or the platform's outputs)" },
    connectionString: { program: "built from the DPS's key, read from Azure" },
    providerVersion: { program: "the program's constant" },
  },
  IndividualEnrollment: {
    registrationId: {
      inputs: { ...soloBase, registrationId: "device-2" },
      mutate: (v) => (v.individualEnrollments = [{ registrationId: "device-2", certificatePem: device.certificatePem }]),
      planPath: /^individualEnrollments\[0\]\.registrationId$/,
    },
    deviceId: {
      inputs: { ...soloBase, deviceId: "device one" },
      mutate: (v) => (v.individualEnrollments = [{ registrationId: "device-1", certificatePem: device.certificatePem, deviceId: "device one" }]),
      planPath: /^individualEnrollments\[0\]\.deviceId$/,
    },
    certificatePem: {
      inputs: { ...soloBase, certificatePem: expiredDevice },
      mutate: (v) => (v.individualEnrollments = [{ registrationId: "device-1", certificatePem: expiredDevice }]),
      planPath: /^individualEnrollments\[0\]\.certificatePem$/,
    },
    secondaryCertificatePem: {
      inputs: { ...soloBase, secondaryCertificatePem: device.certificatePem },
      mutate: (v) => (v.individualEnrollments = [{ registrationId: "device-1", certificatePem: device.certificatePem, secondaryCertificatePem: device.certificatePem }]),
      planPath: /^individualEnrollments\[0\]\.secondaryCertificatePem$/,
    },
    caName: {
      inputs: { ...soloBase, caName: "int-ca" },
      mutate: (v) => (v.individualEnrollments = [{ registrationId: "device-1", certificatePem: device.certificatePem, caName: "int-ca" }]),
      planPath: /^individualEnrollments\[0\]\.caName$/,
    },
    // static with two hubs: the provider names the hubs; the plan the policy (the hubs were the default, all).
    iotHubHostNames: {
      inputs: { ...soloBase, allocationPolicy: "static", iotHubHostNames: ["a.azure-devices.net", "b.azure-devices.net"] },
      mutate: (v) => {
        v.hubs.push({ name: "hub-two" });
        v.individualEnrollments = [{ registrationId: "device-1", certificatePem: device.certificatePem, allocationPolicy: "static" }];
      },
      planPath: /^individualEnrollments\[0\]\.allocationPolicy$/,
    },
    serviceHostName: { program: "the DPS's host name, from Azure" },
    connectionString: { program: "built from the DPS's key, read from Azure" },
    providerVersion: { program: "the program's constant" },
  },
  RevokedDevice: {
    registrationId: {
      inputs: { ...revokedBase, registrationId: "device-2" },
      mutate: (v) => (v.enrollmentGroups[0].revokedDevices = [{ registrationId: "device-2", certificatePem: device.certificatePem }]),
      planPath: /^enrollmentGroups\[0\]\.revokedDevices\[0\]\.registrationId$/,
    },
    certificatePem: {
      inputs: { ...revokedBase, certificatePem: "not a certificate" },
      mutate: (v) => (v.enrollmentGroups[0].revokedDevices = [{ registrationId: "device-1", certificatePem: "not a certificate" }]),
      planPath: /^enrollmentGroups\[0\]\.revokedDevices\[0\]\.certificatePem$/,
    },
    serviceHostName: { program: "the DPS's host name, from Azure (or the platform's outputs)" },
    connectionString: { program: "built from the DPS's key, read from Azure" },
  },
  // A tenant stack's intermediate key and CSR (components/resources/tenantStack.ts).
  CaKeyRequest: {
    commonName: {
      inputs: { caName: "customer-a-intermediate-ca", commonName: " A", keySize: 2048, keyStore: "state", providerVersion: "1" },
      mutate: (v) => (v.ca.intermediates[0].commonName = " A"),
      planPath: /^ca\.intermediates\[0\]\.commonName$/,
      stack: "tenant",
    },
    keySize: {
      inputs: { caName: "customer-a-intermediate-ca", commonName: "A", keySize: 1024, keyStore: "state", providerVersion: "1" },
      mutate: (v) => (v.ca.intermediates[0].keySize = 1024),
      planPath: /^ca\.intermediates\[0\]\.keySize$/,
      stack: "tenant",
    },
    keyStore: {
      inputs: { caName: "customer-a-intermediate-ca", commonName: "A", keySize: 2048, keyStore: "vault", providerVersion: "1" },
      mutate: (v) => (v.ca.intermediates[0].keyStore = "vault"),
      planPath: /^ca\.intermediates\[0\]\.keyStore$/,
      stack: "tenant",
    },
    vaultUrl: {
      inputs: { caName: "customer-a-intermediate-ca", commonName: "A", keySize: 2048, keyStore: "keyVault", providerVersion: "1" },
      mutate: (v) => (v.ca.intermediates[0].keyStore = "keyVault"),
      planPath: /^ca\.intermediates\[0\]\.keyStore$/,
      stack: "tenant",
    },
  },
  // The platform signing a tenant's CSR (components/resources/tenantSigning.ts). A tenant's CSRs are its stack's
  // outputs, untrusted input: what fails the checks below holds that tenant back with a warning (the plan goes on
  // for every other tenant; test/tenantUntrusted.test.ts), so the program never declares such inputs.
  TenantCertificate: {
    caName: { program: "tenantSigning.ts declares only CA names with the tenant's prefix; heldBackTenants holds back a tenant that asks for another" },
    subjectPublicKey: { program: "the key of a CSR the program has parsed and checked against the key policy (csrKeyProblem); a tenant whose CSR fails is held back" },
    subject: { program: "tenantCaSubject(caName): the platform's choice, a CA name the schema and the prefix rule have checked" },
    issuerThumbprint: { program: "the TenantIssuer's thumbprint output (components/resources/tenantSigning.ts)" },
    tenant: { program: "tenants[i].name, checked by the schema (a tenant name)" },
    validityDays: { program: "TENANT_INTERMEDIATE_VALIDITY_DAYS, the program's constant (components/resources/tenantSigning.ts)" },
  },
  // The platform's one signing resource for its tenants' certificates (components/providers/tenantIssuer.ts).
  TenantIssuer: {
    certificatePem: { program: "the root's certificate (CaCertificate output, or a brought root checked by ca.root rules)" },
    privateKeyPem: { program: "the root's key in state or its Key Vault key id, by ca.root.keyStore: exactly one; a root brought without its key is refused by ca.root rules when tenants send CSRs" },
  },
};

describe.each(Object.keys(table))("%s", (provider) => {
  test("every check its provider runs is listed here", () => {
    const listed = Object.keys(table[provider]);
    const missing = [...checkedProperties(provider)].filter((property) => !listed.includes(property));
    expect(missing).toEqual([]);
  });

  const fileRows = Object.entries(table[provider]).filter((entry): entry is [string, FileRow] => "inputs" in entry[1]);
  // A provider whose every input only the program sets (the tenant signing resources) has no such row.
  if (fileRows.length) test.each(fileRows)("%s: the provider refuses it, and so does the plan", async (property: string, row: FileRow) => {
    const inputs = Object.fromEntries(Object.entries(row.inputs).filter(([, value]) => value !== undefined).map(([key, value]) => [key, value === "(set in the test)" ? tenantCsr : value]));
    const { failures = [] } = await providers[provider].check!({}, inputs);
    expect(failures.map((failure) => failure.property)).toContain(property.split(" ")[0]);
    const problems = await planProblems(row);
    expect(problems.map((problem) => problem.path)).toEqual(expect.arrayContaining([expect.stringMatching(row.planPath)]));
  });
});

/** A stack file's config with one key's structured value changed. */
function withKey(file: StackFileConfig, key: string, change: (value: any) => void): StackFileConfig {
  const value = JSON.parse(file.allConfig[`dps-x509:${key}`] ?? "null") ?? {};
  change(value);
  return { ...file, allConfig: { ...file.allConfig, [`dps-x509:${key}`]: JSON.stringify(value) } };
}

const exampleStack = (name: string) => readStackFile(path.join(ROOT, `Pulumi.${name}.yaml`));
const platformOutputs = () => JSON.parse(fs.readFileSync(path.join(ROOT, "examples/platform-outputs.json"), "utf8"));
const kindOf = (type: string) => type.slice(type.lastIndexOf(":") + 1);

interface ExampleCase {
  file: () => StackFileConfig;
  stack: string;
  options?: () => Parameters<typeof evaluatePlan>[2];
  /** What the path declares, so that the case cannot pass by declaring nothing of it. */
  declares: (resources: Array<{ type: string; name: string; inputs: Record<string, any> }>) => boolean;
}

/** Every path the program declares: the example stacks, and the day-two and tenant paths on top of them. */
const examples: Record<string, ExampleCase> = {
  "Pulumi.dev.yaml": { file: () => exampleStack("dev"), stack: "dev", declares: (r) => r.some((x) => kindOf(x.type) === "EnrollmentGroup") },
  "Pulumi.adr.yaml (Device Registry)": {
    file: () => exampleStack("adr"),
    stack: "adr",
    declares: (r) => ["Root", "MicrosoftIca", "ExternalIca"].every((kind) => r.some((x) => kindOf(x.type) === "AdrCertificateAuthority" && x.inputs.kind === kind)) && r.some((x) => kindOf(x.type) === "AdrCertificatePolicy"),
  },
  "Pulumi.multiregion.yaml": { file: () => exampleStack("multiregion"), stack: "multiregion", declares: (r) => r.some((x) => kindOf(x.type) === "EnrollmentGroup") },
  "Pulumi.platform.yaml": { file: () => exampleStack("platform"), stack: "platform", declares: (r) => r.some((x) => kindOf(x.type) === "CaCertificate") },
  "Pulumi.keyvault.yaml (CA keys in Key Vault)": {
    file: () => exampleStack("keyvault"),
    stack: "keyvault",
    declares: (r) => r.some((x) => kindOf(x.type) === "CaCertificate" && x.inputs.keyStore === "keyVault" && typeof x.inputs.keyName === "string"),
  },
  "Pulumi.tenant-customer-a.yaml (a tenant's key request, upload and groups)": {
    file: () => exampleStack("tenant-customer-a"),
    stack: "tenant-customer-a",
    options: () => ({ platformOutputs: platformOutputs() }),
    declares: (r) => r.some((x) => kindOf(x.type) === "CaKeyRequest"),
  },
  "Pulumi.platform.yaml signing a tenant's CSR": {
    file: () => withKey(exampleStack("platform"), "tenants", (tenants) => {
      delete tenants[0].stack;
      tenants[0].csrs = { "customer-a-intermediate-ca": tenantCsr };
    }),
    stack: "platform",
    declares: (r) => r.some((x) => kindOf(x.type) === "TenantCertificate"),
  },
  ...Object.fromEntries(
    (["stage", "promote", "retire"] as const).map((step) => [
      `Pulumi.dev.yaml rotating its root and intermediate (${step})`,
      {
        file: () =>
          withKey(exampleStack("dev"), "ca", (ca) => {
            ca.root.rotation = { step, name: "my-root-ca-2" };
            ca.intermediates[0].rotation = { step, name: "my-intermediate-ca-2" };
          }),
        stack: "dev",
        declares: (r: Array<{ type: string; inputs: Record<string, any> }>) => r.some((x) => kindOf(x.type) === "DpsCertificateUpload" && x.inputs.certificateName === "my-intermediate-ca-2"),
      } satisfies ExampleCase,
    ]),
  ),
  "adoption (adoptExisting, brought CAs)": {
    file: () => {
      const file = parseStackFile(
        [
          "config:",
          "  azure-native:location: westeurope",
          "  azure-native:subscriptionId: 11111111-2222-3333-4444-555555555555",
          "  dps-x509:resourceGroupName: iot-rg",
          "  dps-x509:dps: { name: my-dps }",
          "  dps-x509:hubs: [{ name: hub-one }]",
          "  dps-x509:adoptExisting: true",
          "  dps-x509:enrollmentGroups: [{ enrollmentId: group-1, caName: int-ca }]",
        ].join("\n"),
        "adopt.yaml",
      );
      const ca = {
        root: { name: "root-ca", commonName: "Cover Root", certificatePem: root.certificatePem, privateKeyPem: root.privateKeyPem },
        intermediates: [{ name: "int-ca", commonName: "Cover Intermediate", certificatePem: intermediate.certificatePem, privateKeyPem: intermediate.privateKeyPem }],
      };
      return { ...file, allConfig: { ...file.allConfig, "dps-x509:ca": JSON.stringify(ca) }, decryptedKeys: ["dps-x509:ca"] };
    },
    stack: "adopt",
    declares: (r) => r.some((x) => kindOf(x.type) === "DpsCertificateUpload" && x.inputs.adopt === true) && r.some((x) => kindOf(x.type) === "EnrollmentGroup" && x.inputs.adopt === true),
  },
};

describe("what only the program sets passes every provider check, on every path the program declares", () => {
  /** The recorded inputs as a provider's check sees them: secrets and unknowns as Pulumi's unknown value. */
  const asCheckInputs = (inputs: Record<string, unknown>): Record<string, unknown> =>
    JSON.parse(JSON.stringify(inputs), (_key, value) => (value === "[secret]" || value === "(known after up)" ? UNKNOWN : value));

  test("every provider of the registry (what Pulumi's host loads) is in the table", () => {
    const listed = new Set(Object.values(providers));
    const missing = Object.entries(registry).filter(([, load]) => !listed.has(load() as Provider)).map(([key]) => key);
    expect(missing).toEqual([]);
  });

  test.each(Object.keys(examples))("%s", async (name) => {
    const example = examples[name];
    const result = await evaluatePlan(example.file(), example.stack, example.options?.());
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    const dynamic = result.resources.filter((resource) => resource.type.startsWith("pulumi-nodejs:dynamic/dps-x509:"));
    expect(example.declares(dynamic as any)).toBe(true);
    for (const resource of dynamic) {
      const provider = providers[kindOf(resource.type)];
      expect({ resource: resource.name, checked: provider?.check !== undefined }).toEqual({ resource: resource.name, checked: true });
      const { failures = [] } = await provider.check!({}, asCheckInputs(resource.inputs));
      expect({ resource: resource.name, failures }).toEqual({ resource: resource.name, failures: [] });
    }
  });
});
