import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { engines, setupMigratedDatabase } from '../../test/database.ts';
import { tokenRow } from '../../test/rows.ts';
import type { DatabaseHandle } from './create-database.ts';
import { withTransaction } from './transaction.ts';

describe.each(engines)('withTransaction on %s', (engine) => {
  let handle: DatabaseHandle;

  beforeAll(async () => {
    const opened = await setupMigratedDatabase(engine);
    handle = opened.handle;
    return opened.teardown;
  });

  beforeEach(async () => {
    await handle.db.deleteFrom('tokens').execute();
  });

  const token = (symbol: string) => tokenRow({ address: `0x${symbol.toLowerCase()}`, symbol });
  const symbols = async () =>
    (await handle.db.selectFrom('tokens').select('symbol').orderBy('symbol').execute()).map(
      (r) => r.symbol,
    );

  it('commits when the unit of work resolves', async () => {
    const result = await withTransaction(handle.db, async (trx) => {
      await trx.insertInto('tokens').values(token('AAA')).execute();
      return 'done';
    });
    expect(result).toBe('done');
    expect(await symbols()).toEqual(['AAA']);
  });

  it('rolls everything back when it throws', async () => {
    await expect(
      withTransaction(handle.db, async (trx) => {
        await trx.insertInto('tokens').values(token('AAA')).execute();
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await symbols()).toEqual([]);
  });

  it('nests through a savepoint: the inner unit rolls back alone', async () => {
    await withTransaction(handle.db, async (trx) => {
      await trx.insertInto('tokens').values(token('OUT')).execute();
      await expect(
        withTransaction(trx, async (inner) => {
          await inner.insertInto('tokens').values(token('IN1')).execute();
          await withTransaction(inner, async (deeper) => {
            await deeper.insertInto('tokens').values(token('IN2')).execute();
          });
          throw new Error('inner fails');
        }),
      ).rejects.toThrow('inner fails');
      await withTransaction(trx, async (inner) => {
        await inner.insertInto('tokens').values(token('KEPT')).execute();
      });
    });
    expect(await symbols()).toEqual(['KEPT', 'OUT']);
  });

  it('refuses to nest inside a transaction it did not start', async () => {
    await handle.db.transaction().execute(async (trx) => {
      await expect(withTransaction(trx, async () => {})).rejects.toMatchObject({
        code: 'DB_NESTED_TRANSACTION',
      });
    });
  });

  it('a violated constraint inside the unit leaves nothing behind', async () => {
    const first = token('DUP');
    await expect(
      withTransaction(handle.db, async (trx) => {
        await trx.insertInto('tokens').values(first).execute();
        await trx
          .insertInto('tokens')
          .values({ ...token('DUP'), address: first.address })
          .execute();
      }),
    ).rejects.toThrow(/unique/i);
    expect(await symbols()).toEqual([]);
  });
});
