/**
 * Runs one bench module in a child process under azure-test-servers/with-test-tls.js, for benches whose local servers
 * need the test TLS set-up (Node reads NODE_EXTRA_CA_CERTS only when a process starts). The child prints its
 * figures as JSON on stdout; this returns them.
 */
import { execFile } from "child_process";
import * as path from "path";

const PROJECT_ROOT = path.resolve(__dirname, "../..");

/** `benchFile` relative to the project (e.g. `cli/bench/state.ts`); `args` follow it on the child's command line. */
export function benchInChild(benchFile: string, args: string[], maxBuffer: number): Promise<object> {
  const command = [path.join(PROJECT_ROOT, "azure-test-servers/with-test-tls.js"), process.execPath, "-r", path.join(PROJECT_ROOT, "cli/tsRegister.js"), path.join(PROJECT_ROOT, benchFile), ...args];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, command, { cwd: PROJECT_ROOT, maxBuffer }, (err, stdout, stderr) => {
      try {
        resolve(JSON.parse(stdout));
      } catch {
        reject(new Error(`${path.basename(benchFile, ".ts")} bench child failed: ${err?.message ?? ""} ${String(stderr).trim()}`));
      }
    });
  });
}
