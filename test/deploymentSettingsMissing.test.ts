/**
 * What a stack's Pulumi Deployments settings lack for onboarding (cli/tenant/deploymentSettings.ts), setting by
 * setting: a blank or non-string value is no value, OIDC and ARM_* each need both ids, and only an `environment:`
 * at the top of the stack file counts as an ESC import. The runner's use of it against the local Deployments API is
 * test/deploymentsPinned.test.ts. Written from StrykerJS's survivors (docs/operations.md#mutation-testing).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { importsEscEnvironment, missingSettings, settingsMessage } from "../cli/tenant/deploymentSettings";

const SOURCE = expect.stringMatching(/^sourceContext\.git\.repoUrl /);
const LOGIN = expect.stringMatching(/^operationContext\.oidc\.azure\.clientId and \.tenantId /);
const source = { sourceContext: { git: { repoUrl: "https://github.com/my-org/dps-x509" } } };

test("the source: a repository URL or a GitHub repository; blank, empty or not a string is none", () => {
  expect(missingSettings(undefined, true)).toEqual([SOURCE]);
  expect(missingSettings({ gitHub: { repository: "my-org/dps-x509" } }, true)).toEqual([]);
  for (const repoUrl of ["", "   ", 42]) expect(missingSettings({ sourceContext: { git: { repoUrl } } }, true)).toEqual([SOURCE]);
});

test("the Azure login: both OIDC ids, or both ARM_* variables, or an ESC environment", () => {
  const login = (operationContext: unknown) => missingSettings({ ...source, operationContext }, false);
  expect(login(undefined)).toEqual([LOGIN]);
  expect(login({ oidc: { azure: { clientId: "c" } } })).toEqual([LOGIN]);
  expect(login({ oidc: { azure: { clientId: "c", tenantId: "t" } } })).toEqual([]);
  expect(login({ environmentVariables: { ARM_CLIENT_ID: "c" } })).toEqual([LOGIN]);
  expect(login({ environmentVariables: { ARM_CLIENT_ID: "c", ARM_TENANT_ID: "t" } })).toEqual([]);
  expect(missingSettings(source, true)).toEqual([]);
});

test("an ESC import is `environment:` at the top of the stack's own file", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "esc-import-"));
  try {
    expect(importsEscEnvironment(undefined, "tenant-a")).toBe(false);
    expect(importsEscEnvironment(dir, "my-org/dps-x509/tenant-a")).toBe(false); // no stack file
    fs.writeFileSync(path.join(dir, "Pulumi.tenant-a.yaml"), "config:\n  dps-x509:environment: prod\n");
    expect(importsEscEnvironment(dir, "my-org/dps-x509/tenant-a")).toBe(false);
    fs.writeFileSync(path.join(dir, "Pulumi.tenant-a.yaml"), "config: {}\nenvironment:\n  - my-org/azure-login\n");
    expect(importsEscEnvironment(dir, "my-org/dps-x509/tenant-a")).toBe(true);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("one message names every stack and each setting it lacks", () => {
  expect(settingsMessage([{ stack: "my-org/dps-x509/tenant-a", missing: ["one", "two"] }, { stack: "my-org/dps-x509/platform", missing: ["three"] }])).toBe(
    "Pulumi Deployments: 2 stack(s) lack deployment settings onboarding needs; nothing was deployed. Set them in Pulumi Cloud (the stack's Settings > Deploy, or POST …/deployments/settings; docs/tenants.md):\n"
      + "  my-org/dps-x509/tenant-a:\n    - one\n    - two\n  my-org/dps-x509/platform:\n    - three",
  );
});
