/** The shapes preflight's checks share: what the stack would make (its target) and what each check found. */
import type { TokenCredential } from "@azure/identity";
import type { QuotasConfig } from "../../components/config/quotas";

export type FindingStatus = "ok" | "problem" | "warning";

export interface Finding {
  /** What was checked, e.g. `name of IoT hub my-hub`. */
  readonly check: string;
  readonly status: FindingStatus;
  /** What was found, with Azure's own message kept whole when there is one. */
  readonly detail: string;
  /** What to do (every problem and warning has one). */
  readonly fix?: string;
}

export interface PlannedHub {
  readonly name: string;
  readonly sku: string;
  readonly capacity: number;
}

/** What `pulumi up` of the stack would create or change, as preflight needs it. */
export interface PreflightTarget {
  /** The resource group of the hubs and DPS (a tenant stack: of its vault, if any). */
  readonly resourceGroupName?: string;
  /** `resourceGroupExisting: true`: the group must exist, and is only read (rights on it suffice). */
  readonly resourceGroupExisting?: boolean;
  /** `dpsAuth: sas`: the program reads the DPS key. */
  readonly dpsKeys?: boolean;
  readonly dpsName?: string;
  readonly hubs: readonly PlannedHub[];
  readonly vault?: { readonly name: string; readonly resourceGroupName?: string; readonly create: boolean };
  /** The stack assigns roles to the deployer (DPS data role, Key Vault Crypto Officer). */
  readonly assignsRoles: boolean;
  /** CA certificate names the stack uploads to the DPS. */
  readonly caNames: readonly string[];
  /** Enrollment group ids the stack writes. */
  readonly enrollmentGroupIds: readonly string[];
  /** `adoptExisting: true`: what exists is taken over on purpose. */
  readonly adoptExisting: boolean;
  /** The platform's shards: each DPS, and where it lives (no subscription: the stack's; no group: the stack's). */
  readonly shards?: ReadonlyArray<{ readonly name: string; readonly subscriptionId?: string; readonly resourceGroupName?: string }>;
  /** The quotas the stack states its subscriptions have been granted (`dps-x509:quotas`). */
  readonly quotas?: QuotasConfig;
}

/** Where preflight looks and as whom. */
export interface PreflightContext {
  readonly credential: TokenCredential;
  /** `https://management.azure.com` or a sovereign cloud's (or a local test server's). */
  readonly armEndpoint: string;
  readonly subscriptionId: string;
  /** Tests shorten the SDKs' retry delay. */
  readonly retryDelayInMs?: number;
}
