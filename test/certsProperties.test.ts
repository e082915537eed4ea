/**
 * Property tests (fast-check) over subjects, key sizes and validity windows; OpenSSL is the judge.
 * Runs are few where RSA keys must be generated (RSA-4096 takes a second or more); issuers are made once.
 */
import fc from "fast-check";
import { X509Certificate } from "crypto";
import {
  assertCommonName,
  createDeviceCertificate,
  createIntermediateCa,
  createRootCa,
  createVerificationCertificate,
  describeCertificate,
  KeyAndCert,
} from "../certs";
import { verifyChain, x509Dates, x509Field, x509SubjectCn, x509Text } from "./support/openssl";

const DAY = 24 * 3600 * 1000;
const SKEW = 5 * 60 * 1000;

let root: KeyAndCert;
let intermediate: KeyAndCert;
beforeAll(() => {
  root = createRootCa({ commonName: "Property Root", keySize: 2048, validityDays: 3650 });
  intermediate = createIntermediateCa({ issuer: root, commonName: "Property Intermediate", keySize: 2048, validityDays: 3000 });
});

function isValidCommonName(s: string): boolean {
  try {
    assertCommonName(s);
    return true;
  } catch {
    return false;
  }
}

/** Any Unicode (astral planes included) common name that the rules accept, and ones full of DN-special characters. */
const specials = fc.constantFrom("a", "Z", "0", " ", ",", "+", "#", "=", "\\", '"', "<", ">", ";", "/", "é", "中", "😀", "-", ".", "*");
const commonName = fc
  .oneof(fc.string({ unit: "binary", minLength: 1, maxLength: 64 }), fc.string({ unit: specials, minLength: 1, maxLength: 64 }))
  .filter(isValidCommonName);

test("any accepted CA common name is written so that OpenSSL reads it back unchanged, and chains by name", () => {
  fc.assert(
    fc.property(commonName, (cn) => {
      const ca = createIntermediateCa({ issuer: root, commonName: cn, keySize: 2048, validityDays: 30 });
      expect(x509SubjectCn(ca.certificatePem)).toBe(cn);
      expect(describeCertificate(ca.certificatePem).commonName).toBe(cn);
      if (/^[\x20-\x7e]*$/.test(cn)) {
        // ASCII: the RFC 4514 subject string is OpenSSL's RFC2253 one (OpenSSL hex-escapes non-ASCII there)
        expect(describeCertificate(ca.certificatePem).subject).toBe(x509Field(ca.certificatePem, ["-subject", "-nameopt", "RFC2253"]));
      }
      // the name is reused byte for byte as the issuer of what it signs
      const v = createVerificationCertificate({ issuer: ca, code: "CODE" });
      expect(new X509Certificate(v.certificatePem).issuer).toBe(new X509Certificate(ca.certificatePem).subject);
      const r = verifyChain({ root: root.certificatePem, intermediates: [ca.certificatePem], leaf: v.certificatePem });
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
    }),
    { numRuns: 16 },
  );
});

test("common names that are empty, too long, or carry control characters are rejected", () => {
  const tooLong = fc.string({ unit: "binary", minLength: 65, maxLength: 100 });
  const withControl = fc
    .tuple(fc.string({ maxLength: 20 }), fc.integer({ min: 0, max: 0x1f }), fc.string({ maxLength: 20 }))
    .map(([a, c, b]) => `x${a}${String.fromCharCode(c)}${b}x`);
  fc.assert(
    fc.property(fc.oneof(tooLong, withControl, fc.constant("")), (cn) => {
      expect(() => createRootCa({ commonName: cn, keySize: 2048, validityDays: 1 })).toThrow(/commonName/);
    }),
    { numRuns: 200 },
  );
});

test("any DPS-style registration id of 1..64 characters becomes the device CN; longer ones are refused", () => {
  const id = fc.stringMatching(/^[A-Za-z0-9._:-]{0,63}[A-Za-z0-9-]$/);
  fc.assert(
    fc.property(id, (registrationId) => {
      const device = createDeviceCertificate({ issuer: intermediate, registrationId });
      expect(x509SubjectCn(device.certificatePem)).toBe(registrationId);
      expect(verifyChain({ root: root.certificatePem, intermediates: [intermediate.certificatePem], leaf: device.certificatePem }).code).toBe(0);
    }),
    { numRuns: 12 },
  );
  fc.assert(
    fc.property(fc.stringMatching(/^[a-z0-9]{65,100}$/), (registrationId) => {
      expect(() => createDeviceCertificate({ issuer: intermediate, registrationId })).toThrow(/1 to 64 characters/);
    }),
    { numRuns: 50 },
  );
});

