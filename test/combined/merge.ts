/**
 * How a feature fragment is laid over a stack's config values: maps merge key by key; a list entry with the same
 * identity (`name`, `enrollmentId` or `registrationId`) as an entry already there merges into it, any other entry
 * is appended; any other value replaces. So a fragment can add a CA, or add a rotation to the base stack's CA.
 */
const IDENTITY_KEYS = ["name", "enrollmentId", "registrationId"] as const;

type Values = Record<string, unknown>;

function isMap(value: unknown): value is Values {
  return value !== null && typeof value === "object" && !Array.isArray(value) && !("secure" in (value as Values));
}

function identityOf(entry: unknown): string | undefined {
  if (!isMap(entry)) return undefined;
  const key = IDENTITY_KEYS.find((k) => typeof entry[k] === "string");
  return key && `${key}=${entry[key]}`;
}

function mergeList(base: unknown[], over: unknown[]): unknown[] {
  const merged = [...base];
  for (const entry of over) {
    const id = identityOf(entry);
    const at = id === undefined ? -1 : merged.findIndex((existing) => identityOf(existing) === id);
    if (at >= 0) merged[at] = mergeValues(merged[at], entry);
    else merged.push(entry);
  }
  return merged;
}

export function mergeValues(base: unknown, over: unknown): unknown {
  if (isMap(base) && isMap(over)) {
    const merged: Values = { ...base };
    for (const [key, value] of Object.entries(over)) merged[key] = key in base ? mergeValues(base[key], value) : value;
    return merged;
  }
  if (Array.isArray(base) && Array.isArray(over)) return mergeList(base, over);
  return over;
}

/** The base values with every fragment laid over them, in order (a deep copy: neither is changed). */
export function stackWith(base: Values, ...fragments: Values[]): Values {
  return fragments.reduce<Values>((values, fragment) => mergeValues(values, fragment) as Values, structuredClone(base));
}
