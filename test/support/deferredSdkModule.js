/**
 * Jest only (jest.config.js moduleNameMapper): Pulumi's SDK requires TypeScript and @npmcli/arborist when it loads,
 * for closure serialization, which no test uses; jest loads the SDK afresh for every test file, so each file paid
 * about 0.4 s for the two. Here each is the stand-in the plan command uses too (cli/plan/deferredModule.js), which
 * loads the real module on first use. The real module is required by its file path, which the mapper does not match.
 */
"use strict";
const path = require("path");
const { deferredModule } = require("../../cli/plan/deferredModule.js");

module.exports = {
  deferred: (file) => deferredModule(() => require(file)),
  nodeModule: (request) => path.join(__dirname, "..", "..", "node_modules", request),
};
