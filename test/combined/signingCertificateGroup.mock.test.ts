/**
 * A signing-certificate group holds exactly its own CA's certificate: the whole program runs under Pulumi's mocks as
 * an `up` (not a preview), each CaCertificate made by the real CA provider, and the certificate the group would PUT
 * is read with Node's X509Certificate: its subject is the named intermediate's, its issuer the root, and its key the
 * intermediate's. A rotation's stage puts the new CA's certificate in the secondary slot. (The plan shows these
 * values as "known after up", so a check that they are merely set cannot tell the root from the intermediate.)
 */
import * as pulumi from "@pulumi/pulumi";
import { X509Certificate } from "crypto";
import { AzureLikeMocks } from "../../cli/plan/mocks";
import { recordRegistrations } from "../../cli/plan/record";
import { parseStackConfig } from "../../components/config";
import { caCertificateProvider, type CaCertificateInputs } from "../../components/providers/caCertificate";

const CA_TYPE = "pulumi-nodejs:dynamic/dps-x509:CaCertificate";
/** What each CaCertificate really made, by resource name. */
const made = new Map<string, { certificatePem: string }>();

class MocksThatMakeCas implements pulumi.runtime.Mocks {
  private readonly azureLike = new AzureLikeMocks({ stackOutputs: {} });

  call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    return this.azureLike.call(args);
  }

  async newResource(args: pulumi.runtime.MockResourceArgs): Promise<{ id: string | undefined; state: Record<string, unknown> }> {
    if (args.type !== CA_TYPE) return this.azureLike.newResource(args);
    const inputs = JSON.parse(JSON.stringify(args.inputs, (_key, value) => (pulumi.runtime.isRpcSecret(value) ? pulumi.runtime.unwrapRpcSecret(value) : value)));
    const created = await caCertificateProvider.create!(inputs as CaCertificateInputs);
    const outs = created.outs as { certificatePem: string };
    made.set(args.name, outs);
    return { id: created.id, state: outs };
  }
}

const values = {
  resourceGroupName: "iot-rg",
  dps: { name: "signing-dps" },
  hubs: [{ name: "signing-hub" }],
  ca: {
    root: { name: "signing-root", commonName: "Signing Test Root", keySize: 2048 },
    intermediates: [
      { name: "referenced-ca", commonName: "Referenced Intermediate", keySize: 2048 },
      { name: "held-ca", commonName: "Held Intermediate", keySize: 2048, rotation: { step: "stage", name: "held-ca-next" } },
    ],
  },
  enrollmentGroups: [
    { enrollmentId: "by-reference", caName: "referenced-ca" },
    { enrollmentId: "by-signing", caName: "held-ca", attestation: "signingCertificate" },
  ],
};

let groups: Array<{ name: string; inputs: Record<string, any> }>;
beforeAll(async () => {
  await pulumi.runtime.setMocks(new MocksThatMakeCas(), "dps-x509", "signing", false);
  const parsed = parseStackConfig({ values, location: "westeurope" });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const resources = recordRegistrations();
  const { declareProgram } = await import("../../components/program");
  await declareProgram(parsed.config);
  const settings: { waitForRPCs(): Promise<void> } = require("@pulumi/pulumi/runtime/settings");
  await settings.waitForRPCs();
  groups = resources.filter((r) => r.type.endsWith(":EnrollmentGroup"));
}, 60_000);

const cn = (name: string) => /(?:^|\n)CN=([^\n]*)/.exec(name)?.[1];
/** The certificate the CA provider made for a CA of the config (its resource is named `<component>-<ca name>`). */
const certificateOf = (caName: string) => {
  const found = [...made.entries()].find(([resource]) => resource.endsWith(`-${caName}`));
  if (!found) throw new Error(`no CA ${caName} was made; made: ${[...made.keys()].join(", ")}`);
  return new X509Certificate(found[1].certificatePem);
};

test("the group holds its intermediate's certificate, issued by the root, and not the root's", () => {
  const group = groups.find((g) => g.inputs.enrollmentId === "by-signing")!;
  expect(group.inputs.attestation).toBe("signingCertificate");
  const held = new X509Certificate(group.inputs.primaryCertificatePem);
  expect(cn(held.subject)).toBe("Held Intermediate");
  expect(cn(held.issuer)).toBe("Signing Test Root");
  expect(held.fingerprint256).toBe(certificateOf("held-ca").fingerprint256);
  expect(held.verify(certificateOf("signing-root").publicKey)).toBe(true);
  expect(held.ca).toBe(true);
});

test("in a rotation's stage, the secondary slot holds the new CA's certificate, signed by the same root", () => {
  const group = groups.find((g) => g.inputs.enrollmentId === "by-signing")!;
  const next = new X509Certificate(group.inputs.secondaryCertificatePem);
  expect(group.inputs.secondaryCaName).toBe("held-ca-next");
  expect(next.fingerprint256).toBe(certificateOf("held-ca-next").fingerprint256);
  expect(cn(next.subject)).toBe("Held Intermediate");
  expect(cn(next.issuer)).toBe("Signing Test Root");
  expect(next.verify(certificateOf("signing-root").publicKey)).toBe(true);
});

test("a CA-reference group holds no certificate, only the CA's name", () => {
  const group = groups.find((g) => g.inputs.enrollmentId === "by-reference")!;
  expect(group.inputs).toMatchObject({ primaryCaName: "referenced-ca" });
  expect(group.inputs.primaryCertificatePem).toBeUndefined();
});
