/**
 * CA rotation, as a pure function of the checked config: which CAs a stack declares in each step, which root signs
 * each intermediate, and what the enrollment groups reference. Nothing here talks to Pulumi or Azure.
 *
 * A CA entry with `rotation: { step, name, ... }` keeps its current certificate (the entry's `name`) and gains a new
 * one under the new DPS certificate name `rotation.name`:
 *
 *   step      CAs declared (and uploaded)   groups that name the CA
 *   stage     old + new                     primary old, secondary new
 *   promote   old + new                     primary new, secondary old
 *   retire    new only                      primary new (the old certificate leaves the groups, then the DPS)
 *
 * Rotating the root re-issues the chain: every intermediate then rotates with the same step, and each new
 * intermediate is signed by the new root, so that during the overlap old devices (old intermediate, old root) and
 * new devices (new intermediate, new root) both chain to verified certificates.
 *
 * After retire, the rotation can be folded into the entry (`name: <rotation.name>`, the new CN/key size/validity,
 * groups' `caName: <rotation.name>`, no `rotation`): the resources keep their names, so that `up` changes nothing.
 */
import type { CaEntryConfig, EnrollmentGroupConfig, RotationStep, StackConfig } from "../config/schema";

/** A CA the stack declares, with the root that signs it (intermediates only). */
export type DeclaredCa = CaEntryConfig & {
  /** Config path of the entry it comes from, e.g. `ca.intermediates[0]` or `ca.intermediates[0].rotation`. */
  readonly configPath: string;
  /** For an intermediate: the name of the root that signs it. */
  readonly issuerName?: string;
};

/** Where one rotating CA stands, for the plan and the docs. */
export interface RotationStatus {
  readonly configPath: string;
  readonly step: RotationStep;
  /** The current certificate (the entry's name). */
  readonly oldName: string;
  /** The new certificate (`rotation.name`). */
  readonly newName: string;
  /** Enrollment ids of the groups that follow this rotation. */
  readonly groups: string[];
  /** What `pulumi up` does in this step (when the stack is not there yet; at the step already, it changes nothing). */
  readonly nextUp: string;
  /** What to do after that `up`. */
  readonly then: string;
}

export interface RotatedStack {
  /** The roots to declare: the current one, or during a root's overlap the old one then the new one. */
  readonly roots: DeclaredCa[];
  /** The primary root: what tenants and stack outputs see as "the" root (the new one from promote on). */
  readonly primaryRootName: string;
  readonly intermediates: DeclaredCa[];
  /** The groups with their CA references following each rotation's step. */
  readonly groups: EnrollmentGroupConfig[];
  readonly rotations: RotationStatus[];
}

/** The new CA of a rotation: the entry's settings, overridden by what the rotation gives. */
export function rotatedEntry(entry: CaEntryConfig): CaEntryConfig {
  const rotation = entry.rotation!;
  const { rotation: _rotation, adopt: _adopt, ...rest } = entry;
  return {
    ...rest,
    name: rotation.name,
    commonName: rotation.commonName ?? entry.commonName,
    keySize: rotation.keySize ?? entry.keySize,
    keyType: rotation.keyType ?? entry.keyType,
    curve: rotation.curve ?? (rotation.keyType === undefined ? entry.curve : undefined),
    validityDays: rotation.validityDays ?? entry.validityDays,
    certificatePem: rotation.certificatePem,
    privateKeyPem: rotation.privateKeyPem,
  };
}

/** The CAs one entry declares in its step, old first. */
function declaredFor(entry: CaEntryConfig, configPath: string): { old?: DeclaredCa; new?: DeclaredCa } {
  if (!entry.rotation) return { old: { ...entry, configPath } };
  const next: DeclaredCa = { ...rotatedEntry(entry), configPath: `${configPath}.rotation` };
  if (entry.rotation.step === "retire") return { new: next };
  return { old: { ...entry, configPath }, new: next };
}

/** The primary and secondary CA names of a group in a rotation's step. */
export function rotatedReferences(step: RotationStep, oldName: string, newName: string): { primary: string; secondary?: string } {
  if (step === "stage") return { primary: oldName, secondary: newName };
  if (step === "promote") return { primary: newName, secondary: oldName };
  return { primary: newName };
}

