/**
 * How deep a config value nests, measured without recursion (a hostile file must meet a clear message, never a
 * JavaScript stack overflow). Nothing in this program's config needs more than MAX_CONFIG_DEPTH levels: the deepest
 * legitimate value is an initial twin, 10 levels below `enrollmentGroups[i].initialTwin.properties.desired`.
 */
import { formatPath } from "./problems";

export const MAX_CONFIG_DEPTH = 32;

/** The key path (below `root`) where `value` first nests deeper than `max` levels; undefined when it does not. */
export function tooDeepAt(value: unknown, max: number = MAX_CONFIG_DEPTH): string | undefined {
  const stack: Array<{ value: unknown; path: PropertyKey[] }> = [{ value, path: [] }];
  while (stack.length) {
    const { value: current, path } = stack.pop()!;
    if (current === null || typeof current !== "object") continue;
    if (path.length >= max) return formatPath(path);
    const entries: Array<[PropertyKey, unknown]> = Array.isArray(current) ? current.map((item, i) => [i, item]) : Object.entries(current);
    for (const [key, inner] of entries) stack.push({ value: inner, path: [...path, key] });
  }
  return undefined;
}
