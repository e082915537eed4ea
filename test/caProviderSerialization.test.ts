/**
 * The caCertificate provider survives Pulumi's closure serialization: serialize it exactly as
 * `pulumi.dynamic.Resource` does (runtime.serializeFunction(() => provider, { allowSecrets: true })),
 * then load the text the way the dynamic-provider host does (require-from-string, `.handler()`),
 * in a fresh plain `node` process: no ts-node, no access to the .ts sources.
 */
import { spawnSync } from "child_process";
import { readFileSync } from "fs";
import { join, resolve } from "path";
import { scratch, verifyChain } from "./support/openssl";

const repo = resolve(__dirname, "..");

function node(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, args, { cwd: repo, env: { ...process.env, NODE_NO_WARNINGS: "1", ...env }, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

const SERIALIZE = `
require("ts-node").register({ transpileOnly: true, project: ${JSON.stringify(join(repo, "tsconfig.json"))} });
const pulumi = require("@pulumi/pulumi");
const { caCertificateProvider } = require(${JSON.stringify(join(repo, "components/providers/caCertificate.ts"))});
pulumi.runtime.serializeFunction(() => caCertificateProvider, { allowSecrets: true })
  .then((sf) => { require("fs").writeFileSync(process.argv[1], sf.text); })
  .catch((e) => { console.error(e && e.message); process.exit(1); });
`;

const RUN = `
const requireFromString = require("require-from-string");
const provider = requireFromString(require("fs").readFileSync(process.argv[1], "utf8")).handler();
(async () => {
  const base = { keySize: 2048, validityDays: 30, providerVersion: "1" };
  const rootIn = { ...base, role: "root", commonName: "Serialized Root" };
  const rootCheck = await provider.check({}, rootIn);
  const root = await provider.create(rootIn);
  const interIn = { ...base, role: "intermediate", commonName: "Serialized Intermediate", issuerCertificatePem: root.outs.certificatePem, issuerPrivateKey: root.outs.privateKey };
  const inter = await provider.create(interIn);
  const same = await provider.diff(inter.id, inter.outs, interIn);
  const bigger = await provider.diff(inter.id, inter.outs, { ...interIn, keySize: 3072 });
  const badBrought = await provider.check({}, { ...rootIn, providedCertificatePem: inter.outs.certificatePem, providedPrivateKeyPem: root.outs.privateKey });
  const read = await provider.read(root.id, root.outs);
  process.stdout.write(JSON.stringify({ rootCheck, root: root.outs, inter: inter.outs, same, bigger, badBrought, readSame: JSON.stringify(read.props) === JSON.stringify(root.outs) }));
})().catch((e) => { console.error("FAILED", e && e.stack); process.exit(1); });
`;

test("serialized like Pulumi does, the provider runs in a plain node process", () => {
  const s = scratch();
  try {
    const file = join(s.dir, "provider.js");
    const serialized = node(["-e", SERIALIZE, file]);
    expect(serialized.stderr).toBe("");
    expect(serialized.code).toBe(0);
    const text = readFileSync(file, "utf8");
    // packages by name, local code inlined: no path of this checkout, no .ts file
    expect(text).toMatch(/require\("node-forge/);
    expect(text).not.toContain(repo);
    expect(text).not.toMatch(/\.ts"/);
    // nothing relies on the module-level `exports` of the serialized file (only Pulumi's own handler)
    expect(text.match(/\bexports\.\w+/g)).toEqual(["exports.handler"]);

    const run = node(["-e", RUN, file], { NODE_OPTIONS: "" });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.rootCheck.failures).toEqual([]);
    expect(out.root.privateKey).toMatch(/^rsa1\./);
    const v = verifyChain({ root: out.root.certificatePem, leaf: out.inter.certificatePem });
    expect(v.code).toBe(0);
    expect(out.same).toMatchObject({ changes: false, replaces: [] });
    expect(out.bigger.replaces).toEqual(["keySize"]);
    expect(out.badBrought.failures.map((f: { property: string }) => f.property).sort()).toEqual(["providedPrivateKeyPem"]);
    expect(out.readSame).toBe(true);
  } finally {
    s.cleanup();
  }
}, 60_000);
