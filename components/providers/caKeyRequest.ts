/**
 * Dynamic provider: a tenant's intermediate key and its CSR. The key is made once, in the tenant's state (a secret)
 * or in the tenant's own Key Vault (state then holds its id), and the CSR (CN = the CA's common name) is what the
 * tenant exports for the platform to sign. No private key ever leaves the tenant stack.
 *
 *   create  make the key (or find the one already in the vault for this CA), sign the CSR with it
 *   diff    replace on a new common name, key size or key store (a new request); update for providerVersion
 *   read    nothing remote: the request lives in state
 *   delete  nothing remote: a vault key is kept (soft delete and purge protection guard it; removing it is by hand)
 */
import * as pulumi from "@pulumi/pulumi";
import { createCsr, generateKeyPair, keyObjectSigner, assertCommonName, RSA_KEY_SIZES, EC_CURVES, type KeySpec } from "../../certs";
import { keyVaultSigner } from "../azure/keyVault";
import { ensureCaVaultKey, type KeyStore } from "./caSigning";
import { ProjectDynamicResource } from "./shim";

export const CA_KEY_REQUEST_PROVIDER_VERSION = "1"; // state holds the provider shim (shim.ts) from the start

export interface CaKeyRequestInputs {
  /** The CA's (prefixed) name: the key's tag, and the key name of a vault key. */
  caName: string;
  commonName: string;
  /** RSA bits, or the EC curve ("P-384"): an EC tenant intermediate asks with an EC key. */
  keySize: KeySpec;
  keyStore: KeyStore;
  vaultUrl?: string;
  keyName?: string;
  hsm?: boolean;
  providerVersion: string;
}

export interface CaKeyRequestOutputs extends CaKeyRequestInputs {
  /** PKCS#10, PEM: public. */
  csrPem: string;
  /** Secret (additionalSecretOutputs); keyStore state only. */
  privateKeyPem?: string;
  /** keyStore keyVault: the key id with its version. */
  keyId?: string;
}

const REPLACE_ON_CHANGE = ["caName", "commonName", "keySize", "keyStore", "vaultUrl", "keyName", "hsm"] as const;

export function caKeyRequestFailures(news: Partial<CaKeyRequestInputs>): pulumi.dynamic.CheckFailure[] {
  const failures: pulumi.dynamic.CheckFailure[] = [];
  try {
    assertCommonName(news.commonName);
  } catch (e) {
    failures.push({ property: "commonName", reason: (e as Error).message });
  }
  if (!RSA_KEY_SIZES.includes(news.keySize as 2048) && !EC_CURVES.includes(news.keySize as "P-384")) {
    failures.push({ property: "keySize", reason: `keySize must be RSA ${RSA_KEY_SIZES.join(", ")} or an EC curve ${EC_CURVES.join(", ")}; got ${JSON.stringify(news.keySize)}` });
  }
  if (news.keyStore !== "state" && news.keyStore !== "keyVault") failures.push({ property: "keyStore", reason: `keyStore must be "state" or "keyVault"; got ${JSON.stringify(news.keyStore)}` });
  if (news.keyStore === "keyVault" && (!news.vaultUrl || !news.keyName)) failures.push({ property: "vaultUrl", reason: "keyStore keyVault needs vaultUrl and keyName" });
  return failures;
}

export const caKeyRequestProvider: pulumi.dynamic.ResourceProvider<CaKeyRequestInputs, CaKeyRequestOutputs> = {
  async check(_olds, news) {
    return { inputs: news, failures: caKeyRequestFailures(news) };
  },
  async diff(_id, olds, news) {
    const replaces = REPLACE_ON_CHANGE.filter((key) => (olds[key] ?? undefined) !== (news[key] ?? undefined));
    return { changes: replaces.length > 0 || olds.providerVersion !== news.providerVersion, replaces: [...replaces], deleteBeforeReplace: false };
  },
  async create(inputs) {
    const failures = caKeyRequestFailures(inputs);
    if (failures.length) throw new Error(failures.map((f) => f.reason).join("; "));
    let outs: CaKeyRequestOutputs;
    if (inputs.keyStore === "keyVault") {
      const key = await ensureCaVaultKey({ vaultUrl: inputs.vaultUrl!, keyName: inputs.keyName!, hsm: inputs.hsm === true }, inputs.caName, inputs.keySize);
      outs = { ...inputs, keyId: key.keyId, csrPem: await createCsr({ commonName: inputs.commonName, signer: await keyVaultSigner(key.keyId) }) };
    } else {
      const generated = generateKeyPair(inputs.keySize);
      outs = { ...inputs, privateKeyPem: generated.privateKeyPem, csrPem: await createCsr({ commonName: inputs.commonName, signer: keyObjectSigner(generated.privateKey) }) };
    }
    return { id: `${inputs.caName}/csr`, outs };
  },
  async read(id, props) {
    return { id, props };
  },
  async update(_id, olds, news) {
    return { outs: { ...olds, providerVersion: news.providerVersion } };
  },
  async delete() {
    // Nothing remote to remove (see the note at the top).
  },
};

export interface CaKeyRequestArgs {
  /** The CA's prefixed name. */
  readonly caName: string;
  /** Subject CN asked for. */
  readonly commonName: string;
  /** RSA key size, or the EC curve. */
  readonly keySize: KeySpec;
  /** Where the key lives. */
  readonly keyStore: KeyStore;
  /** The tenant's vault (keyStore keyVault). */
  readonly vaultUrl?: pulumi.Input<string>;
  readonly keyName?: string;
  readonly hsm?: boolean;
}

/** A tenant CA's key and CSR. */
export class CaKeyRequest extends ProjectDynamicResource {
  public readonly csrPem!: pulumi.Output<string>;
  public readonly privateKeyPem!: pulumi.Output<string | undefined>;
  public readonly keyId!: pulumi.Output<string | undefined>;

  constructor(name: string, args: CaKeyRequestArgs, opts?: pulumi.CustomResourceOptions) {
    // The state holds a shim that loads caKeyRequestProvider from the project when called (shim.ts, registry.ts).
    super(
      "caKeyRequest",
      name,
      { ...args, providerVersion: CA_KEY_REQUEST_PROVIDER_VERSION, csrPem: undefined, privateKeyPem: undefined, keyId: undefined },
      { ...opts, additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "privateKeyPem"] },
      "dps-x509",
      "CaKeyRequest",
    );
  }
}
