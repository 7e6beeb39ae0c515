import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { adminQuery, setupDatabase, type TestDatabase } from '../../../test/database.ts';
import { createDatabase, type DatabaseHandle } from '../create-database.ts';
import { withTransaction } from '../transaction.ts';

describe('PostgreSQL pool pre-ping', () => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  const idleErrors: Error[] = [];

  beforeEach(async () => {
    database = await setupDatabase('postgres');
    handle = createDatabase(
      { ...database.settings, poolSize: 4 },
      { onConnectionError: (error) => idleErrors.push(error) },
    );
  });

  afterEach(async () => {
    await handle.close();
    await database.drop();
  });

  const backendPids = async () => {
    // Four concurrent queries make the pool open four connections.
    const results = await Promise.all(
      [1, 2, 3, 4].map(() =>
        sql<{ pid: number }>`select pg_backend_pid() as pid, pg_sleep(0.05)`.execute(handle.db),
      ),
    );
    return results.map((r) => r.rows[0]?.pid);
  };

  it('after every pool connection is terminated, the next query succeeds', async () => {
    const pids = await backendPids();
    expect(new Set(pids).size).toBe(4);

    const name =
      database.settings.target.engine === 'postgres' ? database.settings.target.database : '';
    await adminQuery(
      `select pg_terminate_backend(pid) from pg_stat_activity where datname = '${name}' and pid <> pg_backend_pid()`,
    );

    const { rows } = await sql<{ answer: number }>`select 42 as answer`.execute(handle.db);
    expect(rows).toEqual([{ answer: 42 }]);
    const fresh = await backendPids();
    expect(fresh.some((pid) => pids.includes(pid))).toBe(false);
  });

  it('a connection lost inside a transaction fails the unit of work instead of replaying it', async () => {
    await expect(
      withTransaction(handle.db, async (trx) => {
        await sql`select 1`.execute(trx);
        await sql`select pg_terminate_backend(pg_backend_pid())`.execute(trx);
      }),
    ).rejects.toThrow(/terminat/i);
    const { rows } = await sql<{ ok: number }>`select 1 as ok`.execute(handle.db);
    expect(rows).toEqual([{ ok: 1 }]);
  });
});
