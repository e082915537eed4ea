/** `pulumi up` warns about an External ICA near its end, or that Azure reports ActiveButPendingRenewal (components/expiry/adrWarn.ts). */
import * as pulumi from "@pulumi/pulumi";
import { warnExpiringAdrCas } from "../components/expiry/adrWarn";
import type { AdrCertificateAuthority } from "../components/deviceRegistry/resources";

const DAY = 86_400_000;
const ca = (validityNotAfter: string, status: string) => ({ validityNotAfter: pulumi.output(validityNotAfter), status: pulumi.output(status) }) as unknown as AdrCertificateAuthority;

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

test("an External ICA within renewBeforeDays, one Azure says must be renewed; not one far from its end, nor a Microsoft ICA", async () => {
  const soon = new Date(Date.now() + 20 * DAY).toISOString();
  const later = new Date(Date.now() + 300 * DAY).toISOString();
  const out = await warnings(() =>
    warnExpiringAdrCas(
      new Map([
        ["near", { resource: ca(soon, "Active"), renewBeforeDays: 30, external: true }],
        ["far", { resource: ca(later, "Active"), renewBeforeDays: 30, external: true }],
        ["flagged", { resource: ca(later, "ActiveButPendingRenewal"), external: true }],
        ["microsoft", { resource: ca(soon, "Active"), external: false }],
      ]),
    ),
  );
  expect(out).toEqual([
    expect.stringMatching(/^Device Registry ICA near expires on \d{4}-\d\d-\d\d, in 1\d days \(within renewBeforeDays 30\); `up` re-signs and re-activates it$/),
    "Device Registry ICA flagged: Azure reports ActiveButPendingRenewal; `up` re-signs and re-activates it",
  ]);
});
