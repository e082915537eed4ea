/**
 * Benchmark: proof of possession of N CAs with the CA's key in Key Vault against the key in state, through the real
 * provider (caVerification) and Microsoft's SDKs, against the local ARM and Key Vault servers. Per CA: ARM requests,
 * Key Vault requests (the challenge 401 once per process, the key GET, the sign), and wall time; and the vault
 * requests of a whole CA (key made, certificate signed, proof of possession), whose goal is at most 7. The CAs are made and uploaded
 * before the clock starts; only the proof is measured.
 *
 *   node azure-test-servers/with-test-tls.js node -r ./cli/tsRegister.js cli/bench/keyVault.ts
 */
export interface KeyVaultBenchOptions {
  /** CAs proved per path (default 10). */
  readonly cas?: number;
  /** RSA key size of the CAs (default 2048). */
  readonly keySize?: 2048 | 3072 | 4096;
}

interface PathResult {
  cas: number;
  totalMs: number;
  msPerCa: number;
  armRequestsPerCa: number;
  keyVaultRequestsPerCa: number;
  keyVaultRequestsByRoute: Record<string, number>;
  /** The whole CA: its key made and its certificate signed in the vault, then its proof of possession. */
  keyVaultRequestsPerCaWhole: number;
  allVerified: boolean;
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

export async function benchKeyVault(options: KeyVaultBenchOptions = {}): Promise<unknown> {
  if (!process.env.DPS_X509_TEST_TLS_DIR) return { skipped: "needs azure-test-servers/with-test-tls.js (npm run bench)" };
  const cas = options.cas ?? 10;
  const keySize = options.keySize ?? 2048;
  const { startArmServer } = await import("../../azure-test-servers/armServer");
  const { startKeyVaultServer } = await import("../../azure-test-servers/keyVaultServer");
  const { routeHostsToLoopback } = await import("../../azure-test-servers/loopbackRouting");
  const { setArmClientTestOverrides } = await import("../../components/azure/armClient");
  const { setKeyVaultTestOverrides, caKeyName, vaultUrlOf } = await import("../../components/azure/keyVault");
  const { caCertificateProvider, CA_PROVIDER_VERSION } = await import("../../components/providers/caCertificate");
  const { caVerificationProvider, CA_VERIFICATION_PROVIDER_VERSION } = await import("../../components/providers/caVerification");

  const arm = await startArmServer();
  const kv = await startKeyVaultServer();
  kv.vault("bench-vault", { sku: "premium" });
  kv.assignRole("bench-oid", "Key Vault Crypto Officer");
  const unroute = routeHostsToLoopback([{ host: "*.vault.azure.net", port: kv.port }]);
  setArmClientTestOverrides({ credential: { getToken: async () => ({ token: "bench", expiresOnTimestamp: Date.now() + 3600_000 }) } });
  setKeyVaultTestOverrides({ credential: kv.credential("bench-oid") });
  try {
    const run = async (keyStore: "state" | "keyVault"): Promise<PathResult> => {
      const prepared = [];
      const kvAtStart = kv.requests.length;
      for (let i = 0; i < cas; i++) {
        const caName = `${keyStore}-ca-${i}`;
        const outs = (await caCertificateProvider.create!({
          role: "root", commonName: `Bench ${caName}`, keySize, validityDays: 30, providerVersion: CA_PROVIDER_VERSION,
          ...(keyStore === "keyVault" ? { keyStore, caName, vaultUrl: vaultUrlOf("bench-vault"), keyName: caKeyName(caName), hsm: true } : {}),
        })).outs!;
        arm.state.dps("sub", "rg", "dps").upload(caName, outs.certificatePem);
        prepared.push({ caName, outs });
      }
      const armBefore = arm.requests.count();
      const kvBefore = kv.requests.length;
      let verified = 0;
      const started = process.hrtime.bigint();
      for (const { caName, outs } of prepared) {
        const result = await caVerificationProvider.create!({
          subscriptionId: "sub", resourceGroupName: "rg", dpsName: "dps", certificateName: caName, certificatePem: outs.certificatePem,
          armEndpoint: arm.url, providerVersion: CA_VERIFICATION_PROVIDER_VERSION,
          ...(keyStore === "keyVault" ? { caKeyId: outs.keyId } : { caPrivateKeyPem: outs.privateKey }),
        });
        if (result.outs?.isVerified) verified++;
      }
      const totalMs = Number(process.hrtime.bigint() - started) / 1e6;
      const kvRequests = kv.requests.slice(kvBefore);
      const byRoute: Record<string, number> = {};
      for (const r of kvRequests) {
        const key = r.status === 401 ? `${r.route} (401 challenge)` : r.route;
        byRoute[key] = round((byRoute[key] ?? 0) + 1 / cas, 2);
      }
      return {
        cas,
        totalMs: round(totalMs),
        msPerCa: round(totalMs / cas),
        armRequestsPerCa: round((arm.requests.count() - armBefore) / cas, 2),
        keyVaultRequestsPerCa: round(kvRequests.length / cas, 2),
        keyVaultRequestsByRoute: byRoute,
        keyVaultRequestsPerCaWhole: round((kv.requests.length - kvAtStart) / cas, 2),
        allVerified: verified === cas,
      };
    };
    const state = await run("state");
    const keyVault = await run("keyVault");
    return {
      keySize,
      keyInState: state,
      keyInKeyVault: keyVault,
      keyVaultOverStateTime: round(keyVault.msPerCa / state.msPerCa, 2),
      // One credential and one client per vault per process (the provider host runs every resource of an `up`).
      wholeCaGoal: { goal: "vault requests per CA ≤ 7", perCa: keyVault.keyVaultRequestsPerCaWhole, met: keyVault.keyVaultRequestsPerCaWhole <= 7 },
      note:
        "local servers on loopback, so time per CA is dominated by generating the verification certificate's throwaway RSA-2048 key (both paths); " +
        "the Key Vault path adds its requests (one 401 challenge per vault per process, a key read when the key was not made or read in the process, the sign): against Azure each is a network round trip",
    };
  } finally {
    setArmClientTestOverrides(undefined);
    setKeyVaultTestOverrides(undefined);
    unroute();
    await arm.close();
    await kv.close();
  }
}

if (require.main === module) {
  benchKeyVault().then((figures) => process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`), (e) => {
    process.stderr.write(`${(e as Error).stack}\n`);
    process.exitCode = 1;
  });
}
