/**
 * The `npm run plan` command runs the dynamic providers' own `check`, as `pulumi preview` does (cli/plan/evaluate.ts
 * → cli/plan/providerChecks.ts), not only the config checks. The config checks are meant to refuse every bad stack
 * first, so to see the providers' net the test makes the config checks blind to one fault (a revoked device whose
 * certificate's CN is not its registration id): the stack's only fault is then one a provider's check finds, and
 * the command must still refuse it, in the provider's words. If the plan stopped running the providers' checks,
 * this stack would plan green.
 */
import { createDeviceCertificate, createRootCa } from "../../certs";
import { faultsOf, plan, writeStackFile } from "./planCommand";

let blind = false;
jest.mock("../../components/config/checks", () => {
  const actual = jest.requireActual("../../components/config/checks");
  return {
    ...actual,
    crossCheckConfig: (...args: unknown[]) => {
      const problems = actual.crossCheckConfig(...args) as Array<{ path: string }>;
      return blind ? problems.filter((problem) => !/\.revokedDevices\[\d+\]\.registrationId$/.test(problem.path)) : problems;
    },
  };
});

const maker = createRootCa({ commonName: "Provider Check Maker", keySize: 2048, validityDays: 365 });
const wrongCn = createDeviceCertificate({ issuer: maker, registrationId: "some-other-device", validityDays: 30 }).certificatePem;

const stack = () =>
  writeStackFile("provider-check", {
    "azure-native:location": "westeurope",
    resourceGroupName: "iot-rg",
    dps: { name: "my-dps" },
    hubs: [{ name: "hub-one" }],
    ca: { root: { name: "root-ca", commonName: "Root", keySize: 2048 }, intermediates: [{ name: "int-ca", commonName: "Intermediate", keySize: 2048 }] },
    enrollmentGroups: [{ enrollmentId: "group-1", caName: "int-ca", revokedDevices: [{ registrationId: "stolen-7", certificatePem: wrongCn }] }],
  });

test("with every check in place, the config checks refuse the stack first, naming its key", async () => {
  blind = false;
  const run = await plan(["--config", stack()]);
  expect(run.code).toBe(1);
  expect(faultsOf(run)).toEqual([expect.stringMatching(/^dps-x509:enrollmentGroups\[0\]\.revokedDevices\[0\]\.registrationId = "stolen-7": must be the certificate's common name/)]);
});

test("a fault only a provider's check finds fails the plan, in the provider's words", async () => {
  blind = true;
  const run = await plan(["--config", stack()]);
  expect(faultsOf(run)).toEqual([
    expect.stringMatching(/^RevokedDevice dps-x509-revoked-stolen-7: registrationId = "\(not shown\)": "stolen-7" must be the certificate's common name \("some-other-device"\).*\(the RevokedDevice provider refuses it at preview; the stack config led to it\)$/),
  ]);
  expect(run.code).toBe(1);
  expect(run.stdout).toBe("");
});
