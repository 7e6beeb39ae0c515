import { sql } from 'kysely';
import { v7 } from 'uuid';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { engines, setupMigratedDatabase } from '../../test/database.ts';
import { insertToken, paymentRow } from '../../test/rows.ts';
import type { DatabaseHandle } from './create-database.ts';
import { UINT256_MAX } from './uint256.ts';

describe.each(engines)('column values on %s', (engine) => {
  let handle: DatabaseHandle;
  let tokenId: string;

  beforeAll(async () => {
    const opened = await setupMigratedDatabase(engine);
    handle = opened.handle;
    return opened.teardown;
  });

  beforeEach(async () => {
    await handle.db.deleteFrom('payments').execute();
    await handle.db.deleteFrom('tokens').execute();
    tokenId = await insertToken(handle.db, { address: '0xtoken', symbol: 'USDC', decimals: 6 });
  });

  const payment = (amount: unknown, address = `0x${v7().slice(0, 8)}`) =>
    paymentRow(tokenId, {
      address,
      amount: amount as bigint,
      expires_at: new Date('2030-06-01T12:00:00.123Z'),
    });

  it.each([0n, 1n, 2n ** 63n, 2n ** 64n + 7n, UINT256_MAX])(
    'uint256 %s round-trips exactly',
    async (amount) => {
      const row = payment(amount);
      await handle.db.insertInto('payments').values(row).execute();
      const read = await handle.db
        .selectFrom('payments')
        .select(['amount'])
        .where('id', '=', row.id)
        .executeTakeFirstOrThrow();
      expect(read.amount).toBe(amount);
      expect(typeof read.amount).toBe('bigint');

      // Equality on the stored value finds it, and the raw stored form is canonical decimal.
      const found = await handle.db
        .selectFrom('payments')
        .select('id')
        .where('amount', '=', amount)
        .execute();
      expect(found.map((r) => r.id)).toEqual([row.id]);
      const raw = await sql<{
        amount: string;
      }>`select amount from payments where id = ${row.id}`.execute(handle.db);
      expect(String(raw.rows[0]?.amount)).toBe(amount.toString());
    },
  );

  it.each<[string, unknown]>([
    ['-1', -1n],
    ['1.5', 1.5],
    ['2^256', UINT256_MAX + 1n],
    ['a number', 5],
    ['a decimal string', '1.5'],
  ])('uint256 %s is refused and nothing is stored', async (_, amount) => {
    await expect(
      handle.db.insertInto('payments').values(payment(amount)).execute(),
    ).rejects.toMatchObject({
      code: 'DB_INVALID_VALUE',
      message: /payments\.amount takes a uint256/,
    });
    const row = payment(10n);
    await handle.db.insertInto('payments').values(row).execute();
    await expect(
      handle.db
        .updateTable('payments')
        .set({ amount: amount as bigint })
        .where('id', '=', row.id)
        .execute(),
    ).rejects.toMatchObject({ code: 'DB_INVALID_VALUE' });
    const rows = await handle.db.selectFrom('payments').select('amount').execute();
    expect(rows).toEqual([{ amount: 10n }]);
  });

  it('timestamps come back as the same instant, server defaults in UTC', async () => {
    const before = Date.now();
    const row = payment(1n);
    await handle.db.insertInto('payments').values(row).execute();
    const read = await handle.db
      .selectFrom('payments as p')
      .innerJoin('tokens as t', 't.id', 'p.token_id')
      .select([
        'p.expires_at',
        'p.created_at as created',
        't.enabled',
        't.decimals',
        'p.detected_in_block',
      ])
      .where('p.id', '=', row.id)
      .executeTakeFirstOrThrow();
    expect(read.expires_at).toEqual(row.expires_at);
    expect(read.created).toBeInstanceOf(Date);
    expect(Math.abs(read.created.getTime() - before)).toBeLessThan(60_000);
    expect(read.enabled).toBe(true);
    expect(read.decimals).toBe(6);
    expect(read.detected_in_block).toBeNull();

    const later = await handle.db
      .selectFrom('payments')
      .select('id')
      .where('expires_at', '>', new Date('2030-06-01T12:00:00.122Z'))
      .execute();
    expect(later.map((r) => r.id)).toEqual([row.id]);
  });

  it('returning and updates decode and encode the same way', async () => {
    const row = payment(5n);
    const inserted = await handle.db
      .insertInto('payments')
      .values(row)
      .returningAll()
      .executeTakeFirstOrThrow();
    expect(inserted.amount).toBe(5n);
    const updated = await handle.db
      .updateTable('payments')
      .set({ amount: UINT256_MAX, detected_in_block: 19_000_000n, updated_at: new Date(0) })
      .where('id', '=', row.id)
      .returning(['amount', 'detected_in_block', 'updated_at'])
      .executeTakeFirstOrThrow();
    expect(updated).toEqual({
      amount: UINT256_MAX,
      detected_in_block: 19_000_000n,
      updated_at: new Date(0),
    });
    const disabled = await handle.db
      .updateTable('tokens')
      .set({ enabled: false })
      .returning('enabled')
      .executeTakeFirstOrThrow();
    expect(disabled.enabled).toBe(false);
  });

  it('an upsert validates and encodes its update values like any write', async () => {
    const row = payment(7n, '0xupsert');
    await handle.db.insertInto('payments').values(row).execute();
    const upsert = (amount: unknown) =>
      handle.db
        .insertInto('payments')
        .values({ ...row, id: v7() })
        .onConflict((oc) =>
          oc.columns(['chain', 'address']).doUpdateSet({ amount: amount as bigint }),
        )
        .execute();
    await expect(upsert(-5n)).rejects.toMatchObject({ code: 'DB_INVALID_VALUE' });
    await upsert(UINT256_MAX);
    const read = await handle.db
      .selectFrom('payments')
      .select(['id', 'amount'])
      .where('address', '=', '0xupsert')
      .execute();
    expect(read).toEqual([{ id: row.id, amount: UINT256_MAX }]);
  });

  it('selectAll over a join decodes every column, whichever table it came from', async () => {
    const row = payment(2n ** 200n);
    await handle.db.insertInto('payments').values(row).execute();
    const joined = await handle.db
      .selectFrom('payments')
      .innerJoin('tokens', 'tokens.id', 'payments.token_id')
      .selectAll()
      .where('payments.id', '=', row.id)
      .executeTakeFirstOrThrow();
    expect(joined.amount).toBe(2n ** 200n);
    expect(joined.expires_at).toEqual(row.expires_at);
    expect(joined.created_at).toBeInstanceOf(Date);
    expect(joined.enabled).toBe(true);
  });
});
