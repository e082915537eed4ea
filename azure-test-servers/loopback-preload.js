/**
 * Test preload for child processes (`NODE_OPTIONS=--require <this file>`): routes the Azure host names listed in
 * DPS_X509_TEST_LOOPBACK_ROUTES (JSON `[{ "host": "...", "port": 1234 }]`) to local fake servers, exactly as
 * azure-test-servers/loopbackRouting.ts does in the test process (that file is transpiled here on the fly, so there is one
 * implementation). Certificate checks stay on: the child trusts the test CA through NODE_EXTRA_CA_CERTS.
 */
const fs = require("fs");
const Module = require("module");
const path = require("path");

const routes = JSON.parse(process.env.DPS_X509_TEST_LOOPBACK_ROUTES || "[]");
if (routes.length) {
  const ts = require("typescript");
  const file = path.join(__dirname, "loopbackRouting.ts");
  const { outputText } = ts.transpileModule(fs.readFileSync(file, "utf8"), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020, esModuleInterop: true },
  });
  const routing = new Module(file, module);
  routing.filename = file;
  routing.paths = Module._nodeModulePaths(path.dirname(file));
  routing._compile(outputText, file);
  routing.exports.routeHostsToLoopback(routes);
}
