/**
 * What the end-to-end tests wait for and check once the workers are done: every payment
 * settled, every event at the merchant once and in order, every sweep on the chain once.
 */
import { expect } from 'vitest';
import { waitUntil } from '../scripts/processes.ts';
import { balancesOf, type TreasuryTransfer, treasuryTransfers } from './chain-money.ts';
import type { E2eEnvironment } from './environment.ts';
import type { ReceivedWebhook, VerifyingReceiver } from './receiver.ts';

/** The events a payment paid exactly once goes through, in order. */
export const FULL_LIFE = [
  'payment.created',
  'payment.detected',
  'payment.confirmed',
  'payment.settled',
] as const;

/**
 * The payment statuses each of those events may report in its body: the payment as the change
 * left it. Money seen with its confirmations already in one scan step announces
 * payment.detected and payment.confirmed together, both from the confirmed payment.
 */
const STATUSES_OF: Readonly<Record<string, readonly string[]>> = {
  'payment.created': ['pending'],
  'payment.detected': ['detected', 'confirmed'],
  'payment.confirmed': ['confirmed'],
  'payment.settled': ['settled'],
};

async function countOf(
  env: E2eEnvironment,
  table: 'payments' | 'payment_events' | 'webhook_deliveries' | 'sweeps',
  where?: (query: ReturnType<typeof base>) => ReturnType<typeof base>,
): Promise<number> {
  let query = base(env, table);
  if (where) query = where(query);
  return Number((await query.executeTakeFirstOrThrow()).n);
}

function base(
  env: E2eEnvironment,
  table: 'payments' | 'payment_events' | 'webhook_deliveries' | 'sweeps',
) {
  return env.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n'));
}

/** A one-line account of where things stand, for timeout messages. */
export async function progress(env: E2eEnvironment, receiver: VerifyingReceiver): Promise<string> {
  const byStatus = await env.db
    .selectFrom('payments')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('status')
    .execute();
  const sweeps = await env.db
    .selectFrom('sweeps')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('status')
    .execute();
  const deliveries = await env.db
    .selectFrom('webhook_deliveries')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('status')
    .execute();
  const show = (rows: { status: string; n: number }[]) =>
    rows.map((r) => `${r.status} ${r.n}`).join(', ') || 'none';
  return (
    `payments: ${show(byStatus)}; sweeps: ${show(sweeps)}; deliveries: ${show(deliveries)}; ` +
    `undispatched events: ${await countOf(env, 'payment_events', (q) => q.where('dispatched_at', 'is', null))}; ` +
    `received ${receiver.received().length}, accepted ${receiver.accepted().length}`
  );
}

/**
 * Waits until all `payments` payments are settled, every event has been fanned out and
 * delivered, and the receiver has accepted as many requests as there are events.
 */
export async function waitUntilAllSettledAndDelivered(
  env: E2eEnvironment,
  receiver: VerifyingReceiver,
  payments: number,
  timeoutMs: number,
  output: () => string,
): Promise<void> {
  let last = '';
  await waitUntil(
    `all ${payments} payments settled and every event delivered`,
    async () => {
      const settled = await countOf(env, 'payments', (q) => q.where('status', '=', 'settled'));
      if (settled < payments) return false;
      const events = await countOf(env, 'payment_events');
      const undispatched = await countOf(env, 'payment_events', (q) =>
        q.where('dispatched_at', 'is', null),
      );
      const open = await countOf(env, 'webhook_deliveries', (q) =>
        q.where('status', '!=', 'delivered'),
      );
      return undispatched === 0 && open === 0 && receiver.accepted().length >= events;
    },
    timeoutMs,
    () => `${last}\n${output()}`,
  ).catch(async (error) => {
    last = await progress(env, receiver);
    throw new Error(`${(error as Error).message}\n${last}`);
  });
}

/**
 * Every event of every payment reached the receiver exactly once with a valid signature, in
 * the order the events happened per payment, with the body describing the payment at that
 * point; nothing else reached it. Returns the events by payment.
 */
