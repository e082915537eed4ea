/**
 * The SmokeTest component under Pulumi's runtime mocks: one local command, ordered after what it is given, re-run by
 * its triggers, with the issuer key only in its environment and as a secret.
 */
import * as pulumi from "@pulumi/pulumi";
import { AzureLikeMocks } from "../cli/plan/mocks";
import { recordRegistrations, RecordedResource } from "../cli/plan/record";

const settings: { waitForRPCs(): Promise<void> } = require("@pulumi/pulumi/runtime/settings");

const ISSUER_CERT = "-----BEGIN CERTIFICATE-----\nMIIBcertificate\n-----END CERTIFICATE-----\n";
const ISSUER_KEY = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC\n-----END PRIVATE KEY-----\n";

let recorded: RecordedResource[];

/** A stand-in for the enrollment group and the CA verification the smoke test follows. */
class Stub extends pulumi.CustomResource {
  declare readonly etag: pulumi.Output<string>;
  constructor(type: string, name: string, props: Record<string, unknown>) {
    super(type, name, props);
  }
}

beforeAll(async () => {
  await pulumi.runtime.setMocks(new AzureLikeMocks(), "dps-x509", "test", false);
  recorded = recordRegistrations();
  // Imported after the mocks, as Pulumi's testing guide asks.
  const { SmokeTest } = await import("../components/resources/smokeTest");
  const group = new Stub("dps-x509:test:Group", "line-1-group", { etag: "etag-1" });
  const ca = new Stub("dps-x509:test:Verification", "line-1-ca", { thumbprint: "AB12" });
  new SmokeTest(
    "line-1-smoke",
    {
      registrationId: "smoke-line-1",
      idScope: pulumi.output("0ne00000000"),
      globalEndpoint: "global.azure-devices-provisioning.net",
      issuerCertificatePem: ISSUER_CERT,
      issuerPrivateKeyPem: ISSUER_KEY,
      triggers: [group.etag, "AB12", { allocationPolicy: "hashed" }],
      expectedHubHostNames: ["hub-a.azure-devices.net", "hub-b.azure-devices.net"],
    },
    { dependsOn: [group, ca] },
  );
  await settings.waitForRPCs();
});

const byName = (name: string) => {
  const found = recorded.find((r) => r.name === name);
  if (!found) throw new Error(`no ${name}; have ${recorded.map((r) => r.name).join(", ")}`);
  return found;
};

test("a component with one local command under it", () => {
  expect(byName("line-1-smoke").type).toBe("dps-x509:device:SmokeTest");
  const command = byName("line-1-smoke-register");
  expect(command.type).toBe("command:local:Command");
  expect(command.parent).toBe("line-1-smoke");
  expect(recorded.filter((r) => r.parent === "line-1-smoke").map((r) => r.name)).toEqual(["line-1-smoke-register"]);
});

test("the command runs `npm run device -- register` with public values only, after what the component depends on", () => {
  const command = byName("line-1-smoke-register");
  expect(command.inputs.create).toBe(
    "npm run --silent device -- 'register' '--issuer-from-env' '--registration-id' 'smoke-line-1' '--id-scope' '0ne00000000' " +
      "'--global-endpoint' 'global.azure-devices-provisioning.net' '--expect-hub' 'hub-a.azure-devices.net' '--expect-hub' 'hub-b.azure-devices.net' '--attempts' '4' '--retry-delay' '15'",
  );
  expect(command.dependsOn).toEqual(expect.arrayContaining(["line-1-group", "line-1-ca"]));
  expect(command.inputs.logging).toBe("stdoutAndStderr");
  expect(command.inputs.addPreviousOutputInEnv).toBe(false);
});

test("the issuer reaches the command through its environment, the key as a secret, nowhere else", () => {
  const command = byName("line-1-smoke-register");
  expect(command.inputs.environment).toEqual({ DPS_X509_ISSUER_CERT_PEM: ISSUER_CERT, DPS_X509_ISSUER_KEY_PEM: "[secret]" });
  const keyBody = ISSUER_KEY.split("\n")[1];
  for (const resource of recorded) expect(JSON.stringify(resource.inputs)).not.toContain(keyBody);
});

test("the triggers are passed as given: a new group etag or CA thumbprint re-runs the registration", () => {
  expect(byName("line-1-smoke-register").inputs.triggers).toEqual(["etag-1", "AB12", { allocationPolicy: "hashed" }]);
});

test("a registration id that cannot be a certificate CN is refused before anything is declared", async () => {
  const { SmokeTest } = await import("../components/resources/smokeTest");
  expect(() => new SmokeTest("bad", { registrationId: "no spaces", idScope: "x", globalEndpoint: "y", issuerCertificatePem: "", issuerPrivateKeyPem: "", triggers: [] })).toThrow(
    /registrationId "no spaces" may use only letters, digits/,
  );
});
