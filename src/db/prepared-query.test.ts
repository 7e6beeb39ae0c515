import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines, setupDatabase, type TestDatabase } from '../../test/database.ts';
import { createDatabase, type DatabaseHandle } from './create-database.ts';
import { newId } from './ids.ts';
import { createMigrator, MIGRATIONS_DIR } from './migrate/index.ts';
import { prepareQuery } from './prepared-query.ts';
import { withTransaction } from './transaction.ts';

describe.each(engines)('prepareQuery on %s', (engine) => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  const tokenId = newId();

  beforeAll(async () => {
    database = await setupDatabase(engine);
    handle = createDatabase(database.settings);
    await createMigrator({
      db: handle.db,
      migrationsDir: MIGRATIONS_DIR,
      lockTimeoutMs: 10_000,
    }).upgrade();
    await handle.db
      .insertInto('tokens')
      .values({ id: tokenId, chain: 'eth', address: null, symbol: 'ETH', decimals: 18 })
      .execute();
    await handle.db
      .insertInto('payments')
      .values(
        [1n, 2n ** 255n, 3n].map((amount, i) => ({
          id: newId(),
          token_id: tokenId,
          chain: 'eth',
          address: `0x0${i}`,
          amount,
          expires_at: new Date(Date.UTC(2030, 0, i + 1)),
        })),
      )
      .execute();
  });

  afterAll(async () => {
    await handle.close();
    await database.drop();
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
