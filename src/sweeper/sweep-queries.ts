import type { Kysely, Transaction } from 'kysely';
import { newId } from '../db/ids.ts';
import type { Database } from '../db/models/index.ts';
import type { outgoingTransactions } from '../db/models/outgoing-transactions.ts';
import type { RowOf } from '../db/table.ts';

type Db = Kysely<Database> | Transaction<Database>;

export type SweepStatus = 'pending' | 'topping_up' | 'sent' | 'confirmed' | 'failed';
export type OutgoingStatus = 'signed' | 'broadcast' | 'mined' | 'confirmed' | 'replaced' | 'failed';
export type OutgoingPurpose = 'top_up' | 'sweep';
export type OutgoingTransaction = RowOf<typeof outgoingTransactions>;

/** Statuses the sweeper still has work in. */
export const OPEN_SWEEP_STATUSES: readonly SweepStatus[] = ['pending', 'topping_up', 'sent'];

const PLAN_BATCH = 500;

/**
 * Creates a pending sweep for each confirmed payment of the chain that has none. Payments
 * confirmed with an exception (overpaid, late) are confirmed too; expired and canceled ones
 * are not. The unique payment_id makes a second planner's insert a no-op.
 */
export async function planSweeps(
  db: Db,
  params: { chain: string; treasury: string; now: Date },
): Promise<number> {
  const payments = await db
    .selectFrom('payments')
    .leftJoin('sweeps', 'sweeps.payment_id', 'payments.id')
    .select(['payments.id', 'payments.token_id', 'payments.address', 'payments.address_index'])
    .where('payments.chain', '=', params.chain)
    .where('payments.status', '=', 'confirmed')
    .where('sweeps.id', 'is', null)
    .orderBy('payments.id')
    .limit(PLAN_BATCH)
    .execute();
  if (payments.length === 0) return 0;
  const result = await db
    .insertInto('sweeps')
    .values(
      payments.map((payment) => ({
        id: newId(),
        payment_id: payment.id,
        chain: params.chain,
        token_id: payment.token_id,
        from_address: payment.address,
        address_index: payment.address_index,
        to_address: params.treasury,
        status: 'pending',
        created_at: params.now,
        updated_at: params.now,
      })),
    )
    .onConflict((oc) => oc.column('payment_id').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n);
}

/**
 * Payments of the chain that are `confirmed` although their sweep is already `confirmed`: a
 * reorg (or a scanner behind the sweeper's head) had moved them back when the sweep was, and
 * the scanner has confirmed them again. At most `limit`, oldest first.
 */
export async function listSweptConfirmedPayments(
  db: Db,
  params: { chain: string; limit: number },
): Promise<string[]> {
  const rows = await db
    .selectFrom('sweeps')
    .innerJoin('payments', 'payments.id', 'sweeps.payment_id')
    .select('payments.id')
    .where('sweeps.chain', '=', params.chain)
    .where('sweeps.status', '=', 'confirmed')
    .where('payments.status', '=', 'confirmed')
    .orderBy('payments.id')
    .limit(params.limit)
    .execute();
  return rows.map((row) => row.id);
}

/** A sweep with what the sweeper needs of its payment and token. */
export async function listOpenSweeps(db: Db, chain: string) {
  return db
    .selectFrom('sweeps')
    .innerJoin('payments', 'payments.id', 'sweeps.payment_id')
    .innerJoin('tokens', 'tokens.id', 'sweeps.token_id')
    .select([
      'sweeps.id',
      'sweeps.payment_id',
      'sweeps.from_address',
      'sweeps.address_index',
      'sweeps.to_address',
      'sweeps.status',
      'sweeps.amount',
      'sweeps.top_up_tx_id',
      'sweeps.sweep_tx_id',
      'sweeps.error',
      'payments.status as payment_status',
      'tokens.address as token_address',
      'tokens.symbol as token_symbol',
    ])
    .where('sweeps.chain', '=', chain)
    .where('sweeps.status', 'in', OPEN_SWEEP_STATUSES)
    .orderBy('sweeps.id')
    .execute();
}

export type OpenSweep = Awaited<ReturnType<typeof listOpenSweeps>>[number];

