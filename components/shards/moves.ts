/**
 * Moving a tenant between shards is an explicit change. Where a tenant lives now is its stack's `dpsName` output
 * (read with its CSRs); where the config puts it is its pin, else the default placement. A tenant whose default
 * would change (a shard was added or removed) is refused until a pin says where it goes; a pin that differs from
 * where it lives is a move, and the platform says so (`waitingFor`, and a warning in the plan). Pure.
 */
import type { Problem } from "../config/problems";
import type { StackConfig } from "../config/schema";
import type { TenantCsrs } from "../tenant/tenantCsrs";
import { placeTenants, shardNames } from "./placement";

export interface TenantMove {
  readonly tenant: string;
  readonly from: string;
  readonly to: string;
}

export function tenantMoves(config: StackConfig, read: TenantCsrs[]): { moves: TenantMove[]; problems: Problem[] } {
  const moves: TenantMove[] = [];
  const problems: Problem[] = [];
  if (!config.shards?.length) return { moves, problems };
  const shards = shardNames(config);
  const placement = placeTenants(config.tenants, shards);
  for (const { tenant, index, currentDps } of read) {
    const to = placement.get(tenant);
    if (!currentDps || !to || currentDps === to) continue;
    const pinned = config.tenants[index].shard !== undefined;
    if (pinned) moves.push({ tenant, from: currentDps, to });
    else {
      const keep = shards.includes(currentDps) ? `pin it with tenants[${index}].shard: ${currentDps} to keep it there, or ` : "";
      problems.push({
        path: `tenants[${index}]`,
        value: tenant,
        message: `lives on DPS ${currentDps} (its stack's dpsName) but the default placement now puts it on ${to} (the shards changed): ${keep}set tenants[${index}].shard: ${to} to move it`,
      });
    }
  }
  return { moves, problems };
}

/** The line the platform's `waitingFor` shows for a move. */
export function moveNote(move: TenantMove): string {
  return `tenant ${move.tenant}: moves from DPS ${move.from} to ${move.to}; run \`pulumi up\` on its stack: its CA certificates and groups are created on ${move.to} and removed from ${move.from}, and its devices provision with ${move.to}'s ID scope from then on`;
}
