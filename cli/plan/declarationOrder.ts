/**
 * The order in which the program declares its resources (constructor calls), which the plan's tree keeps for
 * siblings. The order of registrations is not it: a resource registers once its inputs resolve.
 *
 * Pulumi calls every stack transformation synchronously in each resource's constructor, in declaration order. Under
 * the mocks no stack resource exists (Pulumi makes one in `runInPulumiStack`, which a test or the plan does not run),
 * so a stand-in is set whose URN is empty: the resources it parents register with no parent, exactly as before, and
 * their URNs do not change. It carries only the transformation that notes each resource, and changes nothing.
 */
import * as pulumi from "@pulumi/pulumi";

const state: { getStackResource(): unknown; setStackResource(resource: unknown): void } = require("@pulumi/pulumi/runtime/state");

export interface DeclarationOrder {
  /** The URNs of the resources declared since `recordDeclarationOrder`, in declaration order. */
  urns(): Promise<string[]>;
}

/** Starts noting declarations; call after `pulumi.runtime.setMocks`, before the program runs. */
export function recordDeclarationOrder(): DeclarationOrder {
  const declared: pulumi.Resource[] = [];
  if (!state.getStackResource()) {
    // A DependencyResource registers nothing; with an empty URN the resources it parents register without a parent.
    const standIn = new pulumi.DependencyResource("") as unknown as { __transformations?: pulumi.ResourceTransformation[] };
    state.setStackResource(standIn);
  }
  pulumi.runtime.registerStackTransformation((args) => {
    declared.push(args.resource);
    return undefined;
  });
  return {
    urns: () => Promise.all(declared.map((resource) => new Promise<string>((resolve) => resource.urn.apply((urn) => resolve(urn))))),
  };
}
