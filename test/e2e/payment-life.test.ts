import { afterEach, describe, expect, it } from 'vitest';
import { engines } from '../database.ts';
import { startMining } from './chain-money.ts';
import { type E2eEnvironment, startE2eEnvironment } from './environment.ts';
import {
  expectEachSweptOnce,
  expectEveryEventDeliveredOnceInOrder,
  expectNothingLeftBehind,
  FULL_LIFE,
  waitUntilAllSettledAndDelivered,
} from './outcomes.ts';
import { startVerifyingReceiver, type VerifyingReceiver } from './receiver.ts';

// Bounds, not sleeps: a loaded 2-core machine may take seconds to start a process.
const WAIT_MS = 60_000;

// The production shape: an API process writes payments and the outbox, a worker process scans,
// sweeps and delivers (through BullMQ on Redis with PostgreSQL, in-process with SQLite).
describe.each(engines)(
  'a payment’s full life through `ctrip serve` and `ctrip worker` on %s',
  (engine) => {
    let env: E2eEnvironment | undefined;
    let receiver: VerifyingReceiver | undefined;

    afterEach(async () => {
      await receiver?.close();
      await env?.teardown();
    });

    it('created, detected, confirmed and settled reach the merchant once each, in order, signed', async () => {
      env = await startE2eEnvironment({ engine });
      receiver = await startVerifyingReceiver();
      const worker = env.startWorker();
      const api = await env.startApi();
      const output = () => `${api.process.output()}\n${worker.output()}`;

      const endpoint = await api.request('POST', '/v1/webhook-endpoints', { url: receiver.url });
      expect(endpoint.status, JSON.stringify(endpoint.body)).toBe(201);
      receiver.verifyWith(endpoint.body.secret as string);

      // A token payment (its deposit address needs a gas top-up) and a native one.
      const created = [];
      for (const [token, amount] of [
        ['USDC', '12.5'],
        ['ETH', '0.25'],
      ] as const) {
        const response = await api.request('POST', '/v1/payments', {
          chain: 'anvil',
          token,
          amount,
        });
        expect(response.status, JSON.stringify(response.body)).toBe(201);
        created.push(response.body as { id: string; address: string; amount_base_units: string });
      }
      const [usdc, eth] = created as [(typeof created)[0], (typeof created)[0]];
      await env.chain.sendToken(env.chain.usdc, usdc.address, BigInt(usdc.amount_base_units));
      await env.chain.sendNative(eth.address, BigInt(eth.amount_base_units));
      const mining = startMining(env.chain, 250);
      try {
        await waitUntilAllSettledAndDelivered(env, receiver, 2, WAIT_MS, output);
      } finally {
        await mining.stop();
      }

      const types = await expectEveryEventDeliveredOnceInOrder(env, receiver);
      expect(types).toEqual(
        new Map([
          [usdc.id, [...FULL_LIFE]],
          [eth.id, [...FULL_LIFE]],
        ]),
      );
      // Every request was answered 200, so none was sent twice.
      expect(receiver.received()).toHaveLength(receiver.accepted().length);
      const transfers = await expectEachSweptOnce(env);
      expect(transfers.find((t) => t.token === env?.chain.usdc.toLowerCase())?.amount).toBe(
        BigInt(usdc.amount_base_units),
      );
      await expectNothingLeftBehind(env);

      // What the merchant reads back through the API agrees with what it was told.
      for (const payment of [usdc, eth]) {
        const read = await api.request('GET', `/v1/payments/${payment.id}`);
        expect(read.body).toMatchObject({ id: payment.id, status: 'settled' });
      }
      const deliveries = await api.request(
        'GET',
        `/v1/webhook-endpoints/${endpoint.body.id as string}/deliveries`,
      );
      expect(deliveries.status).toBe(200);
      const listed = deliveries.body.data as { status: string }[];
      expect(listed).toHaveLength(2 * FULL_LIFE.length);
      expect(new Set(listed.map((d) => d.status))).toEqual(new Set(['delivered']));
      // On PostgreSQL the jobs went through BullMQ under this test's prefix; on SQLite, in-process.
      expect((await env.queueKeys()).length > 0).toBe(env.redis);
    }, 120_000);
  },
);
