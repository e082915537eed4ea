/**
 * What a stack says the live DPS should hold, from its checked config and (when read) its outputs: the CAs it
 * uploads with their thumbprints, the hubs it links, its groups with their CA names, status, policy and hubs.
 * Pure. A tenant stack's names carry the `<tenant>-` prefix, as components/tenant/resolveTenant.ts gives them.
 */
import type { StackConfig, TenantStackConfig } from "../../components/config";
import { tenantPrefixed } from "../../components/config";
import { stringMapOutput } from "../stackOutputs";
import { applyRotation, declaredCas } from "../../components/rotation/apply";
import type { ExpectedCa, ExpectedGroup, Expectations, StackCa } from "./checks";

type EntryLike = { name: string; upload: boolean; renewBeforeDays?: number };
type GroupLike = {
  enrollmentId: string;
  caName: string;
  secondaryCaName?: string;
  provisioningStatus: "enabled" | "disabled";
  allocationPolicy?: string;
  iotHubs?: string[];
};

/** The hub's host name: the stack output when there is one, else Azure's `<name>.azure-devices.net`. */
function hubHostName(hubName: string, hostNames: Record<string, string>): string {
  return hostNames[hubName] ?? `${hubName}.azure-devices.net`;
}

function expectedCas(entries: Array<{ entry: EntryLike; configPath: string }>, thumbprints: Record<string, string>, rename: (n: string) => string): ExpectedCa[] {
  return entries
    .filter(({ entry }) => entry.upload)
    .map(({ entry, configPath }) => {
      const name = rename(entry.name);
      const thumbprint = thumbprints[name] ?? thumbprints[entry.name];
      const renew = entry.renewBeforeDays !== undefined ? { renewBeforeDays: entry.renewBeforeDays } : {};
      return thumbprint ? { name, thumbprint, configPath, ...renew } : { name, configPath, ...renew };
    });
}

/** Every CA of the stack with its notAfter from the output `caNotAfter` (checked for expiry when not on the DPS). */
function stackCas(entries: Array<{ entry: EntryLike; configPath: string }>, notAfter: Record<string, string>, rename: (n: string) => string): StackCa[] {
  return entries.map(({ entry, configPath }) => {
    const name = rename(entry.name);
    const date = notAfter[name] ?? notAfter[entry.name];
    return { name, configPath, ...(entry.renewBeforeDays !== undefined ? { renewBeforeDays: entry.renewBeforeDays } : {}), ...(date ? { notAfter: date } : {}) };
  });
}

function expectedGroup(group: GroupLike, index: number, rename: (n: string) => string, hubs: ((names: string[]) => string[]) | undefined): ExpectedGroup {
  const caNames = [group.caName, ...(group.secondaryCaName ? [group.secondaryCaName] : [])].map(rename);
  const expected: ExpectedGroup = {
    enrollmentId: rename(group.enrollmentId),
    caNames,
    provisioningStatus: group.provisioningStatus,
    configPath: `enrollmentGroups[${index}]`,
    ...(group.allocationPolicy !== undefined ? { allocationPolicy: group.allocationPolicy } : {}),
    ...(group.iotHubs !== undefined && hubs ? { hubHostNames: hubs(group.iotHubs) } : {}),
  };
  return expected;
}

export function expectationsFromConfig(config: StackConfig | TenantStackConfig, outputs: Record<string, unknown> | undefined, dpsName: string): Expectations {
  const thumbprints = stringMapOutput(outputs, "caThumbprints");
  const hostNames = stringMapOutput(outputs, "hubHostNames");
  const notAfter = stringMapOutput(outputs, "caNotAfter");
  if (config.role === "tenant") {
    const rename = (n: string) => tenantPrefixed(config.tenant, n);
    // A tenant's outputs do not carry the platform's hub host names; without them the hub checks are skipped.
    const hubs = Object.keys(hostNames).length ? (names: string[]) => names.map((n) => hubHostName(n, hostNames)) : undefined;
    const entries = config.ca.intermediates.map((entry, i) => ({ entry, configPath: `ca.intermediates[${i}]` }));
    return {
      dpsName,
      cas: expectedCas(entries, thumbprints, rename),
      stackCas: stackCas(entries, notAfter, rename),
      groups: config.enrollmentGroups.map((g, i) => expectedGroup(g, i, rename, hubs)),
      linkedHubHostNames: [],
      haveOutputs: outputs !== undefined,
    };
  }
  const same = (n: string) => n;
  const hubs = (names: string[]) => names.map((n) => hubHostName(n, hostNames));
  // What the stack declares in its rotations' current steps: both certificates during an overlap, the new alone after.
  const rotated = applyRotation(config);
  const entries = declaredCas(rotated).map((entry) => ({ entry, configPath: entry.configPath.replace(/\.rotation$/, "") }));
  return {
    dpsName,
    cas: expectedCas(entries, thumbprints, same),
    stackCas: stackCas(entries, notAfter, same),
    groups: rotated.groups.map((g, i) => expectedGroup(g, i, same, hubs)),
    linkedHubHostNames: config.hubs.map((hub) => hubHostName(hub.name, hostNames)),
    haveOutputs: outputs !== undefined,
  };
}
