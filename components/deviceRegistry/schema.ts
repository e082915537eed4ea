/**
 * The `dps-x509:deviceRegistry` config key (docs/device-registry.md#configuration): an Azure Device Registry namespace,
 * its certificate authorities (each with its one certificate policy) and its link to the stack's DPS and shards; and
 * the `deviceRegistry` key of an enrollment group or individual enrollment naming namespace, CA and policy.
 * Names and limits are checked in checks.ts (so each problem names its key path).
 */
import { z } from "zod";

const name = z.string().min(1);

/** Who signs the ICA: a CA of this stack (External: we sign its CSR) or the namespace's Microsoft-managed root. */
const issuerSchema = z.union([
  z.strictObject({ external: z.strictObject({ /** `ca.root.name` or a `ca.intermediates[].name` of this stack; EC. */ caName: name }) }),
  z.strictObject({ microsoft: z.strictObject({}) }),
]);

const certificateAuthoritySchema = z.strictObject({
  /** The CA's name in the namespace (3–63 letters, digits, hyphens); its subject is `CN=<name>`. */
  name,
  issuer: issuerSchema,
  /** The one certificate policy of this ICA: how long device certificates live. */
  policy: z.strictObject({ name, validityDays: z.number().int() }),
  /** External ICA: re-sign and re-activate this many days before it expires (Azure may ask earlier). */
  renewBeforeDays: z.number().int().min(1).optional(),
  /** Microsoft ICA: change (any new number) to revoke it and let ADR make a replacement (`revokeAndRotate`). */
  rotation: z.number().int().min(0).optional(),
});

export const deviceRegistrySchema = z.strictObject({
  namespace: z.strictObject({
    /** 3–64 lower-case letters, digits and hyphens, starting and ending with a letter or digit. */
    name,
    /** Azure region; default `azure-native:location`. */
    location: z.string().min(1).optional(),
  }),
  /** The Root a Microsoft ICA is issued under; created when any CA is `issuer: { microsoft: {} }`. */
  rootName: name.default("microsoft-root"),
  certificateAuthorities: z.array(certificateAuthoritySchema).min(1),
  /** Link the namespace to the DPS and every shard (`properties.provisioning.endpoints`). */
  link: z.boolean().default(true),
});

/** On an enrollment group or individual enrollment: the namespace, CA and policy that issue its devices' certificates. */
export const enrollmentDeviceRegistrySchema = z.strictObject({
  namespaceName: name,
  certificateAuthorityName: name,
  certificatePolicyName: name,
});

export type DeviceRegistryConfig = z.infer<typeof deviceRegistrySchema>;
export type AdrCertificateAuthorityConfig = DeviceRegistryConfig["certificateAuthorities"][number];
export type EnrollmentDeviceRegistry = z.infer<typeof enrollmentDeviceRegistrySchema>;

/** "external" with the issuing CA's name, or "microsoft". */
export function issuerOf(ca: AdrCertificateAuthorityConfig): { kind: "external"; caName: string } | { kind: "microsoft" } {
  return "external" in ca.issuer ? { kind: "external", caName: ca.issuer.external.caName } : { kind: "microsoft" };
}
