/**
 * Never churn a CA: for every combination of root and intermediate validity and renewBeforeDays that the plan accepts,
 * the CA provider accepts it too (check), and after create a diff with the same inputs asks for no replacement.
 * And the other way round: a combination that would renew at once is refused by the plan.
 */
import fc from "fast-check";
import { parseStackConfig, type StackConfig } from "../components/config";
import { caCertificateProvider as provider, CA_PROVIDER_VERSION, type CaCertificateInputs, type CaCertificateOutputs } from "../components/providers/caCertificate";
import { DEFAULT_ROOT_PATH_LENGTH } from "../certs";

interface Combination {
  rootDays: number;
  rootRenew?: number;
  intDays: number;
  intRenew?: number;
}

function stackValues(c: Combination): Record<string, unknown> {
  return {
    resourceGroupName: "rg",
    dps: { name: "my-dps" },
    hubs: [{ name: "hub-one" }],
    ca: {
      root: { name: "root-ca", commonName: "Root", keySize: 2048, validityDays: c.rootDays, ...(c.rootRenew === undefined ? {} : { renewBeforeDays: c.rootRenew }) },
      intermediates: [{ name: "int-ca", commonName: "Intermediate", keySize: 2048, validityDays: c.intDays, ...(c.intRenew === undefined ? {} : { renewBeforeDays: c.intRenew }) }],
    },
  };
}

/** The plan's verdict on a combination (the same parse `npm run plan` and `pulumi up` run). */
function planAccepts(c: Combination): StackConfig | undefined {
  const result = parseStackConfig({ values: stackValues(c), location: "westeurope" });
  return result.ok && result.config.role === "platform" ? result.config : undefined;
}

/** Inputs as Pulumi hands them to the provider: undefined fields absent. */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, inner]) => inner !== undefined)) as T;
}

async function created(inputs: CaCertificateInputs): Promise<CaCertificateOutputs> {
  const check = await provider.check!({} as CaCertificateInputs, inputs);
  expect(check.failures ?? []).toEqual([]);
  const result = await provider.create!(inputs);
  return result.outs as CaCertificateOutputs;
}

const days = fc.integer({ min: 1, max: 36500 });
/** Mostly near-valid combinations (intermediate no longer-lived than the root, renewal inside the validity), some not. */
const combination: fc.Arbitrary<Combination> = days.chain((rootDays) =>
  fc.record({
    rootDays: fc.constant(rootDays),
    intDays: fc.oneof(fc.integer({ min: 1, max: rootDays }), days),
    rootRenew: fc.option(fc.integer({ min: 1, max: rootDays }), { nil: undefined }),
    intRenew: fc.option(fc.integer({ min: 1, max: rootDays }), { nil: undefined }),
  }),
);

test("every accepted validity/renewBeforeDays combination: the provider accepts it, and create-then-diff never replaces", async () => {
  let accepted = 0;
  await fc.assert(
    fc.asyncProperty(combination, async (c) => {
      const config = planAccepts(c);
      fc.pre(config !== undefined);
      accepted++;
      const rootEntry = config!.ca.root;
      const rootInputs = withoutUndefined<CaCertificateInputs>({
        role: "root",
        commonName: rootEntry.commonName,
        keySize: rootEntry.keySize,
        validityDays: rootEntry.validityDays,
        pathLength: DEFAULT_ROOT_PATH_LENGTH,
        renewBeforeDays: rootEntry.renewBeforeDays,
        providerVersion: CA_PROVIDER_VERSION,
      });
      const root = await created(rootInputs);
      const intEntry = config!.ca.intermediates[0];
      const intInputs = withoutUndefined<CaCertificateInputs>({
        role: "intermediate",
        commonName: intEntry.commonName,
        keySize: intEntry.keySize,
        validityDays: intEntry.validityDays,
        renewBeforeDays: intEntry.renewBeforeDays,
        issuerCertificatePem: root.certificatePem,
        issuerPrivateKey: root.privateKey,
        providerVersion: CA_PROVIDER_VERSION,
      });
      const intermediate = await created(intInputs);
      const rootDiff = await provider.diff!("root", root, rootInputs);
      const intDiff = await provider.diff!("int", intermediate, intInputs);
      expect({ root: rootDiff.replaces, intermediate: intDiff.replaces, changes: [rootDiff.changes, intDiff.changes] }).toEqual({ root: [], intermediate: [], changes: [false, false] });
    }),
    { numRuns: 20, maxSkipsPerRun: 1000 },
  );
  expect(accepted).toBe(20);
}, 120_000);

test("the issue's example is refused by the plan: a 365-day root and an intermediate renewing 400 days before expiry", () => {
  const result = parseStackConfig({ values: stackValues({ rootDays: 365, intDays: 1825, intRenew: 400 }), location: "westeurope" });
  expect(result.ok).toBe(false);
  const problems = result.ok ? [] : result.problems;
  expect(problems).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ path: "ca.intermediates[0].validityDays", message: expect.stringMatching(/outlive its issuer ca\.root, which expires on \d{4}-\d{2}-\d{2}/) }),
      expect.objectContaining({ path: "ca.intermediates[0].renewBeforeDays", message: expect.stringContaining("365 days the certificate really gets") }),
    ]),
  );
});

test("every refused renewal window would really have churned: the plan refuses exactly when renewBeforeDays reaches the validity", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 36500 }), fc.integer({ min: 1, max: 36500 }), (validity, renew) => {
      const result = parseStackConfig({ values: stackValues({ rootDays: validity, rootRenew: renew, intDays: 1 }), location: "westeurope" });
      const refusedRenew = !result.ok && result.problems.some((problem) => problem.path === "ca.root.renewBeforeDays");
      expect(refusedRenew).toBe(renew >= validity);
    }),
    { numRuns: 300 },
  );
});
