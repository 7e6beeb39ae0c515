import { sql, type Transaction } from 'kysely';
import { newId } from '../db/ids.ts';
import type { Database } from '../db/models/index.ts';

/** A transfer into a watched deposit address, as the scanner saw it on chain. */
export interface ObservedTransfer {
  readonly paymentId: string;
  readonly tokenId: string;
  readonly txHash: string;
  /** The log index of an ERC-20 Transfer; −1 for a native top-level transfer. */
  readonly logIndex: number;
  readonly from: string;
  readonly blockNumber: bigint;
  readonly blockHash: string;
  readonly blockTime: Date;
  readonly amount: bigint;
}

/** The log index native transfers are stored under (a transaction has at most one). */
export const NATIVE_TRANSFER_LOG_INDEX = -1;

/** Rows per INSERT: well under both engines' parameter limits (15 columns a row). */
const INSERT_BATCH = 500;

/**
 * Stores transfers idempotently on (chain, tx hash, log index): seeing the same transfer
 * again changes nothing, so a rescan never double-counts. A transfer that was removed by a
 * reorg and is mined again (in a new block) comes back as pending with its new block.
 * Returns the payments whose transfers changed.
 */
export async function recordTransfers(
  trx: Transaction<Database>,
  chain: string,
  transfers: readonly ObservedTransfer[],
  now: Date = new Date(),
): Promise<string[]> {
  const changed = new Set<string>();
  // One statement per batch, not per row: a busy range holds thousands of transfers.
  const unique = [
    ...new Map(transfers.map((t) => [`${t.txHash}/${t.logIndex}`, t] as const)).values(),
  ];
  for (let i = 0; i < unique.length; i += INSERT_BATCH) {
    const rows = await trx
      .insertInto('transactions')
      .values(
        unique.slice(i, i + INSERT_BATCH).map((transfer) => ({
          id: newId(),
          payment_id: transfer.paymentId,
          token_id: transfer.tokenId,
          chain,
          tx_hash: transfer.txHash,
          log_index: transfer.logIndex,
          from_address: transfer.from,
          block_number: transfer.blockNumber,
          block_hash: transfer.blockHash,
          block_time: transfer.blockTime,
          amount: transfer.amount,
          status: 'pending',
          confirmations: 0,
          created_at: now,
          updated_at: now,
        })),
      )
      .onConflict((oc) =>
        oc
          .columns(['chain', 'tx_hash', 'log_index'])
          .doUpdateSet((eb) => ({
            block_number: eb.ref('excluded.block_number'),
            block_hash: eb.ref('excluded.block_hash'),
            block_time: eb.ref('excluded.block_time'),
            status: 'pending',
            confirmations: 0,
            updated_at: eb.ref('excluded.updated_at'),
          }))
          .where((eb) =>
            eb.or([
              eb('transactions.status', '=', 'removed'),
              eb('transactions.block_hash', '<>', eb.ref('excluded.block_hash')),
            ]),
          ),
      )
      .returning('payment_id')
      .execute();
    for (const row of rows) changed.add(row.payment_id);
  }
  return [...changed];
}

/**
 * Recounts the confirmations of the chain's unconfirmed transfers for a new head, marking
 * those at or below `confirmedThrough` confirmed. Only unconfirmed transfers are touched, so
 * the cost follows the money in flight, not the number of payments. Returns their payments.
 */
export async function recountConfirmations(
  trx: Transaction<Database>,
  chain: string,
  head: bigint,
  confirmedThrough: bigint,
  now: Date = new Date(),
): Promise<string[]> {
  const rows = await trx
    .updateTable('transactions')
    .set({
      confirmations: sql<number>`${head} - block_number + 1`,
      status: sql<string>`case when block_number <= ${confirmedThrough} then 'confirmed' else 'pending' end`,
      updated_at: now,
    })
    .where('chain', '=', chain)
    .where('status', '=', 'pending')
    .where('block_number', '<=', head)
    .returning('payment_id')
    .execute();
  return [...new Set(rows.map((row) => row.payment_id))];
}

/**
 * Marks the chain's transfers in blocks above `ancestor` removed: their blocks left the
 * canonical chain. Rows are kept (with the hash they had) so what happened stays visible.
 * Returns the payments they belonged to.
 */
export async function removeTransfersAbove(
  trx: Transaction<Database>,
  chain: string,
  ancestor: bigint,
  now: Date = new Date(),
): Promise<string[]> {
  const rows = await trx
    .updateTable('transactions')
    .set({ status: 'removed', confirmations: 0, updated_at: now })
    .where('chain', '=', chain)
    .where('block_number', '>', ancestor)
    .where('status', '<>', 'removed')
    .returning('payment_id')
    .execute();
  return [...new Set(rows.map((row) => row.payment_id))];
}
