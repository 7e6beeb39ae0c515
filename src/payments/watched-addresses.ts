import type { Kysely } from 'kysely';
import { idFloorAt } from '../db/ids.ts';
import type { Database } from '../db/models/index.ts';

export interface WatchedAddress {
  readonly address: string;
  readonly paymentId: string;
  readonly tokenId: string;
  readonly createdAt: Date;
  readonly watchUntil: Date;
}

/**
 * The deposit addresses of a chain still worth scanning at `now`: every payment whose watch
 * window (expiry plus the late-payment window) is open, whatever its status, so money that
 * arrives late or after confirmation is recorded rather than dropped. `createdSince` limits
 * the read to recent payments, for incremental refreshes.
 */
export async function listWatchedAddresses(
  db: Kysely<Database>,
  chain: string,
  options: { readonly now: Date; readonly createdSince?: Date },
): Promise<WatchedAddress[]> {
  let query = db
    .selectFrom('payments')
    .select(['address', 'id', 'token_id', 'created_at', 'watch_until'])
    .where('chain', '=', chain)
    .where('watch_until', '>', options.now);
  if (options.createdSince) {
    // The id range is what an index can serve (ids are UUIDv7, time-ordered); created_at
    // alone would make the engine visit every open payment of the chain.
    query = query
      .where('id', '>=', idFloorAt(options.createdSince))
      .where('created_at', '>=', options.createdSince);
  }
  const rows = await query.execute();
  return rows.map((row) => ({
    address: row.address,
    paymentId: row.id,
    tokenId: row.token_id,
    createdAt: row.created_at,
    watchUntil: row.watch_until,
  }));
}
