/**
 * The plan's order (cli/plan/order.ts) was made linear in the number of siblings (a platform's thousand tenant
 * certificates are siblings). The rule did not change: each round places the first sibling in declaration order
 * whose dependencies are placed, else the first not placed. Checked against that rule written out the quadratic way
 * it used to be, on random trees with random dependencies, cycles and undeclared resources included.
 */
import fc from "fast-check";
import { inDependencyOrder, type Orderable } from "../cli/plan/order";

/** The order as it was computed before (commit e9d1069), kept as the oracle. */
function orderBefore<T extends Orderable>(resources: readonly T[], declared: readonly string[]): T[] {
  const byUrn = new Map(resources.map((resource) => [resource.urn, resource]));
  const declaredAt = new Map(declared.map((urn, i) => [urn, i]));
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

/**
 * A random forest: each resource's parent is an earlier one, none, or one not in the plan (the order treats it as
 * none); dependencies on any resource (an ancestor, a sibling, itself), or on one not in the plan.
 */
const forest = fc.integer({ min: 1, max: 40 }).chain((count) =>
  fc.record({
    parents: fc.array(fc.option(fc.oneof(fc.nat(), fc.constant(-1)), { nil: undefined }), { minLength: count, maxLength: count }),
    deps: fc.array(fc.array(fc.integer({ min: 0, max: count + 2 }), { maxLength: 4 }), { minLength: count, maxLength: count }),
    declaredOrder: fc.shuffledSubarray(Array.from({ length: count }, (_, i) => i), { minLength: 0, maxLength: count }),
  }).map(({ parents, deps, declaredOrder }) => {
    const urn = (i: number) => `urn:r${i}`;
    const resources: Orderable[] = parents.map((parent, i) => ({
      urn: urn(i),
      parentUrn: parent === undefined ? null : parent === -1 ? "urn:not-in-the-plan" : i === 0 ? null : urn(parent % i),
      // An index past the last names a resource not in the plan (it is ignored), as a read resource can be.
      dependsOnUrns: deps[i].map(urn),
    }));
    return { resources, declared: declaredOrder.map(urn) };
  }),
);

test("the linear order is the order of the rule as written before, on random trees with cycles", () => {
  fc.assert(
    fc.property(forest, ({ resources, declared }) => {
      expect(inDependencyOrder(resources, declared).map((r) => r.urn)).toEqual(orderBefore(resources, declared).map((r) => r.urn));
    }),
    { numRuns: 1000 },
  );
});
