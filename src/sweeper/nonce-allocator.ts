import { sql, type Transaction } from 'kysely';
import type { Database } from '../db/models/index.ts';

export interface AllocateNonceParams {
  readonly chain: string;
  /** Lower-case. */
  readonly address: string;
  /** The account's transaction count at `pending` as the chain sees it now. */
  readonly chainNonce: bigint;
  readonly now: Date;
}

/**
 * Hands out the next nonce of an account: the stored counter, or the chain's count when that
 * is ahead (the account was used elsewhere, or the row is new). One upsert, so the row lock
 * (PostgreSQL) or the write lock (SQLite) serializes concurrent callers in any process.
 *
 * Call it in the transaction that stores the transaction signed with the nonce: if that
 * transaction rolls back, so does the allocation, and no gap is left that would hold every
 * later transaction of the account in the pool.
 */
export async function allocateNonce(
  trx: Transaction<Database>,
  params: AllocateNonceParams,
): Promise<bigint> {
  const row = await trx
    .insertInto('account_nonces')
    .values({
      chain: params.chain,
      address: params.address,
      next_nonce: params.chainNonce + 1n,
      updated_at: params.now,
    })
    .onConflict((oc) =>
      oc.columns(['chain', 'address']).doUpdateSet({
        // excluded.next_nonce is the chain's count + 1: the greater of the two wins.
        next_nonce: sql<bigint>`case when account_nonces.next_nonce >= excluded.next_nonce then account_nonces.next_nonce + 1 else excluded.next_nonce end`,
        updated_at: sql<Date>`excluded.updated_at`,
      }),
    )
    .returning('next_nonce')
    .executeTakeFirstOrThrow();
  return row.next_nonce - 1n;
}
