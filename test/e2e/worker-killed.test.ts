import { afterEach, describe, expect, it } from 'vitest';
import { engines } from '../database.ts';
import { waitUntil } from '../scripts/processes.ts';
import {
  dropTransaction,
  pendingTransactions,
  setAutomine,
  startMining,
  treasuryTransfers,
} from './chain-money.ts';
import { type E2eEnvironment, startE2eEnvironment } from './environment.ts';
import {
  expectEachSweptOnce,
  expectEveryEventDeliveredOnceInOrder,
  expectNothingLeftBehind,
  waitUntilAllSettledAndDelivered,
} from './outcomes.ts';
import { startVerifyingReceiver, type VerifyingReceiver } from './receiver.ts';

const WAIT_MS = 60_000;
/**
 * After the restart: the dead worker's delivery claim lapses after the request timeout plus
 * 30 s; on Redis its BullMQ job, still marked active, is handed back only by BullMQ's stalled
 * check (30 s lock, checked every 30 s), and until then a new job for the same delivery is
 * deduplicated away, so the retry there can take up to about 90 s.
 */
const RECOVERY_WAIT_MS = 150_000;
const REQUEST_TIMEOUT_MS = 2_000;

// PostgreSQL: jobs through BullMQ on Redis; SQLite: the worker runs them in-process.
describe.each(engines)('a `ctrip worker` SIGKILLed mid-sweep and mid-delivery on %s', (engine) => {
  let env: E2eEnvironment | undefined;
  let receiver: VerifyingReceiver | undefined;

  afterEach(async () => {
    await receiver?.close();
    await env?.teardown();
  });

  it('after a restart the sweeps complete without a second transfer and the delivery is retried; nothing is lost', async () => {
    env = await startE2eEnvironment({
      engine,
      // A claim lasts the request timeout plus 30 s: short requests keep the wait for the dead
      // worker's claim to lapse near that.
      env: { WEBHOOK_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS) },
    });
    const e = env;
    // Once told to, the merchant's server hangs on the next new event it is sent.
    let hangOn: string | undefined;
    let hangNext = false;
    receiver = await startVerifyingReceiver(({ id, earlier }) => {
      if (hangNext && earlier === 0 && (hangOn ?? id) === id) {
        hangOn = id;
        return 'hang';
      }
      return 200;
    });
    const endpoint = await e.createEndpoint(receiver.url);
    receiver.verifyWith(endpoint.secret);
    const first = e.startWorker();

    // The native payment is swept in one transaction; the token payment first needs gas.
    const eth = await e.createPayment('ETH', '0.5');
    const usdc = await e.createPayment('USDC', '42');
    await e.chain.sendNative(eth.address, eth.amount);
    await e.chain.sendToken(e.chain.usdc, usdc.address, usdc.amount);
    // From here on nothing is mined unless the test mines it: the transactions the worker sends
    // wait in the pool, so it is caught with them signed, stored and sent but not mined.
    await setAutomine(e.chain, false);
    await e.chain.mine(3);

    const outgoing = (purpose: 'sweep' | 'top_up', paymentId: string) =>
      e.db
        .selectFrom('outgoing_transactions')
        .innerJoin('sweeps', 'sweeps.id', 'outgoing_transactions.sweep_id')
        .select(['outgoing_transactions.tx_hash', 'outgoing_transactions.nonce'])
        .where('outgoing_transactions.purpose', '=', purpose)
        .where('sweeps.payment_id', '=', paymentId)
        .execute();
    const inFlight = await waitUntil(
      'the worker with a sweep and a gas top-up sent but not mined',
      async () => {
        const sweep = await outgoing('sweep', eth.id);
        const topUp = await outgoing('top_up', usdc.id);
        const pool = await pendingTransactions(e.chain);
        return sweep.length > 0 && topUp.length > 0 && pool.length >= 2 && { sweep, topUp };
      },
      WAIT_MS,
      first.output,
    );

    // A new payment's payment.created goes out now, and its request hangs.
    hangNext = true;
    const late = await e.createPayment('ETH', '0.125');
    const claimed = await waitUntil(
      'the worker in the middle of a delivery',
      async () => {
        if (hangOn === undefined) return undefined;
        const row = await e.db
          .selectFrom('webhook_deliveries')
          .select(['id', 'claimed_until', 'status', 'attempts'])
          .where('event_id', '=', hangOn)
          .executeTakeFirst();
        return row?.status === 'pending' && row.claimed_until !== null && row;
      },
      WAIT_MS,
      first.output,
    );
    first.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    expect(receiver.received().filter((r) => r.answer === 'hang')).toHaveLength(1);
    // It died with the request open: no attempt recorded, the delivery still pending and claimed.
    const orphaned = await e.db
      .selectFrom('webhook_deliveries')
      .select(['status', 'attempts', 'claimed_until'])
      .where('id', '=', claimed.id)
      .executeTakeFirstOrThrow();
    expect(orphaned).toMatchObject({ status: 'pending', attempts: 0 });
    expect(orphaned.claimed_until?.getTime()).toBeGreaterThan(Date.now());

    // Whatever the dead worker sent never reached a block: drop it from the pool too, as if the
    // node had lost it, so only the stored bytes can finish the job.
    for (const hash of await pendingTransactions(e.chain)) await dropTransaction(e.chain, hash);
    expect(await pendingTransactions(e.chain)).toEqual([]);
    // The dead worker's leases (scan, sweep) would lapse after their ttl: expire them instead
    // of waiting. Its delivery claim is left to lapse on its own.
    await e.db
      .updateTable('leases')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .execute();
    await setAutomine(e.chain, true);

    const second = e.startWorker();
    await e.chain.sendNative(late.address, late.amount);
    const mining = startMining(e.chain, 250);
    try {
      await waitUntilAllSettledAndDelivered(e, receiver, 3, RECOVERY_WAIT_MS, second.output);
    } finally {
      await mining.stop();
    }

    // The delivery the worker died in was retried and arrived; every event arrived once.
    await expectEveryEventDeliveredOnceInOrder(e, receiver);
    const hung = receiver.received().filter((r) => r.id === hangOn);
    expect(hung.map((r) => r.answer)).toEqual(['hang', 200]);
    const retried = await e.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('id', '=', claimed.id)
      .executeTakeFirstOrThrow();
    expect(retried).toMatchObject({ status: 'delivered', last_status_code: 200 });

    // One transfer into the treasury per payment, from the nonce stored before the kill.
    await expectEachSweptOnce(e);
    const sweepAfter = await outgoing('sweep', eth.id);
    expect(new Set(sweepAfter.map((t) => t.nonce))).toEqual(
      new Set(inFlight.sweep.map((t) => t.nonce)),
    );
    // One gas top-up for the token payment's address, at the nonce stored before the kill.
    const topUpsOnChain = (
      await treasuryTransfers(e.chain, usdc.address, e.tokens, e.firstBlock)
    ).filter((t) => t.token === null && t.from === e.hotWallet);
    expect(topUpsOnChain).toHaveLength(1);
    const topUpAfter = await outgoing('top_up', usdc.id);
    expect(new Set(topUpAfter.map((t) => t.nonce))).toEqual(
      new Set(inFlight.topUp.map((t) => t.nonce)),
    );
    expect(topUpAfter.map((t) => t.tx_hash)).toContain(topUpsOnChain[0]?.txHash);
    await expectNothingLeftBehind(e);
  }, 240_000);
});
