import type { Kysely } from 'kysely';
import { getAddress } from 'viem';
import { beforeAll, describe, expect, it } from 'vitest';
import { engines, setupMigratedDatabase } from '../../test/database.ts';
import { AmountError, formatTokenAmount, MAX_UINT256 } from '../amounts.ts';
import { syncTokens } from '../chains/sync-tokens.ts';
import type { ChainConfig } from '../config/chains-file.ts';
import { newId } from '../db/ids.ts';
import type { Database } from '../db/models/index.ts';
import { CtripError } from '../errors.ts';
import { createDepositAddressDeriver, DEVELOPMENT_MNEMONIC } from '../wallet/index.ts';
import { cancelPayment } from './cancel-payment.ts';
import { type CreatePaymentParams, createPayment, type PaymentDeps } from './create-payment.ts';
import { PaymentError } from './errors.ts';

const USDC = '0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48';
const DAI = '0x6b175474e89094c44da98b954eedeac495271d0f';
const NOW = new Date('2030-01-01T00:00:00.000Z');
const LATE_WINDOW_SECONDS = 86_400;
const DEFAULT_LIFETIME_SECONDS = 1800;
const THIRTY_DAYS = 30 * 86_400;

/** The chain as the chains file would describe it; only the tokens matter to these tests. */
function chainConfig(tokens: ChainConfig['tokens'] = allTokens()): ChainConfig {
  return {
    name: 'devnet',
    chainId: 31337,
    rpcUrls: ['http://127.0.0.1:1'],
    confirmations: { kind: 'depth', blocks: 3 },
    reorgWindow: 16,
    pollIntervalMs: 100,
    maxBlockRange: 50,
    startBlock: 0n,
    native: { symbol: 'ETH', decimals: 18, underpaymentTolerance: 0n, minSweep: 0n },
    tokens,
  };
}

function allTokens(): ChainConfig['tokens'] {
  return [
    { symbol: 'USDC', address: USDC, decimals: 6, underpaymentTolerance: 0n, minSweep: 0n },
    { symbol: 'DAI', address: DAI, decimals: 18, underpaymentTolerance: 0n, minSweep: 0n },
  ];
}

