/**
 * Jest only (jest.config.js moduleNameMapper): Pulumi's SDK requires TypeScript and @npmcli/arborist when it loads,
 * for closure serialization, which no test uses; jest loads the SDK afresh for every test file, so each file paid
 * about 0.4 s for the two. Here each is a stand-in that loads the real module on first use (the plan command does
 * the same: cli/plan/deferUnusedSdkModules.ts). The real module is required by its file path, which the mapper
 * does not match.
 */
"use strict";
const path = require("path");

function deferred(file) {
  let real;
  const load = () => (real ??= require(file));
  return new Proxy(
    {},
    {
      get: (_target, property) => {
        if (property === "__esModule") return true;
        const loaded = load();
        return property === "default" && !("default" in loaded) ? loaded : loaded[property];
      },
      has: (_target, property) => property in load(),
    },
  );
}

module.exports = { deferred, nodeModule: (request) => path.join(__dirname, "..", "..", "node_modules", request) };