const NEXT_UP: Record<RotationStep, (oldName: string, newName: string, groups: string) => string> = {
  stage: (o, n, g) => `makes a new key and certificate "${n}", uploads and verifies it, and adds it to ${g} as secondary CA ("${o}" stays primary)`,
  promote: (o, n, g) => `makes "${n}" the primary CA of ${g} and "${o}" the secondary`,
  retire: (o, n, g) => `removes "${o}" from ${g}, then deletes it from the DPS (and its key from the state); "${n}" stays, alone`,
};
const THEN: Record<RotationStep, (oldName: string, newName: string) => string> = {
  stage: () => "issue new devices from the new CA; when they provision, set step: promote",
  promote: (o) => `once no device needs "${o}" any more, set step: retire (devices issued from it are then refused)`,
  retire: (_o, n) => `done; optionally fold the rotation into the entry (name: ${n}, caName: ${n} in the groups, no rotation): no change on the next up`,
};

/** Applies every CA rotation of a platform stack's config. */
export function applyRotation(config: StackConfig): RotatedStack {
  const root = declaredFor(config.ca.root, "ca.root");
  const roots = [root.old, root.new].filter((ca): ca is DeclaredCa => ca !== undefined);
  const rootRotates = config.ca.root.rotation !== undefined;
  const intermediates: DeclaredCa[] = [];
  config.ca.intermediates.forEach((entry, i) => {
    const declared = declaredFor(entry, `ca.intermediates[${i}]`);
    // While the root rotates, old intermediates stay under the old root and new ones go under the new root.
    if (declared.old) intermediates.push({ ...declared.old, issuerName: rootRotates ? root.old?.name : roots[0].name });
    if (declared.new) intermediates.push({ ...declared.new, issuerName: rootRotates ? root.new!.name : roots[0].name });
  });

  const rotating = [{ entry: config.ca.root, path: "ca.root" }, ...config.ca.intermediates.map((entry, i) => ({ entry, path: `ca.intermediates[${i}]` }))]
    .filter(({ entry }) => entry.rotation !== undefined);
  const rotationOf = (caName: string) =>
    rotating.find(({ entry }) => [entry.name, entry.rotation!.name].some((n) => n.toLowerCase() === caName.toLowerCase()));

  const groups = config.enrollmentGroups.map((group) => {
    const found = rotationOf(group.caName);
    if (!found) return group;
    // The config checks refuse a secondaryCaName on a group whose CA rotates: the two slots are the rotation's.
    const refs = rotatedReferences(found.entry.rotation!.step, found.entry.name, found.entry.rotation!.name);
    const { secondaryCaName: _secondary, ...rest } = group;
    return { ...rest, caName: refs.primary, ...(refs.secondary ? { secondaryCaName: refs.secondary } : {}) };
  });

  const rotations = rotating.map(({ entry, path }): RotationStatus => {
    const rotation = entry.rotation!;
    const followers = config.enrollmentGroups.filter((group) => rotationOf(group.caName) !== undefined && rotationOf(group.caName)!.entry === entry).map((g) => g.enrollmentId);
    const groupText = followers.length ? `group${followers.length === 1 ? "" : "s"} ${followers.join(", ")}` : "no group (none names it)";
    return {
      configPath: path,
      step: rotation.step,
      oldName: entry.name,
      newName: rotation.name,
      groups: followers,
      nextUp: NEXT_UP[rotation.step](entry.name, rotation.name, groupText),
      then: THEN[rotation.step](entry.name, rotation.name),
    };
  });

  const primaryRootName = rootRotates && config.ca.root.rotation!.step !== "stage" ? config.ca.root.rotation!.name : roots[0].name;
  return { roots, primaryRootName, intermediates, groups, rotations };
}

/** Every CA the stack declares in its current steps (roots first). */
export function declaredCas(rotated: RotatedStack): DeclaredCa[] {
  return [...rotated.roots, ...rotated.intermediates];
}
