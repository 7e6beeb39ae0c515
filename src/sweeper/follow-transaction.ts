import type { Address, Hex } from 'viem';
import {
  getTransactionCount,
  getTransactionReceipts,
  type TransactionReceipt,
} from '../chains/index.ts';
import { broadcastStored } from './send-transaction.ts';
import type { SweepPass } from './sweep-pass.ts';
import {
  listTransactionsOfNonce,
  markMined,
  noteSweepProblem,
  type OutgoingPurpose,
  type OutgoingTransaction,
} from './sweep-queries.ts';

export type FollowOutcome =
  /** Mined with the chain's required confirmations, successfully or not. */
  | {
      readonly kind: 'final';
      readonly winner: OutgoingTransaction;
      readonly receipt: TransactionReceipt;
    }
  /** Mined, too few confirmations yet. */
  | { readonly kind: 'mined' }
  /** Not mined: broadcast again (the same bytes) or replaced with higher fees. */
  | { readonly kind: 'in-flight' }
  /** A transaction that is not ours was mined with the nonce: ours never will be. */
  | { readonly kind: 'nonce-taken'; readonly nonce: bigint };

/**
 * Follows the transactions of one nonce (the current one and any it replaced): whichever is
 * mined wins. None mined: the newest is broadcast again byte for byte, or, once it has waited
 * `replaceAfterMs`, `replace` signs a replacement with the same nonce (it returns false when
 * it cannot, e.g. the address cannot pay a higher fee; the bytes are then broadcast again).
 */
export async function followTransaction(
  pass: SweepPass,
  current: OutgoingTransaction,
  replace: (latest: OutgoingTransaction) => Promise<boolean>,
): Promise<FollowOutcome> {
  const { deps } = pass;
  const rows = (
    await listTransactionsOfNonce(deps.db, {
      sweepId: current.sweep_id,
      purpose: current.purpose as OutgoingPurpose,
      nonce: current.nonce,
    })
  ).filter((row) => row.status !== 'failed');
  const mined = await findMined(pass, rows);
  if (mined) return mined;

  const latest = rows.at(-1) ?? current;
  const stale = pass.now().getTime() - latest.created_at.getTime() >= pass.replaceAfterMs;
  if (stale && latest.broadcast_at !== null && (await replace(latest))) {
    return { kind: 'in-flight' };
  }
  const outcome = await broadcastStored(pass, latest);
  if (outcome.kind === 'nonce-too-low') {
    // Mined between our receipt check and the broadcast, or taken by another transaction.
    const again = await findMined(pass, rows);
    if (again) return again;
    const count = await getTransactionCount(
      deps.chain.client,
      latest.from_address as Address,
      'latest',
    );
    if (count <= latest.nonce) return { kind: 'in-flight' };
    // A lagging endpoint may not have our receipt yet: the verdict needs a second pass to agree.
    const suspicion = `SWEEP_NONCE_TAKEN: nonce ${latest.nonce} of ${latest.from_address} was used by a transaction cTrip did not store; failing the sweep if the next pass agrees`;
    const first = await noteSweepProblem(deps.db, {
      id: latest.sweep_id,
      error: suspicion,
      now: pass.now(),
    });
    return first ? { kind: 'in-flight' } : { kind: 'nonce-taken', nonce: latest.nonce };
  }
  if (outcome.kind === 'rejected') {
    const problem = `SWEEP_BROADCAST_REFUSED: a node refused transaction ${latest.tx_hash}: ${outcome.reason}`;
    if (await noteSweepProblem(deps.db, { id: latest.sweep_id, error: problem, now: pass.now() })) {
      deps.logger.warn(
        {
          chain: pass.chain,
          sweepId: latest.sweep_id,
          code: 'SWEEP_BROADCAST_REFUSED',
          txHash: latest.tx_hash,
          reason: outcome.reason,
        },
        'a node refused a stored sweep transaction; it is broadcast again on the next pass',
      );
    }
    if (stale && latest.broadcast_at === null && (await replace(latest))) {
      return { kind: 'in-flight' };
    }
  }
  return { kind: 'in-flight' };
}

async function findMined(
  pass: SweepPass,
  rows: readonly OutgoingTransaction[],
): Promise<FollowOutcome | null> {
  const receipts = await getTransactionReceipts(
    pass.deps.chain.client,
    rows.map((row) => row.tx_hash as Hex),
  );
  for (const row of rows) {
    const receipt = receipts.get(row.tx_hash.toLowerCase() as Hex);
    if (!receipt) continue;
    if (await pass.isFinal(receipt.blockNumber)) return { kind: 'final', winner: row, receipt };
    if (row.block_number !== receipt.blockNumber) {
      await markMined(pass.deps.db, row.id, receipt.blockNumber, pass.now());
    }
    return { kind: 'mined' };
  }
  return null;
}
