/**
 * CertificateAuthority under Pulumi's runtime mocks. The mock runs the real caCertificate provider's
 * `create`, so the recorded state holds real certificates that OpenSSL can check.
 */
import * as pulumi from "@pulumi/pulumi";
import { compactKeyToPem, createIntermediateCa, createRootCa } from "../certs";
import { caCertificateProvider, CaCertificateInputs } from "../components/providers/caCertificate";
import { opensslOk, verifyChain, x509Field } from "./support/openssl";

interface Recorded {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  state: Record<string, unknown>;
  parent?: string;
  additionalSecretOutputs?: string[];
}
const recorded: Recorded[] = [];

function unwrapSecrets(inputs: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, pulumi.runtime.isRpcSecret(v) ? pulumi.runtime.unwrapRpcSecret(v) : v]));
}

pulumi.runtime.setMocks(
  {
    newResource: async (args) => {
      let state: Record<string, unknown> = args.inputs;
      let id = `${args.name}-id`;
      if (args.type === "pulumi-nodejs:dynamic/dps-x509:CaCertificate") {
        const result = await caCertificateProvider.create!(unwrapSecrets(args.inputs) as unknown as CaCertificateInputs);
        state = result.outs as unknown as Record<string, unknown>;
        id = result.id;
      }
      recorded.push({ type: args.type, name: args.name, inputs: args.inputs, state });
      return { id, state };
    },
    call: (args) => {
      throw new Error(`unexpected call to ${args.token}`);
    },
  },
  "dps-x509",
  "test",
  false,
);

// Also record what the mocks do not show: each registration's parent and additionalSecretOutputs.
const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource: (req: RegisterRequest, cb: unknown) => unknown };
interface RegisterRequest {
  getName(): string;
  getParent(): string;
  getAdditionalsecretoutputsList(): string[];
}
const registrations = new Map<string, { parent: string; additionalSecretOutputs: string[] }>();
const originalRegister = monitor.registerResource.bind(monitor);
monitor.registerResource = (req, cb) => {
  registrations.set(req.getName(), { parent: req.getParent(), additionalSecretOutputs: req.getAdditionalsecretoutputsList() });
  return originalRegister(req, cb);
};

// Import the code under test only now that the mocks are in place.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { CertificateAuthority, certificateAuthorityArgsProblems } = require("../components/resources/certificateAuthority") as typeof import("../components/resources/certificateAuthority");

function value<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((v) => resolve(v)));
}

function byName(name: string): Recorded {
  const found = recorded.find((r) => r.name === name);
  if (!found) throw new Error(`no resource ${name}; have ${recorded.map((r) => r.name).join(", ")}`);
  return found;
}

const entry = (name: string, commonName: string) => ({ name, commonName, keySize: 2048 as const, validityDays: 365 });

describe("a generated root and two intermediates", () => {
  let ca: InstanceType<typeof CertificateAuthority>;
  beforeAll(async () => {
    ca = new CertificateAuthority("ca", {
      root: { ...entry("my-root", "Mock Root"), renewBeforeDays: 30 },
      intermediates: [entry("my-int-a", "Mock Intermediate A"), entry("my-int-b", "Mock Intermediate B")],
    });
    await value(ca.certificates["my-int-b"].thumbprint);
  });

  test("declares one CaCertificate per CA, named ${name}-${entry.name}, parented to the component", async () => {
    const component = byName("ca");
    expect(component.type).toBe("dps-x509:ca:CertificateAuthority");
    for (const name of ["ca-my-root", "ca-my-int-a", "ca-my-int-b"]) {
      expect(byName(name).type).toBe("pulumi-nodejs:dynamic/dps-x509:CaCertificate");
      expect(registrations.get(name)!.parent).toMatch(/dps-x509:ca:CertificateAuthority::ca$/);
    }
    expect(recorded.filter((r) => r.type === "pulumi-nodejs:dynamic/dps-x509:CaCertificate")).toHaveLength(3);
    expect(Object.keys(ca.certificates)).toEqual(["my-root", "my-int-a", "my-int-b"]);
  });

  test("the private key is a secret: as a component output, and as additionalSecretOutputs of each resource", async () => {
    for (const issued of Object.values(ca.certificates)) {
      expect(await pulumi.isSecret(issued.privateKeyPem)).toBe(true);
      expect(await pulumi.isSecret(issued.certificatePem)).toBe(false);
      expect(await value(issued.privateKeyPem)).toMatch(/^-----BEGIN PRIVATE KEY-----/);
      expect(issued.hasPrivateKey).toBe(true);
    }
    for (const issued of Object.values(ca.certificates)) {
      expect(await pulumi.isSecret(issued.privateKey)).toBe(true);
      // The PEM the program hands on is the key the resource keeps (compact) in state.
      expect(opensslOk(["rsa", "-noout", "-modulus"], { input: await value(issued.privateKeyPem) as string })).toBe(opensslOk(["x509", "-noout", "-modulus"], { input: await value(issued.certificatePem) }));
    }
    for (const name of ["ca-my-root", "ca-my-int-a", "ca-my-int-b"]) {
      expect(registrations.get(name)!.additionalSecretOutputs).toEqual(expect.arrayContaining(["privateKey", "privateKeyPem"]));
    }
  });

  test("intermediates get the root's certificate, and its key as a secret input", async () => {
    const rootPem = await value(ca.certificates["my-root"].certificatePem);
    for (const name of ["ca-my-int-a", "ca-my-int-b"]) {
      const inputs = byName(name).inputs;
      expect(inputs.role).toBe("intermediate");
      expect(inputs.issuerCertificatePem).toBe(rootPem);
      // The root's key in its compact form (what keeps the intermediate's state small), as a secret.
      expect(inputs).not.toHaveProperty("issuerPrivateKeyPem");
      expect(pulumi.runtime.isRpcSecret(inputs.issuerPrivateKey)).toBe(true);
      const compact = pulumi.runtime.unwrapRpcSecret(inputs.issuerPrivateKey) as string;
      expect(compact).toMatch(/^rsa1\./);
      expect(opensslOk(["rsa", "-noout", "-modulus"], { input: compactKeyToPem(compact) })).toBe(opensslOk(["x509", "-noout", "-modulus"], { input: rootPem }));
    }
    const root = byName("ca-my-root").inputs;
    expect(root).toMatchObject({ role: "root", commonName: "Mock Root", keySize: 2048, validityDays: 365, pathLength: 1, renewBeforeDays: 30 });
    expect(typeof root.providerVersion).toBe("string");
  });

  test("the issued chain verifies with OpenSSL, and thumbprints are OpenSSL's SHA-1 fingerprints", async () => {
    const rootPem = await value(ca.certificates["my-root"].certificatePem);
    for (const name of ["my-int-a", "my-int-b"]) {
      const pem = await value(ca.certificates[name].certificatePem);
      expect(verifyChain({ root: rootPem, leaf: pem }).code).toBe(0);
      expect(await value(ca.certificates[name].thumbprint)).toBe(x509Field(pem, ["-fingerprint", "-sha1"]).replace(/:/g, ""));
    }
  });
});

