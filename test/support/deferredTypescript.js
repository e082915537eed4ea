/** Jest's stand-in for `typescript` (test/support/deferredSdkModule.js). */
const { deferred, nodeModule } = require("./deferredSdkModule");
module.exports = deferred(nodeModule("typescript/lib/typescript.js"));
