/**
 * The keys a shard (`shards[]`) has besides a DPS's own: where it lives when not beside the primary. A shard in
 * another subscription is declared through an explicit azure-native provider for that subscription (one per
 * subscription: subscriptionProviders.ts), in a resource group that exists there.
 */
import { z } from "zod";

/** A subscription id as ARM ids carry it. */
export const SUBSCRIPTION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const shardPlacementKeys = {
  /** The subscription of this shard's DPS; default the stack's (`azure-native:subscriptionId`). */
  subscriptionId: z.string().regex(SUBSCRIPTION_ID, "must be a subscription id (a GUID), as `az account show --query id` prints it").optional(),
  /** The resource group of this shard's DPS; default the stack's. Needed, and must exist, in another subscription. */
  resourceGroupName: z.string().min(1).max(90).optional(),
};
