/**
 * What the enrollment-group and revoked-device providers share for day two: taking over a group that exists
 * (adoption) and deleting only what is still as last seen (If-Match with the last known etag).
 *
 * Loaded by the providers at run time, like the rest of components/; holds no credential.
 */
import type { DpsRecord, DpsServiceClient, DpsServiceError } from "../azure/dpsServiceClient";
import { canonicalJson, changedEnrollmentGroupFields, comparableEnrollmentGroupBody, type EnrollmentGroupSpec, specFromEnrollmentGroupRecord } from "../requests/enrollmentGroupRequest";

/**
 * Adoption: read the group; if it exists, PUT the stack's body with its etag (the service's contract for an update:
 * without If-Match an existing group is refused with 409), unless it already holds exactly that body (no write).
 * Returns undefined when there is no group to adopt. A 412
 * (someone changed it between our read and our write) reads once more and tries again.
 */
export async function adoptEnrollmentGroup(client: DpsServiceClient, spec: EnrollmentGroupSpec, body: DpsRecord): Promise<{ record: DpsRecord; changed: string[] } | undefined> {
  for (let attempt = 0; ; attempt++) {
    const existing = await client.getEnrollmentGroup(spec.enrollmentId);
    if (!existing) return undefined;
    const current = specFromEnrollmentGroupRecord(existing);
    if (canonicalJson(comparableEnrollmentGroupBody(current)) === canonicalJson(comparableEnrollmentGroupBody(spec))) return { record: existing, changed: [] };
    const changed = changedEnrollmentGroupFields(current, spec);
    try {
      return { record: await client.putEnrollmentGroup(body, String(existing.etag)), changed };
    } catch (err) {
      if ((err as DpsServiceError).statusCode !== 412 || attempt > 0) throw err;
    }
  }
}

/**
 * Runs a DELETE sent with If-Match. 404 (already gone) is done; 412 means the record was changed in the DPS since
 * the stack last read it: never deleted silently.
 */
export async function deleteWithEtag(what: string, hostName: string, remove: () => Promise<boolean>): Promise<void> {
  try {
    await remove(); // false (404): already gone, which is what was asked
  } catch (err) {
    const e = err as DpsServiceError;
    if (e.statusCode !== 412) throw err;
    throw new Error(`${what} was changed in ${hostName} outside Pulumi since the stack last read it; not deleting it. `
      + `Run \`pulumi refresh\` to see the change, then \`pulumi up\` (or \`pulumi destroy\`) again if it should still go. (${e.message})`);
  }
}
