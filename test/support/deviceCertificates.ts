/** Device certificates for tests of individual enrollments: one that expired, issued when its CA was valid. */
import { createDeviceCertificate, createRootCa } from "../../certs";

const DAY = 86_400_000;

/** A device certificate (CN = registrationId) that expired about a year ago, from a CA of that time. */
export function expiredDeviceCertificate(registrationId: string): string {
  const then = new Date(Date.now() - 400 * DAY);
  const issuer = createRootCa({ commonName: "Expired device issuer", keySize: 2048, validityDays: 60, now: then });
  return createDeviceCertificate({ issuer, registrationId, keySize: 2048, validityDays: 30, now: then }).certificatePem;
}
