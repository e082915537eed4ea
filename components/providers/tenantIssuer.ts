/**
 * Dynamic provider, platform side: the one signing resource of an issuer (the platform root) for its tenants'
 * certificates. It holds the issuer's certificate and its key (a secret input) or the key's Key Vault id, once per
 * platform; the TenantCertificates name it by the issuer's thumbprint and hold neither (issue #26.2: a thousand
 * tenants used to hold a thousand copies of the root's key and certificate).
 *
 * How a TenantCertificate signs without the key among its inputs: Pulumi runs every dynamic resource of a deployment
 * in one dynamic-provider host process, and a tenant certificate's inputs take this resource's `thumbprint` output,
 * so the engine has run this resource's step (check, diff, and create or update) before it even registers a tenant
 * certificate. Each of those calls puts the issuer in `loadedIssuers`, in that process's memory only; the tenant
 * certificate's create looks it up by thumbprint. Nothing of it is written anywhere else.
 *
 *   check   the certificate is a CA; a key or a key id (exactly one)
 *   diff    another certificate or key: replace (a new issuer; its tenants follow it by thumbprint)
 *   create / update / read   load the issuer for this process; nothing remote
 */
import { X509Certificate } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { loadSignerIssuer, type SignerIssuer } from "../../certs";
import { issuerSigner } from "./caSigning";
import { ProjectDynamicResource } from "./shim";

export const TENANT_ISSUER_PROVIDER_VERSION = "1";

export interface TenantIssuerInputs {
  /** The issuer's CA name (the platform root's), for messages. */
  issuerName: string;
  certificatePem: string;
  /** Secret: the issuer's key in state (PEM or compact); or `keyId`. */
  privateKeyPem?: string;
  keyId?: string;
  providerVersion: string;
}

export interface TenantIssuerOutputs {
  issuerName: string;
  /** SHA-1, upper-case hex: what tenant certificates name this issuer by. */
  thumbprint: string;
  keyId?: string;
  providerVersion: string;
}

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const isSet = (value: unknown): value is string => typeof value === "string" && value !== "" && value !== UNKNOWN;

/**
 * Issuers loaded in this process, by thumbprint (see the note at the top). Kept on the `process` object, not
 * in a module variable, so that the providers share it however they are loaded (the shim, or serialized closures,
 * which would copy a module's Map into each closure).
 */
function loadedIssuers(): Map<string, Promise<SignerIssuer>> {
  const host = process as unknown as { __dpsX509TenantIssuers?: Map<string, Promise<SignerIssuer>> };
  return (host.__dpsX509TenantIssuers ??= new Map());
}

export function thumbprintOf(certificatePem: string): string {
  return new X509Certificate(certificatePem).fingerprint.replace(/:/g, "");
}

function load(inputs: Partial<TenantIssuerInputs>): void {
  if (!isSet(inputs.certificatePem) || !(isSet(inputs.privateKeyPem) || isSet(inputs.keyId))) return;
  const thumbprint = thumbprintOf(inputs.certificatePem);
  if (loadedIssuers().has(thumbprint)) return;
  const what = `the platform root ${inputs.issuerName ?? ""}`.trim();
  const issuer = issuerSigner({ privateKeyPem: inputs.privateKeyPem, keyId: inputs.keyId, what }).then((signer) => loadSignerIssuer(inputs.certificatePem!, signer, what));
  issuer.catch(() => loadedIssuers().delete(thumbprint)); // a failed load is retried by the next call, not remembered
  loadedIssuers().set(thumbprint, issuer);
}

/** The issuer with this thumbprint, as loaded in this process by its TenantIssuer; a clear error when it was not. */
export async function loadedIssuer(thumbprint: string, tenantCa: string): Promise<SignerIssuer> {
  const issuer = loadedIssuers().get(thumbprint);
  if (!issuer) {
    throw new Error(
      `${tenantCa}: the platform's signing resource (TenantIssuer of the root with thumbprint ${thumbprint}) was not loaded in this run; ` +
        "run `pulumi up` on the platform stack without --target, or with the TenantIssuer among the targets",
    );
  }
  return issuer;
}

export function tenantIssuerFailures(news: Partial<TenantIssuerInputs>): pulumi.dynamic.CheckFailure[] {
  const failures: pulumi.dynamic.CheckFailure[] = [];
  if (isSet(news.certificatePem)) {
    try {
      thumbprintOf(news.certificatePem);
    } catch {
      failures.push({ property: "certificatePem", reason: "the issuer's certificate is not a PEM certificate" });
    }
  }
  const keys = [news.privateKeyPem, news.keyId].filter((value) => value !== undefined && value !== "").length;
  if (keys !== 1) failures.push({ property: "privateKeyPem", reason: "the issuer's key (in state) or its Key Vault key id, exactly one, is needed to sign" });
  return failures;
}

function outputsOf(inputs: TenantIssuerInputs): TenantIssuerOutputs {
  return {
    issuerName: inputs.issuerName,
    thumbprint: thumbprintOf(inputs.certificatePem),
    ...(inputs.keyId ? { keyId: inputs.keyId } : {}),
    providerVersion: inputs.providerVersion,
  };
}

export const tenantIssuerProvider: pulumi.dynamic.ResourceProvider<TenantIssuerInputs, TenantIssuerOutputs> = {
  async check(_olds, news) {
    const failures = tenantIssuerFailures(news);
    if (!failures.length) load(news);
    return { inputs: news, failures };
  },
  async diff(_id, olds, news) {
    load(news);
    const replaces = isSet(news.certificatePem) && thumbprintOf(news.certificatePem) !== olds.thumbprint ? ["certificatePem"] : [];
    if (olds.keyId !== news.keyId) replaces.push("keyId");
    return { changes: replaces.length > 0 || olds.providerVersion !== news.providerVersion || olds.issuerName !== news.issuerName, replaces, deleteBeforeReplace: false };
  },
  async create(inputs) {
    const failures = tenantIssuerFailures(inputs);
    if (failures.length) throw new Error(failures.map((f) => f.reason).join("; "));
    load(inputs);
    const outs = outputsOf(inputs);
    // Signs nothing by itself, but a key that does not belong to the certificate is refused now, not per tenant.
    await loadedIssuer(outs.thumbprint, inputs.issuerName);
    return { id: outs.thumbprint, outs };
  },
  async update(_id, _olds, news) {
    load(news);
    return { outs: outputsOf(news) };
  },
  async read(id, props) {
    return { id, props };
  },
  async delete() {
    // Nothing remote.
  },
};

export interface TenantIssuerArgs {
  readonly issuerName: string;
  readonly certificatePem: pulumi.Input<string>;
  /** The key in state; made secret here. */
  readonly privateKeyPem?: pulumi.Input<string | undefined>;
  /** The key's Key Vault id, when in a vault. */
  readonly keyId?: pulumi.Input<string | undefined>;
}

/** The platform's signing resource for its tenants' certificates (one per issuer). */
export class TenantIssuer extends ProjectDynamicResource {
  public readonly thumbprint!: pulumi.Output<string>;

  constructor(name: string, args: TenantIssuerArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      "tenantIssuer",
      name,
      {
        ...args,
        privateKeyPem: args.privateKeyPem === undefined ? undefined : pulumi.secret(args.privateKeyPem),
        providerVersion: TENANT_ISSUER_PROVIDER_VERSION,
        thumbprint: undefined,
      },
      opts,
      "dps-x509",
      "TenantIssuer",
    );
  }
}
