import type { Transaction } from 'kysely';
import type { Address, Hex } from 'viem';
import { type BroadcastOutcome, getTransactionCount, sendRawTransaction } from '../chains/index.ts';
import { newId } from '../db/ids.ts';
import type { Database } from '../db/models/index.ts';
import { withTransaction } from '../db/transaction.ts';
import { type SigningKey, signTransaction } from '../wallet/transaction-signer.ts';
import type { GasPrice } from './fees.ts';
import { allocateNonce } from './nonce-allocator.ts';
import type { SweepPass } from './sweep-pass.ts';
import { markBroadcast, type OutgoingPurpose, type OutgoingTransaction } from './sweep-queries.ts';

export interface TransactionPlan {
  readonly purpose: OutgoingPurpose;
  readonly sweepId: string;
  readonly key: SigningKey;
  /** Lower-case; the address of `key`. */
  readonly from: Address;
  readonly to: Address;
  readonly value: bigint;
  readonly data?: Hex;
  readonly gas: bigint;
  readonly price: GasPrice;
}

/** The sweep row changed under us (another process moved it): what we wrote is rolled back. */
export class SweepMovedError extends Error {
  constructor(sweepId: string) {
    super(`sweep ${sweepId} was moved by another process`);
  }
}

/**
 * Signs a transaction with the account's next nonce and commits it together with `move` (the
 * sweep's change of status), then broadcasts it. Storing comes first: a crash after the commit
 * leaves bytes the next pass rebroadcasts, never a reason to sign a second transfer. If `move`
 * finds the sweep moved, nothing is kept, the nonce included.
 */
export async function sendNewTransaction(
  pass: SweepPass,
  plan: TransactionPlan,
  move: (trx: Transaction<Database>, tx: OutgoingTransaction) => Promise<boolean>,
): Promise<OutgoingTransaction> {
  const { deps } = pass;
  const chainNonce = await getTransactionCount(deps.chain.client, plan.from, 'pending');
  const stored = await withTransaction(deps.db, async (trx) => {
    await pass.holdLease(trx);
    const now = pass.now();
    const nonce = await allocateNonce(trx, {
      chain: pass.chain,
      address: plan.from,
      chainNonce,
      now,
    });
    const tx = await storeSigned(trx, pass, plan, nonce, now);
    if (!(await move(trx, tx))) throw new SweepMovedError(plan.sweepId);
    return tx;
  });
  await deps.beforeBroadcast?.(stored);
  await broadcastStored(pass, stored);
  return stored;
}

/**
 * Signs a replacement of `replaced` with the same nonce and commits it, marking the earlier
 * transactions of the nonce replaced (they stay followed: whichever is mined wins), then
 * broadcasts it.
 */
export async function sendReplacement(
  pass: SweepPass,
  replaced: OutgoingTransaction,
  plan: TransactionPlan,
  move: (trx: Transaction<Database>, tx: OutgoingTransaction) => Promise<boolean>,
): Promise<OutgoingTransaction> {
  const { deps } = pass;
  const stored = await withTransaction(deps.db, async (trx) => {
    await pass.holdLease(trx);
    const now = pass.now();
    const tx = await storeSigned(trx, pass, plan, replaced.nonce, now);
    await trx
      .updateTable('outgoing_transactions')
      .set({ status: 'replaced', updated_at: now })
      .where('sweep_id', '=', replaced.sweep_id)
      .where('purpose', '=', replaced.purpose)
      .where('nonce', '=', replaced.nonce)
      .where('id', '!=', tx.id)
      .where('status', 'in', ['signed', 'broadcast'])
      .execute();
    if (!(await move(trx, tx))) throw new SweepMovedError(plan.sweepId);
    return tx;
  });
  await deps.beforeBroadcast?.(stored);
  await broadcastStored(pass, stored);
  return stored;
}

/** Sends a stored transaction's exact bytes; a node that already has them says so, which is fine. */
export async function broadcastStored(
  pass: SweepPass,
  tx: OutgoingTransaction,
): Promise<BroadcastOutcome> {
  const outcome = await sendRawTransaction(pass.deps.chain.client, tx.raw as Hex);
  if (outcome.kind === 'accepted' || outcome.kind === 'known') {
    await markBroadcast(pass.deps.db, tx.id, pass.now());
  }
  return outcome;
}

async function storeSigned(
  trx: Transaction<Database>,
  pass: SweepPass,
  plan: TransactionPlan,
  nonce: bigint,
  now: Date,
): Promise<OutgoingTransaction> {
  const { price } = plan;
  const signed = await signTransaction(plan.key, {
    chainId: pass.chainId,
    nonce,
    to: plan.to,
    value: plan.value,
    gas: plan.gas,
    ...(plan.data ? { data: plan.data } : {}),
    ...price,
  });
  const maxFee = price.type === 'legacy' ? price.gasPrice : price.maxFeePerGas;
  const tip = price.type === 'legacy' ? price.gasPrice : price.maxPriorityFeePerGas;
  return trx
    .insertInto('outgoing_transactions')
    .values({
      id: newId(),
      chain: pass.chain,
      from_address: signed.from,
      nonce,
      to_address: plan.to.toLowerCase(),
      purpose: plan.purpose,
      sweep_id: plan.sweepId,
      value: plan.value,
      data: plan.data ?? null,
      gas_limit: plan.gas,
      max_fee_per_gas: maxFee,
      max_priority_fee_per_gas: tip,
      raw: signed.raw,
      tx_hash: signed.hash,
      status: 'signed',
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}
