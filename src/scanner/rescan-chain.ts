import type { Kysely } from 'kysely';
import type { Database } from '../db/models/index.ts';
import { withTransaction } from '../db/transaction.ts';
import { type ReconcilePolicy, reconcilePayments } from '../payments/reconcile-payments.ts';
import { removeTransfersAbove } from '../payments/transfer-store.ts';

export interface RescanChainParams {
  readonly chain: string;
  /** The first block to scan again. */
  readonly fromBlock: bigint;
  readonly policy: ReconcilePolicy;
  readonly now?: Date;
}

export interface RescanChainResult {
  /** Payments whose transfers were set aside until the rescan finds them again. */
  readonly paymentsAffected: number;
  readonly wasHalted: boolean;
}

/**
 * Sends a chain's scanner back to `fromBlock`, the operator's way out of a reorg deeper than
 * the window (or of a restore from an old backup). Transfers from that block on are marked
 * removed and their payments recomputed, exactly as a reorg would; the rescan then finds the
 * canonical ones again (the same transfer comes back, never twice). Clears a halt.
 */
export async function rescanChain(
  db: Kysely<Database>,
  params: RescanChainParams,
): Promise<RescanChainResult> {
  const now = params.now ?? new Date();
  const ancestor = params.fromBlock - 1n;
  return withTransaction(db, async (trx) => {
    await trx
      .insertInto('chain_states')
      .values({ chain: params.chain })
      .onConflict((oc) => oc.column('chain').doNothing())
      .execute();
    const state = await trx
      .selectFrom('chain_states')
      .select('halted_reason')
      .where('chain', '=', params.chain)
      .executeTakeFirstOrThrow();
    const affected = await removeTransfersAbove(trx, params.chain, ancestor, now);
    await reconcilePayments(trx, affected, params.policy, now);
    // No hash for the block before: the first block rescanned is taken as it comes.
    await trx
      .updateTable('chain_states')
      .set({
        last_scanned_block: ancestor,
        last_scanned_hash: null,
        halted_reason: null,
        updated_at: now,
      })
      .where('chain', '=', params.chain)
      .execute();
    await trx.deleteFrom('chain_headers').where('chain', '=', params.chain).execute();
    return { paymentsAffected: affected.length, wasHalted: state.halted_reason !== null };
  });
}
