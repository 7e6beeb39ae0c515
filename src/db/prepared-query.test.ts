import { beforeAll, describe, expect, it } from 'vitest';
import { engines, setupMigratedDatabase } from '../../test/database.ts';
import { insertToken, paymentRow } from '../../test/rows.ts';
import type { DatabaseHandle } from './create-database.ts';
import { newId } from './ids.ts';
import { prepareQuery } from './prepared-query.ts';
import { withTransaction } from './transaction.ts';

describe.each(engines)('prepareQuery on %s', (engine) => {
  let handle: DatabaseHandle;
  const tokenId = newId();

  beforeAll(async () => {
    const opened = await setupMigratedDatabase(engine, async ({ db }) => {
      await insertToken(db, { id: tokenId });
      await db
        .insertInto('payments')
        .values(
          [1n, 2n ** 255n, 3n].map((amount, i) =>
            paymentRow(tokenId, {
              address: `0x0${i}`,
              amount,
              expires_at: new Date(Date.UTC(2030, 0, i + 1)),
            }),
          ),
        )
        .execute();
    });
    handle = opened.handle;
    return opened.teardown;
  });

  it('runs one compiled query with different parameters, decoding rows as usual', async () => {
    const byAddress = prepareQuery(handle.db, (db, p: { chain: string; address: string }) =>
      db
        .selectFrom('payments')
        .selectAll()
        .where('chain', '=', p.chain)
        .where('address', '=', p.address),
    );
    const second = await byAddress.executeTakeFirst({ chain: 'eth', address: '0x01' });
    expect(second?.amount).toBe(2n ** 255n);
    expect(second?.expires_at).toEqual(new Date(Date.UTC(2030, 0, 2)));
    const third = await byAddress.executeTakeFirst({ chain: 'eth', address: '0x02' });
    expect(third?.amount).toBe(3n);
    expect(await byAddress.executeTakeFirst({ chain: 'bsc', address: '0x02' })).toBeUndefined();
  });

  it('binds dates and limits, and runs inside a unit of work', async () => {
    const expiringAfter = prepareQuery(handle.db, (db, p: { after: Date; limit: number }) =>
      db
        .selectFrom('payments')
        .select(['address', 'amount'])
        .where('expires_at', '>', p.after)
        .orderBy('expires_at')
        .limit(p.limit),
    );
    const rows = await withTransaction(handle.db, (trx) =>
      expiringAfter.execute({ after: new Date(Date.UTC(2030, 0, 1, 12)), limit: 5 }, trx),
    );
    expect(rows).toEqual([
      { address: '0x01', amount: 2n ** 255n },
      { address: '0x02', amount: 3n },
    ]);
    expect(await expiringAfter.execute({ after: new Date(0), limit: 1 })).toHaveLength(1);
  });

  it('refuses a parameter in a written value, which would be fixed at its first encoding', () => {
    expect(() =>
      prepareQuery(handle.db, (db, p: { enabled: boolean; id: string }) =>
        db.updateTable('tokens').set({ enabled: p.enabled }).where('id', '=', p.id),
      ),
    ).toThrow(/not in written values: enabled/);
  });

  it('says which parameter is missing', async () => {
    const byAddress = prepareQuery(handle.db, (db, p: { address: string }) =>
      db.selectFrom('payments').select('id').where('address', '=', p.address),
    );
    await expect(byAddress.execute({} as { address: string })).rejects.toMatchObject({
      code: 'DB_MISSING_PARAMETER',
      message: "the prepared query needs 'address'",
    });
  });
});
