/**
 * The CA lifecycle math (certs/lifecycle.ts) that the plan and the CA provider share, rule by rule with good and bad
 * values, and the provider's renewal decision near the issuer's end (renewing would not help: no churn).
 */
import { lifecycleProblems, plannedNotAfter, renewalDue, renewalHelps } from "../certs";
import { caCertificateProvider as provider, caDiff, CA_PROVIDER_VERSION, type CaCertificateInputs, type CaCertificateOutputs } from "../components/providers/caCertificate";

const DAY = 24 * 60 * 60 * 1000;
const now = new Date("2030-01-01T00:00:00Z");
const inDays = (days: number) => new Date(now.getTime() + days * DAY);

describe("lifecycleProblems", () => {
  test("an intermediate may not outlive its issuer; the message gives the issuer's expiry date", () => {
    expect(lifecycleProblems({ validityDays: 365, issuerNotAfter: inDays(365), now })).toEqual([]);
    const problems = lifecycleProblems({ validityDays: 366, issuerNotAfter: inDays(365), issuerLabel: "ca.root", now });
    expect(problems).toEqual([{ property: "validityDays", message: expect.stringContaining("outlive its issuer ca.root, which expires on 2031-01-01 (365 days from now); allowed: at most 365") }]);
  });

  test("renewBeforeDays must be smaller than the validity really given, after capping by the issuer", () => {
    expect(lifecycleProblems({ validityDays: 30, renewBeforeDays: 29, now })).toEqual([]);
    expect(lifecycleProblems({ validityDays: 30, renewBeforeDays: 30, now }).map((p) => p.property)).toEqual(["renewBeforeDays"]);
    // Capped by an issuer expiring in 100 days: 150 days asked, 100 given, so a 120-day window renews at once.
    const capped = lifecycleProblems({ validityDays: 150, renewBeforeDays: 120, issuerNotAfter: inDays(100), now });
    expect(capped.map((p) => p.property)).toEqual(["validityDays", "renewBeforeDays"]);
    expect(capped[1].message).toContain("the 100 days the certificate really gets");
    expect(lifecycleProblems({ validityDays: 150, renewBeforeDays: 99, issuerNotAfter: inDays(100), now }).map((p) => p.property)).toEqual(["validityDays"]);
  });

  test("plannedNotAfter never passes the issuer's notAfter", () => {
    expect(plannedNotAfter(10, now)).toEqual(inDays(10));
    expect(plannedNotAfter(10, now, inDays(5))).toEqual(inDays(5));
  });

  test("renewal is due inside the window, and helps only when a new certificate would not be due at once", () => {
    expect(renewalDue(inDays(10), 9, now)).toBe(false);
    expect(renewalDue(inDays(10), 10, now)).toBe(true);
    expect(renewalDue(inDays(10), undefined, now)).toBe(false);
    expect(renewalHelps({ validityDays: 30, renewBeforeDays: 10, issuerNotAfter: inDays(365), now })).toBe(true);
    expect(renewalHelps({ validityDays: 30, renewBeforeDays: 10, issuerNotAfter: inDays(5), now })).toBe(false);
  });
});

describe("the CA provider near its issuer's end", () => {
  let root: CaCertificateOutputs;
  let intermediateInputs: CaCertificateInputs;
  let intermediate: CaCertificateOutputs;

  beforeAll(async () => {
    const rootInputs: CaCertificateInputs = { role: "root", commonName: "Short Root", keySize: 2048, validityDays: 40, providerVersion: CA_PROVIDER_VERSION };
    root = (await provider.create!(rootInputs)).outs as CaCertificateOutputs;
    intermediateInputs = {
      role: "intermediate",
      commonName: "Short Intermediate",
      keySize: 2048,
      validityDays: 20,
      renewBeforeDays: 5,
      issuerCertificatePem: root.certificatePem,
      issuerPrivateKey: root.privateKey,
      providerVersion: CA_PROVIDER_VERSION,
    };
    intermediate = (await provider.create!(intermediateInputs)).outs as CaCertificateOutputs;
  });

  test("inside the window with a long-lived issuer: replaced (renewal)", () => {
    const at = new Date(new Date(intermediate.notAfter).getTime() - 4 * DAY);
    expect(caDiff(intermediate, intermediateInputs, at).replaces).toEqual(["notAfter"]);
  });

  test("outside the window: nothing to do", () => {
    expect(caDiff(intermediate, intermediateInputs, new Date()).replaces).toEqual([]);
  });

  test("inside the window but the issuer ends sooner than a renewed certificate could: not replaced, so no churn", () => {
    // A renewal done late in the root's life: its notAfter is the root's, and any new one would be capped the same.
    const late = { ...intermediate, notAfter: root.notAfter };
    const at = new Date(new Date(root.notAfter).getTime() - 2 * DAY);
    const errors = jest.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      expect(caDiff(late, intermediateInputs, at).replaces).toEqual([]);
      expect(errors.mock.calls.flat().join("\n")).toContain("renew the issuer");
    } finally {
      errors.mockRestore();
    }
  });

  test("check refuses a new intermediate that would outlive the issuer it is given, with the issuer's expiry date", async () => {
    const result = await provider.check!({} as CaCertificateInputs, { ...intermediateInputs, validityDays: 60, renewBeforeDays: undefined });
    expect(result.failures).toEqual([{ property: "validityDays", reason: expect.stringMatching(/outlive its issuer, which expires on \d{4}-\d{2}-\d{2}/) }]);
    // An existing one (olds present) keeps what it has: a preview of an unchanged stack never fails as its root ages.
    const existing = await provider.check!(intermediateInputs, { ...intermediateInputs, validityDays: 60, renewBeforeDays: undefined });
    expect(existing.failures).toEqual([]);
  });
});
