import Database from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { engines, openDatabase, type TestDatabase } from '../../../test/database.ts';
import { projectRevisions } from '../../../test/migrations-dir.ts';
import { createMigrator, MIGRATIONS_DIR } from './index.ts';
import { ADVISORY_LOCK_KEY } from './migration-lock.ts';

/** Holds what a migration run needs (the advisory lock, or SQLite's write lock) from outside. */
async function holdMigrationLock(database: TestDatabase): Promise<() => Promise<void>> {
  const { target } = database.settings;
  if (target.engine === 'postgres') {
    const client = new pg.Client({ connectionString: target.connectionString });
    await client.connect();
    await client.query(`select pg_advisory_lock(${ADVISORY_LOCK_KEY})`);
    return () => client.end();
  }
  const other = new Database(target.filename);
  other.exec('begin immediate');
  return async () => {
    other.exec('rollback');
    other.close();
  };
}

describe.each(engines)('the migration lock on %s', (engine) => {
  it('a run that cannot get the lock in time stops with MIGRATION_LOCK_TIMEOUT, then runs once it is free', async () => {
    const { database, handle, teardown } = await openDatabase(engine);
    try {
      // The version table exists first, so what the run waits for is the lock itself.
      await createMigrator({
        db: handle.db,
        migrationsDir: MIGRATIONS_DIR,
        lockTimeoutMs: 5_000,
      }).stamp('base');
      const release = await holdMigrationLock(database);
      let waited = false;
      const blocked = createMigrator({
        db: handle.db,
        migrationsDir: MIGRATIONS_DIR,
        lockTimeoutMs: 400,
        onWait: () => {
          waited = true;
        },
      });
      await expect(blocked.upgrade()).rejects.toMatchObject({
        code: 'MIGRATION_LOCK_TIMEOUT',
        retryable: true,
      });
      // PostgreSQL polls and says it waits; SQLite waits inside its busy handler.
      expect(waited).toBe(engine === 'postgres');
      expect((await blocked.status()).current).toBeNull();

      await release();
      const results = await blocked.upgrade();
      // Every project migration, in order, and each applied by this run (none skipped).
      expect(results.map((r) => [r.revision, r.status])).toEqual(
        projectRevisions().map((revision) => [revision, 'applied']),
      );
    } finally {
      await teardown();
    }
  });
});
