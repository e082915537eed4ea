/**
 * Role assignments to the identity running `up` carry its principalType (ARM refuses a mismatch with
 * UnmatchedPrincipalType): the decision (components/deployer/principalType.ts), the config key, and the plan.
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { decidePrincipalType, jwtClaims, principalTypeFromClaims } from "../components/deployer/principalType";
import { parseStackConfig } from "../components/config";

const ROOT = path.resolve(__dirname, "..");
const jwt = (claims: object) => `${Buffer.from('{"alg":"none"}').toString("base64url")}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.`;
/** The environment without any variable that says who signs in. */
const bareEnv = () => Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(ARM|AZURE)_/.test(key)));

describe("the principal type of the deployer", () => {
  test("a client id in the environment means a service principal, whatever the token says", () => {
    expect(decidePrincipalType(undefined, { ARM_CLIENT_ID: "1b2c" }, jwt({ idtyp: "user" }))).toMatchObject({ type: "ServicePrincipal", reason: expect.stringContaining("ARM_CLIENT_ID") });
    expect(decidePrincipalType(undefined, { AZURE_CLIENT_ID: "1b2c" })).toMatchObject({ type: "ServicePrincipal", reason: expect.stringContaining("AZURE_CLIENT_ID") });
    expect(decidePrincipalType(undefined, { ARM_USE_MSI: "true" }).type).toBe("ServicePrincipal");
    expect(decidePrincipalType(undefined, { ARM_CLIENT_ID: "  " }, jwt({ idtyp: "user" })).type).toBe("User");
  });

  test("the override wins over the environment", () => {
    expect(decidePrincipalType("User", { ARM_CLIENT_ID: "1b2c" })).toEqual({ type: "User", reason: "set by dps-x509:deployer.principalType" });
  });

  test("the token's idtyp claim tells an app from a user", () => {
    expect(decidePrincipalType(undefined, {}, jwt({ idtyp: "app", oid: "o" })).type).toBe("ServicePrincipal");
    expect(decidePrincipalType(undefined, {}, jwt({ idtyp: "user", oid: "o", scp: "user_impersonation" })).type).toBe("User");
    // Without idtyp: delegated scopes are a user's, no scopes an app's.
    expect(principalTypeFromClaims({ oid: "o", scp: "user_impersonation" }).type).toBe("User");
    expect(principalTypeFromClaims({ oid: "o", roles: [] }).type).toBe("ServicePrincipal");
    expect(decidePrincipalType(undefined, {}, "not-a-jwt")).toMatchObject({ type: "User", reason: expect.stringContaining("deployer.principalType") });
  });

  test("jwtClaims reads the payload and refuses what is not a JWT", () => {
    expect(jwtClaims(jwt({ idtyp: "app" }))).toEqual({ idtyp: "app" });
    expect(jwtClaims("a.b")).toBeUndefined();
    expect(jwtClaims("a.!!!.c")).toBeUndefined();
  });

  test("config: deployer.principalType takes User or ServicePrincipal, and names the key otherwise", () => {
    const values = (deployer: unknown) => ({
      resourceGroupName: "rg",
      dps: { name: "my-dps-x509" },
      hubs: [{ name: "my-hub-x509" }],
      ca: { root: { name: "root", commonName: "Root" } },
      deployer,
    });
    const good = parseStackConfig({ values: values({ principalType: "ServicePrincipal" }), location: "westeurope" });
    expect(good.ok && good.config.deployer).toEqual({ principalType: "ServicePrincipal" });
    const bad = parseStackConfig({ values: values({ principalType: "Group" }), location: "westeurope" });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.problems.map((problem) => problem.path)).toContain("deployer.principalType");
  });
});

describe("the offline plan shows the principal type and why", () => {
  function planJson(stack: string, env: NodeJS.ProcessEnv) {
    const result = spawnSync(process.execPath, ["-r", path.join(ROOT, "cli/tsRegister.js"), path.join(ROOT, "cli/plan.ts"), "--stack", stack, "--json"], { cwd: ROOT, encoding: "utf8", env, maxBuffer: 64 * 1024 * 1024 });
    expect(result.stderr).toBe("");
    const plan = JSON.parse(result.stdout) as { resources: Array<{ type: string; name: string; inputs: Record<string, unknown>; principalTypeReason?: string }> };
    return plan.resources.filter((resource) => resource.type === "azure-native:authorization:RoleAssignment");
  }

  test("with AZURE_CLIENT_ID every role assignment of the keyvault stack is a ServicePrincipal's", () => {
    const roles = planJson("keyvault", { ...bareEnv(), AZURE_CLIENT_ID: "11111111-2222-3333-4444-555555555555" });
    expect(roles.map((role) => role.name).sort()).toEqual(["dps-x509-dps-data-role", "dps-x509-keyvault-crypto-officer"]);
    for (const role of roles) {
      expect(role.inputs.principalType).toBe("ServicePrincipal");
      expect(role.principalTypeReason).toContain("AZURE_CLIENT_ID is set");
    }
  });

  test("without a client id a signed-in user is planned, and the plan says the token decides at up", () => {
    const roles = planJson("dev", bareEnv());
    expect(roles).toHaveLength(1);
    expect(roles[0].inputs.principalType).toBe("User");
    expect(roles[0].principalTypeReason).toMatch(/idtyp/);
  });
});
