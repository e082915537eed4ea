/**
 * The Key Vault that holds CA keys (`dps-x509:keyVault`): created here (`create: true`: Azure RBAC authorization,
 * soft delete and purge protection on, and the Key Vault Crypto Officer role for the identity running `pulumi up`, so
 * that it may make the CA keys), or an existing vault named by config (`create: false`: the roles are the vault
 * owner's to grant, see docs/key-vault.md).
 */
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as keyvault from "@pulumi/azure-native/keyvault";
import type { KeyVaultConfig } from "../config";
import type { DeployerConfig } from "../config/deployer";
import { deployerPrincipal } from "../deployer/deployerPrincipal";
import { vaultUrlOf } from "../azure/keyVault";
import type { CaKeyVaultRef } from "./certificateAuthority";

/** Built-in role "Key Vault Crypto Officer": every action on keys (create, import, sign, ...). */
export const KEY_VAULT_CRYPTO_OFFICER_ROLE_ID = "14b46e9e-c2b7-41b4-b07b-48a6ebf60603";
/** Built-in role "Key Vault Crypto User": get and sign (and other cryptographic operations), not create. */
export const KEY_VAULT_CRYPTO_USER_ROLE_ID = "12338af0-0e69-4776-bea7-57ae8d297424";

export interface CaKeyVaultArgs {
  /** The `keyVault` config. */
  readonly config: KeyVaultConfig;
  /** Where a created vault goes when the config names no resource group. */
  readonly resourceGroupName?: pulumi.Input<string>;
  /** Azure region of a created vault. */
  readonly location: string;
  /** The identity running `up` (`dps-x509:deployer`): the principal type of its role. */
  readonly deployer?: DeployerConfig;
}

export class CaKeyVault extends pulumi.ComponentResource {
  /** `https://<name>.vault.azure.net`, no trailing slash. */
  readonly vaultUrl: pulumi.Output<string>;
  /** Present with `create: true`. */
  readonly vault?: keyvault.Vault;
  readonly officerRole?: authorization.RoleAssignment;
  /** What the CertificateAuthority takes. */
  readonly forCertificateAuthority: CaKeyVaultRef;

  constructor(name: string, args: CaKeyVaultArgs, opts?: pulumi.ComponentResourceOptions) {
    super("dps-x509:ca:CaKeyVault", name, {}, opts);
    const config = args.config;
    const dependsOn: pulumi.Resource[] = [];
    if (config.create) {
      const client = authorization.getClientConfigOutput({ parent: this });
      const deployer = deployerPrincipal(this, args.deployer, client);
      this.vault = new keyvault.Vault(
        `${name}-vault`,
        {
          vaultName: config.name,
          resourceGroupName: config.resourceGroupName ?? args.resourceGroupName!,
          location: args.location,
          properties: {
            tenantId: client.tenantId,
            sku: { family: "A", name: config.sku },
            enableRbacAuthorization: true,
            enableSoftDelete: true,
            softDeleteRetentionInDays: 90,
            enablePurgeProtection: true,
          },
        },
        // A vault with purge protection cannot be purged for 90 days: never delete it as a side effect.
        { parent: this, protect: true },
      );
      this.officerRole = new authorization.RoleAssignment(
        `${name}-crypto-officer`,
        {
          scope: this.vault.id,
          principalId: deployer.principalId,
          principalType: deployer.principalType,
          roleDefinitionId: pulumi.interpolate`/subscriptions/${client.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${KEY_VAULT_CRYPTO_OFFICER_ROLE_ID}`,
        },
        { parent: this },
      );
      dependsOn.push(this.vault, this.officerRole);
      this.vaultUrl = this.vault.properties.apply((p) => (p.vaultUri ?? vaultUrlOf(config.name)).replace(/\/+$/, ""));
    } else {
      this.vaultUrl = pulumi.output(vaultUrlOf(config.name));
    }
    this.forCertificateAuthority = { vaultUrl: this.vaultUrl, hsm: config.sku === "premium", dependsOn };
    this.registerOutputs({ vaultUrl: this.vaultUrl });
  }
}