/** The rejection of `promise`; fails the test if it resolves. */
async function rejectionOf(promise: Promise<unknown>): Promise<CtripError> {
  const outcome = await promise.then(
    () => null,
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(CtripError);
  return outcome as CtripError;
}

describe.each(engines)('createPayment on %s', (engine) => {
  let db: Kysely<Database>;
  let deps: PaymentDeps;
  const deriver = createDepositAddressDeriver({ kind: 'mnemonic', mnemonic: DEVELOPMENT_MNEMONIC });

  beforeAll(async () => {
    const opened = await setupMigratedDatabase(engine);
    db = opened.handle.db;
    await syncTokens(db, [chainConfig()]);
    deps = {
      db,
      deriver,
      policy: {
        defaultLifetimeSeconds: DEFAULT_LIFETIME_SECONDS,
        lateWindowSeconds: LATE_WINDOW_SECONDS,
      },
      now: () => NOW,
    };
    return opened.teardown;
  });

  const create = (params: Partial<CreatePaymentParams> = {}) =>
    createPayment(deps, { chain: 'devnet', token: 'USDC', amount: '1', ...params });

  /** Everything a creation writes: payments, their events and the address counter. */
  async function written() {
    const payments = await db.selectFrom('payments').select('id').execute();
    const events = await db.selectFrom('payment_events').select('id').execute();
    const sequences = await db.selectFrom('sequences').selectAll().execute();
    return { payments: payments.length, events: events.length, sequences };
  }

  /** Creates with `params`, expects a refusal, and that nothing at all was written. */
  async function refusedCreation(params: Partial<CreatePaymentParams>): Promise<CtripError> {
    const before = await written();
    const error = await rejectionOf(create(params));
    expect(await written()).toEqual(before);
    return error;
  }

  const storedAmount = async (id: string) =>
    (
      await db
        .selectFrom('payments')
        .select('amount')
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
    ).amount;

  it('converts the amount with the decimals of the token named by its symbol, in any case', async () => {
    for (const token of ['USDC', 'usdc', 'Usdc']) {
      const payment = await create({ token, amount: '12.5' });
      expect(payment.amount).toBe(12_500_000n);
      expect(payment.token.symbol).toBe('USDC');
      expect(await storedAmount(payment.id)).toBe(12_500_000n);
    }
    const eth = await create({ token: 'eth', amount: '1.5' });
    expect(eth.amount).toBe(1_500_000_000_000_000_000n);
    expect(eth.token.address).toBeNull();
  });

  it('converts the amount with the decimals of the token named by its contract address, in any case', async () => {
    const dai = await create({ token: `0X${DAI.slice(2).toUpperCase()}`, amount: '2' });
    expect(dai.token.symbol).toBe('DAI');
    expect(dai.amount).toBe(2_000_000_000_000_000_000n);
    const usdc = await create({ token: getAddress(USDC), amount: '0.000001' });
    expect(usdc.token.symbol).toBe('USDC');
    expect(await storedAmount(usdc.id)).toBe(1n);
  });

  it('stores the largest amount a token can hold exactly', async () => {
    const payment = await create({ amount: formatTokenAmount(MAX_UINT256, 6) });
    expect(await storedAmount(payment.id)).toBe(MAX_UINT256);
  });

  it('gives the payment the deposit address derived at its index', async () => {
    const payment = await create();
    const row = await db
      .selectFrom('payments')
      .select(['address', 'address_index', 'chain', 'token_id', 'status', 'amount_received'])
      .where('id', '=', payment.id)
      .executeTakeFirstOrThrow();
    expect(row.address_index).toBe(payment.addressIndex);
    expect(row.address).toBe(deriver.addressAt(Number(row.address_index)));
    expect(payment.address).toBe(row.address);
    expect(row).toMatchObject({
      chain: 'devnet',
      token_id: payment.token.id,
      status: 'pending',
      amount_received: 0n,
    });
  });

  it('expires the payment expiresIn seconds from now and watches it for the late window after', async () => {
    const payment = await create({ expiresIn: 600 });
    const row = await db
      .selectFrom('payments')
      .select(['expires_at', 'watch_until', 'created_at'])
      .where('id', '=', payment.id)
      .executeTakeFirstOrThrow();
    const expiresAt = NOW.getTime() + 600_000;
    expect(row.created_at.getTime()).toBe(NOW.getTime());
    expect(row.expires_at.getTime()).toBe(expiresAt);
    expect(row.watch_until.getTime()).toBe(expiresAt + LATE_WINDOW_SECONDS * 1000);
    expect(payment.expiresAt.getTime()).toBe(expiresAt);
  });

  it('uses the configured lifetime when expiresIn is left out, and accepts exactly 30 days', async () => {
    const byDefault = await create();
    expect(byDefault.expiresAt.getTime()).toBe(NOW.getTime() + DEFAULT_LIFETIME_SECONDS * 1000);
    const longest = await create({ expiresIn: THIRTY_DAYS });
    expect(longest.expiresAt.getTime()).toBe(NOW.getTime() + THIRTY_DAYS * 1000);
  });

  it('keeps the reference and metadata as given', async () => {
    const metadata = { order: 'A-17', lines: [{ sku: 'x', qty: 2 }], gift: true, note: null };
    const payment = await create({ reference: 'order-17', metadata });
    const row = await db
      .selectFrom('payments')
      .select(['reference', 'metadata'])
      .where('id', '=', payment.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ reference: 'order-17', metadata });
    const bare = await create();
    expect(
      await db
        .selectFrom('payments')
        .select(['reference', 'metadata'])
        .where('id', '=', bare.id)
        .executeTakeFirstOrThrow(),
    ).toEqual({ reference: null, metadata: null });
  });

  it('records one payment.created event', async () => {
    const payment = await create({ amount: '3' });
    const events = await db
      .selectFrom('payment_events')
      .select(['type', 'data'])
      .where('payment_id', '=', payment.id)
      .execute();
    expect(events).toEqual([
      {
        type: 'payment.created',
        data: {
          status: 'pending',
          previous_status: null,
          exception: null,
          amount: '3000000',
          amount_received: '0',
          confirmations: 0,
        },
      },
    ]);
  });

  it('hands sequential creations increasing, distinct address indexes and addresses', async () => {
    const created = [];
    for (let i = 0; i < 4; i++) created.push(await create());
    const indexes = created.map((p) => p.addressIndex);
    for (let i = 1; i < indexes.length; i++) {
      expect(indexes[i]).toBeGreaterThan(indexes[i - 1] as bigint);
    }
    expect(new Set(created.map((p) => p.address)).size).toBe(created.length);
  });

  it.each([
    ['1.1234567', 'too_many_decimals', /^amount has 7 decimal places.*at most 6 \(USDC\)$/],
    ['0', 'zero', /greater than zero/],
    ['-1', 'negative', /negative/],
    [(MAX_UINT256 + 1n).toString(), 'too_large', /too large/],
    ['abc', 'format', /decimal number/],
  ])('refuses the amount %s (%s) and writes nothing', async (amount, reason, message) => {
    const error = await refusedCreation({ amount });
    expect(error).toBeInstanceOf(AmountError);
    expect(error).toMatchObject({ code: 'AMOUNT_INVALID', reason });
    expect(error.message).toMatch(message);
  });

  it('refuses an unknown chain and writes nothing', async () => {
    const error = await refusedCreation({ chain: 'nowhere' });
    expect(error).toBeInstanceOf(PaymentError);
    expect(error.code).toBe('CHAIN_NOT_FOUND');
    expect(error.message).toMatch(/"nowhere" is not configured/);
  });

  it('refuses an unknown token, naming the accepted ones, and writes nothing', async () => {
    const error = await refusedCreation({ token: 'WBTC' });
    expect(error).toBeInstanceOf(PaymentError);
    expect(error.code).toBe('TOKEN_NOT_FOUND');
    expect(error.message).toMatch(/"WBTC" is not accepted on devnet/);
    for (const symbol of ['ETH', 'USDC', 'DAI']) expect(error.message).toContain(symbol);
  });

  it('refuses an unknown contract address as an unknown token', async () => {
    const error = await refusedCreation({ token: `0x${'1'.repeat(40)}` });
    expect(error.code).toBe('TOKEN_NOT_FOUND');
  });

  it('refuses a token removed from the chains file as disabled, and writes nothing', async () => {
    await syncTokens(db, [chainConfig(allTokens().filter((t) => t.symbol !== 'DAI'))]);
    try {
      const error = await refusedCreation({ token: 'DAI' });
      expect(error).toBeInstanceOf(PaymentError);
      expect(error.code).toBe('TOKEN_DISABLED');
      expect(error.message).toMatch(/DAI on devnet is no longer accepted/);
      expect((await refusedCreation({ token: DAI })).code).toBe('TOKEN_DISABLED');
      const unknown = await refusedCreation({ token: 'WBTC' });
      expect(unknown.message).not.toContain('DAI');
    } finally {
      await syncTokens(db, [chainConfig()]);
    }
    expect((await create({ token: 'DAI' })).token.symbol).toBe('DAI');
  });

  it.each([0, 1.5, -60, THIRTY_DAYS + 1])(
    'refuses expiresIn %s and writes nothing',
    async (expiresIn) => {
      const error = await refusedCreation({ expiresIn });
      expect(error).toBeInstanceOf(PaymentError);
      expect(error.code).toBe('PAYMENT_INVALID_EXPIRY');
      expect(error.message).toMatch(/whole number of seconds from 1 to 2592000/);
    },
  );

  it.each([
    ['empty', ''],
    ['201 characters long', 'r'.repeat(201)],
  ])('refuses a reference that is %s and writes nothing', async (_, reference) => {
    const error = await refusedCreation({ reference });
    expect(error).toBeInstanceOf(PaymentError);
    expect(error.code).toBe('PAYMENT_INVALID_REFERENCE');
    expect(error.message).toMatch(/1 to 200 characters/);
  });

  it('accepts a reference of exactly 200 characters', async () => {
    const payment = await create({ reference: 'r'.repeat(200) });
    expect(payment.id).toBeTruthy();
  });
});

