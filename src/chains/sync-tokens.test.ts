import type { Kysely } from 'kysely';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { engines, setupMigratedDatabase } from '../../test/database.ts';
import { paymentRow } from '../../test/rows.ts';
import type { ChainConfig, TokenConfig } from '../config/chains-file.ts';
import type { Database } from '../db/models/index.ts';
import { TokenDecimalsChangedError } from './errors.ts';
import { syncTokens } from './sync-tokens.ts';

const USDC = '0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48';
const DAI = '0x6b175474e89094c44da98b954eedeac495271d0f';
const WBTC = '0x2260fac5e5542a773aa44fbc8dfd7c9b5a8f3e7a';
const FIRST_SYNC = new Date('2030-01-01T00:00:00.000Z');
const LATER = new Date('2030-02-01T00:00:00.000Z');

function token(symbol: string, address: `0x${string}`, decimals: number): TokenConfig {
  return { symbol, address, decimals, underpaymentTolerance: 0n, minSweep: 0n };
}

/** A chain as the chains file would describe it: ETH, USDC and DAI unless `overrides` say otherwise. */
function chain(overrides: Partial<ChainConfig> = {}): ChainConfig {
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
    tokens: [token('USDC', USDC, 6), token('DAI', DAI, 18)],
    ...overrides,
  };
}

const other = () =>
  chain({
    name: 'othernet',
    chainId: 10,
    native: { symbol: 'OETH', decimals: 18, underpaymentTolerance: 0n, minSweep: 0n },
    tokens: [token('USDC', USDC, 6)],
  });

