/** Type-checking happens once in `npm test` (tsc --noEmit); jest only transpiles (isolatedModules in tsconfig). */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { diagnostics: false }] },
  testTimeout: 60000,
};
