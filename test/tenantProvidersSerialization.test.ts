/**
 * The tenant CSR providers (CaKeyRequest, TenantIssuer with TenantCertificate) survive Pulumi's closure
 * serialization, as the CA provider does (see caProviderSerialization.test.ts): serialized as `pulumi.dynamic.Resource`
 * does, then run in a fresh plain `node` process. A tenant's key request makes a CSR; the platform's signing resource
 * loads the root and its tenant certificate signs the CSR's key; OpenSSL checks. The two platform providers are
 * serialized together: they share the process's loaded issuers, as they do in Pulumi's host (one process).
 */
import { spawnSync } from "child_process";
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
const { caKeyRequestProvider } = require(${JSON.stringify(join(repo, "components/providers/caKeyRequest.ts"))});
const { tenantCertificateProvider, subjectPublicKeyOf } = require(${JSON.stringify(join(repo, "components/providers/tenantCertificate.ts"))});
const { tenantIssuerProvider } = require(${JSON.stringify(join(repo, "components/providers/tenantIssuer.ts"))});
const fs = require("fs");
Promise.all([
  pulumi.runtime.serializeFunction(() => caKeyRequestProvider, { allowSecrets: true }),
  pulumi.runtime.serializeFunction(() => ({ issuer: tenantIssuerProvider, certificate: tenantCertificateProvider, subjectPublicKeyOf }), { allowSecrets: true }),
]).then(([a, b]) => { fs.writeFileSync(process.argv[1], a.text); fs.writeFileSync(process.argv[2], b.text); })
  .catch((e) => { console.error(e && e.message); process.exit(1); });
`;

const RUN = `
const requireFromString = require("require-from-string");
const fs = require("fs");
const request = requireFromString(fs.readFileSync(process.argv[1], "utf8")).handler();
const platform = requireFromString(fs.readFileSync(process.argv[2], "utf8")).handler();
const signer = platform.certificate;
const rootPem = fs.readFileSync(process.argv[3], "utf8");
const rootKey = fs.readFileSync(process.argv[4], "utf8");
(async () => {
  const req = await request.create({ caName: "customer-a-int", commonName: "Customer A Int", keySize: 2048, keyStore: "state", providerVersion: "1" });
  const issuer = await platform.issuer.create({ issuerName: "root", certificatePem: rootPem, privateKeyPem: rootKey, providerVersion: "1" });
  const signIn = { tenant: "customer-a", caName: "customer-a-int", subject: "customer-a-int", subjectPublicKey: platform.subjectPublicKeyOf(req.outs.csrPem, "csr"), validityDays: 30, issuerThumbprint: issuer.outs.thumbprint, providerVersion: "2" };
  const check = await signer.check({}, signIn);
  const signed = await signer.create(signIn);
  process.stdout.write(JSON.stringify({ csrPem: req.outs.csrPem, hasKey: /BEGIN PRIVATE KEY/.test(req.outs.privateKeyPem), check, signed: signed.outs }));
})().catch((e) => { console.error("FAILED", e && e.stack); process.exit(1); });
`;

test("serialized like Pulumi does, the tenant's key request and the platform's signer run in a plain node process", () => {
  const { createRootCa } = require("../certs") as typeof import("../certs");
  const root = createRootCa({ commonName: "Serialized Platform Root", keySize: 2048, validityDays: 60 });
  const s = scratch({ "root.pem": root.certificatePem, "root.key.pem": root.privateKeyPem });
  try {
    const [a, b] = [join(s.dir, "request.js"), join(s.dir, "signer.js")];
    const serialized = node(["-e", SERIALIZE, a, b]);
    expect(serialized.stderr).toBe("");
    expect(serialized.code).toBe(0);
    const run = node(["-e", RUN, a, b, join(s.dir, "root.pem"), join(s.dir, "root.key.pem")], { NODE_OPTIONS: "" });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.hasKey).toBe(true);
    expect(out.check.failures).toEqual([]);
    expect(JSON.stringify(out.signed)).not.toMatch(/PRIVATE KEY/);
    expect(verifyChain({ root: root.certificatePem, leaf: out.signed.certificatePem }).code).toBe(0);
  } finally {
    s.cleanup();
  }
}, 90_000);
