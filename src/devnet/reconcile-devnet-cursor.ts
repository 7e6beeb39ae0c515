import type { Kysely } from 'kysely';
import { BlockNotFoundError, createPublicClient, http } from 'viem';
import { foundry } from 'viem/chains';
import type { Database } from '../db/models/index.ts';
import type { ReconcilePolicy } from '../payments/reconcile-payments.ts';
import { loadChainProgress } from '../scanner/chain-progress.ts';
import { rescanChain } from '../scanner/rescan-chain.ts';
import type { DevnetLogger } from './start-devnet.ts';

export interface ReconcileDevnetCursorParams {
  /** The chain's name in the database. */
  readonly chain: string;
  readonly url: string;
  readonly policy: ReconcilePolicy;
  readonly logger: DevnetLogger;
}

export interface ReconcileDevnetCursorResult {
  /** The database's cursor was not on the chain, and the chain is scanned again from block 0. */
  readonly rescanned: boolean;
  readonly paymentsAffected: number;
}

/**
 * Checks that the block the scanner last processed is still on the devnet, with the same hash.
 * It is after a clean restart (Anvil's state file keeps the blocks); it is not when the state
 * file is older than the database (Anvil was killed before it could write it) or was deleted.
 * Then the database follows the chain instead of halting on a reorg deeper than its window:
 * the chain is scanned again from block 0, its payments recomputed from what is really on it.
 */
export async function reconcileDevnetCursor(
  db: Kysely<Database>,
  params: ReconcileDevnetCursorParams,
): Promise<ReconcileDevnetCursorResult> {
  const progress = await loadChainProgress(db, params.chain);
  if (progress.cursor === null || progress.cursor < 0n || progress.cursorHash === null) {
    return { rescanned: false, paymentsAffected: 0 };
  }
  const client = createPublicClient({ chain: foundry, transport: http(params.url) });
  // Only a missing block means the chain is shorter; any other failure is the caller's to see.
  const block = await client.getBlock({ blockNumber: progress.cursor }).catch((error) => {
    if (error instanceof BlockNotFoundError) return null;
    throw error;
  });
  if (block?.hash === progress.cursorHash) return { rescanned: false, paymentsAffected: 0 };

  const result = await rescanChain(db, {
    chain: params.chain,
    fromBlock: 0n,
    policy: params.policy,
  });
  params.logger.warn(
    {
      chain: params.chain,
      cursor: String(progress.cursor),
      payments: result.paymentsAffected,
    },
    'devnet: the chain does not hold the last scanned block (its state file is older than the database, or gone); scanning it again from block 0',
  );
  return { rescanned: true, paymentsAffected: result.paymentsAffected };
}
