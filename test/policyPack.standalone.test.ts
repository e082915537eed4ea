/**
 * The policy pack stands alone, as `docs/policy.md` tells users to use it and as `pulumi policy publish` packs it:
 * `policy/` copied out of the repository, installed from its own lock file (`npm ci`), then started by its own
 * Pulumi runner and asked over the analyzer protocol. Without its own `typescript` the runner falls back to the SDK's
 * TypeScript 3.8, which cannot compile the pack; without a lock `npm ci` refuses.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { builtinModules } from "module";
import { analyzerPb, diagnostics, startPolicyPack, stackResource, urnOf, type PackHost } from "./support/analyzerHost";

const POLICY = path.resolve(__dirname, "../policy");
const manifest = JSON.parse(fs.readFileSync(path.join(POLICY, "package.json"), "utf8"));

test("policy/ imports nothing outside itself: only its own files, Node's modules and its own dependencies", () => {
  const sources = fs.readdirSync(POLICY).filter((f) => f.endsWith(".ts"));
  expect(sources).toContain("index.ts");
  for (const file of sources) {
    const text = fs.readFileSync(path.join(POLICY, file), "utf8");
    for (const [, specifier] of text.matchAll(/(?:from|import|require\()\s*["']([^"']+)["']/g)) {
      const ownFile = specifier.startsWith("./") && fs.existsSync(path.join(POLICY, `${specifier.slice(2)}.ts`));
      const allowed = ownFile || builtinModules.includes(specifier.replace(/^node:/, "")) || specifier in manifest.dependencies;
      if (!allowed) throw new Error(`policy/${file} imports ${specifier}, which a copy of policy/ alone does not have`);
    }
  }
});

test("its dependencies are pinned, TypeScript among them, and its lock file says the same", () => {
  for (const name of ["@pulumi/policy", "@pulumi/pulumi", "typescript"]) expect(manifest.dependencies[name]).toMatch(/^\d+\.\d+\.\d+$/);
  const lock = JSON.parse(fs.readFileSync(path.join(POLICY, "package-lock.json"), "utf8"));
  expect(lock.packages[""].dependencies).toEqual(manifest.dependencies);
  expect(lock.packages["node_modules/typescript"].version).toBe(manifest.dependencies.typescript);
});

describe("copied out of the repository and installed from its lock", () => {
  let dir: string;
  let pack: PackHost;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "dps-x509-policy-pack-"));
    fs.cpSync(POLICY, dir, { recursive: true, filter: (source) => path.basename(source) !== "node_modules" });
    // From the npm cache when it has the packages (offline), else from the registry.
    const install = spawnSync("npm", ["ci", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts"], { cwd: dir, encoding: "utf8", timeout: 240_000 });
    if (install.status !== 0) throw new Error(`npm ci in the copied pack failed (${install.status}): ${install.stderr}`);
    pack = await startPolicyPack(dir);
  }, 300_000);

  afterAll(() => {
    pack?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test("its runner is its own, and finds its own TypeScript (not the SDK's 3.8)", () => {
    const runner = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [dir] });
    expect(runner.startsWith(fs.realpathSync(dir)) || runner.startsWith(dir)).toBe(true);
    const typescript = require.resolve("typescript", { paths: [path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [dir] }))] });
    expect(JSON.parse(fs.readFileSync(path.join(path.dirname(typescript), "..", "package.json"), "utf8")).version).toBe(manifest.dependencies.typescript);
  });

  test("it compiles and answers as the engine asks: its policies, and a signing-certificate group on a root", async () => {
    const info = await pack.info();
    expect(info.getName()).toBe("dps-x509-guardrails");
    expect(info.getVersion()).toBe(manifest.version);
    expect(info.getPoliciesList().map((p: any) => p.getName())).toContain("one-enrollment-per-certificate");
    const CA = "pulumi-nodejs:dynamic/dps-x509:CaCertificate";
    const GROUP = "pulumi-nodejs:dynamic/dps-x509:EnrollmentGroup";
    const resources = [
      stackResource(CA, "dps-x509-ca-root-ca", { role: "root" }),
      stackResource(GROUP, "held", { enrollmentId: "held", attestation: "signingCertificate", primaryCaName: "root-ca", primaryCertificatePem: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" }, [[CA, "dps-x509-ca-root-ca"]]),
    ];
    const found = diagnostics(await pack.call("analyzeStack", new analyzerPb.AnalyzeStackRequest().setResourcesList(resources)));
    expect(found.map((d) => [d.policy, d.level, d.urn])).toEqual([["group-attests-through-intermediate", analyzerPb.EnforcementLevel.ADVISORY, urnOf(GROUP, "held")]]);
  });
});