describe.each(engines)('syncTokens on %s', (engine) => {
  let db: Kysely<Database>;

  beforeAll(async () => {
    const opened = await setupMigratedDatabase(engine);
    db = opened.handle.db;
    return opened.teardown;
  });

  afterEach(async () => {
    await db.deleteFrom('payments').execute();
    await db.deleteFrom('tokens').execute();
  });

  /** Every token row, in a stable order, with the fields a sync may change. */
  const tokens = async () =>
    db
      .selectFrom('tokens')
      .select([
        'id',
        'chain',
        'address',
        'symbol',
        'decimals',
        'enabled',
        'underpayment_tolerance',
        'updated_at',
      ])
      .orderBy('chain')
      .orderBy('symbol')
      .execute();

  const tokenOf = async (chainName: string, address: string | null) => {
    const all = await tokens();
    const row = all.find((t) => t.chain === chainName && t.address === address);
    if (!row) throw new Error(`no token ${chainName}/${address}`);
    return row;
  };

  it('adds the native coin and the tokens on the first sync', async () => {
    const result = await syncTokens(db, [chain()], FIRST_SYNC);
    expect(result).toEqual({
      added: ['devnet:ETH', 'devnet:USDC', 'devnet:DAI'],
      enabled: [],
      disabled: [],
    });
    const rows = (await tokens()).map(({ id, updated_at, ...rest }) => rest);
    expect(rows).toEqual([
      {
        chain: 'devnet',
        address: DAI,
        symbol: 'DAI',
        decimals: 18,
        enabled: true,
        underpayment_tolerance: 0n,
      },
      {
        chain: 'devnet',
        address: null,
        symbol: 'ETH',
        decimals: 18,
        enabled: true,
        underpayment_tolerance: 0n,
      },
      {
        chain: 'devnet',
        address: USDC,
        symbol: 'USDC',
        decimals: 6,
        enabled: true,
        underpayment_tolerance: 0n,
      },
    ]);
  });

  it('changes nothing on a second identical sync', async () => {
    const tolerant = chain({
      native: { symbol: 'ETH', decimals: 18, underpaymentTolerance: 10n ** 14n, minSweep: 0n },
      tokens: [
        { ...token('USDC', USDC, 6), underpaymentTolerance: 10_000n },
        token('DAI', DAI, 18),
      ],
    });
    await syncTokens(db, [tolerant, other()], FIRST_SYNC);
    const before = await tokens();
    const result = await syncTokens(db, [tolerant, other()], LATER);
    expect(result).toEqual({ added: [], enabled: [], disabled: [] });
    expect(await tokens()).toEqual(before);
    for (const row of before) expect(row.updated_at.getTime()).toBe(FIRST_SYNC.getTime());
  });

  it('keeps the same address on two chains as two tokens', async () => {
    await syncTokens(db, [chain(), other()], FIRST_SYNC);
    expect((await tokenOf('devnet', USDC)).id).not.toBe((await tokenOf('othernet', USDC)).id);
  });

  it('disables a token removed from the chains file, keeping its row and its payments', async () => {
    await syncTokens(db, [chain()], FIRST_SYNC);
    const dai = await tokenOf('devnet', DAI);
    const payment = paymentRow(dai.id, { chain: 'devnet', amount: 7n });
    await db.insertInto('payments').values(payment).execute();

    const result = await syncTokens(db, [chain({ tokens: [token('USDC', USDC, 6)] })], LATER);
    expect(result).toEqual({ added: [], enabled: [], disabled: ['devnet:DAI'] });
    const disabled = await tokenOf('devnet', DAI);
    expect(disabled).toMatchObject({ id: dai.id, symbol: 'DAI', decimals: 18, enabled: false });
    expect(disabled.updated_at.getTime()).toBe(LATER.getTime());
    expect((await tokenOf('devnet', USDC)).enabled).toBe(true);
    const stored = await db
      .selectFrom('payments')
      .select(['token_id', 'amount'])
      .where('id', '=', payment.id)
      .executeTakeFirstOrThrow();
    expect(stored).toEqual({ token_id: dai.id, amount: 7n });

    const again = await syncTokens(db, [chain({ tokens: [token('USDC', USDC, 6)] })], LATER);
    expect(again).toEqual({ added: [], enabled: [], disabled: [] });
  });

  it('enables a disabled token again when it comes back to the chains file', async () => {
    await syncTokens(db, [chain()], FIRST_SYNC);
    const dai = await tokenOf('devnet', DAI);
    await syncTokens(db, [chain({ tokens: [token('USDC', USDC, 6)] })], FIRST_SYNC);
    const result = await syncTokens(db, [chain()], LATER);
    expect(result).toEqual({ added: [], enabled: ['devnet:DAI'], disabled: [] });
    const back = await tokenOf('devnet', DAI);
    expect(back).toMatchObject({ id: dai.id, enabled: true });
    expect(back.updated_at.getTime()).toBe(LATER.getTime());
  });

  it('updates a changed symbol and a changed tolerance in place', async () => {
    await syncTokens(db, [chain()], FIRST_SYNC);
    const usdc = await tokenOf('devnet', USDC);
    const changed = chain({
      tokens: [
        { ...token('USDC.e', USDC, 6), underpaymentTolerance: 5_000n },
        token('DAI', DAI, 18),
      ],
    });
    const result = await syncTokens(db, [changed], LATER);
    expect(result).toEqual({ added: [], enabled: [], disabled: [] });
    const updated = await tokenOf('devnet', USDC);
    expect(updated).toMatchObject({
      id: usdc.id,
      symbol: 'USDC.e',
      underpayment_tolerance: 5_000n,
      enabled: true,
    });
    expect(updated.updated_at.getTime()).toBe(LATER.getTime());
    expect((await tokenOf('devnet', DAI)).updated_at.getTime()).toBe(FIRST_SYNC.getTime());
  });

  it('refuses changed decimals and leaves every token as it was, even those the same sync added', async () => {
    await syncTokens(db, [chain()], FIRST_SYNC);
    const before = await tokens();
    const refused = chain({
      native: { symbol: 'ETH2', decimals: 18, underpaymentTolerance: 0n, minSweep: 0n },
      tokens: [token('WBTC', WBTC, 8), token('USDC', USDC, 18)],
    });
    const outcome = await syncTokens(db, [other(), refused], LATER).then(
      () => null,
      (error: unknown) => error,
    );
    expect(outcome).toBeInstanceOf(TokenDecimalsChangedError);
    const error = outcome as TokenDecimalsChangedError;
    expect(error.code).toBe('TOKEN_DECIMALS_CHANGED');
    expect(error.message).toMatch(/devnet:USDC has 6 decimals in the database but 18/);
    expect(error.details).toEqual({ token: 'devnet:USDC', stored: 6, configured: 18 });
    expect(await tokens()).toEqual(before);
  });

  it('disables every token of a chain removed from the chains file', async () => {
    await syncTokens(db, [chain(), other()], FIRST_SYNC);
    const result = await syncTokens(db, [other()], LATER);
    expect([...result.disabled].sort()).toEqual(['devnet:DAI', 'devnet:ETH', 'devnet:USDC']);
    expect(result.added).toEqual([]);
    const rows = await tokens();
    expect(rows).toHaveLength(5);
    for (const row of rows) expect(row.enabled).toBe(row.chain === 'othernet');
  });
});
