/**
 * The provider shim's pieces outside the host: the `__provider` text is a constant per key (no path of this machine,
 * no diff between runs or checkouts), and the loader refuses a key the registry does not know.
 */
import * as path from "path";
import { PROVIDER_LOADER, shimProviderText } from "../components/providers/shim";
import { providers } from "../components/providers/registry";

const REPO = path.resolve(__dirname, "..");

test("one constant text per key, naming the key and the loader, nothing of this machine", () => {
  for (const key of Object.keys(providers)) {
    const text = shimProviderText(key);
    expect(shimProviderText(key)).toBe(text);
    expect(text).toContain(`'${key}'`);
    expect(text).toContain(`'${PROVIDER_LOADER}'`);
    expect(text).not.toContain(REPO);
    // Stored twice per dynamic resource, as state's JSON writes it: no double quote to escape, under 350 bytes.
    expect(text).not.toContain('"');
    expect(Buffer.byteLength(JSON.stringify(text))).toBeLessThanOrEqual(350);
  }
  expect(new Set(Object.keys(providers).map(shimProviderText)).size).toBe(Object.keys(providers).length);
});

test("the registry holds every dynamic provider, each with the six methods", () => {
  expect(Object.keys(providers).sort()).toEqual(["adrCertificateAuthority", "adrCertificatePolicy", "adrNamespace", "caCertificate", "caKeyRequest", "caVerification", "dpsCertificate", "enrollmentGroup", "individualEnrollment", "revokedDevice", "tenantCertificate", "tenantIssuer"]);
  for (const factory of Object.values(providers)) {
    const p = factory();
    for (const m of ["check", "diff", "create", "read", "update", "delete"] as const) expect(typeof p[m]).toBe("function");
  }
});

test("a key is letters only: it is written into the shim's JavaScript between quotes", () => {
  expect(() => shimProviderText("a'+process.exit()+'")).toThrow(/letters only/);
});

test("the loader refuses a key the registry does not know, naming it", () => {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const load = require(path.join(REPO, PROVIDER_LOADER));
  expect(() => load("noSuchProvider", REPO)).toThrow(/no dynamic provider "noSuchProvider"/);
  expect(typeof load("caCertificate", REPO).check).toBe("function");
});