test("verification codes: [A-Za-z0-9-_.]{1,64} accepted, anything else refused before any key is made", () => {
  fc.assert(
    fc.property(
      fc.string({ minLength: 1, maxLength: 80 }).filter((s) => !/^[A-Za-z0-9._-]{1,64}$/.test(s)),
      (code) => {
        expect(() => createVerificationCertificate({ issuer: root, code })).toThrow(/code/);
      },
    ),
    { numRuns: 300 },
  );
  fc.assert(
    fc.property(fc.stringMatching(/^[A-Za-z0-9._-]{1,64}$/), (code) => {
      const v = createVerificationCertificate({ issuer: root, code });
      expect(x509SubjectCn(v.certificatePem)).toBe(code);
    }),
    { numRuns: 5 },
  );
});

test("validity windows: notBefore = now − 5 min, notAfter = now + days, clamped into the issuer's window (dates past 2049 too)", () => {
  fc.assert(
    fc.property(
      fc.record({
        now: fc.date({ min: new Date("1995-01-01T00:00:00Z"), max: new Date("2080-01-01T00:00:00Z"), noInvalidDate: true }),
        rootDays: fc.integer({ min: 1, max: 36500 }),
        childDays: fc.integer({ min: 1, max: 36500 }),
        offset: fc.double({ min: 0, max: 0.99, noNaN: true }),
      }),
      ({ now, rootDays, childDays, offset }) => {
        const r = createRootCa({ commonName: "Window Root", keySize: 2048, validityDays: rootDays, now });
        const rootDates = x509Dates(r.certificatePem); // as OpenSSL reads them
        const second = (ms: number) => Math.floor(ms / 1000) * 1000;
        expect(rootDates.notBefore.getTime()).toBe(second(now.getTime() - SKEW));
        expect(rootDates.notAfter.getTime()).toBe(second(now.getTime() + rootDays * DAY));

        const childNow = new Date(now.getTime() + Math.floor(offset * rootDays * DAY));
        const child = createIntermediateCa({ issuer: r, commonName: "Window Child", keySize: 2048, validityDays: childDays, now: childNow });
        const childDates = x509Dates(child.certificatePem);
        expect(childDates.notAfter.getTime()).toBe(Math.min(second(childNow.getTime() + childDays * DAY), rootDates.notAfter.getTime()));
        expect(childDates.notBefore.getTime()).toBe(Math.max(second(childNow.getTime() - SKEW), rootDates.notBefore.getTime()));
        expect(childDates.notAfter.getTime()).toBeLessThanOrEqual(rootDates.notAfter.getTime());
        expect(childDates.notBefore.getTime()).toBeLessThan(childNow.getTime());

        const atTime = String(Math.floor(childDates.notBefore.getTime() / 1000) + 1);
        const v = verifyChain({ root: r.certificatePem, leaf: child.certificatePem, extra: ["-attime", atTime] });
        expect(v.stderr).toBe("");
        expect(v.code).toBe(0);
      },
    ),
    { numRuns: 10 },
  );
});

test("key sizes: any of 2048/3072/4096 for a new CA, any validity, still a strict chain", () => {
  fc.assert(
    fc.property(fc.constantFrom(2048 as const, 3072 as const, 4096 as const), fc.integer({ min: 1, max: 5000 }), (keySize, validityDays) => {
      const ca = createIntermediateCa({ issuer: root, commonName: `Size ${keySize}`, keySize, validityDays });
      expect(x509Text(ca.certificatePem)).toContain(`Public-Key: (${keySize} bit)`);
      expect(describeCertificate(ca.certificatePem).keySize).toBe(keySize);
      const device = createDeviceCertificate({ issuer: ca, registrationId: "sized" });
      expect(verifyChain({ root: root.certificatePem, intermediates: [ca.certificatePem], leaf: device.certificatePem }).code).toBe(0);
    }),
    { numRuns: 5 },
  );
});
