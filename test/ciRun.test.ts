/**
 * .ci/run runs `npm test` once per Node line that engines allows (22 and 24), each on the Node the npm registry's
 * `node` package gives (npx -p node@<major>), and fails when any run fails. Checked with stand-ins first on PATH
 * for npx, the downloaded node and npm (no registry needed): which Node each `npm test` ran on, and the exit code.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");

/**
 * A PATH with: `npx -y -p node@<major> node -p process.execPath` printing a stand-in node for that major (which
 * answers `--version` and the major query), and an `npm` that records `npm <args>` with the `node` first on PATH and
 * fails `npm test` on the majors in `failOn`.
 */
function standIns(failOn: string[], wrongMajor?: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dps-x509-ci-run-"));
  const bin = path.join(dir, "bin");
  const log = path.join(dir, "log");
  fs.mkdirSync(bin);
  for (const major of ["22", "24"]) {
    const nodeDir = path.join(dir, `node-${major}`);
    fs.mkdirSync(nodeDir);
    const reported = major === wrongMajor ? "20" : major;
    fs.writeFileSync(path.join(nodeDir, "node"), `#!/bin/sh\ncase "$*" in\n  --version) echo v${reported}.1.0 ;;\n  *split*) echo ${reported} ;;\n  *) echo "unexpected node $*" >&2; exit 9 ;;\nesac\n`, { mode: 0o755 });
  }
  fs.writeFileSync(path.join(bin, "npx"), `#!/bin/sh\n# npx -y -p node@<major> node -p process.execPath\nmajor=$(echo "$3" | sed 's/^node@//')\necho "${dir}/node-$major/node"\n`, { mode: 0o755 });
  const fail = failOn.map((m) => `v${m}.1.0`).join("|") || "none";
  fs.writeFileSync(path.join(bin, "npm"), `#!/bin/sh\nv=$(node --version)\necho "npm $* on $v" >> "${log}"\nif [ "$1" = test ]; then case "$v" in ${fail}) exit 7 ;; esac; fi\nexit 0\n`, { mode: 0o755 });
  const r = spawnSync("bash", [path.join(ROOT, ".ci/run")], { env: { PATH: `${bin}:/usr/bin:/bin`, HOME: dir }, encoding: "utf8" });
  const calls = fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : [];
  fs.rmSync(dir, { recursive: true, force: true });
  return { code: r.status, stdout: r.stdout, calls };
}

test("npm test runs on Node 22 and on Node 24, each first on PATH; all passing exits 0", () => {
  const { code, stdout, calls } = standIns([]);
  expect(calls.filter((c) => c.startsWith("npm test"))).toEqual(["npm test on v22.1.0", "npm test on v24.1.0"]);
  expect(stdout).toContain("=== npm test passed on Node 22, 24");
  expect(code).toBe(0);
});

test.each([["22"], ["24"]])("npm test failing on Node %s: the other still runs, and the exit code is 1", (major) => {
  const { code, stdout, calls } = standIns([major]);
  expect(calls.filter((c) => c.startsWith("npm test"))).toHaveLength(2);
  expect(stdout).toContain(`=== Node ${major}: FAILED, exit code 7`);
  expect(stdout).toContain(`=== npm test failed on Node ${major}`);
  expect(code).toBe(1);
});

test("a node package that is not the major asked for: not run, and the exit code is 1", () => {
  const { code, stdout, calls } = standIns([], "24");
  expect(calls.filter((c) => c.startsWith("npm test"))).toEqual(["npm test on v22.1.0"]);
  expect(stdout).toContain("node@24 gave Node 20");
  expect(code).toBe(1);
});
