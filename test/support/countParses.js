/**
 * A preload (`node -r`) for the plan command that counts, without changing anything:
 *   - configParses: JSON.parse calls on the SDK's whole config text (PULUMI_CONFIG in the runtime's store), which
 *     `new pulumi.Config(ns).get(k)` makes on every read;
 *   - signatureVerifies: crypto.verify calls (each tenant CSR's self-signature is one).
 * It writes them as JSON to the file named by COUNT_PARSES_FILE when the process exits.
 */
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const counts = { configParses: 0, signatureVerifies: 0 };
let runtimeState;
const parse = JSON.parse;
JSON.parse = function countedParse(text, reviver) {
  if (typeof text === "string" && text.length > 1000) {
    runtimeState ??= require(require.resolve("@pulumi/pulumi/runtime/state", { paths: [process.cwd()] }));
    if (text === runtimeState.getStore().config.PULUMI_CONFIG) counts.configParses++;
  }
  return parse.call(this, text, reviver);
};
const verify = crypto.verify;
crypto.verify = function countedVerify(...args) {
  counts.signatureVerifies++;
  return verify.apply(this, args);
};
process.on("exit", () => fs.writeFileSync(path.resolve(process.env.COUNT_PARSES_FILE), JSON.stringify(counts)));
