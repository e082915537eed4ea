/** Jest's stand-in for `@npmcli/arborist` (test/support/deferredSdkModule.js). */
const { deferred, nodeModule } = require("./deferredSdkModule");
module.exports = deferred(nodeModule("@npmcli/arborist/lib/index.js"));
