/**
 * Loads a dynamic provider for the shim (shim.ts) inside Pulumi's dynamic-provider host. Plain JavaScript on
 * purpose: the engine registers no ts-node in that host, so this file must load without it. It then makes the
 * TypeScript sources loadable (skipped when `.ts` already loads, or when a compiled registry.js sits next to
 * registry.ts): through the project's transpile cache, cli/tsRegister.js, the loader the commands use (a file is
 * transpiled once per content, so a host that starts for each `up` does not transpile the providers again), else
 * the project's ts-node, transpile-only. Then it returns the provider registered under the key (registry.ts).
 *
 * This file is today's code, not state: only its path (components/providers/shimLoader.js) is in state.
 */
"use strict";
const fs = require("fs");
const path = require("path");

function loadTypeScript(dir) {
  if ((require.extensions || {})[".ts"] || fs.existsSync(path.join(__dirname, "registry.js"))) return;
  const cachedLoader = path.join(dir, "cli", "tsRegister.js");
  if (fs.existsSync(cachedLoader)) {
    require(cachedLoader);
    return;
  }
  let tsNode;
  try {
    tsNode = require(require.resolve("ts-node", { paths: [dir] }));
  } catch {
    throw new Error(`dps-x509: the dynamic providers are TypeScript and ts-node is not installed in ${dir}: run \`npm ci\` there (or compile with tsc)`);
  }
  tsNode.register({ transpileOnly: true, project: path.join(dir, "tsconfig.json") });
}

module.exports = function loadProvider(key, dir) {
  loadTypeScript(dir);
  const factory = require("./registry").providers[key];
  if (!factory) throw new Error(`dps-x509: no dynamic provider "${key}" in ${path.join(__dirname, "registry.ts")}`);
  const provider = factory();
  for (const method of ["check", "diff", "create", "read", "update", "delete"]) {
    if (typeof provider[method] !== "function") throw new Error(`dps-x509: the dynamic provider "${key}" has no ${method}`);
  }
  return provider;
};
