/**
 * Records a TenantCertificate as the code before issue #26.2 left it in a platform's state: the tenant's CSR, the
 * root's certificate (in inputs and outputs) and the root's private key (a secret input) in every tenant's resource.
 * Made through Pulumi's real dynamic-provider host with the `__provider` the resource class registers (the shim,
 * which loads the provider from the project: run this at the commit before the change).
 * Written to test/fixtures/tenant-certificate-state.json; replayed by test/tenantCertificateMigration.host.test.ts.
 *
 * Not committed: the root's private key (a placeholder in the recorded inputs; the replay must not need it, as
 * no certificate is signed again) and the tenant's key.
 *
 *   node azure-test-servers/with-test-tls.js node -r ts-node/register/transpile-only \
 *     test/support/recordTenantCertificateState.ts
 */
import { execFileSync } from "child_process";
import { generateKeyPairSync } from "crypto";
import { writeFileSync } from "fs";
import * as path from "path";
import { createCsr, createRootCa, keyObjectSigner } from "../../certs";
import { DynamicProviderHost, urnOf } from "../../azure-test-servers/dynamicProviderHost";
import { hostEnv, registeredProviders, REPO } from "./hostEnvironment";
import { RESOURCE_TYPES } from "./serializedProviders";

export const ROOT_KEY_PLACEHOLDER = "<root-private-key: not committed; the replay must not need it>";

async function main(): Promise<void> {
  const providers = registeredProviders();
  const host = await DynamicProviderHost.start({ cwd: REPO, env: hostEnv([]) });
  try {
    await host.configure();
    const root = createRootCa({ commonName: "Recorded Platform Root", keySize: 2048, validityDays: 3650 });
    const tenantKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
    const csrPem = await createCsr({ commonName: "Customer A Intermediate CA", signer: keyObjectSigner(tenantKey) });
    const urn = urnOf(RESOURCE_TYPES.tenantCertificate, "dps-x509-tenant-customer-a-intermediate-ca");
    // What declareTenantCertificates gave it (components/resources/tenantSigning.ts at the commit recorded).
    const inputs = (await host.check(urn, {}, {
      tenant: "customer-a",
      caName: "customer-a-intermediate-ca",
      csrPem,
      validityDays: 1825,
      issuerCertificatePem: root.certificatePem,
      issuerPrivateKeyPem: root.privateKeyPem,
      providerVersion: "1",
      __provider: providers[RESOURCE_TYPES.tenantCertificate],
    })).inputs;
    const created = await host.create(urn, inputs);
    const commit = execFileSync("git", ["rev-parse", "HEAD"], { cwd: REPO, encoding: "utf8" }).trim();
    const strip = (props: Record<string, unknown>) => {
      const { __provider: _p, ...rest } = props;
      return JSON.parse(JSON.stringify(rest).split(JSON.stringify(root.privateKeyPem).slice(1, -1)).join(ROOT_KEY_PLACEHOLDER));
    };
    const fixture = {
      recordedWith: `commit ${commit} (before tenant certificates referenced a signing resource), Pulumi's dynamic-provider host, @pulumi/pulumi ${require("@pulumi/pulumi/package.json").version}`,
      rootCertificatePem: root.certificatePem,
      csrPem,
      resource: { type: RESOURCE_TYPES.tenantCertificate, urn, id: created.id, inputs: strip(inputs), outputs: strip(created.properties) },
    };
    writeFileSync(path.join(REPO, "test/fixtures/tenant-certificate-state.json"), `${JSON.stringify(fixture, null, 1)}\n`);
  } finally {
    await host.stop();
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
