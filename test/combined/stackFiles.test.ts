/**
 * Every stack file of the repository (`Pulumi.<stack>.yaml` at the top, which CI's matrix deploys, and any under
 * examples/) plans through the `npm run plan` command, found by listing the folders: a new stack file cannot be
 * forgotten. Tenant stacks are planned with `--platform-outputs examples/platform-outputs.json`, as CI plans them.
 * A file that meets a defect being fixed elsewhere fails exactly as test/combined/knownFailing.ts says.
 */
import * as fs from "fs";
import * as path from "path";
import { KNOWN_FAILING_STACK_FILES, unexplainedFaults } from "./knownFailing";
import { faultsOf, isTenantStackFile, plan, PLATFORM_OUTPUTS, ROOT } from "./planCommand";

const STACK_FILE = /^Pulumi\.[^.]+\.yaml$/;

function stackFilesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const at = path.join(dir, entry.name);
    if (entry.isDirectory()) return stackFilesUnder(at);
    return STACK_FILE.test(entry.name) ? [at] : [];
  });
}

const files = [...fs.readdirSync(ROOT).filter((name) => STACK_FILE.test(name)).map((name) => path.join(ROOT, name)), ...stackFilesUnder(path.join(ROOT, "examples"))]
  .map((file) => path.relative(ROOT, file))
  .sort();

test("the list holds the top-level stacks and the examples' (so the glob finds what CI deploys)", () => {
  expect(files).toEqual(expect.arrayContaining(["Pulumi.dev.yaml", "Pulumi.platform.yaml", "Pulumi.tenant-customer-a.yaml", "examples/all-features/Pulumi.all-features.yaml"]));
  for (const listed of Object.keys(KNOWN_FAILING_STACK_FILES)) expect(files).toContain(listed);
});

test.each(files)("%s plans through the command", async (file) => {
  const argv = ["--config", path.join(ROOT, file), "--json", ...(isTenantStackFile(path.join(ROOT, file)) ? ["--platform-outputs", PLATFORM_OUTPUTS] : [])];
  const run = await plan(argv);
  expect(unexplainedFaults(faultsOf(run), KNOWN_FAILING_STACK_FILES[file] ?? [])).toBeUndefined();
  if (!KNOWN_FAILING_STACK_FILES[file]) expect(run.code).toBe(0);
});
