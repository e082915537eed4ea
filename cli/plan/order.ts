/**
 * The plan's order: each resource after what it depends on (its parent, its dependsOn, and the resources its inputs
 * come from), siblings in the order the program declares them. The tree prints resources in this order, parents
 * first, so a reviewer reads the root CA before its intermediate, the DPS before its groups.
 *
 * A resource's place among its siblings counts what its whole subtree depends on: a component comes after the
 * sibling whose output any of its children reads. Where siblings depend on each other both ways (no order satisfies
 * both), the one declared first goes first.
 */

export interface Orderable {
  urn: string;
  parentUrn: string | null;
  /** URNs of what it depends on (explicit dependsOn and through its inputs). */
  dependsOnUrns?: string[];
}

/** The resources in dependency order, parents before children; `declared` lists URNs in declaration order. */
export function inDependencyOrder<T extends Orderable>(resources: readonly T[], declared: readonly string[]): T[] {
  const byUrn = new Map(resources.map((resource) => [resource.urn, resource]));
  const declaredAt = new Map(declared.map((urn, i) => [urn, i]));
  // Resources not seen declared (none expected) go after the declared ones, in the order given.
  const rank = (resource: T) => declaredAt.get(resource.urn) ?? declared.length + resources.indexOf(resource);
  const parentOf = (resource: T) => (resource.parentUrn && byUrn.has(resource.parentUrn) ? resource.parentUrn : null);

  const children = new Map<string | null, T[]>();
  for (const resource of resources) {
    const siblings = children.get(parentOf(resource)) ?? [];
    siblings.push(resource);
    children.set(parentOf(resource), siblings);
  }

  const subtreeDeps = new Map<string, Set<string>>();
  const depsOfSubtree = (resource: T): Set<string> => {
    let deps = subtreeDeps.get(resource.urn);
    if (!deps) {
      deps = new Set(resource.dependsOnUrns ?? []);
      subtreeDeps.set(resource.urn, deps);
      for (const child of children.get(resource.urn) ?? []) for (const dep of depsOfSubtree(child)) deps.add(dep);
    }
    return deps;
  };

  /** The sibling (a child of `parent`) that holds `urn` in its subtree, if any. */
  const siblingHolding = (urn: string, parent: string | null): string | undefined => {
    let at = byUrn.get(urn);
    while (at && parentOf(at) !== parent) at = parentOf(at) === null ? undefined : byUrn.get(parentOf(at)!);
    return at?.urn;
  };

  const ordered: T[] = [];
  const place = (parent: string | null) => {
    const siblings = [...(children.get(parent) ?? [])].sort((a, b) => rank(a) - rank(b));
    const after = new Map(siblings.map((s) => [s.urn, new Set([...depsOfSubtree(s)].map((dep) => siblingHolding(dep, parent)).filter((u): u is string => u !== undefined && u !== s.urn))]));
    const placed = new Set<string>();
    while (placed.size < siblings.length) {
      const waiting = siblings.filter((s) => !placed.has(s.urn));
      const next = waiting.find((s) => [...after.get(s.urn)!].every((dep) => placed.has(dep))) ?? waiting[0];
      placed.add(next.urn);
      ordered.push(next);
      place(next.urn);
    }
  };
  place(null);
  return ordered;
}
