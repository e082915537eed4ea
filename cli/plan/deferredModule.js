/**
 * A module that is loaded on first use: the stand-in the plan command (deferUnusedSdkModules.ts) and jest
 * (test/support/deferredSdkModule.js) give Pulumi's SDK for TypeScript and @npmcli/arborist, which it requires
 * when it loads but uses only to serialize closures. Plain JavaScript, without side effects, so that both can load
 * it. It answers `__esModule` itself, so TypeScript's import helpers pass it through without listing its keys (which
 * would load it); `default` is the module itself, as those helpers make it.
 */
"use strict";

function deferredModule(load) {
  let real;
  const module = () => (real ??= load());
  return new Proxy(
    {},
    {
      get: (_target, property) => {
        if (property === "__esModule") return true;
        const loaded = module();
        return property === "default" && !("default" in loaded) ? loaded : loaded[property];
      },
      has: (_target, property) => property in module(),
    },
  );
}

module.exports = { deferredModule };
