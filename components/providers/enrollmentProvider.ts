/**
 * The one create / update / adopt / delete flow of the three enrollment providers (enrollment groups, individual
 * enrollments, revoked devices: a revoked device is a disabled individual enrollment). Each provider describes its
 * kind (EnrollmentKind: how to read, write and compare its record, and its words) and gets these methods:
 *
 * - create: PUT without If-Match. A 409 after an ambiguous failure of the same PUT (a 5xx: it may have been applied)
 *   takes the record if it is exactly what was declared; otherwise "already exists", with what differs and how to
 *   adopt it. With `adopt`: the existing record is taken over (adoptRecord).
 * - update: read the record; if it changed since the stack last saw it (another etag) in a field the stack manages,
 *   refuse, naming those fields; otherwise PUT the declared fields on the current record, with its etag. A 412 then
 *   (changed between the read and the write) reads again and re-applies, once.
 * - adopt: read; take the record as it is when it already matches, else PUT the declared fields on it with its etag.
 * - delete: DELETE with the last known etag (enrollmentCare.deleteWithEtag).
 *
 * "The declared fields on the current record": what the stack does not manage (a device's optionalDeviceInformation,
 * a tag added in the portal to a revoked device's initial twin, fields the service adds later) is kept as the service
 * holds it, instead of being dropped by a PUT (which replaces the whole record).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { DpsRecord, DpsServiceClient, DpsServiceError } from "../azure/dpsServiceClient";
import { deleteWithEtag, dpsClientFor } from "./enrollmentCare";

/** What every enrollment provider takes besides its spec: where the DPS is, and whether to adopt. */
export interface EnrollmentTargetInputs {
  serviceHostName: string;
  connectionString?: string;
  dataRoleAssignedAt?: string;
  providerVersion: string;
  adopt?: boolean;
}

/** What a provider's state holds after a write or read: at least the record's etag. */
export interface EnrollmentStateOutputs extends EnrollmentTargetInputs {
  etag: string;
  adoptedChanges?: string[];
}

/** One kind of enrollment: its record's id and service calls, its body and comparisons, and the words of its messages. */
export interface EnrollmentKind<I extends EnrollmentTargetInputs, O extends EnrollmentStateOutputs> {
  /** Starts a sentence about one record: `Enrollment group "x"`. */
  what(id: string): string;
  /** The config key a user changes to pick another id (`enrollmentId`, `registrationId`), and where `adopt` is set. */
  readonly idKey: string;
  readonly adoptWhere: string;
  idOf(inputs: I): string;
  get(client: DpsServiceClient, id: string): Promise<DpsRecord | undefined>;
  put(client: DpsServiceClient, body: DpsRecord, etag?: string): Promise<DpsRecord>;
  remove(client: DpsServiceClient, id: string, etag?: string): Promise<boolean>;
  /** The PUT body of the declared inputs. */
  body(inputs: I): DpsRecord;
  /** The record's top-level fields the stack declares: replaced (or removed when not declared) on the current record. */
  readonly managedFields: readonly string[];
  /** The managed fields by which a record differs from the declared inputs (empty: it is what the stack declares). */
  differences(record: DpsRecord, inputs: I): string[];
  /** The managed fields by which a record differs from what the state last saw. */
  changedSince(olds: O, record: DpsRecord): string[];
  /** True when the declared inputs need no write (same managed fields as the state, no drift to put back). */
  unchanged(olds: O, news: I): boolean;
  /** The outputs that come from the record (besides its etag): kept as they are when nothing is sent. */
  readonly recordOutputs: readonly string[];
  /** The state after a write or read of the record. */
  outputs(inputs: I, record: DpsRecord): O;
}

/** Fields the service keeps about a record that a PUT must not send back: its etag, dates and registration state. */
const SERVICE_FIELDS = ["etag", "createdDateTimeUtc", "lastUpdatedDateTimeUtc", "registrationState"];

/**
 * The declared body on top of the current record: every managed field as declared (or absent when the body leaves it
 * out), every other field of the record as it is, without the service's own bookkeeping.
 */
export function declaredOnCurrent(current: DpsRecord, body: DpsRecord, managedFields: readonly string[]): DpsRecord {
  const merged: DpsRecord = {};
  for (const [key, value] of Object.entries(current ?? {})) {
    if (!managedFields.includes(key) && !SERVICE_FIELDS.includes(key)) merged[key] = value;
  }
  return { ...merged, ...body };
}

const statusOf = (err: unknown) => (err as DpsServiceError).statusCode;