/** Every transaction of the sweep for `purpose` sharing `nonce`: the original and its replacements, oldest first. */
export async function listTransactionsOfNonce(
  db: Db,
  params: { sweepId: string; purpose: OutgoingPurpose; nonce: bigint },
): Promise<OutgoingTransaction[]> {
  return db
    .selectFrom('outgoing_transactions')
    .selectAll()
    .where('sweep_id', '=', params.sweepId)
    .where('purpose', '=', params.purpose)
    .where('nonce', '=', params.nonce)
    .orderBy('id')
    .execute();
}

export async function findTransaction(db: Db, id: string): Promise<OutgoingTransaction> {
  return db
    .selectFrom('outgoing_transactions')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
}

/**
 * Moves a sweep from the status it was read in to another, with the columns given. Returns
 * false when the sweep is no longer in `from` (another process moved it): the caller then
 * rolls back whatever it wrote beside it.
 */
export async function moveSweep(
  trx: Transaction<Database>,
  params: {
    id: string;
    from: SweepStatus;
    to: SweepStatus;
    now: Date;
    set?: {
      amount?: bigint | null;
      top_up_tx_id?: string;
      sweep_tx_id?: string;
      error?: string | null;
      confirmed_at?: Date;
    };
  },
): Promise<boolean> {
  const result = await trx
    .updateTable('sweeps')
    .set({ ...params.set, status: params.to, updated_at: params.now })
    .where('id', '=', params.id)
    .where('status', '=', params.from)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Records why a sweep waits or what went wrong with it; true when that changed (log it then). */
export async function noteSweepProblem(
  db: Db,
  params: { id: string; error: string | null; now: Date },
): Promise<boolean> {
  const result = await db
    .updateTable('sweeps')
    .set({ error: params.error, updated_at: params.now })
    .where('id', '=', params.id)
    .where((eb) =>
      params.error === null
        ? eb('error', 'is not', null)
        : eb.or([eb('error', 'is', null), eb('error', '!=', params.error)]),
    )
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Marks a stored transaction as accepted by a node, the first time only. */
export async function markBroadcast(db: Db, id: string, now: Date): Promise<void> {
  await db
    .updateTable('outgoing_transactions')
    .set({ status: 'broadcast', broadcast_at: now, updated_at: now })
    .where('id', '=', id)
    .where('status', '=', 'signed')
    .execute();
}

/** Records the block a transaction was seen mined in (it may still leave the chain in a reorg). */
export async function markMined(db: Db, id: string, block: bigint, now: Date): Promise<void> {
  await db
    .updateTable('outgoing_transactions')
    .set({ status: 'mined', block_number: block, updated_at: now })
    .where('id', '=', id)
    .where('status', 'in', ['signed', 'broadcast', 'replaced'])
    .execute();
}

/**
 * Settles the transactions of one nonce: the mined one becomes `status`, the others can no
 * longer be mined and become `replaced`.
 */
export async function finishNonce(
  trx: Transaction<Database>,
  params: {
    winner: OutgoingTransaction;
    status: 'confirmed' | 'failed';
    block: bigint;
    now: Date;
  },
): Promise<void> {
  const { winner, now } = params;
  await trx
    .updateTable('outgoing_transactions')
    .set({ status: params.status, block_number: params.block, updated_at: now })
    .where('id', '=', winner.id)
    .execute();
  await trx
    .updateTable('outgoing_transactions')
    .set({ status: 'replaced', updated_at: now })
    .where('sweep_id', '=', winner.sweep_id)
    .where('purpose', '=', winner.purpose)
    .where('nonce', '=', winner.nonce)
    .where('id', '!=', winner.id)
    .execute();
}

/** Marks every transaction of a nonce failed (the nonce went to a transaction not ours). */
export async function failNonce(
  trx: Transaction<Database>,
  params: { sweepId: string; purpose: OutgoingPurpose; nonce: bigint; now: Date },
): Promise<void> {
  await trx
    .updateTable('outgoing_transactions')
    .set({ status: 'failed', updated_at: params.now })
    .where('sweep_id', '=', params.sweepId)
    .where('purpose', '=', params.purpose)
    .where('nonce', '=', params.nonce)
    .execute();
}
