import type { Kysely } from 'kysely';
import type { Database } from '../db/models/index.ts';

export interface ChainStatus {
  readonly chain: string;
  readonly cursor: bigint | null;
  readonly head: bigint | null;
  /** Blocks between the head last seen and the cursor. */
  readonly lag: bigint | null;
  readonly headSeenAt: Date | null;
  readonly haltedReason: string | null;
  /** Who holds the scan lease, and until when; null when nobody does. */
  readonly lease: { readonly holder: string; readonly expiresAt: Date } | null;
}

/** Where each chain's scanner stands, from the database alone (no RPC call). */
export async function listChainStatuses(
  db: Kysely<Database>,
  now: Date = new Date(),
): Promise<ChainStatus[]> {
  const states = await db.selectFrom('chain_states').selectAll().orderBy('chain').execute();
  const leases = await db
    .selectFrom('leases')
    .select(['name', 'holder', 'expires_at'])
    .where('name', 'like', 'scan:%')
    .execute();
  return states.map((state) => {
    const lease = leases.find((l) => l.name === `scan:${state.chain}`);
    return {
      chain: state.chain,
      cursor: state.last_scanned_block,
      head: state.head_block,
      lag:
        state.head_block !== null && state.last_scanned_block !== null
          ? state.head_block - state.last_scanned_block
          : null,
      headSeenAt: state.head_seen_at,
      haltedReason: state.halted_reason,
      // A lapsed lease is nobody's: its holder stopped without giving it up.
      lease:
        lease && lease.expires_at.getTime() > now.getTime()
          ? { holder: lease.holder, expiresAt: lease.expires_at }
          : null,
    };
  });
}
