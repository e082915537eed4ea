/**
 * Expiry: which CA certificates are within their window (renewBeforeDays, else 90 days), with their date; and the
 * warnings `pulumi up` prints for the stack's CAs and for a different certificate on the DPS.
 */
import * as pulumi from "@pulumi/pulumi";
import { createRootCa } from "../certs";
import { DEFAULT_RENEW_BEFORE_DAYS, expiringCertificates, expiryFinding, notAfterOfPem } from "../components/expiry/expiring";
import { warnExpiringCas } from "../components/expiry/warn";
import type { CertificateAuthority } from "../components/resources/certificateAuthority";
import type { VerifiedCaCertificate } from "../components/resources/verifiedCaCertificate";
import type { DeclaredCa } from "../components/rotation/apply";

const NOW = new Date("2030-06-01T00:00:00Z");
const inDays = (n: number) => new Date(NOW.getTime() + n * 86400_000).toISOString();

test("the default window is 90 days; renewBeforeDays replaces it", () => {
  expect(DEFAULT_RENEW_BEFORE_DAYS).toBe(90);
  expect(expiryFinding({ subject: "CA a", notAfter: inDays(91) }, NOW)).toBeUndefined();
  expect(expiryFinding({ subject: "CA a", notAfter: inDays(89) }, NOW)).toMatchObject({ date: "2030-08-29", daysLeft: 89, windowDays: 90, expired: false });
  expect(expiryFinding({ subject: "CA a", notAfter: inDays(89), renewBeforeDays: 30 }, NOW)).toBeUndefined();
  expect(expiryFinding({ subject: "CA a", notAfter: inDays(29), renewBeforeDays: 30 }, NOW)!.message).toBe("CA a expires on 2030-06-30, in 29 days (within renewBeforeDays 30)");
  expect(expiryFinding({ subject: "CA a", notAfter: inDays(-1), configPath: "ca.root" }, NOW)!.message).toBe("CA a expired on 2030-05-31; rotate it (ca.root.rotation, docs/day-two.md)");
  expect(expiryFinding({ subject: "CA a", notAfter: "not a date" }, NOW)).toBeUndefined();
});

test("a list: only those within their window, soonest first", () => {
  const found = expiringCertificates([
    { subject: "CA late", notAfter: inDays(80) },
    { subject: "CA fine", notAfter: inDays(400) },
    { subject: "CA soon", notAfter: inDays(5) },
  ], NOW);
  expect(found.map((f) => f.subject)).toEqual(["CA soon", "CA late"]);
});

test("notAfter of a PEM, read by Node's X509Certificate", () => {
  const ca = createRootCa({ commonName: "Expiry root", keySize: 2048, validityDays: 10 });
  const notAfter = new Date(notAfterOfPem(ca.certificatePem)!);
  expect(Math.round((notAfter.getTime() - Date.now()) / 86400_000)).toBe(10);
  expect(notAfterOfPem("not a certificate")).toBeUndefined();
});

describe("pulumi up warns", () => {
  const declared = (name: string, renewBeforeDays?: number): DeclaredCa =>
    ({ name, commonName: name, keySize: 2048, validityDays: 100, upload: true, verification: "proofOfPossession", configPath: "ca.intermediates[0]", renewBeforeDays }) as DeclaredCa;
  const resource = {} as pulumi.Resource;
  const caWith = (dates: Record<string, string>) =>
    ({ certificates: Object.fromEntries(Object.entries(dates).map(([name, notAfter]) => [name, { name, notAfter: pulumi.output(notAfter), resource }])) }) as unknown as CertificateAuthority;
  const onDps = (dates: Record<string, string>) =>
    new Map(Object.entries(dates).map(([name, expiry]) => [name, { certificate: { expiry: pulumi.output(expiry) } } as unknown as VerifiedCaCertificate]));

  async function warnings(run: () => void): Promise<string[]> {
    const spy = jest.spyOn(pulumi.log, "warn").mockImplementation(async () => undefined);
    try {
      run();
      await new Promise((resolve) => setTimeout(resolve, 50));
      return spy.mock.calls.map((call) => String(call[0]));
    } finally {
      spy.mockRestore();
    }
  }

  test("for a CA within its window, once (the DPS holds the same certificate)", async () => {
    const soon = new Date(Date.now() + 10 * 86400_000).toISOString();
    const later = new Date(Date.now() + 200 * 86400_000).toISOString();
    const out = await warnings(() => warnExpiringCas([declared("line"), declared("ok")], caWith({ line: soon, ok: later }), onDps({ line: soon, ok: later })));
    expect(out).toEqual([expect.stringMatching(/^CA line expires on \d{4}-\d\d-\d\d, in (9|10) days \(within 90 days \(no renewBeforeDays set\)\); rotate it \(ca\.intermediates\[0\]\.rotation/)]);
  });

  test("for the DPS's certificate when it is another one (another date) within the window", async () => {
    const later = new Date(Date.now() + 200 * 86400_000).toISOString();
    const dpsSoon = new Date(Date.now() + 3 * 86400_000).toISOString();
    const out = await warnings(() => warnExpiringCas([declared("line", 30)], caWith({ line: later }), onDps({ line: dpsSoon })));
    expect(out).toEqual([expect.stringMatching(/^DPS certificate line expires on .*within renewBeforeDays 30/)]);
  });
});
