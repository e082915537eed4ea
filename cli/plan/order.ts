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
  // Each round places the first sibling (in declaration order) whose dependencies are placed, else the first not
  // placed (a cycle). Kept linear in the number of siblings: a platform's thousand tenant certificates are siblings.
  const place = (parent: string | null) => {
    const siblings = [...(children.get(parent) ?? [])].sort((a, b) => rank(a) - rank(b));
    const indexOf = new Map(siblings.map((s, i) => [s.urn, i]));
    const waitingFor = siblings.map(() => 0);
    const dependents = siblings.map((): number[] => []);
    siblings.forEach((s, i) => {
      const holders = new Set<number>();
      for (const dep of depsOfSubtree(s)) {
        const holder = siblingHolding(dep, parent);
        const at = holder === undefined ? undefined : indexOf.get(holder);
        if (at !== undefined && at !== i) holders.add(at);
      }
      for (const at of holders) dependents[at].push(i);
      waitingFor[i] = holders.size;
    });
    const ready = new MinHeap();
    waitingFor.forEach((count, i) => count === 0 && ready.push(i));
    const placed = siblings.map(() => false);
    let firstUnplaced = 0;
    for (let count = 0; count < siblings.length; count++) {
      let next = ready.pop();
      while (next !== undefined && placed[next]) next = ready.pop();
      if (next === undefined) {
        while (placed[firstUnplaced]) firstUnplaced++;
        next = firstUnplaced;
      }
      placed[next] = true;
      for (const dependent of dependents[next]) if (--waitingFor[dependent] === 0 && !placed[dependent]) ready.push(dependent);
      ordered.push(siblings[next]);
      place(siblings[next].urn);
    }
  };
  place(null);
  return ordered;
}

/** The smallest of the numbers pushed first: a binary heap. */
class MinHeap {
  private readonly items: number[] = [];

  push(value: number): void {
    const items = this.items;
    items.push(value);
    for (let at = items.length - 1; at > 0; ) {
      const up = (at - 1) >> 1;
      if (items[up] <= items[at]) break;
      [items[up], items[at]] = [items[at], items[up]];
      at = up;
    }
  }

  pop(): number | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    items[0] = last;
    for (let at = 0; ; ) {
      const left = 2 * at + 1;
      const smaller = left + 1 < items.length && items[left + 1] < items[left] ? left + 1 : left;
      if (smaller >= items.length || items[at] <= items[smaller]) break;
      [items[at], items[smaller]] = [items[smaller], items[at]];
      at = smaller;
    }
    return top;
  }
}