/** Takes over an existing record; undefined when there is none. One retry after a 412 (changed between read and write). */
export async function adoptRecord<I extends EnrollmentTargetInputs, O extends EnrollmentStateOutputs>(
  kind: EnrollmentKind<I, O>, client: DpsServiceClient, inputs: I,
): Promise<{ record: DpsRecord; changed: string[] } | undefined> {
  for (let attempt = 0; ; attempt++) {
    const existing = await kind.get(client, kind.idOf(inputs));
    if (!existing) return undefined;
    const changed = kind.differences(existing, inputs);
    if (changed.length === 0) return { record: existing, changed };
    try {
      return { record: await kind.put(client, declaredOnCurrent(existing, kind.body(inputs), kind.managedFields), String(existing.etag)), changed };
    } catch (err) {
      if (statusOf(err) !== 412 || attempt > 0) throw err;
    }
  }
}

async function create<I extends EnrollmentTargetInputs, O extends EnrollmentStateOutputs>(kind: EnrollmentKind<I, O>, inputs: I): Promise<pulumi.dynamic.CreateResult> {
  const client = dpsClientFor(inputs);
  const id = kind.idOf(inputs);
  if (inputs.adopt === true) {
    const adopted = await adoptRecord(kind, client, inputs);
    if (adopted) return { id, outs: { ...kind.outputs(inputs, adopted.record), adoptedChanges: adopted.changed } };
  }
  let record: DpsRecord;
  try {
    record = await kind.put(client, kind.body(inputs));
  } catch (err) {
    if (statusOf(err) !== 409) throw err;
    const existing = await kind.get(client, id);
    const differs = existing ? kind.differences(existing, inputs) : undefined;
    if ((err as DpsServiceError).afterAmbiguousFailure && existing && differs!.length === 0) {
      record = existing; // our own PUT went through before its answer was lost
    } else {
      throw new Error(`${kind.what(id)} already exists in ${client.hostName} and is not managed by this stack`
        + (differs ? ` (it differs in: ${differs.join(", ") || "nothing"})` : "")
        + `. To take it over with the stack's values, set adopt: true on ${kind.adoptWhere} in the stack config (or adoptExisting: true on the stack); `
        + `or delete it, or choose another ${kind.idKey}. (${(err as Error).message})`);
    }
  }
  return { id, outs: kind.outputs(inputs, record) };
}

async function update<I extends EnrollmentTargetInputs, O extends EnrollmentStateOutputs>(kind: EnrollmentKind<I, O>, id: string, olds: O, news: I): Promise<pulumi.dynamic.UpdateResult> {
  if (kind.unchanged(olds, news)) {
    // Only credentials, the provider version or a PEM's text (same certificate) changed: nothing to send.
    const kept = Object.fromEntries(kind.recordOutputs.map((key) => [key, (olds as unknown as Record<string, unknown>)[key]]));
    return { outs: { ...news, etag: olds.etag, ...kept } };
  }
  const client = dpsClientFor(news, olds as { deviceRegistry?: unknown });
  for (let attempt = 0; ; attempt++) {
    const current = await kind.get(client, id);
    if (!current) throw new Error(`${kind.what(id)} was deleted from ${client.hostName} outside Pulumi. Run \`pulumi refresh\`, then \`pulumi up\` to create it again.`);
    const changed = current.etag === olds.etag ? [] : kind.changedSince(olds, current);
    if (changed.length > 0) {
      throw new Error(`${kind.what(id)} was changed in ${client.hostName} outside Pulumi since it was last read `
        + `(changed: ${changed.join(", ")}); not overwriting it. Run \`pulumi refresh\` to see the changes, then \`pulumi up\` `
        + `to apply the configuration again. (etag ${olds.etag} last seen, ${current.etag} now)`);
    }
    try {
      return { outs: kind.outputs(news, await kind.put(client, declaredOnCurrent(current, kind.body(news), kind.managedFields), String(current.etag))) };
    } catch (err) {
      // 412: changed between our read and our write. Read it again and judge again, once.
      if (statusOf(err) !== 412 || attempt > 0) throw err;
    }
  }
}

/** create, update and delete of one enrollment kind; check, diff and read stay the provider's own. */
export function enrollmentWrites<I extends EnrollmentTargetInputs, O extends EnrollmentStateOutputs>(kind: EnrollmentKind<I, O>): Pick<Required<pulumi.dynamic.ResourceProvider>, "create" | "update" | "delete"> {
  return {
    create: (inputs: I) => create(kind, inputs),
    update: (id: string, olds: O, news: I) => update(kind, id, olds, news),
    delete: async (id: string, props: O) => {
      const client = dpsClientFor(props);
      await deleteWithEtag(kind.what(id), client.hostName, () => kind.remove(client, id, props.etag || undefined));
    },
  };
}
