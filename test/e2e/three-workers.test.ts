import { afterEach, describe, expect, it } from 'vitest';
import type { CreatedPayment } from '../../src/payments/create-payment.ts';
import { waitUntil } from '../scripts/processes.ts';
import { type Due, payInFewBlocks, startMining } from './chain-money.ts';
import { type E2eEnvironment, startE2eEnvironment } from './environment.ts';
import {
  expectEachSweptOnce,
  expectEveryEventDeliveredOnceInOrder,
  expectNothingLeftBehind,
  FULL_LIFE,
  waitUntilAllSettledAndDelivered,
} from './outcomes.ts';
import { startVerifyingReceiver, type VerifyingReceiver } from './receiver.ts';

const WORKERS = 3;
const PAYMENTS = 300;
/** Transfers per block: the payments are paid in a few blocks, as on a busy chain. */
const PER_BLOCK = 75;
const TOKENS = ['ETH', 'USDC', 'DAI', 'USDT'] as const;
const WAIT_MS = 150_000;

// Several workers share one queue and one database (BullMQ needs Redis, so PostgreSQL only).
describe('three `ctrip worker` processes on Redis and PostgreSQL', () => {
  let env: E2eEnvironment | undefined;
  let receiver: VerifyingReceiver | undefined;

  afterEach(async () => {
    await receiver?.close();
    await env?.teardown();
  });

  it(`handle ${PAYMENTS} payments: every event delivered once, every sweep sent once, nothing left behind`, async () => {
    env = await startE2eEnvironment({ engine: 'postgres' });
    receiver = await startVerifyingReceiver();
    const endpoint = await env.createEndpoint(receiver.url);
    receiver.verifyWith(endpoint.secret);
    const workers = Array.from({ length: WORKERS }, () => env?.startWorker());
    const output = () => workers.map((w) => w?.output() ?? '').join('\n');
    await waitUntil(
      'every worker started',
      async () =>
        workers.every((w) => w?.logs().some((line) => line.msg === 'worker started')) || undefined,
      60_000,
      output,
    );

    // A mix of the native coin, an 18-decimal token, a 6-decimal one and the USDT-style one,
    // each payment of an amount of its own.
    const payments: CreatedPayment[] = [];
    for (let i = 0; i < PAYMENTS; i++) {
      const token = TOKENS[i % TOKENS.length] as (typeof TOKENS)[number];
      const amount = token === 'ETH' ? `0.${String(i + 1).padStart(4, '0')}` : `${i + 1}.25`;
      payments.push(await env.createPayment(token, amount));
    }
    const dues: Due[] = payments.map((p) => ({
      address: p.address,
      token: p.token.address as Due['token'],
      amount: p.amount,
    }));
    await payInFewBlocks(env.chain, dues, PER_BLOCK);
    const mining = startMining(env.chain, 300);
    try {
      await waitUntilAllSettledAndDelivered(env, receiver, PAYMENTS, WAIT_MS, output);
    } finally {
      await mining.stop();
    }

    const types = await expectEveryEventDeliveredOnceInOrder(env, receiver);
    expect(types.size).toBe(PAYMENTS);
    expect([...types.values()].every((t) => t.length === FULL_LIFE.length)).toBe(true);
    // The receiver answered 200 to everything: one request per event, no second attempt.
    expect(receiver.received()).toHaveLength(PAYMENTS * FULL_LIFE.length);
    const attempts = await env.db
      .selectFrom('webhook_attempts')
      .select(['delivery_id', 'status_code'])
      .execute();
    expect(attempts).toHaveLength(PAYMENTS * FULL_LIFE.length);
    expect(new Set(attempts.map((a) => a.delivery_id)).size).toBe(attempts.length);
    expect(new Set(attempts.map((a) => a.status_code))).toEqual(new Set([200]));

    const transfers = await expectEachSweptOnce(env);
    expect(transfers).toHaveLength(PAYMENTS);
    await expectNothingLeftBehind(env);
    // The queue spread the deliveries over the three processes.
    const deliveredBy = workers.map(
      (w) => w?.logs().filter((line) => line.msg === 'webhook delivered').length ?? 0,
    );
    expect(deliveredBy.reduce((a, b) => a + b, 0)).toBe(PAYMENTS * FULL_LIFE.length);
    for (const count of deliveredBy)
      expect(count, `deliveries per worker: ${deliveredBy}`).toBeGreaterThan(0);
    // None of them crashed along the way, and each stops cleanly when asked.
    for (const worker of workers) worker?.kill('SIGTERM');
    for (const worker of workers) {
      expect(await worker?.exited, worker?.output()).toEqual({ code: 0, signal: null });
    }
  }, 240_000);
});
