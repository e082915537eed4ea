/** The stack config, one concern: schema.ts (the keys), checks.ts (cross-checks), problems.ts (messages), load.ts. */
export * from "./limits";
export * from "./schema";
export * from "./checks";
export * from "./problems";
export * from "./load";
