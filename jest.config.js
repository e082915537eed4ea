/** Type-checking happens once in `npm test` (tsc --noEmit); jest only transpiles (isolatedModules in tsconfig). */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  // `npm run mutate -- --tests <globs>` (cli/mutate.ts) narrows the tests Stryker runs for each mutant.
  testMatch: process.env.DPS_X509_JEST_TESTS ? process.env.DPS_X509_JEST_TESTS.split(",").map((glob) => `<rootDir>/${glob}`) : ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { diagnostics: false }] },
  testTimeout: 60000,
  // Jest's default is one worker fewer than the cores: one worker on a 2-core machine. Most suites wait on child
  // processes and local servers, so one worker per core keeps both busy.
  maxWorkers: "100%",
  // The SDK's closure-serialization modules, loaded only if used: jest loads the SDK again for every test file.
  moduleNameMapper: {
    "^typescript$": "<rootDir>/test/support/deferredTypescript.js",
    "^@npmcli/arborist$": "<rootDir>/test/support/deferredArborist.js",
  },
};
