import { describeRpcError } from '../chains/errors.ts';
import { acquireLease, releaseLease, renewLease } from '../db/leases.ts';
import { CtripError } from '../errors.ts';
import { SweeperError } from './errors.ts';
import { followSweep, followTopUp } from './follow-sweep.ts';
import { SweepMovedError } from './send-transaction.ts';
import { settleCaughtUpPayments } from './settle-payments.ts';
import { startSweep } from './start-sweep.ts';
import { createSweepPass, leaseOf, type SweepPass } from './sweep-pass.ts';
import { listOpenSweeps, type OpenSweep, planSweeps } from './sweep-queries.ts';
import type { SweeperDeps, SweepPassResult } from './sweeper-deps.ts';

type SweepOutcome =
  | 'sent'
  | 'settled'
  | 'swept'
  | 'waiting'
  | 'in-flight'
  | 'failed'
  | 'topping-up';

/**
 * One pass of a chain's sweeper, exclusive per chain through the lease `sweep:<chain>` (a
 * busy lease returns zeros with `busy`): plans a sweep for each newly confirmed payment,
 * settles the payments confirmed again after their sweep was (a reorg had moved them back
 * when it was confirmed), then moves every open sweep one step on: start it (top up, sign,
 * store, broadcast), follow its transactions (rebroadcast the same bytes, replace with the
 * same nonce when stuck), and settle the payment once the sweep transaction has the chain's
 * confirmations.
 *
 * Throws SweeperError SWEEP_KEYS_UNAVAILABLE when the deriver holds no mnemonic or the hot
 * wallet key is unusable. One sweep's failure is logged and retried on the next pass; the
 * others go on.
 */
export async function sweepChainOnce(deps: SweeperDeps): Promise<SweepPassResult> {
  const pass = createSweepPass(deps);
  const result = { planned: 0, sent: 0, settled: 0, waiting: 0, busy: false };
  if (!(await acquireLease(deps.db, { ...pass.lease, now: pass.now() }))) {
    return { ...result, busy: true };
  }
  result.planned = await planSweeps(deps.db, {
    chain: pass.chain,
    treasury: pass.treasury,
    now: pass.now(),
  });
  try {
    result.settled += await settleCaughtUpPayments(pass);
  } catch (error) {
    if (!(error instanceof SweeperError && error.code === 'SWEEP_LEASE_LOST')) throw error;
    deps.logger.warn({ chain: pass.chain, code: error.code }, error.message);
    return result;
  }
  let renewedAt = Date.now();
  for (const sweep of await listOpenSweeps(deps.db, pass.chain)) {
    // Following in-flight sweeps commits nothing, so a long pass renews its lease itself.
    if (Date.now() - renewedAt > pass.lease.ttlMs / 3) {
      if (!(await renewLease(deps.db, { ...pass.lease, now: pass.now() }))) {
        deps.logger.warn(
          { chain: pass.chain, code: 'SWEEP_LEASE_LOST' },
          `another process took the sweep lease of chain ${pass.chain}; pass stopped`,
        );
        break;
      }
      renewedAt = Date.now();
    }
    let outcome: SweepOutcome;
    try {
      outcome = await advanceSweep(pass, sweep);
    } catch (error) {
      if (error instanceof SweepMovedError) continue;
      if (error instanceof SweeperError && error.code === 'SWEEP_LEASE_LOST') {
        deps.logger.warn({ chain: pass.chain, code: error.code }, error.message);
        break;
      }
      if (error instanceof CtripError && error.code === 'RPC_UNAVAILABLE') {
        // Every other sweep of the chain would fail the same way: one line, and the next pass.
        deps.logger.warn(
          { chain: pass.chain, sweepId: sweep.id, code: error.code, error: error.message },
          'no RPC endpoint answers; sweep pass stopped',
        );
        break;
      }
      deps.logger.error(
        {
          chain: pass.chain,
          sweepId: sweep.id,
          paymentId: sweep.payment_id,
          code: error instanceof CtripError ? error.code : 'UNEXPECTED',
          error: describeRpcError(error),
        },
        'sweep step failed; it is retried on the next pass',
      );
      continue;
    }
    if (outcome === 'sent') result.sent += 1;
    else if (outcome === 'settled') result.settled += 1;
    else if (outcome === 'waiting') result.waiting += 1;
  }
  return result;
}

async function advanceSweep(pass: SweepPass, sweep: OpenSweep): Promise<SweepOutcome> {
  if (sweep.status === 'sent') return followSweep(pass, sweep);
  if (sweep.status === 'topping_up') {
    if ((await followTopUp(pass, sweep)) !== 'ready') return 'in-flight';
    return startSweep(pass, { ...sweep, status: 'pending', error: null });
  }
  return startSweep(pass, sweep);
}

/** Gives the chain's sweep lease up at once (on shutdown), so another process need not wait. */
export async function releaseSweepLease(
  deps: Pick<SweeperDeps, 'db' | 'chain' | 'holder'>,
): Promise<void> {
  await releaseLease(deps.db, leaseOf(deps as SweeperDeps));
}