describe("brought CAs", () => {
  test("a brought root with its key signs a generated intermediate; the brought key goes in as a secret", async () => {
    const brought = createRootCa({ commonName: "Brought Mock Root", keySize: 2048, validityDays: 100 });
    const ca = new CertificateAuthority("ca2", {
      root: { ...entry("r", "ignored for brought"), certificatePem: brought.certificatePem, privateKeyPem: pulumi.secret(brought.privateKeyPem) },
      intermediates: [entry("i", "Under Brought")],
    });
    const pem = await value(ca.certificates.i.certificatePem);
    expect(verifyChain({ root: brought.certificatePem, leaf: pem }).code).toBe(0);
    expect(await value(ca.certificates.r.certificatePem)).toBe(brought.certificatePem);
    expect(pulumi.runtime.isRpcSecret(byName("ca2-r").inputs.providedPrivateKeyPem)).toBe(true);
    expect(ca.certificates.r.hasPrivateKey).toBe(true);
  });

  test("a brought root without its key, with a brought intermediate: fine; the root has no key output", async () => {
    const brought = createRootCa({ commonName: "Keyless Root", keySize: 2048, validityDays: 100 });
    const inter = createIntermediateCa({ issuer: brought, commonName: "Brought Intermediate", keySize: 2048, validityDays: 50 });
    const ca = new CertificateAuthority("ca3", {
      root: { ...entry("r", "x"), certificatePem: brought.certificatePem },
      intermediates: [{ ...entry("i", "x"), certificatePem: inter.certificatePem, privateKeyPem: inter.privateKeyPem }],
    });
    expect(ca.certificates.r.hasPrivateKey).toBe(false);
    expect(ca.certificates.i.hasPrivateKey).toBe(true);
    expect(await value(ca.certificates.r.privateKeyPem)).toBeUndefined();
    expect(await pulumi.isSecret(ca.certificates.r.privateKeyPem)).toBe(true);
    expect(await value(ca.certificates.i.privateKeyPem)).toBe(inter.privateKeyPem);
    expect(byName("ca3-i").inputs.issuerPrivateKeyPem).toBeUndefined();
    expect(pulumi.runtime.isRpcSecret(byName("ca3-i").inputs.providedPrivateKeyPem)).toBe(true);
  });

  test("a brought root without its key cannot sign a generated intermediate: a clear error naming ca.intermediates[i]", () => {
    const brought = createRootCa({ commonName: "Keyless", keySize: 2048, validityDays: 10 });
    const args = {
      root: { ...entry("r", "x"), certificatePem: brought.certificatePem },
      intermediates: [{ ...entry("i0", "x"), certificatePem: brought.certificatePem, privateKeyPem: brought.privateKeyPem }, entry("i1", "Generated")],
    };
    expect(() => new CertificateAuthority("ca4", args)).toThrow(/^ca\.intermediates\[1\] \("i1"\) must be generated, but the brought root ca\.root has no private key/);
    expect(recorded.find((r) => r.name === "ca4" || r.name.startsWith("ca4-"))).toBeUndefined();
  });
});

test("argument problems (pure): duplicate names, a key without a certificate", () => {
  expect(certificateAuthorityArgsProblems({ root: entry("a", "A"), intermediates: [entry("b", "B")] })).toEqual([]);
  expect(certificateAuthorityArgsProblems({ root: entry("a", "A"), intermediates: [entry("b", "B"), entry("a", "C")] })).toEqual([
    'ca.intermediates[1].name "a" is already used by ca.root; CA names must be unique',
  ]);
  expect(certificateAuthorityArgsProblems({ root: { ...entry("a", "A"), privateKeyPem: "k" }, intermediates: [] })).toEqual([
    "ca.root.privateKeyPem is set without ca.root.certificatePem",
  ]);
});