export async function expectEveryEventDeliveredOnceInOrder(
  env: E2eEnvironment,
  receiver: VerifyingReceiver,
  expectedTypes: readonly string[] = FULL_LIFE,
): Promise<Map<string, string[]>> {
  const events = await env.db
    .selectFrom('payment_events')
    .select(['id', 'payment_id', 'type', 'data'])
    .orderBy('id')
    .execute();
  const snapshots = new Map(events.map((e) => [e.id, e.data as { status: string }]));
  const received = receiver.received();
  const unverified = received.filter((r) => r.verifyError !== null);
  expect(unverified.map((r) => `${r.id}: ${r.verifyError}`)).toEqual([]);

  const accepted = receiver.accepted();
  const acceptedIds = accepted.map((r) => r.id);
  expect(new Set(acceptedIds).size, 'an event accepted twice').toBe(acceptedIds.length);
  expect(new Set(acceptedIds)).toEqual(new Set(events.map((e) => e.id)));

  const byPayment = new Map<string, string[]>();
  for (const event of events) {
    byPayment.set(event.payment_id, [...(byPayment.get(event.payment_id) ?? []), event.id]);
  }
  const arrivals = new Map<string, ReceivedWebhook[]>();
  for (const request of accepted) {
    const paymentId = request.payload?.data.id ?? '';
    arrivals.set(paymentId, [...(arrivals.get(paymentId) ?? []), request]);
  }
  const typesByPayment = new Map<string, string[]>();
  for (const [paymentId, ids] of byPayment) {
    const arrived = arrivals.get(paymentId) ?? [];
    // Per payment, the merchant hears of the changes in the order they happened.
    expect(
      arrived.map((r) => r.id),
      `order of payment ${paymentId}`,
    ).toEqual(ids);
    const types = arrived.map((r) => r.payload?.type ?? '');
    expect(types, `events of payment ${paymentId}`).toEqual([...expectedTypes]);
    for (const request of arrived) {
      const type = request.payload?.type ?? '';
      expect(request.payload, `body of ${request.id}`).toMatchObject({
        id: request.id,
        type,
        created_at: expect.any(String),
        data: { id: paymentId, status: snapshots.get(request.id)?.status },
      });
      expect(STATUSES_OF[type], `status in ${type}`).toContain(request.payload?.data.status);
    }
    typesByPayment.set(paymentId, types);
  }
  return typesByPayment;
}

/** Nothing is left pending: no undispatched event, no open delivery, no unfinished sweep. */
export async function expectNothingLeftBehind(env: E2eEnvironment): Promise<void> {
  expect(await countOf(env, 'payment_events', (q) => q.where('dispatched_at', 'is', null))).toBe(0);
  expect(
    await countOf(env, 'webhook_deliveries', (q) => q.where('status', '!=', 'delivered')),
  ).toBe(0);
  expect(await countOf(env, 'sweeps', (q) => q.where('status', '!=', 'confirmed'))).toBe(0);
  expect(await countOf(env, 'payments', (q) => q.where('status', '!=', 'settled'))).toBe(0);
}

/**
 * Each payment was swept once: one sweep row, one sweep transaction nonce, and on the chain
 * exactly one transfer from its deposit address into the treasury, of the sweep's amount (the
 * whole payment for a token; the payment less gas for the native coin). The treasury holds
 * exactly the sum of the sweeps. Returns the transfers.
 */
export async function expectEachSweptOnce(env: E2eEnvironment): Promise<TreasuryTransfer[]> {
  const rows = await env.db
    .selectFrom('payments')
    .innerJoin('tokens', 'tokens.id', 'payments.token_id')
    .innerJoin('sweeps', 'sweeps.payment_id', 'payments.id')
    .select([
      'payments.id',
      'payments.address',
      'payments.amount_received',
      'tokens.address as token',
      'sweeps.id as sweep_id',
      'sweeps.amount as swept',
      'sweeps.status as sweep_status',
    ])
    .execute();
  expect(rows).toHaveLength(await countOf(env, 'payments'));

  const sweepTxs = await env.db
    .selectFrom('outgoing_transactions')
    .select(['sweep_id', 'nonce', 'purpose'])
    .where('purpose', '=', 'sweep')
    .execute();
  const noncesBySweep = new Map<string, Set<bigint>>();
  for (const tx of sweepTxs) {
    noncesBySweep.set(tx.sweep_id, (noncesBySweep.get(tx.sweep_id) ?? new Set()).add(tx.nonce));
  }

  const transfers = await treasuryTransfers(env.chain, env.treasury, env.tokens, env.firstBlock);
  const byFrom = new Map<string, TreasuryTransfer[]>();
  for (const transfer of transfers) {
    byFrom.set(transfer.from, [...(byFrom.get(transfer.from) ?? []), transfer]);
  }
  expect(transfers).toHaveLength(rows.length);

  const expected = new Map<string | null, bigint>();
  for (const row of rows) {
    const token = row.token?.toLowerCase() ?? null;
    expect(row.sweep_status, `sweep of ${row.id}`).toBe('confirmed');
    expect(noncesBySweep.get(row.sweep_id)?.size, `sweep transactions of ${row.id}`).toBe(1);
    const landed = byFrom.get(row.address.toLowerCase()) ?? [];
    expect(
      landed.map((t) => ({ token: t.token, amount: t.amount })),
      `treasury transfers from ${row.address} (payment ${row.id})`,
    ).toEqual([{ token, amount: row.swept }]);
    if (token === null) {
      // Native: the balance less the gas the sweep itself costs.
      expect(row.swept ?? 0n).toBeGreaterThan(0n);
      expect(row.swept ?? 0n).toBeLessThan(row.amount_received);
    } else {
      // A token: the whole balance, which is what was paid.
      expect(row.swept).toBe(row.amount_received);
    }
    expected.set(token, (expected.get(token) ?? 0n) + (row.swept ?? 0n));
  }
  const balances = await balancesOf(env.chain, env.treasury, env.tokens);
  for (const [token, balance] of balances) {
    expect(balance, `treasury balance of ${token ?? 'the native coin'}`).toBe(
      expected.get(token) ?? 0n,
    );
  }
  return transfers;
}
