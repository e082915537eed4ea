/**
 * The VerifiedCaCertificate component graph, with Pulumi mocks: which resources, their inputs, secrets,
 * parents and dependencies.
 */
import * as pulumi from "@pulumi/pulumi";
import { specialSigKey, specialSecretSig } from "@pulumi/pulumi/runtime/rpc";
import { createRootCa } from "../certs";
import type * as Component from "../components/resources/verifiedCaCertificate";

const DPS_CERT = "pulumi-nodejs:dynamic/dps-x509:DpsCertificateUpload";
const VERIFICATION = "pulumi-nodejs:dynamic/dps-x509:CaVerification";
const COMPONENT = "dps-x509:dps:VerifiedCaCertificate";

interface Registered {
  type: string;
  name: string;
  inputs: any;
  urn?: string;
  parent: string;
  dependencies: string[];
}
const registered: Registered[] = [];
const byName = (name: string) => registered.find((r) => r.name === name);

let mod: typeof Component;
const root = createRootCa({ commonName: "mock root", keySize: 2048, validityDays: 5 });

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const entry = registered.find((r) => r.name === args.name && r.type === args.type);
        if (entry) entry.inputs = args.inputs;
        const state: Record<string, unknown> = { ...args.inputs };
        if (args.type === DPS_CERT) {
          Object.assign(state, { name: args.inputs.certificateName, thumbprint: "UPLOADTHUMB", etag: "e1", requestedIsVerified: args.inputs.isVerified });
        }
        if (args.type === VERIFICATION) {
          delete state.caPrivateKeyPem;
          Object.assign(state, { isVerified: true, thumbprint: "VERIFIEDTHUMB", etag: "e3" });
        }
        return { id: `${args.name}-id`, state };
      },
      call(args) {
        throw new Error(`unexpected call to ${args.token}`);
      },
    },
    "dps-x509",
    "test",
    false,
  );
  // Record parent and dependencies as the engine would see them.
  const monitor = pulumi.runtime.getMonitor() as any;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, callback: (err: any, res: any) => void) => {
    const entry: Registered = { type: req.getType(), name: req.getName(), inputs: undefined, parent: req.getParent(), dependencies: req.getDependenciesList() };
    registered.push(entry);
    return register(req, (err: any, res: any) => {
      if (res) entry.urn = res.getUrn();
      callback(err, res);
    });
  };
  mod = await import("../components/resources/verifiedCaCertificate");
});

const valueOf = <T>(o: pulumi.Output<T>): Promise<T> => new Promise((resolve) => o.apply(resolve));

function args(overrides: Partial<Component.VerifiedCaCertificateArgs> = {}): Component.VerifiedCaCertificateArgs {
  return {
    certificateName: "root",
    subscriptionId: "sub-1",
    resourceGroupName: "rg-1",
    dpsName: "dps-1",
    certificatePem: root.certificatePem,
    privateKeyPem: root.privateKeyPem,
    verification: "proofOfPossession",
    armEndpoint: "https://management.example",
    ...overrides,
  };
}

test("proofOfPossession: DPS certificate, then the verification depending on it, under the component", async () => {
  const ca = new mod.VerifiedCaCertificate("pop", args());
  expect(await valueOf(ca.certificateName)).toBe("root");
  expect(await valueOf(ca.thumbprint)).toBe("VERIFIEDTHUMB");

  const component = byName("pop")!;
  const cert = byName("pop-cert")!;
  const verification = byName("pop-verification")!;
  expect(component.type).toBe(COMPONENT);
  expect(cert.type).toBe(DPS_CERT);
  expect(verification.type).toBe(VERIFICATION);
  expect(cert.parent).toBe(component.urn);
  expect(verification.parent).toBe(component.urn);
  expect(verification.dependencies).toContain(cert.urn);
  expect(registered.indexOf(cert)).toBeLessThan(registered.indexOf(verification));

  expect(cert.inputs).toMatchObject({
    subscriptionId: "sub-1",
    certificateName: "root",
    resourceGroupName: "rg-1",
    dpsName: "dps-1",
    certificatePem: root.certificatePem,
    isVerified: false,
    armEndpoint: "https://management.example",
    providerVersion: "2",
  });
  // The upload's provider text carries no key (there is none to carry: the key goes to the verification only).
  expect(typeof cert.inputs.__provider).toBe("string");
  expect(cert.inputs.__provider).not.toContain(root.privateKeyPem.split("\n")[1]);
  expect(cert.inputs).not.toHaveProperty("caPrivateKeyPem");

  expect(verification.inputs).toMatchObject({
    subscriptionId: "sub-1",
    resourceGroupName: "rg-1",
    dpsName: "dps-1",
    certificateName: "root",
    certificatePem: root.certificatePem,
    armEndpoint: "https://management.example",
    providerVersion: "2",
  });
  expect(typeof verification.inputs.__provider).toBe("string");
  expect(verification.inputs.__provider).not.toContain(root.privateKeyPem.split("\n")[1]);

  expect(ca.ready).toBe(ca.verification);
});

test("the key input is secret even when given as a plain string, and stays secret when given as a secret", async () => {
  const plain = new mod.VerifiedCaCertificate("plainkey", args({ certificateName: "plain" }));
  const secret = new mod.VerifiedCaCertificate("secretkey", args({ certificateName: "secret", privateKeyPem: pulumi.secret(root.privateKeyPem) }));
  await Promise.all([valueOf(plain.certificateName), valueOf(secret.certificateName)]);
  for (const name of ["plainkey-verification", "secretkey-verification"]) {
    const key = byName(name)!.inputs.caPrivateKeyPem;
    expect(key[specialSigKey]).toBe(specialSecretSig);
    expect(key.value).toBe(root.privateKeyPem);
  }
});

test("certificateName resolves through the verification, so users of it depend on it", async () => {
  const ca = new mod.VerifiedCaCertificate("deps", args({ certificateName: "deps" }));
  const resources: Set<pulumi.Resource> = await (ca.certificateName as any).resources();
  expect(resources.has(ca.verification!)).toBe(true);
});

test("onUpload: no verification resource, isVerified set on upload, ready is the upload", async () => {
  const ca = new mod.VerifiedCaCertificate("upl", args({ certificateName: "onupload", verification: "onUpload", privateKeyPem: undefined }));
  expect(await valueOf(ca.certificateName)).toBe("onupload");
  expect(await valueOf(ca.thumbprint)).toBe("UPLOADTHUMB");
  expect(byName("upl-cert")!.inputs.isVerified).toBe(true);
  expect(byName("upl-verification")).toBeUndefined();
  expect(ca.verification).toBeUndefined();
  expect(ca.ready).toBe(ca.certificate);
});

test("proofOfPossession without a key: a clear Error, nothing registered", () => {
  const before = registered.length;
  expect(() => new mod.VerifiedCaCertificate("nokey", args({ certificateName: "nokey", privateKeyPem: undefined }))).toThrow(
    /VerifiedCaCertificate "nokey".*proofOfPossession.*"nokey".*no privateKeyPem/,
  );
  expect(registered.length).toBe(before);
});
