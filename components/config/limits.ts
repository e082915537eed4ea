/** Numbers the schema and the cross-checks share (no imports: anything in config/ may use them). */

/**
 * Azure's limits on one DPS (see DESIGN.md): its defaults. A stack may state raised ones for CA certificates,
 * enrollment groups and DPS instances per subscription (`dps-x509:quotas`, quotas.ts); `hubs` (50) is fixed.
 */
export const LIMITS = { hubs: 50, caCertificates: 25, enrollmentGroups: 100, individualEnrollments: 1_000_000, dpsPerSubscription: 10 } as const;

/**
 * Stands in for a `secure:` value that cannot be decrypted (the offline plan has no stack passphrase or KMS).
 * Checks that need the plain value (URL shape) skip it; everything else treats it as present.
 */
export const SECRET_PLACEHOLDER = "[secret]";