describe.each(engines)('cancelPayment on %s', (engine) => {
  let db: Kysely<Database>;
  let deps: PaymentDeps;
  const CANCELED_AT = new Date('2030-01-01T00:05:00.000Z');

  beforeAll(async () => {
    const opened = await setupMigratedDatabase(engine);
    db = opened.handle.db;
    await syncTokens(db, [chainConfig()]);
    deps = {
      db,
      deriver: createDepositAddressDeriver({ kind: 'mnemonic', mnemonic: DEVELOPMENT_MNEMONIC }),
      policy: { defaultLifetimeSeconds: 1800, lateWindowSeconds: LATE_WINDOW_SECONDS },
      now: () => NOW,
    };
    return opened.teardown;
  });

  const create = () => createPayment(deps, { chain: 'devnet', token: 'USDC', amount: '5' });

  const paymentRow = (id: string) =>
    db
      .selectFrom('payments')
      .select(['status', 'updated_at'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();

  const eventsOf = (id: string) =>
    db
      .selectFrom('payment_events')
      .select(['type', 'data'])
      .where('payment_id', '=', id)
      .orderBy('id')
      .execute();

  it('cancels a pending payment and records payment.canceled', async () => {
    const { id } = await create();
    await cancelPayment(db, id, CANCELED_AT);
    const row = await paymentRow(id);
    expect(row.status).toBe('canceled');
    expect(row.updated_at.getTime()).toBe(CANCELED_AT.getTime());
    const events = await eventsOf(id);
    expect(events.map((e) => e.type)).toEqual(['payment.created', 'payment.canceled']);
    expect(events[1]?.data).toMatchObject({
      status: 'canceled',
      previous_status: 'pending',
      amount: '5000000',
      amount_received: '0',
    });
  });

  it('refuses to cancel a payment twice, changing nothing', async () => {
    const { id } = await create();
    await cancelPayment(db, id, CANCELED_AT);
    const before = { row: await paymentRow(id), events: await eventsOf(id) };
    const error = await rejectionOf(cancelPayment(db, id, new Date('2030-01-02T00:00:00.000Z')));
    expect(error).toBeInstanceOf(PaymentError);
    expect(error.code).toBe('PAYMENT_NOT_CANCELABLE');
    expect(error.message).toMatch(/is canceled; only a pending payment can be canceled/);
    expect({ row: await paymentRow(id), events: await eventsOf(id) }).toEqual(before);
  });

  it('refuses to cancel a payment that money has reached, changing nothing', async () => {
    const { id } = await create();
    await db
      .updateTable('payments')
      .set({ status: 'detected', amount_received: 1n })
      .where('id', '=', id)
      .execute();
    const before = { row: await paymentRow(id), events: await eventsOf(id) };
    const error = await rejectionOf(cancelPayment(db, id, CANCELED_AT));
    expect(error).toBeInstanceOf(PaymentError);
    expect(error.code).toBe('PAYMENT_NOT_CANCELABLE');
    expect(error.message).toMatch(/is detected/);
    expect({ row: await paymentRow(id), events: await eventsOf(id) }).toEqual(before);
  });

  it.each([
    ['an unknown', newId()],
    ['a malformed', 'not-a-uuid'],
  ])('refuses %s payment id as not found', async (_, id) => {
    const error = await rejectionOf(cancelPayment(db, id, CANCELED_AT));
    expect(error).toBeInstanceOf(PaymentError);
    expect(error.code).toBe('PAYMENT_NOT_FOUND');
    expect(error.message).toBe(`payment ${id} does not exist`);
  });
});
