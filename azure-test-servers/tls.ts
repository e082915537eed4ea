import * as fs from "fs";
import * as path from "path";

/** The server certificate and key for the local fake Azure servers, made by azure-test-servers/with-test-tls.js. */
export interface TestTls {
  cert: string;
  key: string;
  ca: string;
}

export function readTestTls(): TestTls {
  const dir = process.env.DPS_X509_TEST_TLS_DIR;
  if (!dir) {
    throw new Error("DPS_X509_TEST_TLS_DIR is not set: run the tests through `npm test` (or `npm run jest -- <pattern>`), which trusts a throwaway test CA");
  }
  return {
    cert: fs.readFileSync(path.join(dir, "server.pem"), "utf8"),
    key: fs.readFileSync(path.join(dir, "server.key.pem"), "utf8"),
    ca: fs.readFileSync(path.join(dir, "ca.pem"), "utf8"),
  };
}
